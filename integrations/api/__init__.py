"""The JSON API, version 1, at /api/v1/ (django-ninja): one router module per resource.

- `organizations`: an organization's token (seat bundles, seats, invitations, staff progress and credentials);
- `me`: a learner's own token (enrolments, progress, credentials);
- `catalog` and `credentials`: any valid token.

`urls` (mounted by lms/urls.py outside the language prefixes) wraps ninja's views so that every answer, a 404 of
an unknown address and a 405 included, is JSON, and carries the token's rate-limit headers.
"""

from __future__ import annotations

from ninja import NinjaAPI

from integrations.api import catalog, credentials, me, organizations
from integrations.api.auth import TokenAuth
from integrations.api.errors import error_handlers_install

api = NinjaAPI(
    title="Stackable API",
    version="1",
    description=(
        "Authenticate with `Authorization: Bearer <token>`; tokens are made on the organization's API tokens page "
        "(an organization's) or on the learner's own. Errors are JSON: "
        '`{"code": "...", "message": "...", "fields": {...}}`. Lists are paginated by an opaque cursor: follow '
        "`next`. Each token is limited to `API_RATE_LIMIT` requests per window (`X-RateLimit-*` headers; 429 with "
        "`Retry-After` past it)."
    ),
    urls_namespace="api-v1",
    docs_url=None,  # ninja's docs page loads Swagger from a CDN, which the site's CSP forbids: integrations.api.docs
    auth=TokenAuth(),
)
error_handlers_install(api)
api.add_router("/organization", organizations.router)
api.add_router("/me", me.router)
api.add_router("/catalog", catalog.router)
api.add_router("/credentials", credentials.router)
