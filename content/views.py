from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from content.forms import CatalogFilterForm
from content.models import CatalogPage, Language, Level
from content.selectors import DURATION_LABELS, CatalogFilters, catalog_courses, catalog_skills
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
