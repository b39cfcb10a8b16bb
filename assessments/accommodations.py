"""Wagtail admin page of a course's time accommodations: the learners who get more time on every timed quiz of
the course, granted and removed by the course's instructors and platform admins.

The views check the permission (as the services do again) and answer 403; Wagtail's admin URLs already require admin access.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments import selectors
from assessments.models import Accommodation
from assessments.services import AssessmentError, accommodation_grant, accommodation_remove
from content.models import CoursePage
from lms.models import User
from progress.services import user_can_edit_course


def _course_for(request: HttpRequest, course_id: int) -> CoursePage | None:
    """The course, or None when the user may not manage it (a 404 for an unknown course)."""
    course = get_object_or_404(CoursePage, pk=course_id)
    return course if user_can_edit_course(user=request.user, course=course) else None  # type: ignore[arg-type]


def _forbidden() -> HttpResponse:
    # A plain 403: Wagtail would turn a PermissionDenied into a redirect to the dashboard.
    return HttpResponseForbidden(_("Only instructors of this course may do this."))


def _whole_number(value: str, *, default: int, message: str) -> int:
    value = value.strip()
    if not value:
        return default
    if not value.isdigit() or len(value) > 4:
        raise AssessmentError(message)
    return int(value)


def _grant(request: HttpRequest, course: CoursePage) -> None:
    """The form's fields as a grant; AssessmentError with a message for bad input."""
    email = request.POST.get("email", "").strip()
    learner = User.objects.filter(email__iexact=email).first() if email else None
    if learner is None:
        raise AssessmentError(_("No learner has the e-mail address “%(email)s”.") % {"email": email[:254]})
    percent = _whole_number(
        request.POST.get("time_limit_percent", ""),
        default=100,
        message=_("The time limit must be a whole percentage, like 150."),
    )
    extra = _whole_number(
        request.POST.get("extra_minutes", ""), default=0, message=_("Extra time must be a whole number of minutes.")
    )
    accommodation_grant(
        course=course,
        learner=learner,
        user=request.user,  # type: ignore[arg-type]
        time_limit_percent=percent,
        extra_minutes=extra,
    )


@require_http_methods(["GET", "POST"])
def accommodations_view(request: HttpRequest, course_id: int) -> HttpResponse:
    """The course's accommodations, and the form that grants one (or changes a learner's)."""
    course = _course_for(request, course_id)
    if course is None:
        return _forbidden()
    status = 200
    if request.method == "POST":
        try:
            _grant(request, course)
        except AssessmentError as refused:
            messages.error(request, refused.message)
            status = 400
        else:
            messages.success(request, _("The accommodation is saved; it applies to every timed quiz of the course."))
            return redirect("assessments_accommodations:list", course_id=course.pk)
    context: dict[str, Any] = {
        "page_title": _("Time accommodations"),
        "page_subtitle": course.title,
        "header_icon": "time",
        "course": course,
        "accommodations": selectors.accommodations_of_course(course=course),
        "form": request.POST if request.method == "POST" else {},
    }
    return render(request, "assessments/admin/accommodations.html", context, status=status)


@require_POST
def accommodation_remove_view(request: HttpRequest, course_id: int, accommodation_id: int) -> HttpResponse:
    course = _course_for(request, course_id)
    if course is None:
        return _forbidden()
    accommodation = get_object_or_404(Accommodation, pk=accommodation_id, course=course)
    accommodation_remove(accommodation=accommodation, user=request.user)  # type: ignore[arg-type]
    messages.success(request, _("The accommodation is removed."))
    return redirect("assessments_accommodations:list", course_id=course.pk)


urlpatterns = [
    path("courses/<int:course_id>/", accommodations_view, name="list"),
    path("courses/<int:course_id>/<int:accommodation_id>/remove/", accommodation_remove_view, name="remove"),
]
