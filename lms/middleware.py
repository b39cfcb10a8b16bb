"""A database outage answers a friendly 503 ("We'll be right back") instead of Django's 500."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

from lms.views import database_unavailable

logger = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError)


class DatabaseOutageMiddleware:
    """A view that cannot reach the database answers 503 with the outage page.

    Errors raised in other middleware (loading the session or the user) never reach `process_exception`: Django
    turns them into a response on the spot, through `handler500`, which `lms.urls` points at
    `lms.views.server_error` and which answers the same page. Recovery needs nothing: CONN_HEALTH_CHECKS replaces
    the broken connection on the next request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_DOWN):
            return None
        logger.warning("Database unavailable for %s %s: %s", request.method, request.path, exception)
        return database_unavailable(request)
