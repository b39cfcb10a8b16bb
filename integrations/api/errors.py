"""Every error of the API is JSON: `{"code": "...", "message": "...", "fields": {...}}`, whatever raised it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from organizations.services import OrganizationError

logger = logging.getLogger(__name__)

CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An answer other than success, with its HTTP status, a stable code and a message for people."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str = "",
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}


def error_response(status: int, message: str, *, code: str = "", fields: dict[str, str] | None = None) -> HttpResponse:
    body = {"code": code or CODES.get(status, "error"), "message": str(message), "fields": fields or {}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _field_name(location: list[Any] | tuple[Any, ...]) -> str:
    # ninja's location starts with the source ("body", "query", "path") and the parameter's name when it is a
    # whole schema ("payload"): the client knows the fields by their own names.
    parts = [str(part) for part in location[1:]]
    if len(parts) > 1 and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or str(location[0])


def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for error in exc.errors:
        fields.setdefault(_field_name(error.get("loc", ["body"])), str(error.get("msg", "")))
    return error_response(400, _("The request is not valid: see the fields."), fields=fields)


def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    response = error_response(exc.status, exc.message, code=exc.code, fields=exc.fields)
    for name, value in exc.headers.items():
        response[name] = value
    return response


def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(401, _("Send a valid API token: Authorization: Bearer <token>."))
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(exc.status_code, exc.message)


def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, _("Not found."))


def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(403, str(exc) or _("You may not do that."))


def _refused(request: HttpRequest, exc: OrganizationError) -> HttpResponse:
    return error_response(409, str(exc), code="refused")


def _database_down(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
    logger.exception("API: the database does not answer")
    response = error_response(503, _("The service is unavailable for a moment: try again shortly."))
    response["Retry-After"] = "30"
    return response


def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API: unexpected error")
    return error_response(500, _("Something went wrong on our side."))


def error_handlers_install(api: NinjaAPI) -> None:
    """Replace ninja's handlers (422 for validation, `{"detail"}` bodies, Django's HTML 500) with ours."""
    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (Exception, _server_error),
        (DatabaseError, _database_down),
        (Http404, _not_found),
        (PermissionDenied, _forbidden),
        (OrganizationError, _refused),
        (HttpError, _http_error),
        (AuthenticationError, _unauthenticated),
        (ValidationError, _validation),
        (ApiError, _api_error),
    ]
    for exception, handler in handlers:
        api.add_exception_handler(exception, handler)
