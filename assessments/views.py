"""Learner pages of quizzes and tasks. Each view parses, calls one service or selector, and renders.

Refusals a learner can act on are shown with their message; malformed input is a 400 with a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from assessments import selectors
from assessments.forms import answer_from_post
from assessments.grading import MalformedResponse
from assessments.models import Attempt, AttemptState, QuizPage, Submission, TaskPage
from assessments.services import (
    AnswerLocked,
    AssessmentError,
    AttemptClosed,
    CheckRefused,
    IncompleteAnswers,
    attempt_expire_if_due,
    attempt_questions,
    attempt_result,
    attempt_start,
    attempt_submit_answers,
    attempt_submit_own,
    response_check,
    response_save,
    responses_save,
    submission_create,
    task_direct_upload,
)
from content.translations import localized, localized_url, original_page
from media.models import PrivateFile
from media.storage import uses_s3
from media.uploads import private_url


def _page_context(request: HttpRequest, page: QuizPage | TaskPage) -> dict[str, Any]:
    """The item page's own context in the reader's language: outline, previous/next and the slots other apps fill.
    `context["item"]` is the original the learner's facts belong to (content/translations.py)."""
    return localized(page).get_context(request)


def _own_attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    attempt = get_object_or_404(Attempt.objects.select_related("quiz"), pk=attempt_id, learner=request.user)
    return attempt_expire_if_due(attempt=attempt)


def quiz_view(request: HttpRequest, *, quiz: QuizPage) -> HttpResponse:
    """The quiz's page: introduction, settings, the learner's attempts and the start (or resume) button."""
    context = quiz.get_context(request)
    if request.user.is_authenticated:
        context["overview"] = selectors.quiz_overview(quiz=context["item"], user=request.user)  # type: ignore[arg-type]
    return render(request, "assessments/quiz_page.html", context)


