"""The learner's pages and actions: dashboard, enrol, unenrol, mark a lesson complete. Each calls one service."""

from __future__ import annotations

import functools
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from wagtail import hooks

from content.models import CourseItemPage, CoursePage
from content.selectors import course_remember, item_navigation
from content.translations import localized, localized_url, original_page
from lms.db import FixedQuery, fixed_query
from progress.models import Enrolment, EnrolmentStatus
from progress.selectors import dashboard_for_learner, learner_course_completed
from progress.services import EnrolmentRefused, ProgressError, enrolment_cancel, enrolment_create, lesson_complete


@require_GET
@login_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    dashboard = dashboard_for_learner(user=request.user, request=request)  # type: ignore[arg-type]
    context: dict = {"dashboard": dashboard, "dashboard_templates": []}
    # Upper apps (badges) add sections through this hook, so progress never imports them.
    for fn in hooks.get_hooks("stackable_dashboard_context"):
        extra = fn(request) or {}
        context["dashboard_templates"] += extra.pop("dashboard_templates", [])
        context.update(extra)
    return render(request, "progress/dashboard.html", context)


@require_POST
def enrol_view(request: HttpRequest, course_id: int) -> HttpResponse:
    # A translation's enrolment is its original's (content/translations.py); the answer goes back to the page in
    # the reader's language.
    served = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    course = original_page(served)
    course_url = localized_url(served, request)
    if not request.user.is_authenticated:
        return redirect_to_login(course_url)
    if not all(restriction.accept_request(request) for restriction in course.get_view_restrictions()):
        raise Http404  # a private course is not there for someone who may not see it, as on its page
    try:
        enrolment_create(user=request.user, course=course)  # type: ignore[arg-type]
    except EnrolmentRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, _("You are enrolled in %(title)s. Your progress is saved as you go.") % {"title": course.title}
        )
    return redirect(course_url)


@require_http_methods(["GET", "POST"])
@login_required
def unenrol_view(request: HttpRequest, course_id: int) -> HttpResponse:
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("course"),
        course_id=course_id,
        user=request.user,
        status=EnrolmentStatus.ACTIVE,
    )
    if request.method == "GET":
        return render(request, "progress/unenrol_confirm.html", {"enrolment": enrolment, "course": enrolment.course})
    enrolment_cancel(enrolment=enrolment, user=request.user)  # type: ignore[arg-type]
    messages.success(
        request,
        _("You have left %(title)s. Your progress is kept: enrol again to pick up where you stopped.")
        % {"title": enrolment.course.title},
    )
    return redirect("progress:dashboard")


_NO_ITEM = -1  # no page has this id: the statement is composed with it, and run with the item's


@functools.cache
def _live_item_query() -> FixedQuery:
    """A live course item by id, composed by the ORM once per process and run prepared: composing its join of
    Wagtail's page table cost about 0.5 ms of CPU of marking a lesson complete (issue 19: <= 3x a one-row write)."""
    return fixed_query(CourseItemPage.objects.live().filter(pk=_NO_ITEM), placeholder=_NO_ITEM)


@require_POST
def lesson_complete_view(request: HttpRequest, item_id: int) -> HttpResponse:
    """Mark a lesson complete. htmx gets the new button and out-of-band progress bars; a plain POST a redirect.

    The htmx answer is built from what `lesson_complete` wrote: the course, outline and learner are not read again.
    """
    # The item without its body (one query): the service needs its tree path and kind, the answer its id.
    found = _live_item_query().objects(item_id)
    if not found:
        raise Http404
    served = cast(CourseItemPage, found[0]).specific_deferred
    item = original_page(served)  # a translation's progress is its original's
    if not request.user.is_authenticated:
        if request.htmx:  # type: ignore[attr-defined]
            return HttpResponseClientRedirect(localized_url(served, request))
        return redirect_to_login(localized_url(served, request))
    try:
        completion = lesson_complete(user=request.user, lesson=item)  # type: ignore[arg-type]
    except ProgressError as refused:
        messages.error(request, str(refused))
        if request.htmx:  # type: ignore[attr-defined]
            return HttpResponseClientRedirect(localized_url(served, request))  # reload: the page shows the message
        return redirect(localized_url(served, request))
    if request.htmx:  # type: ignore[attr-defined]
        course_remember(request=request, course=completion.course)
        nav = item_navigation(item=item, request=request, outline=completion.outline)
        learner = learner_course_completed(completion=completion)
        context = {"page": item, "item": item, "nav": nav, "learner": learner, "oob": True, "just_completed": True}
        return render(request, "progress/includes/lesson_completed.html", context)
    page = localized(served)
    messages.success(request, _("“%(title)s” is complete.") % {"title": page.title})
    return redirect(page.get_url(request) or "/")
