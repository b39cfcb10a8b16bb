"""A database outage answers a friendly 503 page, never Django's 500."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.test import Client

from tests.factories import make_course, make_user
from tests.faults import Browser, TcpProxy, signed_in, site, wait_for

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


def test_the_outage_page_is_served_in_the_visitors_language(browser, database_down):
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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_site_answers_503_while_the_database_is_cut_and_recovers_when_it_returns():
    course = make_course(lessons_per_module=1)
    user = make_user()
    database = connection.settings_dict
    proxy = TcpProxy((database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432)))
    env = {
        "DATABASE_URL": f"postgres://{database['USER']}@127.0.0.1:{proxy.port}/{database['NAME']}",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
    }
    try:
        with site(env) as port:
            visitor, learner = Browser(port), Browser(port, signed_in(user))
            assert visitor.get("/readyz").status == 200
            assert visitor.get(course.url).status == 200

            proxy.cut()
            readiness = visitor.get("/readyz")
            page = visitor.get(course.url)
            dashboard = learner.get("/dashboard/")
            liveness = visitor.get("/healthz")

            proxy.restore()
            wait_for(lambda: visitor.get("/readyz").status == 200, seconds=10, what="/readyz to answer 200 again")
            recovered = visitor.get(course.url)
            dashboard_again = learner.get("/dashboard/")
    finally:
        proxy.close()
    assert (readiness.status, json.loads(readiness.body)) == (503, {"database": "down", "broker": "eager"})
    assert page.status == 503
    assert page.headers["Retry-After"] == "30"
    assert "We'll be right back" in page.body
    assert dashboard.status == 503
    assert liveness.status == 200
    assert recovered.status == 200
    assert course.title in recovered.body
    assert dashboard_again.status == 200
