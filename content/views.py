from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.views.decorators.vary import vary_on_headers
from wagtail.models import Site
from wagtail.views import serve as wagtail_serve

from content.forms import CatalogFilterForm
from content.models import CatalogPage, CoursePage, Language, Level, served_specific
from content.selectors import (
    DURATION_LABELS,
    CatalogFilters,
    CourseDetail,
    catalog_courses,
    catalog_skills,
    catalog_version,
    page_cache_prefetch,
)
from content.translations import locale_id_for
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


COURSE_PAGE_TEMPLATE = "content/course_page.html"
COURSE_PAGE_FRAGMENTS = ("course_header", "course_intro", "course_media", "course_facts", "course_syllabus_heading")


def course_page_fragments(
    *, request: HttpRequest, page: CoursePage, course: CoursePage, detail: CourseDetail, context: dict[str, Any]
) -> dict[str, SafeString]:
    """The course page's markup that is the same for every reader (description, skills, price, facts, instructors,
    prerequisites), by partial of content/course_page.html: rendered once and cached, so a hit reads none of it.

    `page` is the page served (a translation, maybe) and `course` its original. A key names the page's revision, the
    outline's key (the course's revision, publication, subtree version, language and address: an instructor's new
    name renews it), the catalog's version (any page, skill or image change: a prerequisite renamed or unpublished)
    and the host the links are written for. A preview (a draft) is rendered, not cached.
    """

    def fragment_context() -> dict[str, Any]:
        return {**context, "page": page, "self": page, "course": course, "detail": detail}

    if getattr(request, "is_preview", False):  # a draft shows its own fields, and is never cached as the page's
        return {
            name: render_to_string(f"{COURSE_PAGE_TEMPLATE}#{name}", fragment_context(), request=request)
            for name in COURSE_PAGE_FRAGMENTS
        }
    published = page.last_published_at.timestamp() if page.last_published_at else 0
    version = (page.pk, page.latest_revision_id, published, detail.outline.key, catalog_version(), request.get_host())
    return {
        name: cached_fragment(
            template_name=f"{COURSE_PAGE_TEMPLATE}#{name}",
            key=fragment_key("course-page", name, *version),
            context=fragment_context,
            request=request,
        )
        for name in COURSE_PAGE_FRAGMENTS
    }


def _plain_query(request: HtmxHttpRequest) -> bool:
    fields = CatalogFilterForm.base_fields
    return all(name in fields and len(request.GET.getlist(name)) == 1 for name in request.GET)


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
        return served_specific(root).route(request, [component for component in path.split("/") if component])
    except Http404:
        return None


def page_serve(request: HttpRequest, path: str) -> HttpResponse:
    """Wagtail's page view (every hook and restriction as Wagtail runs them), routed by `page_route`."""
    if not hasattr(request, "_wagtail_route_for_request"):
        request._wagtail_route_for_request = page_route(request, path)  # type: ignore[attr-defined]  # Wagtail's per-request cache
    route = request._wagtail_route_for_request  # type: ignore[attr-defined]
    if route is not None:
        page_cache_prefetch(route[0] if isinstance(route, tuple) else route.page, request)
    return wagtail_serve(request, path)
