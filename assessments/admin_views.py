"""Instructor pages in the Wagtail admin: the grading queue, grading a submission, question import and
export, item analysis with its CSV, and regrading attempts.

Every view checks in the view that the user may edit the course (`course.permissions_for_user(user)
.can_edit()`, through progress' `user_can_edit_course`); Wagtail's admin URLs already require admin access.
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods
from wagtail.models import Revision

from assessments import selectors
from assessments.forms import EssayMarkForm
from assessments.importing.forms import QuestionImportForm
from assessments.importing.report import ImportReport
from assessments.models import Attempt, AttemptState, QuizPage, RegradeAudit, Submission, SubmissionState, TaskPage
from assessments.services import (
    AssessmentError,
    attempt_grade_manual,
    attempt_regrade,
    quiz_export_gift,
    quiz_import_preview,
    quiz_import_questions,
    submission_grade,
    submission_return,
)
from content.models import CoursePage
from lms.exports import safe_row
from lms.formatting import format_percent
from progress.services import course_of_item, user_can_edit_course

CHART_WIDTH = 600
CHART_HEIGHT = 200


def _may_edit(request: HttpRequest, course: CoursePage) -> None:
    if not user_can_edit_course(user=request.user, course=course):  # type: ignore[arg-type]
        raise PermissionDenied


def _quiz_for(request: HttpRequest, quiz_id: int) -> QuizPage:
    quiz = get_object_or_404(QuizPage, pk=quiz_id)
    _may_edit(request, course_of_item(quiz))
    return quiz


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_GET
def queue_view(request: HttpRequest) -> HttpResponse:
    """Submissions of the courses the user teaches, waiting ones first, a page at a time; filter by course and task."""
    user = request.user
    courses = selectors.courses_for_grader(user=user)  # type: ignore[arg-type]
    course = task = None
    if course_id := _int(request.GET.get("course")):
        course = get_object_or_404(CoursePage, pk=course_id)
        _may_edit(request, course)
    if task_id := _int(request.GET.get("task")):
        task = get_object_or_404(TaskPage, pk=task_id)
        _may_edit(request, course_of_item(task))
    submissions = selectors.grading_queue_page(
        user=user,  # type: ignore[arg-type]
        course=course,
        task=task,
        number=request.GET.get("p"),
    )
    tasks = selectors.tasks_for_grader(courses=[course] if course else courses)
    return render(
        request,
        "assessments/admin/queue.html",
        {
            "page_title": _("Grading queue"),
            "header_icon": "tasks",
            "submissions": submissions,
            "elided_page_range": submissions.paginator.get_elided_page_range(submissions.number),
            "courses": courses,
            "tasks": tasks,
            "course": course,
            "task": task,
            "waiting_attempts": selectors.attempts_waiting(courses=[course] if course else courses),
        },
    )


@require_http_methods(["GET", "POST"])
def submission_view(request: HttpRequest, submission_id: int) -> HttpResponse:
    """One submission: its work, and the rubric or points form to grade it or return it."""
    submission = get_object_or_404(Submission.objects.select_related("task", "learner"), pk=submission_id)
    task = submission.task
    _may_edit(request, course_of_item(task))
    error, status = "", 200
    if request.method == "POST" and submission.state == SubmissionState.SUBMITTED:
        feedback = request.POST.get("feedback", "")
        try:
            if request.POST.get("action") == "return":
                submission_return(submission=submission, user=request.user, feedback=feedback)  # type: ignore[arg-type]
                messages.success(request, _("The submission was returned to the learner."))
            else:
                levels = {c["key"]: request.POST.get(f"criterion-{c['key']}", "") for c in task.rubric_criteria()}
                points = None
                if not levels:
                    try:
                        points = Decimal(request.POST.get("points", ""))
                    except InvalidOperation:
                        raise AssessmentError(_("Points must be a number.")) from None
                submission_grade(
                    submission=submission,
                    user=request.user,  # type: ignore[arg-type]
                    levels=levels,
                    points=points,
                    feedback=feedback,
                )
                messages.success(request, _("The submission is graded; the learner is told by e-mail."))
            return redirect("assessments_admin:queue")
        except AssessmentError as refused:
            error, status = refused.message, 400
    return render(
        request,
        "assessments/admin/submission.html",
        {
            "page_title": _("Submission"),
            "header_icon": "doc-full",
            "submission": submission,
            "task": task,
            "criteria": task.rubric_criteria(),
            "error": error,
            # What was chosen and typed, shown again with the refusal.
            "posted": request.POST if error else {},
            "posted_levels": {request.POST.get(f"criterion-{c['key']}") for c in task.rubric_criteria()}
            if error
            else set(),
        },
        status=status,
    )


def _import_page(
    request: HttpRequest, quiz: QuizPage, form: QuestionImportForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    draft = selectors.question_import_draft(quiz=quiz, user=request.user)  # type: ignore[arg-type]
    return render(
        request,
        "assessments/admin/import.html",
        {
            "page_title": _("Import questions"),
            "header_icon": "upload",
            "quiz": quiz,
            "form": form,
            "draft": draft,
            "report": ImportReport.from_data(draft.report) if draft else None,
            "error": error,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest, quiz_id: int) -> HttpResponse:
    """Import GIFT or Aiken questions in two steps. Uploading shows a preview of every question of the file
    (ready, broken with its lines and reasons, or not importable), kept on the server as the instructor's
    import draft; "Import" then adds the ready ones to a draft revision of the quiz."""
    quiz = get_object_or_404(QuizPage, pk=quiz_id)
    if not user_can_edit_course(user=request.user, course=course_of_item(quiz)):  # type: ignore[arg-type]
        return HttpResponseForbidden(_("Only instructors of this course may import questions into this quiz."))
    if request.method == "GET":
        return _import_page(request, quiz, QuestionImportForm())
    if "token" in request.POST:
        return _import_confirm(request, quiz)
    form = QuestionImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, quiz, form, status=400)
    try:
        quiz_import_preview(
            quiz=quiz,
            user=request.user,  # type: ignore[arg-type]
            text=form.cleaned_data["text"],
            fmt=form.cleaned_data["format"],
            source_name=form.cleaned_data["source_name"],
        )
    except AssessmentError as refused:
        return _import_page(request, quiz, form, error=refused.message, status=400)
    return _import_page(request, quiz, QuestionImportForm(initial={"format": form.cleaned_data["format"]}))


def _import_confirm(request: HttpRequest, quiz: QuizPage) -> HttpResponse:
    try:
        questions = quiz_import_questions(
            quiz=quiz,
            user=request.user,  # type: ignore[arg-type]
            token=request.POST["token"],
        )
    except AssessmentError as refused:
        return _import_page(request, quiz, QuestionImportForm(), error=refused.message, status=409)
    messages.success(
        request,
        ngettext(
            "%(n)d question imported into a draft of the quiz. Preview it, then publish.",
            "%(n)d questions imported into a draft of the quiz. Preview it, then publish.",
            len(questions),
        )
        % {"n": len(questions)},
    )
    return redirect("wagtailadmin_pages:edit", quiz.pk)


@require_GET
def export_view(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = _quiz_for(request, quiz_id)
    response = HttpResponse(
        quiz_export_gift(quiz=quiz, user=request.user),  # type: ignore[arg-type]
        content_type="text/plain; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{slugify(quiz.title) or "quiz"}.gift.txt"'
    return response


def _histogram_bars(histogram: list[int]) -> list[dict[str, Any]]:
    top = max(histogram) or 1
    width = CHART_WIDTH // len(histogram)
    bars = []
    for index, count in enumerate(histogram):
        height = round(count * (CHART_HEIGHT - 30) / top)
        bars.append(
            {
                "x": index * width + 4,
                "y": CHART_HEIGHT - 20 - height,
                "width": width - 8,
                "height": height,
                "count": count,
                "label": f"{index * 10}–{index * 10 + 10 if index < 9 else 100}",
                "text_x": index * width + width // 2,
                "count_y": max(12, CHART_HEIGHT - 24 - height),
            }
        )
    return bars


@require_http_methods(["GET", "POST"])
def analysis_view(request: HttpRequest, quiz_id: int) -> HttpResponse:
    """Item analysis: attempts, the score distribution (server-rendered SVG), facility, discrimination and
    choice counts per question; POST regrades the chosen attempts with a reason."""
    quiz = _quiz_for(request, quiz_id)
    error, status = "", 200
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("attempt") if v.isdigit()]
        attempts = list(Attempt.objects.filter(quiz=quiz, pk__in=ids).exclude(state=AttemptState.OPEN))
        revision = Revision.objects.filter(
            pk=_int(request.POST.get("revision")), content_type_id=quiz.content_type_id, object_id=str(quiz.pk)
        ).first()
        try:
            if revision is None:
                raise AssessmentError(_("Choose the published revision to regrade against."))
            if len(attempts) != len(ids):
                raise AssessmentError(_("Choose only submitted attempts of this quiz."))
            audits = attempt_regrade(
                attempts=attempts,
                user=request.user,  # type: ignore[arg-type]
                reason=request.POST.get("reason", ""),
                revision=revision,
            )
        except AssessmentError as refused:
            error, status = refused.message, 400
        else:
            messages.success(
                request,
                _("%(n)d attempts regraded against revision %(rev)d.") % {"n": len(audits), "rev": revision.pk},
            )
            return redirect("assessments_admin:analysis", quiz.pk)
    analysis = selectors.quiz_analysis(quiz=quiz)
    return render(
        request,
        "assessments/admin/analysis.html",
        {
            "page_title": _("Item analysis"),
            "header_icon": "view",
            "quiz": quiz,
            "analysis": analysis,
            "bars": _histogram_bars(analysis.histogram),
            "chart_width": CHART_WIDTH,
            "chart_height": CHART_HEIGHT,
            "attempts": Attempt.objects.filter(quiz=quiz)
            .exclude(state=AttemptState.OPEN)
            .select_related("learner")
            .order_by("submitted_at"),
            "live_revision": Revision.objects.filter(pk=quiz.live_revision_id).first(),
            "audits": RegradeAudit.objects.filter(attempt__quiz=quiz).select_related("actor", "attempt__learner")[:50],
            "error": error,
            # What was chosen and typed, shown again with the refusal.
            "posted": request.POST if error else {},
            "posted_attempts": {int(v) for v in request.POST.getlist("attempt") if v.isdigit()} if error else set(),
        },
        status=status,
    )


@require_GET
def analysis_csv_view(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = _quiz_for(request, quiz_id)
    analysis = selectors.quiz_analysis(quiz=quiz)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(quiz.title) or "quiz"}-analysis.csv"'
    writer = csv.writer(response)
    writer.writerow(["question", "label", "answered", "facility", "discrimination", "choice", "chosen", "correct"])
    for q in analysis.questions:
        writer.writerow(safe_row([q.number, q.label, q.answered, q.facility, q.discrimination, "", "", ""]))
        for text, count, correct in q.distractors:
            writer.writerow(safe_row([q.number, "", "", "", "", text, count, "yes" if correct else "no"]))
    return response


@require_http_methods(["GET", "POST"])
def attempt_grade_view(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Mark the essays of a quiz attempt by hand: each answer (bleach-cleaned), points and feedback."""
    attempt = get_object_or_404(
        Attempt.objects.select_related("quiz", "learner", "revision", "regraded_revision"), pk=attempt_id
    )
    _may_edit(request, course_of_item(attempt.quiz))
    questions = selectors.attempt_manual_questions(attempt=attempt)
    form = EssayMarkForm(request.POST if request.method == "POST" else None, questions=questions)
    error, status = "", 200
    if request.method == "POST":
        if attempt.state != AttemptState.NEEDS_GRADING:
            error, status = _("This attempt is not waiting for grading."), 409
        elif not form.is_valid():
            error, status = _("Correct the marks below."), 400
        else:
            points, feedback = form.marks()
            try:
                graded = attempt_grade_manual(attempt=attempt, user=request.user, points=points, feedback=feedback)  # type: ignore[arg-type]
            except AssessmentError as refused:
                error, status = refused.message, 400
            else:
                outcome = _("passed") if graded.passed(graded.quiz.pass_mark) else _("not passed")
                messages.success(
                    request,
                    _("The attempt is graded: %(score)s (%(outcome)s). The learner is told by e-mail.")
                    % {"score": format_percent(graded.score), "outcome": outcome},
                )
                return redirect("assessments_admin:queue")
    return render(
        request,
        "assessments/admin/attempt_grade.html",
        {
            "page_title": _("Grade an attempt"),
            "header_icon": "doc-full",
            "attempt": attempt,
            "form": form,
            "error": error,
        },
        status=status,
    )
