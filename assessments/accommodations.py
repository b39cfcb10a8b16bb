"""Wagtail admin page of a course's time accommodations: the learners who get more time on every timed quiz of
the course, granted and removed by the course's instructors and platform admins.

The views check the permission (as the services do again) and answer 403; Wagtail's admin URLs already require admin access.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from assessments import selectors
from assessments.models import MAX_EXTRA_MINUTES, Accommodation
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
        raise ValidationError(message)
    return int(value)


class AccommodationForm(forms.Form):
    """The grant form, rendered in Wagtail's field layout so each error sits on (and is announced with) its field."""

    email = forms.CharField(
        label=gettext_lazy("Learner's e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={"required": gettext_lazy("Enter the learner's e-mail address.")},
    )
    time_limit_percent = forms.CharField(
        label=gettext_lazy("Time limit (% of each quiz's limit)"),
        required=False,
        initial="100",
        widget=forms.NumberInput(attrs={"min": 100, "max": 400, "step": 1}),
    )
    extra_minutes = forms.CharField(
        label=gettext_lazy("Extra minutes"),
        required=False,
        initial="0",
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_EXTRA_MINUTES, "step": 1}),
    )

    def clean_time_limit_percent(self) -> int:
        return _whole_number(
            self.cleaned_data["time_limit_percent"],
            default=100,
            message=_("The time limit must be a whole percentage, like 150."),
        )

    def clean_extra_minutes(self) -> int:
        return _whole_number(
            self.cleaned_data["extra_minutes"],
            default=0,
            message=_("Extra time must be a whole number of minutes."),
        )


def _grant(request: HttpRequest, course: CoursePage, form: AccommodationForm) -> bool:
    """Grant the form's accommodation; False with the refusal on the form's field (or the form) otherwise."""
    if not form.is_valid():
        return False
    email = form.cleaned_data["email"].strip()
    learner = User.objects.filter(email__iexact=email).first()
    if learner is None:
        form.add_error("email", _("No learner has the e-mail address “%(email)s”.") % {"email": email[:254]})
        return False
    try:
        accommodation_grant(
            course=course,
            learner=learner,
            user=request.user,  # type: ignore[arg-type]
            time_limit_percent=form.cleaned_data["time_limit_percent"],
            extra_minutes=form.cleaned_data["extra_minutes"],
        )
    except AssessmentError as refused:
        form.add_error(None, refused.message)
        return False
    return True


@require_http_methods(["GET", "POST"])
def accommodations_view(request: HttpRequest, course_id: int) -> HttpResponse:
    """The course's accommodations, and the form that grants one (or changes a learner's)."""
    course = _course_for(request, course_id)
    if course is None:
        return _forbidden()
    status = 200
    form = AccommodationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if _grant(request, course, form):
            messages.success(request, _("The accommodation is saved; it applies to every timed quiz of the course."))
            return redirect("assessments_accommodations:list", course_id=course.pk)
        messages.error(request, _("The accommodation could not be saved: correct the errors below."))
        status = 400
    context: dict[str, Any] = {
        "page_title": _("Time accommodations"),
        "page_subtitle": course.title,
        "header_icon": "time",
        "course": course,
        "accommodations": selectors.accommodations_of_course(course=course),
        "form": form,
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
