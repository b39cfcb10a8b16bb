import pytest
from django.db import DatabaseError

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_with_the_database_and_broker_status(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "eager"}


def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch, settings):
    settings.CELERY_BROKER_URL = ""

    def broken(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_healthz_reports_a_broker_that_does_not_answer(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "down"


@pytest.mark.redis
def test_healthz_reports_a_live_broker(client, settings):
    import os

    settings.CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ["REDIS_URL"]
    assert client.get("/healthz").json()["broker"] == "ok"
