"""Instructor pages in the Wagtail admin: the courses they teach, a learner report, CSV export, recompute.

Every view checks that the user may edit the course; Wagtail's admin URLs already require admin access.
"""

from __future__ import annotations

import csv

from celery.result import EagerResult
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from content.models import CoursePage
from lms.exports import safe_row
from lms.roles import user_is_platform_admin
from progress.selectors import course_report, courses_for_report
from progress.services import user_can_edit_course
from progress.tasks import course_recompute_task

FUNNEL_BAR_HEIGHT = 28


def _course_for(request: HttpRequest, course_id: int) -> CoursePage:
    course = get_object_or_404(CoursePage, pk=course_id)
    if not user_can_edit_course(user=request.user, course=course):  # type: ignore[arg-type]
        raise PermissionDenied
    return course


@require_GET
def courses_view(request: HttpRequest) -> HttpResponse:
    courses = courses_for_report(user=request.user)  # type: ignore[arg-type]
    return render(
        request,
        "progress/admin/courses.html",
        {"courses": courses, "page_title": _("Learner progress"), "header_icon": "list-ul"},
    )


@require_GET
def report_view(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _course_for(request, course_id)
    report = course_report(course=course, user=request.user)  # type: ignore[arg-type]
    bars = [
        {"step": step, "y": index * (FUNNEL_BAR_HEIGHT + 12) + 4, "text_y": index * (FUNNEL_BAR_HEIGHT + 12) + 22}
        for index, step in enumerate(report.funnel)
    ]
    return render(
        request,
        "progress/admin/report.html",
        {
            "report": report,
            "course": course,
            "bars": bars,
            "chart_height": len(bars) * (FUNNEL_BAR_HEIGHT + 12) + 8,
            "bar_height": FUNNEL_BAR_HEIGHT,
            "can_reset": user_is_platform_admin(request.user),
            "page_title": _("Learner progress"),
            "page_subtitle": course.title,
            "header_icon": "list-ul",
        },
    )


@require_GET
def report_csv_view(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _course_for(request, course_id)
    report = course_report(course=course, user=request.user)  # type: ignore[arg-type]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="course-{course.pk}-learners-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Name"),
            _("E-mail"),
            _("Status"),
            _("Progress (%)"),
            _("Grade (%)"),
            _("Required items complete"),
            _("Required items"),
            _("Completed at"),
            _("Last opened at"),
        ]
    )
    for learner in report.learners:
        writer.writerow(
            safe_row(
                [
                    learner.name,
                    learner.email,
                    learner.status,
                    learner.percent,
                    "" if learner.grade is None else learner.grade,
                    learner.required_done,
                    learner.required_total,
                    learner.completed_at.isoformat() if learner.completed_at else "",
                    learner.last_opened_at.isoformat() if learner.last_opened_at else "",
                ]
            )
        )
    return response


@require_POST
def recompute_view(request: HttpRequest, course_id: int) -> HttpResponse:
    """Recompute every enrolment of the course in the background; when tasks run inline, say what changed."""
    course = _course_for(request, course_id)
    reset = request.POST.get("reset_completion") == "on"
    if reset and not user_is_platform_admin(request.user):
        raise PermissionDenied
    result = course_recompute_task.delay(course_id=course.pk, actor_id=request.user.pk, reset_completion=reset)
    if isinstance(result, EagerResult):
        report = result.get()
        messages.success(
            request,
            _(
                "Recomputed %(enrolments)s enrolments: %(changed)s changed, %(completed)s newly complete, "
                "%(revoked)s completions withdrawn."
            )
            % {
                "enrolments": report["enrolments"],
                "changed": report["progress_changed"],
                "completed": report["newly_completed"],
                "revoked": report["completion_revoked"],
            },
        )
    else:
        messages.success(request, _("The recompute has started; reload this report in a few minutes."))
    return redirect("progress_admin:report", course_id=course.pk)
