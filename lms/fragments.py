"""Rendered template fragments kept in the project's cache, for markup that is costly to render on every request.

A fragment's key names everything it shows (the course revision it was read from, the language, the learner's
states...), so an entry is never stale: a change gives a new key and old entries expire. The cache is Redis in
production and degrades to rendering every time when Redis does not answer (lms/cache.py).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

FRAGMENT_TIMEOUT = 24 * 60 * 60


def fragment_key(*parts: str | int | bool | tuple[Any, ...] | None) -> str:
    """A cache key naming `parts` and the active language. Parts are plain values: a lazy string's repr is its
    address, not its text."""
    digest = hashlib.sha256(repr((get_language(), parts)).encode()).hexdigest()
    return f"fragment:{digest}"


def cached_fragments(*, template_name: str, fragments: list[tuple[str, dict[str, Any]]]) -> list[SafeString]:
    """Each (key, context) rendered with `template_name`: read from the cache in one call, the missing ones
    rendered and stored in one more."""
    found = cache.get_many([key for key, _ in fragments])
    rendered: dict[str, SafeString] = {}
    html = []
    for key, context in fragments:
        fragment = found.get(key)
        if fragment is None:
            fragment = rendered[key] = render_to_string(template_name, context)
        html.append(fragment)
    if rendered:
        cache.set_many(rendered, timeout=FRAGMENT_TIMEOUT)
    return html
