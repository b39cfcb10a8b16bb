"""Bearer tokens, the scope and subject of each operation, and the rate limit per token.

The rate limit is a fixed window counted in the cache (`API_RATE_LIMIT`, "600/m" by default). The cache is Redis,
an accelerator (lms.cache): when Redis does not answer, the counter answers as a fresh one would, so the API keeps
serving without limits rather than refusing every client (it fails open, as the site's other rate limits do).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from integrations.api.errors import ApiError
from integrations.models import ApiToken
from integrations.tokens import token_authenticate
from lms.models import User
from organizations.models import Organization

PERIODS = {"s": 1, "m": 60, "h": 3600}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*([smh])\s*$")


@dataclass(frozen=True)
class RateWindow:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


def rate_limit() -> tuple[int, int]:
    """(requests, seconds) from `API_RATE_LIMIT`, such as "600/m"."""
    match = _RATE.match(settings.API_RATE_LIMIT)
    if match is None:
        raise ValueError(f"API_RATE_LIMIT must read like 600/m, not {settings.API_RATE_LIMIT!r}")
    return int(match[1]), PERIODS[match[2]]


def rate_count(*, token_id: int, now: float | None = None) -> RateWindow:
    """Count one request of the token in the current window (two cache round trips)."""
    limit, seconds = rate_limit()
    now = time.time() if now is None else now
    window = int(now // seconds)
    key = f"integrations:api-rate:{token_id}:{window}"
    cache.add(key, 0, seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.set(key, 1, seconds + 1)
        count = 1
    reset = max(1, int((window + 1) * seconds - now))
    return (
        RateWindow(limit=limit, remaining=max(0, limit - count), reset=reset)
        if count <= limit
        else RateWindow(limit=limit, remaining=-1, reset=reset)
    )


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`: the token's row on `request.auth`; unknown or revoked answers 401."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = token_authenticate(plain=token.strip())
        if found is None:
            return None
        window = rate_count(token_id=found.pk)
        request.api_rate = window  # type: ignore[attr-defined]  # the response carries its headers (urls.py)
        if window.remaining < 0:
            raise ApiError(
                429,
                _("Too many requests for this token: wait %(seconds)d seconds.") % {"seconds": window.reset},
                headers={"Retry-After": str(window.reset)},
            )
        if found.organization_id is not None and not found.creator_is_admin:  # type: ignore[attr-defined]
            raise ApiError(403, _("This token's creator no longer administers the organization: make a new one."))
        return found


def token_of(request: HttpRequest) -> ApiToken:
    token: Any = getattr(request, "auth", None)
    assert isinstance(token, ApiToken)
    return token


def writable(request: HttpRequest) -> ApiToken:
    """The request's token if it may change things; 403 for a read-only token."""
    token = token_of(request)
    if not token.may_write:
        raise ApiError(
            403, _("This token may only read: make a read and write token to change things."), code="read_only_token"
        )
    return token


def organization_of(request: HttpRequest) -> tuple[Organization, User]:
    """The token's organization and the admin it acts for; 403 for a learner's token."""
    token = token_of(request)
    if token.organization is None or token.created_by is None:
        raise ApiError(403, _("This operation needs an organization's token."), code="organization_token_required")
    return token.organization, token.created_by


def learner_of(request: HttpRequest) -> User:
    token = token_of(request)
    if token.user is None:
        raise ApiError(403, _("This operation needs a learner's own token."), code="learner_token_required")
    return token.user
