"""Rendered template fragments kept in the project's cache, for markup that is costly to render on every request.

A fragment's key names everything it shows (the course revision it was read from, the language, the learner's
states...) and the release that rendered it, so an entry is never stale: a change gives a new key and old entries
expire. The cache is Redis in production and degrades to rendering every time when Redis does not answer
(lms/cache.py).

Since an entry never goes stale, each process also keeps the fragments it has read or rendered lately in a bounded
LRU (lms.memo), as content.selectors keeps outlines: a hit then costs no round trip to Redis and no unpickling.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from lms.memo import ProcessLRU

FRAGMENT_TIMEOUT = 24 * 60 * 60

_IN_PROCESS: ProcessLRU[SafeString] = ProcessLRU(2048)


def fragment_key(*parts: str | int | bool | tuple[Any, ...] | None) -> str:
    """A cache key naming `parts`, the active language and the release (settings.RELEASE: markup a release cached is
    not the next one's, whose templates may differ). Parts are plain values: a lazy string's repr is its address,
    not its text."""
    digest = hashlib.sha256(repr((settings.RELEASE, get_language(), parts)).encode()).hexdigest()
    return f"fragment:{digest}"


def cached_fragments(*, template_name: str, fragments: list[tuple[str, dict[str, Any]]]) -> list[SafeString]:
    """Each (key, context) rendered with `template_name`: from this process's LRU, else read from the cache in one
    call, else rendered (and stored in one more)."""
    known = _IN_PROCESS.get_many(key for key, _ in fragments)
    wanted = [key for key, _ in fragments if key not in known]
    found = cache.get_many(wanted) if wanted else {}
    rendered: dict[str, SafeString] = {}
    for key, context in fragments:
        if key not in known and key not in found and key not in rendered:
            rendered[key] = render_to_string(template_name, context)
    if rendered:
        cache.set_many(rendered, timeout=FRAGMENT_TIMEOUT)
    if found or rendered:
        _IN_PROCESS.update({**found, **rendered})
    fragments_by_key = {**found, **rendered, **known}
    return [fragments_by_key[key] for key, _ in fragments]


def cached_fragment(
    *, template_name: str, key: str, context: Callable[[], dict[str, Any]], request: HttpRequest | None = None
) -> SafeString:
    """One fragment under `key`: from this process's LRU, else the cache, else rendered from `context()` (called
    only then, so a hit reads nothing from the database) with `request`, and stored."""
    found = _IN_PROCESS.get(key)
    if found is not None:
        return found
    found = cache.get(key)
    if found is None:
        found = render_to_string(template_name, context(), request=request)
        cache.set(key, found, timeout=FRAGMENT_TIMEOUT)
    _IN_PROCESS.set(key, found)
    return found
