import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lms.health import broker_status, database_status

RETRY_AFTER_SECONDS = 30


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches neither the database nor the broker."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 while the database and the broker answer, 503 naming whichever does not."""
    status = {"database": database_status(), "broker": broker_status()}
    ready = all(state in {"ok", "eager"} for state in status.values())
    return JsonResponse(status, status=200 if ready else 503)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """The outage page, rendered without the request's context processors: none of it touches the database.

    In the language of the address, else the one the visitor's browser or switcher asks for (the account's saved
    one is in the database): where the page would have sent them were the database up (lms.i18n)."""
    language = translation.get_language_from_path(request.path_info) or translation.get_language_from_request(
        request, check_path=False
    )
    with translation.override(language):
        body = render_to_string("lms/503.html", {"retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the outage page when the error is the database's (raised in a view or a middleware)."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        return database_unavailable(request)
    return defaults.server_error(request)
