"""Test helper: which cached fragments were rendered (cache misses) rather than read from the cache."""

from __future__ import annotations

from typing import Any

import pytest

from lms import fragments
from lms.memo import ProcessLRU


def fragment_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The list, kept up to date, of the templates lms.fragments renders from now on (one name per miss). The
    process's fragments are forgotten first, so that only the test's own cache entries count."""
    monkeypatch.setattr(fragments, "_IN_PROCESS", ProcessLRU(2048))
    rendered: list[str] = []
    original = fragments.render_to_string

    def counting(template_name: str, context: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> str:
        rendered.append(template_name)
        return original(template_name, context, *args, **kwargs)

    monkeypatch.setattr(fragments, "render_to_string", counting)
    return rendered
