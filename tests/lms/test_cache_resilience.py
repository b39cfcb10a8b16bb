"""The Redis cache degrades instead of failing: tested against a redis-server of the test's own that it stops."""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import RequestFactory

from badges.views import rate_limited
from lms.cache import ResilientRedisCache
from progress.models import Enrolment, ItemState
from tests.factories import make_course, make_user
from tests.faults import Browser, RedisServer, redis_server, signed_in, site
from tests.progress.factories import items_of

BREAKER_SECONDS = 0.3
TIMEOUT_SECONDS = 0.2


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


def backend(url: str) -> ResilientRedisCache:
    options = {"BREAKER_SECONDS": BREAKER_SECONDS, "socket_timeout": TIMEOUT_SECONDS}
    return ResilientRedisCache(url, {"OPTIONS": {**options, "socket_connect_timeout": TIMEOUT_SECONDS}})


@pytest.fixture
def site_cache(settings, own_redis: RedisServer) -> RedisServer:
    """The site's default cache on the test's own redis-server."""
    options = {"BREAKER_SECONDS": BREAKER_SECONDS, "socket_timeout": TIMEOUT_SECONDS}
    settings.CACHES = {
        "default": {"BACKEND": "lms.cache.ResilientRedisCache", "LOCATION": own_redis.url, "OPTIONS": options}
    }
    return own_redis


def paused(server: RedisServer) -> None:
    """A hung Redis: it keeps its data and its connections but answers nothing until resumed."""
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGSTOP)


def resumed(server: RedisServer) -> None:
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGCONT)


def test_a_read_misses_and_returns_the_default_while_redis_is_down(own_redis):
    redis_cache = backend(own_redis.url)
    redis_cache.set("outline", "cached")
    own_redis.stop()
    assert redis_cache.get("outline", "default") == "default"
    assert redis_cache.get_many(["outline"]) == {}
    assert redis_cache.has_key("outline") is False


def test_a_write_is_dropped_without_an_error_while_redis_is_down(own_redis):
    redis_cache = backend(own_redis.url)
    own_redis.stop()
    redis_cache.set("a", 1)
    redis_cache.set_many({"b": 2})
    redis_cache.delete("a")
    redis_cache.delete_many(["a", "b"])
    assert redis_cache.get("a") is None


def test_add_answers_stored_and_incr_a_fresh_counter_while_redis_is_down(own_redis):
    redis_cache = backend(own_redis.url)
    own_redis.stop()
    assert redis_cache.add("lock", True) is True
    assert redis_cache.incr("counter", 3) == 3


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(own_redis, caplog):
    redis_cache = backend(own_redis.url)
    own_redis.stop()
    with caplog.at_level(logging.INFO, logger="lms.cache"):
        for _ in range(5):
            redis_cache.get("key")
        time.sleep(BREAKER_SECONDS)
        for _ in range(5):
            redis_cache.get("key")
        own_redis.start()
        time.sleep(BREAKER_SECONDS)
        for _ in range(5):
            redis_cache.get("key")
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert "does not answer" in messages[0]
    assert "answers again" in messages[1]


def test_the_open_breaker_skips_redis_until_it_is_time_to_try_again():
    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections, never answers: every call would time out
    with silent:
        redis_cache = backend(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        started = time.monotonic()
        redis_cache.get("key")
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(50):
            redis_cache.get("key")
        skipped = time.monotonic() - started
        time.sleep(BREAKER_SECONDS)
        started = time.monotonic()
        redis_cache.get("key")
        retried = time.monotonic() - started
    assert first >= TIMEOUT_SECONDS
    assert skipped < TIMEOUT_SECONDS
    assert retried >= TIMEOUT_SECONDS


def test_recovery_after_a_dropped_write_clears_what_may_be_stale(own_redis):
    redis_cache = backend(own_redis.url)
    redis_cache.set("outline-version", "before the publish")
    paused(own_redis)
    try:
        redis_cache.set("outline-version", "after the publish")
    finally:
        resumed(own_redis)
    time.sleep(BREAKER_SECONDS)
    assert redis_cache.get("outline-version") is None


def test_recovery_without_a_dropped_write_keeps_the_cache(own_redis):
    redis_cache = backend(own_redis.url)
    redis_cache.set("outline", "cached")
    paused(own_redis)
    try:
        assert redis_cache.get("outline") is None
    finally:
        resumed(own_redis)
    time.sleep(BREAKER_SECONDS)
    assert redis_cache.get("outline") == "cached"


@pytest.mark.django_db
def test_a_signed_in_session_is_read_from_the_database_while_redis_is_down(client, site_cache):
    client.force_login(make_user())
    site_cache.stop()
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert response.wsgi_request.user.is_authenticated


def test_the_credential_lookup_limiter_does_not_limit_while_redis_is_down(site_cache):
    request = RequestFactory().get("/credentials/")
    site_cache.stop()
    assert not any(rate_limited(request, scope="lookup", limit=1) for _ in range(3))


@pytest.mark.django_db
def test_signing_in_is_not_rate_limited_while_redis_is_down(client, settings, site_cache):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "1/m/ip,1/5m/key"}
    make_user(email="learner@example.test")
    site_cache.stop()
    wrong = {"login": "learner@example.test", "password": "wrong-password"}
    client.post("/accounts/login/", wrong)
    started = time.monotonic()
    response = client.post("/accounts/login/", {"login": "learner@example.test", "password": "pw-123456789"})
    assert response.status_code == 302
    assert time.monotonic() - started < 1


def site_env(redis_url: str, *, database_port: int | None = None) -> dict[str, str]:
    database = connection.settings_dict
    port = database_port or database["PORT"] or 5432
    return {
        "DATABASE_URL": f"postgres://{database['USER']}@127.0.0.1:{port}/{database['NAME']}",
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": "",
    }


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_learners_study_while_redis_is_stopped_and_after_it_restarts(own_redis):
    course = make_course(lessons_per_module=2)
    first, second = items_of(course)
    user = make_user()
    with site(site_env(own_redis.url)) as port:
        learner, visitor = Browser(port, signed_in(user)), Browser(port)
        assert learner.get("/dashboard/").status == 200
        assert visitor.get(course.url).status == 200

        own_redis.stop()
        assert visitor.get("/courses/").status == 200
        assert visitor.get(course.url).status == 200
        assert learner.get("/dashboard/").status == 200
        assert learner.post(f"/learning/courses/{course.pk}/enrol/").status == 302
        assert learner.get(first.url).status == 200
        assert learner.post(f"/learning/items/{first.pk}/complete/").status == 302

        own_redis.start()
        assert learner.get(course.url).status == 200
        assert learner.get(second.url).status == 200
        assert learner.post(f"/learning/items/{second.pk}/complete/").status == 302
        dashboard = learner.get("/dashboard/")

    assert dashboard.status == 200
    assert course.title in dashboard.body
    enrolment = Enrolment.objects.get(user=user, course=course)
    assert set(enrolment.item_progress.filter(state=ItemState.COMPLETE).values_list("item", flat=True)) == {
        first.pk,
        second.pk,
    }
