from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers
from wagtail.models import Site
from wagtail.views import serve as wagtail_serve

from content.forms import CatalogFilterForm
from content.models import CatalogPage, Language, Level
from content.selectors import DURATION_LABELS, CatalogFilters, catalog_courses, catalog_skills
from content.translations import locale_id_for
from lms.http import HtmxHttpRequest


@vary_on_headers("HX-Request")
def catalog_view(request: HtmxHttpRequest, *, catalog: CatalogPage) -> HttpResponse:
    """The catalog with its filters. htmx swaps the #catalog fragment; without JavaScript it is a plain GET."""
    form = CatalogFilterForm(request.GET)
    if form.is_valid():
        filters, status = form.filters(), 200
        courses = catalog_courses(filters=filters, user=request.user)
    else:
        filters, status, courses = CatalogFilters(), 400, []
    context = {
        "page": catalog,
        "self": catalog,
        "form": form,
        "filters": filters,
        "courses": courses,
        "skills": catalog_skills(),
        "durations": list(DURATION_LABELS.items()),
        "levels": Level.choices,
        "languages": Language.choices,
    }
    template = "content/catalog_page.html"
    # The filters target the results (#catalog-results) and pick the rest out of the same fragment.
    if request.htmx.target in ("catalog", "catalog-results"):
        template += "#catalog"
    return render(request, template, context, status=status)


def page_route(request: HttpRequest, path: str) -> Any:
    """Wagtail's `Page.route_for_request` with the active language's locale from `content.translations`' cache:
    Wagtail reads the Locale row on every request to find the site root's translation."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    root = site.root_page
    locale_id = locale_id_for()
    if locale_id is not None and locale_id != root.locale_id:
        translation = root.get_translation_or_none(locale_id)
        if translation is not None and translation.live:
            root = translation
    try:
        return root.specific.route(request, [component for component in path.split("/") if component])
    except Http404:
        return None


def page_serve(request: HttpRequest, path: str) -> HttpResponse:
    """Wagtail's page view (every hook and restriction as Wagtail runs them), routed by `page_route`."""
    if not hasattr(request, "_wagtail_route_for_request"):
        request._wagtail_route_for_request = page_route(request, path)  # type: ignore[attr-defined]  # Wagtail's per-request cache
    return wagtail_serve(request, path)
