"""The Redis cache's request memo and its one client per pool (lms/cache.py), against a redis-server of the test's own.

A second reader of a key in the same request pays no round trip and gets its own copy; the request's writes are
seen by its later reads; another request, or code outside a request, reads Redis afresh.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from lms.cache import CacheRequestMemoMiddleware, ResilientRedisCache, request_memo
from tests.faults import RedisServer, redis_server


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@pytest.fixture
def commands(monkeypatch) -> list[tuple[str, ...]]:
    """Every command a redis-py client sends, by name and first key."""
    sent: list[tuple[str, ...]] = []
    execute = redis.Redis.execute_command

    def spy(self, *args, **options):
        sent.append(tuple(str(arg) for arg in args[:2]))
        return execute(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", spy)
    return sent


def backend(url: str) -> ResilientRedisCache:
    return ResilientRedisCache(url, {"OPTIONS": {"BREAKER_SECONDS": 0.3}})


def names(sent: list[tuple[str, ...]]) -> list[str]:
    return [command[0] for command in sent]


def test_one_redis_client_serves_every_operation(own_redis):
    redis_cache = backend(own_redis.url)
    client = redis_cache._cache.get_client(None)
    assert redis_cache._cache.get_client(None, write=True) is client
    redis_cache.set("k", 1)
    assert redis_cache.get("k") == 1
    assert redis_cache._cache.get_client(None) is client


def test_a_key_read_twice_in_a_request_costs_one_round_trip_and_each_reader_gets_its_own_copy(own_redis, commands):
    redis_cache = backend(own_redis.url)
    redis_cache.set("outline", {"items": [1, 2]})
    commands.clear()
    with request_memo():
        first = redis_cache.get("outline")
        first["items"].append(3)  # a caller that changes what it read
        second = redis_cache.get("outline")
        assert redis_cache.get("absent", "default") == "default"
        assert redis_cache.get("absent", "default") == "default"
    assert second == {"items": [1, 2]}
    assert names(commands) == ["GET", "GET"]  # "outline" once, "absent" once


def test_outside_a_request_every_read_goes_to_redis_and_sees_other_writers(own_redis, commands):
    redis_cache, other = backend(own_redis.url), backend(own_redis.url)
    redis_cache.set("v", 1)
    assert redis_cache.get("v") == 1
    other.set("v", 2)
    assert redis_cache.get("v") == 2


def test_a_request_sees_its_own_writes_and_deletes(own_redis, commands):
    redis_cache, other = backend(own_redis.url), backend(own_redis.url)
    with request_memo():
        assert redis_cache.get("v") is None
        redis_cache.set("v", "mine")
        commands.clear()
        assert redis_cache.get("v") == "mine"
        assert commands == []  # the set's bytes are remembered
        redis_cache.delete("v")
        assert redis_cache.get("v", "gone") == "gone"
        redis_cache.set_many({"a": 1, "b": 2})
        assert redis_cache.get_many(["a", "b"]) == {"a": 1, "b": 2}
        assert redis_cache.add("c", 1) is True
        assert redis_cache.incr("c") == 2
        assert redis_cache.get("c") == 2
        redis_cache.delete_many(["a"])
        assert redis_cache.has_key("a") is False
        assert redis_cache.has_key("b") is True
    assert other.get("v") is None
    assert other.get_many(["a", "b", "c"]) == {"b": 2, "c": 2}


def test_prefetch_reads_every_key_in_one_round_trip_then_gets_cost_none(own_redis, commands):
    redis_cache = backend(own_redis.url)
    redis_cache.set("a", 1)
    redis_cache.set("b", 2, version=2)
    commands.clear()
    with request_memo():
        redis_cache.prefetch([("a", None), ("b", 2), ("missing", None)])
        assert redis_cache.get("a") == 1
        assert redis_cache.get("b", version=2) == 2
        assert redis_cache.get("missing", "none") == "none"
        assert redis_cache.get_many(["a", "missing"]) == {"a": 1}
    assert names(commands) == ["MGET"]
    commands.clear()
    redis_cache.prefetch([("a", None)])  # outside a request: nothing to remember it in, nothing read
    assert commands == []


def test_the_memo_degrades_with_the_cache_when_redis_is_down(own_redis):
    redis_cache = backend(own_redis.url)
    redis_cache.set("a", 1)
    own_redis.stop()
    with request_memo():
        redis_cache.prefetch([("a", None)])
        assert redis_cache.get("a", "default") == "default"
        redis_cache.set("a", 2)  # dropped
        assert redis_cache.get("a", "default") == "default"


def test_the_middleware_gives_each_request_its_own_memo(own_redis, commands):
    """Within a request a key is read once; the next request reads it afresh and sees a change made in between."""
    redis_cache = backend(own_redis.url)
    redis_cache.set("flag", "before")
    seen: list[tuple[str, str]] = []

    def view(request):
        seen.append((redis_cache.get("flag"), redis_cache.get("flag")))
        return HttpResponse()

    middleware = CacheRequestMemoMiddleware(view)
    commands.clear()
    middleware(RequestFactory().get("/"))
    redis_cache.set("flag", "after")
    middleware(RequestFactory().get("/"))
    assert seen == [("before", "before"), ("after", "after")]
    assert names(commands) == ["GET", "SET", "GET"]


def test_the_memo_middleware_comes_first():
    """Every cache read of a request, the session's included, happens inside the memo."""
    assert settings.MIDDLEWARE[0] == "lms.cache.CacheRequestMemoMiddleware"


@pytest.mark.django_db
def test_request_keys_come_from_the_functions_settings_name(settings, rf):
    from django.contrib.auth.models import AnonymousUser

    from lms.cache import request_keys
    from tests.factories import make_user

    settings.CACHE_REQUEST_KEYS = ["frontend.templatetags.frontend_tags.admin_access_keys"]
    request = rf.get("/")
    request.user = AnonymousUser()
    assert request_keys(request) == []  # a visitor has no user bar to ask about
    request.user = make_user()
    assert request_keys(request) == [
        ("frontend:admin-access-generation", None),
        (f"frontend:admin-access:{request.user.pk}", None),
    ]
