from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from content.forms import CatalogFilterForm
from content.models import CatalogPage, Language, Level
from content.selectors import DURATION_LABELS, CatalogFilters, catalog_courses, catalog_skills, catalog_version
from lms.fragments import cached_fragment, fragment_key
from lms.http import HtmxHttpRequest

CATALOG_FRAGMENT = "content/catalog_page.html#catalog"


@vary_on_headers("HX-Request")
def catalog_view(request: HtmxHttpRequest, *, catalog: CatalogPage) -> HttpResponse:
    """The catalog with its filters. htmx swaps the #catalog fragment; without JavaScript it is a plain GET.

    A visitor's catalog (filters, search and results) is the same for every visitor: it is rendered once per
    catalog version, language and query (lms.fragments), so a hit reads nothing from the database. A signed-in
    learner may also see their organization's private courses, so theirs is read every time.
    """
    form = CatalogFilterForm(request.GET)
    valid = form.is_valid()
    filters = form.filters() if valid else CatalogFilters()
    number = (form.cleaned_data.get("page") or 1) if valid else 1

    def fragment_context() -> dict[str, Any]:
        results = catalog_courses(filters=filters, user=request.user, catalog=catalog, page=number) if valid else None
        return {
            "page": catalog,
            "self": catalog,
            "form": form,
            "filters": filters,
            "results": results,
            "courses": results.courses if results else [],
            "skills": catalog_skills(catalog=catalog),
            "durations": list(DURATION_LABELS.items()),
            "levels": Level.choices,
            "languages": Language.choices,
        }

    # Only a query made of the form's own fields, once each, is cached: any other address is rendered, not stored.
    cacheable = valid and not request.user.is_authenticated and _plain_query(request)
    if cacheable:
        query = tuple(sorted(request.GET.items()))
        key = fragment_key("catalog", catalog.pk, catalog_version(), query)
        fragment = cached_fragment(template_name=CATALOG_FRAGMENT, key=key, context=fragment_context, request=request)
        context: dict[str, Any] = {"page": catalog, "self": catalog, "catalog_fragment": fragment}
    else:
        context = fragment_context()
    status = 200 if valid else 400
    # The filters target the results (#catalog-results) and pick the rest out of the same fragment.
    if request.htmx.target in ("catalog", "catalog-results"):
        if cacheable:
            return HttpResponse(context["catalog_fragment"], status=status)
        return render(request, CATALOG_FRAGMENT, context, status=status)
    return render(request, "content/catalog_page.html", context, status=status)


def _plain_query(request: HtmxHttpRequest) -> bool:
    fields = CatalogFilterForm.base_fields
    return all(name in fields and len(request.GET.getlist(name)) == 1 for name in request.GET)