@require_POST
@login_required
def attempt_start_view(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = original_page(get_object_or_404(QuizPage.objects.live(), pk=quiz_id))
    try:
        attempt = attempt_start(quiz=quiz, user=request.user, wording=localized(quiz))  # type: ignore[arg-type]
    except AssessmentError as refused:
        messages.error(request, refused.message)
        return redirect(localized_url(quiz, request))
    return redirect("assessments:attempt", attempt_id=attempt.pk)


def _attempt_page(
    request: HttpRequest,
    attempt: Attempt,
    *,
    error: str = "",
    status: int = 200,
    problems: dict[str, str] | None = None,
) -> HttpResponse:
    """The attempt form; `problems` (question key -> message) are shown on their questions."""
    context = _page_context(request, attempt.quiz)
    context.update(selectors.attempt_form(attempt=attempt))
    for question in context["questions"]:
        question.problem = (problems or {}).get(question.key, "")
    context["error"] = error
    return render(request, "assessments/attempt_page.html", context, status=status)


@require_GET
@login_required
def attempt_view(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The attempt form with every saved answer (resume after a reload)."""
    attempt = _own_attempt(request, attempt_id)
    if attempt.state != AttemptState.OPEN:
        return redirect("assessments:result", attempt_id=attempt.pk)
    return _attempt_page(request, attempt)


@require_POST
@login_required
def attempt_save_view(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Autosave of one question (htmx as the learner types, or a beacon as the page unloads); answers with the
    status line of that question, never a page. A partial answer is a draft and is saved as it is; only what
    the form cannot send (400) or a locked answer (409) is refused, with the message in the status line."""
    attempt = _own_attempt(request, attempt_id)
    key = request.POST.get("key", "")
    context: dict[str, Any] = {"key": key}
    status = 200
    try:
        question = next((q for q in attempt_questions(attempt) if q["key"] == key), None)
        if question is None:
            raise MalformedResponse(_("This question is not part of your attempt."))
        raw = answer_from_post(question, choice_order=attempt.choice_order, data=request.POST)
        saved = response_save(attempt=attempt, user=request.user, key=key, raw=raw)  # type: ignore[arg-type]
        context["saved_at"] = saved.saved_at
    except MalformedResponse as malformed:
        context["error"], status = malformed.message, 400
    except AnswerLocked as locked:
        context["error"], status = locked.message, 409
    except AssessmentError as closed:
        if request.htmx:  # type: ignore[attr-defined]
            messages.info(request, closed.message)
            return HttpResponseClientRedirect(reverse("assessments:result", args=[attempt.pk]))
        context["error"], status = closed.message, 409
    return render(request, "assessments/includes/save_status.html", context, status=status)


@require_POST
@login_required
def attempt_answers_view(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The plain form (no JavaScript): save every answer, then submit when the learner pressed Submit."""
    attempt = _own_attempt(request, attempt_id)
    if attempt.state != AttemptState.OPEN:
        messages.info(request, _("Time is up: your attempt was submitted with the answers saved before the deadline."))
        return redirect("assessments:result", attempt_id=attempt.pk)
    submit = request.POST.get("action") == "submit"
    try:
        answers = {
            q["key"]: answer_from_post(q, choice_order=attempt.choice_order, data=request.POST)
            for q in attempt_questions(attempt)
        }
        if submit:
            attempt_submit_answers(attempt=attempt, user=request.user, answers=answers)  # type: ignore[arg-type]
            return redirect("assessments:result", attempt_id=attempt.pk)
        responses_save(attempt=attempt, user=request.user, answers=answers)  # type: ignore[arg-type]
    except MalformedResponse as malformed:
        return _attempt_page(request, attempt, error=malformed.message, status=400)
    except IncompleteAnswers as incomplete:  # the answers are saved as drafts; the messages sit on their questions
        return _attempt_page(request, attempt, error=incomplete.message, status=400, problems=incomplete.problems)
    except AssessmentError as closed:
        messages.info(request, closed.message)
        return redirect("assessments:result", attempt_id=attempt.pk)
    messages.success(request, _("Your answers are saved."))
    return redirect("assessments:attempt", attempt_id=attempt.pk)


def _closed_page(request: HttpRequest, attempt: Attempt, message: str) -> HttpResponse:
    """A 409 for an answer that came too late: the result of the (now closed) attempt, with the reason."""
    attempt.refresh_from_db()
    context = _page_context(request, attempt.quiz)
    context.update(selectors.attempt_review(view=attempt_result(attempt=attempt, user=request.user)))  # type: ignore[arg-type]
    context["error"] = message
    return render(request, "assessments/result_page.html", context, status=409)


@require_POST
@login_required
def attempt_check_view(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Check one answer (immediate feedback): lock it and show whether it is right, its feedback and the
    explanation. htmx swaps the question; the plain form saves every other answer too and reloads the page."""
    attempt = _own_attempt(request, attempt_id)
    key = request.POST.get("check", "")
    htmx = bool(request.htmx)  # type: ignore[attr-defined]
    question = next((q for q in attempt_questions(attempt) if q["key"] == key), None)
    try:
        if question is None:
            raise MalformedResponse(_("This question is not part of your attempt."))
        raw = answer_from_post(question, choice_order=attempt.choice_order, data=request.POST)
        if not htmx and attempt.state == AttemptState.OPEN:
            others = {
                q["key"]: answer_from_post(q, choice_order=attempt.choice_order, data=request.POST)
                for q in attempt_questions(attempt)
                if q["key"] != key
            }
            responses_save(attempt=attempt, user=request.user, answers=others)  # type: ignore[arg-type]
        response_check(attempt=attempt, user=request.user, key=key, raw=raw)  # type: ignore[arg-type]
    except (MalformedResponse, CheckRefused, AnswerLocked) as refused:
        if htmx and question is not None:
            context = {
                **selectors.attempt_question(attempt=attempt, key=key),
                "check_error": refused.message,
                "focus": True,
            }
            return render(request, "assessments/includes/question.html", context, status=400)
        return _attempt_page(request, attempt, error=refused.message, status=400)
    except AttemptClosed as closed:
        if htmx:  # the page is stale: send the browser to the result, which says why
            messages.info(request, closed.message)
            return HttpResponseClientRedirect(reverse("assessments:result", args=[attempt.pk]))
        return _closed_page(request, attempt, closed.message)
    if htmx:
        context = {**selectors.attempt_question(attempt=attempt, key=key), "focus": True}
        return render(request, "assessments/includes/question.html", context)
    return HttpResponseRedirect(reverse("assessments:attempt", args=[attempt.pk]) + f"#question-{key}")


@require_POST
@login_required
def attempt_submit_view(request: HttpRequest, attempt_id: int) -> HttpResponse:
    # One locked read checks ownership too; it closes the attempt at its deadline if due.
    try:
        attempt = attempt_submit_own(attempt_id=attempt_id, user=request.user)  # type: ignore[arg-type]
    except Attempt.DoesNotExist as missing:
        raise Http404(_("No such attempt.")) from missing
    except IncompleteAnswers as incomplete:
        attempt = _own_attempt(request, attempt_id)
        return _attempt_page(request, attempt, error=incomplete.message, status=400, problems=incomplete.problems)
    return redirect("assessments:result", attempt_id=attempt.pk)


@require_GET
@login_required
def attempt_result_view(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    if attempt.state == AttemptState.OPEN:
        return redirect("assessments:attempt", attempt_id=attempt.pk)
    context = _page_context(request, attempt.quiz)
    result = attempt_result(attempt=attempt, user=request.user)  # type: ignore[arg-type]
    context.update(selectors.attempt_review(view=result))
    return render(request, "assessments/result_page.html", context)


# --- tasks -----------------------------------------------------------------------------------------------


def task_view(request: HttpRequest, *, task: TaskPage, error: str = "", status: int = 200) -> HttpResponse:
    """The task: instructions, the submission form, and the learner's own submissions and grades."""
    context = task.get_context(request)
    if request.user.is_authenticated:
        context["submissions"] = selectors.submissions_of_learner(task=context["item"], user=request.user)  # type: ignore[arg-type]
    context["error"] = error
    context["direct_upload"] = uses_s3()
    return render(request, "assessments/task_page.html", context, status=status)


@require_POST
@login_required
def submission_create_view(request: HttpRequest, task_id: int) -> HttpResponse:
    task = original_page(get_object_or_404(TaskPage.objects.live(), pk=task_id))
    try:
        submission_create(
            task=task,
            user=request.user,  # type: ignore[arg-type]
            text=request.POST.get("text", ""),
            link=request.POST.get("link", ""),
            files=request.FILES.getlist("files"),
            direct_uploads=request.POST.getlist("uploaded"),
        )
    except AssessmentError as refused:
        return task_view(request, task=localized(task), error=refused.message, status=400)
    messages.success(request, _("Your work is submitted. You will get an e-mail when it is graded."))
    return HttpResponseRedirect(localized_url(task, request))


@require_POST
@login_required
def direct_upload_view(request: HttpRequest, task_id: int) -> HttpResponse:
    """JSON for the browser: where to POST one file straight to S3. Only offered when S3 is configured."""
    task = original_page(get_object_or_404(TaskPage.objects.live(), pk=task_id))
    try:
        upload = task_direct_upload(task=task, user=request.user, filename=request.POST.get("filename", "")[:255])  # type: ignore[arg-type]
    except AssessmentError as refused:
        return JsonResponse({"error": refused.message}, status=400)
    return JsonResponse({"url": upload.url, "fields": upload.fields, "name": upload.name})


@require_GET
@login_required
def submission_file_view(request: HttpRequest, file_id: int) -> HttpResponse:
    """A submitted file, for its learner and the course's instructors: a short-lived private link."""
    private_file = get_object_or_404(PrivateFile, pk=file_id)
    submission = Submission.objects.select_related("task").filter(files__upload=private_file).first()
    if submission is None or not selectors.may_see_submission(submission=submission, user=request.user):  # type: ignore[arg-type]
        raise PermissionDenied
    return redirect(private_url(private_file=private_file))
