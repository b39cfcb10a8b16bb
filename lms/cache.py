"""The cache on Redis as an accelerator: when Redis does not answer, the site carries on without it.

Every operation that fails with a connection or timeout error degrades instead of raising: reads miss and
return the default, writes and deletes do nothing, `add` answers True (so a lock built on it, such as
allauth's rate-limit lock, is taken instead of spun on: rate limits fail open) and `incr` answers as a fresh
counter would (`delta`: the badges lookup limiter does not limit).

A circuit breaker, shared by every thread of the process, keeps a down Redis to one short timeout every
BREAKER_SECONDS: while it is open, operations skip Redis altogether. The outage is logged once when it starts
and once when it ends.

A write or delete dropped during the outage (an outline version bump at publish, a session deleted at logout)
leaves entries in Redis that may now be stale, so the process that dropped one flushes the cache's database
when Redis answers again, before it reads anything from it. Flushing is safe because nothing in the cache is
the only copy: sessions are `cached_db` (the database holds them), outlines and admin-access answers are
rebuilt from the database, rate-limit windows restart. REDIS_URL must name a database of its own (not the
broker's).

Two costs of Django's own Redis cache are cut (`MemoRedisCacheClient`): it built a new `redis.Redis` client object
for every operation (a few hundred dictionary writes each), and a page that reads the same key twice (Wagtail's
site root paths, a translation's original) paid a round trip each time. Within a request (`request_memo`, opened by
`CacheRequestMemoMiddleware`), each key's stored bytes are read from Redis once and unpickled afresh on every
get, so no caller sees another's mutations; the request's own writes update the memo, and `prefetch` reads the keys
a page is known to need in one round trip. Outside a request (tasks, commands) every get goes to Redis.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)
SOCKET_TIMEOUT_SECONDS = 0.5
BREAKER_SECONDS = 5.0

T = TypeVar("T")


class Breaker:
    """The state of one Redis server as this process sees it. Every field is read and written under `lock`."""

    def __init__(self, *, name: str, seconds: float) -> None:
        self.name = name
        self.seconds = seconds
        self.lock = threading.Lock()
        self.down = False
        self.retry_at = 0.0
        self.stale = False

    def trip(self, error: Exception, *, write: bool) -> None:
        with self.lock:
            self.retry_at = time.monotonic() + self.seconds
            self.stale = self.stale or write
            if self.down:
                return
            self.down = True
        logger.warning(
            "Redis cache %s does not answer (%s): serving without it, trying again every %s s",
            self.name,
            error,
            self.seconds,
        )

    def claim_probe(self) -> bool | None:
        """None when Redis is up; True when this caller should probe it now; False while the breaker stays open."""
        if not self.down:  # the common case costs no lock: a stale read only delays the breaker by one call
            return None
        with self.lock:
            if not self.down:
                return None
            now = time.monotonic()
            if now < self.retry_at:
                return False
            # This caller probes; every other one keeps skipping Redis until it has.
            self.retry_at = now + self.seconds
            return True

    def drop(self, *, write: bool) -> None:
        if write:
            with self.lock:
                self.stale = True


_breakers: dict[tuple[str, ...], Breaker] = {}
_breakers_lock = threading.Lock()


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}{parts.path}"


def breaker_for(servers: list[str], *, seconds: float) -> Breaker:
    """One breaker per Redis location and process: Django builds a cache object per thread, the outage is shared."""
    key = tuple(servers)
    with _breakers_lock:
        if key not in _breakers:
            _breakers[key] = Breaker(name=",".join(_redacted(server) for server in servers), seconds=seconds)
        return _breakers[key]


# The current request's reads, by full cache key: the bytes Redis held (None for a miss). None outside a request.
_memo: ContextVar[dict[str, Any] | None] = ContextVar("lms_cache_request_memo", default=None)


@contextmanager
def request_memo() -> Iterator[dict[str, Any]]:
    """Remember, until the block ends, what each key held when this context first read it (see the module's doc)."""
    memo: dict[str, Any] = {}
    token = _memo.set(memo)
    try:
        yield memo
    finally:
        _memo.reset(token)


@functools.cache
def _request_key_functions(paths: tuple[str, ...]) -> list[Callable[[HttpRequest], Iterable[tuple[Any, int | None]]]]:
    return [import_string(path) for path in paths]


def request_keys(request: HttpRequest) -> list[tuple[Any, int | None]]:
    """The (key, version) pairs that every page of the site reads for `request` whatever the page (the user bar's
    admin-access answer, say), named by the functions of settings.CACHE_REQUEST_KEYS (dotted paths, so that an app
    names its own keys without the page's app importing it): a page's prefetch reads them with its own."""
    functions = _request_key_functions(tuple(getattr(settings, "CACHE_REQUEST_KEYS", ())))
    return [pair for keys in functions for pair in keys(request)]


class CacheRequestMemoMiddleware:
    """One `request_memo` per request: first in MIDDLEWARE, so the session's read is remembered too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_memo():
            return self.get_response(request)


class MemoRedisCacheClient(RedisCacheClient):
    """Django's Redis client with one `redis.Redis` object per connection pool, and the request memo."""

    # Django's own attributes, which django-stubs leave undeclared.
    _pools: dict[int, Any]
    _pool_class: Any
    _pool_options: dict[str, Any]
    _servers: list[str]
    _client: Any
    _serializer: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = cast(Any, super())._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client

    def _loads(self, raw: Any, default: Any) -> Any:
        return default if raw is None else self._serializer.loads(raw)

    def get(self, key: Any, default: Any) -> Any:
        memo = _memo.get()
        if memo is None:
            return super().get(key, default)
        if key not in memo:
            memo[key] = self.get_client(key).get(key)
        return self._loads(memo[key], default)

    def get_many(self, keys: Any, memo_only: bool = False) -> dict[Any, Any]:
        memo = _memo.get()
        if memo is None:
            return {} if memo_only else super().get_many(keys)
        keys = list(keys)
        missing = [key for key in keys if key not in memo]
        if missing:
            memo.update(zip(missing, self.get_client(None).mget(missing), strict=True))
        if memo_only:
            return {}
        return {key: self._serializer.loads(memo[key]) for key in keys if memo[key] is not None}

    def has_key(self, key: Any) -> bool:
        memo = _memo.get()
        if memo is not None and key in memo:
            return memo[key] is not None
        return bool(super().has_key(key))

    def set(self, key: Any, value: Any, timeout: Any) -> None:
        memo = _memo.get()
        if memo is None:
            super().set(key, value, timeout)
            return
        memo.pop(key, None)  # if Redis fails below, the next read asks it again
        client = self.get_client(key, write=True)
        raw = self._serializer.dumps(value)
        if timeout == 0:
            client.delete(key)
            memo[key] = None
        else:
            client.set(key, raw, ex=timeout)
            memo[key] = raw

    def _forget(self, keys: Iterable[Any]) -> None:
        memo = _memo.get()
        if memo is not None:
            for key in keys:
                memo.pop(key, None)

    def add(self, key: Any, value: Any, timeout: Any) -> bool:
        self._forget([key])
        return bool(super().add(key, value, timeout))

    def touch(self, key: Any, timeout: Any) -> bool:
        self._forget([key])  # a zero timeout deletes it
        return bool(super().touch(key, timeout))

    def delete(self, key: Any) -> bool:
        self._forget([key])
        return bool(super().delete(key))

    def incr(self, key: Any, delta: int) -> Any:
        self._forget([key])
        return super().incr(key, delta)

    def set_many(self, data: Mapping[Any, Any], timeout: Any) -> None:
        self._forget(data)
        super().set_many(data, timeout)

    def delete_many(self, keys: Any) -> None:
        keys = list(keys)
        self._forget(keys)
        super().delete_many(keys)

    def clear(self) -> bool:
        memo = _memo.get()
        if memo is not None:
            memo.clear()
        return bool(super().clear())


class ResilientRedisCache(RedisCache):
    """Django's Redis cache with short socket timeouts, a circuit breaker and degraded answers when Redis is down.

    OPTIONS: BREAKER_SECONDS (how long the breaker stays open, 5 by default); socket_connect_timeout and
    socket_timeout (0.5 s by default) and anything else redis-py's connection pool accepts.
    """

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS", {}))
        seconds = float(options.pop("BREAKER_SECONDS", BREAKER_SECONDS))
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT_SECONDS)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT_SECONDS)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = MemoRedisCacheClient
        servers = re.split("[;,]", server) if isinstance(server, str) else server  # as RedisCache splits them
        self.breaker = breaker_for(servers, seconds=seconds)

    def _call(self, operation: Callable[..., T], *args: Any, fallback: T, write: bool) -> T:
        probe = self.breaker.claim_probe()
        if probe is False or (probe and not self._recover()):
            self.breaker.drop(write=write)
            return fallback
        try:
            return operation(*args)
        except REDIS_DOWN as error:
            self.breaker.trip(error, write=write)
            return fallback

    def _recover(self) -> bool:
        """Redis answers again? Then flush what a dropped write may have left stale, and close the breaker."""
        breaker = self.breaker
        with breaker.lock:
            flush = breaker.stale
            breaker.stale = False
        try:
            client = self._cache.get_client(None, write=True)
            if flush:
                client.flushdb()
            else:
                client.ping()
        except REDIS_DOWN:
            with breaker.lock:
                breaker.stale = breaker.stale or flush
            return False
        with breaker.lock:
            if breaker.stale:
                # Another thread dropped a write while this one flushed: the next call flushes again.
                breaker.retry_at = 0.0
                return False
            breaker.down = False
        logger.warning("Redis cache %s answers again%s", breaker.name, " (flushed)" if flush else "")
        return True

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call(super().add, key, value, timeout, version, fallback=True, write=True)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call(super().get, key, default, version, fallback=default, write=False)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._call(super().set, key, value, timeout, version, fallback=None, write=True)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call(super().touch, key, timeout, version, fallback=False, write=True)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._call(super().delete, key, version, fallback=False, write=True)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._call(super().get_many, keys, version, fallback={}, write=False)

    def prefetch(self, keys: Iterable[tuple[Any, int | None]]) -> None:
        """Read these (key, version) pairs in one round trip into the current request's memo, for the gets that
        follow in the request. Outside a request it does nothing."""
        if _memo.get() is None:
            return
        full = [self.make_and_validate_key(key, version=version) for key, version in keys]
        if full:
            self._call(cast(Any, self._cache).get_many, full, True, fallback=None, write=False)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._call(super().has_key, key, version, fallback=False, write=False)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._call(super().incr, key, delta, version, fallback=delta, write=True)

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        return self._call(super().set_many, data, timeout, version, fallback=list(data), write=True)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._call(super().delete_many, keys, version, fallback=None, write=True)

    def clear(self) -> None:
        self._call(super().clear, fallback=None, write=True)
