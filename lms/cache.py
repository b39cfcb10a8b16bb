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
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
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
