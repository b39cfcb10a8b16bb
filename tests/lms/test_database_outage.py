"""A database outage answers a friendly 503 page, never Django's 500."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down(monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("connection to server failed: Connection refused")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", broken)


@pytest.fixture
def browser() -> Client:
    return Client(raise_request_exception=False)


def test_a_page_answers_503_with_the_outage_page_while_the_database_is_down(browser, database_down):
    response = browser.get("/courses/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "We'll be right back" in body
    assert "Traceback" not in body


def test_the_outage_page_is_translated(browser, database_down):
    with translation.override("fr"):
        response = browser.get("/courses/", headers={"accept-language": "fr"})
    assert response.status_code == 503
    assert '<html lang="fr">' in response.content.decode()


class SessionLoadingMiddleware:
    """Stands for a middleware that reads the database before the view (loading the session or the user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.session.load()
        return self.get_response(request)


def test_a_database_error_raised_in_a_middleware_answers_the_outage_page(browser, settings, database_down):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.lms.test_database_outage.SessionLoadingMiddleware"]
    browser.cookies["sessionid"] = "a" * 32
    response = browser.get("/courses/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"


def test_another_server_error_still_answers_500(browser, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", broken)
    assert browser.get("/courses/").status_code == 500


def test_healthz_answers_200_while_the_database_is_down(browser, database_down):
    assert browser.get("/healthz").status_code == 200
