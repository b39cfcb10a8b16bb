import os
import socket
import time

import pytest
from django.db import DatabaseError

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down(monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", broken)


def test_healthz_answers_200_without_asking_the_database_or_the_broker(client, settings, database_down):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_answers_200_when_the_database_answers_and_tasks_run_eagerly(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "eager"}


def test_readyz_answers_503_naming_the_database_when_it_is_down(client, settings, database_down):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"database": "down", "broker": "eager"}


def test_readyz_answers_503_naming_a_broker_that_refuses_connections(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "down"}


def test_readyz_gives_up_on_a_silent_broker_in_about_a_second(client, settings):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts the connection, never answers
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    assert response.json()["broker"] == "down"
    assert elapsed < 2


@pytest.mark.redis
def test_readyz_answers_200_with_a_live_broker(client, settings):
    settings.CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ["REDIS_URL"]
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
