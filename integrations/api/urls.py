"""/api/v1/'s addresses: ninja's operations and schema, wrapped so that every answer is JSON; the docs page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path, re_path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from integrations.api import api
from integrations.api.errors import error_response

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def _json_answers(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ninja answers a method it does not serve with Django's empty 405: make it JSON (keeping `Allow`); and
    every answer to a token carries its rate-limit window."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = error_response(405, _("This address does not answer %(method)s.") % {"method": request.method})
            response["Allow"] = allowed
        window = getattr(request, "api_rate", None)
        if window is not None:
            for name, value in window.headers().items():
                response[name] = value
        return response

    wrapped.csrf_exempt = True  # type: ignore[attr-defined]  # token authentication: no cookie, no CSRF
    return wrapped


def api_root(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return JsonResponse(
        {
            "version": api.version,
            "openapi": request.build_absolute_uri(reverse("api-v1:openapi-json")),
            "docs": request.build_absolute_uri(reverse("api-v1:docs")),
        }
    )


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, _("No operation of the API has this address."))


@require_GET
def docs_view(request: HttpRequest) -> HttpResponse:
    """The operations, from the schema, as a page of the site (ninja's Swagger and Redoc pages load scripts from a
    CDN and run inline code, which the site's Content-Security-Policy refuses)."""
    schema = api.get_openapi_schema(path_params={})
    operations = [
        {
            "method": method.upper(),
            "path": address,
            "summary": operation.get("summary", ""),
            "description": operation.get("description", ""),
            "tag": (operation.get("tags") or [""])[0],
            "id": operation.get("operationId", ""),
        }
        for address, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method in HTTP_METHODS
    ]
    operations.sort(key=lambda operation: (operation["tag"], operation["path"], operation["method"]))
    return render(
        request,
        "integrations/api_docs.html",
        {"schema": schema, "operations": operations, "openapi_url": reverse("api-v1:openapi-json")},
    )


def _patterns() -> list[Any]:
    patterns: list[Any] = [path("docs", docs_view, name="docs")]
    for pattern in api.urls[0]:
        assert isinstance(pattern, URLPattern)
        view = api_root if pattern.name == "api-root" else _json_answers(pattern.callback)
        patterns.append(URLPattern(pattern.pattern, view, pattern.default_args, pattern.name))
    patterns.append(re_path(r"^(?P<rest>.*)$", not_found))
    return patterns


urlpatterns = _patterns()
