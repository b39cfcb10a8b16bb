"""Reads for quiz and task pages, the grading queue and item analysis; each a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.html import linebreaks

from assessments.forms import display_question
from assessments.models import (
    Accommodation,
    Attempt,
    AttemptState,
    FeedbackMode,
    QuestionImportDraft,
    QuizPage,
    Submission,
    SubmissionFile,
    SubmissionState,
    TaskPage,
)
from assessments.question_types import question_type
from assessments.services import (
    IMPORT_DRAFT_TTL,
    AttemptRefused,
    AttemptView,
    attempt_questions,
    attempt_wait,
    checked_answers,
    clean_rich_text,
)
from content.models import CoursePage
from lms.models import User
from progress.services import course_of_item, user_can_edit_course


@dataclass(frozen=True)
class QuizOverview:
    attempts: list[Attempt]
    open_attempt: Attempt | None
    refused: AttemptRefused | None
    attempts_left: int | None


def quiz_overview(*, quiz: QuizPage, user: User) -> QuizOverview:
    attempts = list(Attempt.objects.filter(quiz=quiz, learner=user).order_by("number"))
    open_attempt = next((a for a in attempts if a.state == AttemptState.OPEN), None)
    closed = len([a for a in attempts if a.state != AttemptState.OPEN])
    return QuizOverview(
        attempts=attempts,
        open_attempt=open_attempt,
        refused=None if open_attempt else attempt_wait(quiz=quiz, user=user),
        attempts_left=max(0, quiz.attempts_allowed - closed) if quiz.attempts_allowed else None,
    )


def attempt_form(*, attempt: Attempt) -> dict[str, Any]:
    """The attempt page: questions as shown to the learner (no answer key), with saved answers."""
    rows = list(attempt.responses.values_list("key", "value", "checked_at"))
    saved = {key: value for key, value, _checked in rows}
    drawn = attempt_questions(attempt)
    # Only checked answers are graded here: the key of every other question stays on the server.
    checked = checked_answers(
        attempt=attempt, questions=drawn, saved={key: value for key, value, at in rows if at is not None}
    )
    questions = []
    for n, q in enumerate(drawn, start=1):
        shown = display_question(q, number=n, choice_order=attempt.choice_order, saved=saved.get(q["key"]))
        shown.checked = checked.get(q["key"])
        questions.append(shown)
    seconds_left = None
    if attempt.deadline:
        seconds_left = max(0, int((attempt.deadline - timezone.now()).total_seconds()))
    time_left = "" if seconds_left is None else f"{seconds_left // 60}:{seconds_left % 60:02d}"
    return {
        "attempt": attempt,
        "questions": questions,
        "seconds_left": seconds_left,
        "time_left": time_left,
        "immediate": attempt.quiz.feedback_mode == FeedbackMode.IMMEDIATE,
    }


def attempt_question(*, attempt: Attempt, key: str) -> dict[str, Any]:
    """One question of the attempt page (the htmx answer to "Check answer"), as `attempt_form` shows it."""
    form = attempt_form(attempt=attempt)
    return {**form, "q": next(q for q in form["questions"] if q.key == key)}


@dataclass(frozen=True)
class ReviewedQuestion:
    number: int
    key: str
    prompt: str
    score: str
    max_score: str
    correct: bool
    pending: bool
    feedback: list[str]


def attempt_review(*, view: AttemptView) -> dict[str, Any]:
    attempt = view.attempt
    questions = []
    if view.show_feedback:
        for n, q in enumerate(attempt_questions(attempt), start=1):
            result = attempt.results.get(q["key"], {})
            questions.append(
                ReviewedQuestion(
                    number=n,
                    key=q["key"],
                    prompt=q.get("prompt") or q.get("text") or "",
                    score=result.get("score", "0"),
                    max_score=result.get("max_score", str(q["points"])),
                    correct=bool(result.get("correct")),
                    pending=bool(result.get("needs_manual")),
                    feedback=list(result.get("feedback", [])),
                )
            )
    return {"attempt": attempt, "result": view, "reviewed": questions}


def submissions_of_learner(*, task: TaskPage, user: User) -> list[Submission]:
    return list(
        Submission.objects.filter(task=task, learner=user)
        .select_related("grade")
        .prefetch_related("grade__rubric_scores", Prefetch("files", SubmissionFile.objects.select_related("upload")))
        .order_by("-number")
    )


def may_see_submission(*, submission: Submission, user: User) -> bool:
    """A learner sees their own submissions; instructors of the course see its submissions."""
    if not user.is_authenticated:
        return False
    if submission.learner_id == user.pk:
        return True
    return user_can_edit_course(user=user, course=course_of_item(submission.task))


# --- grading queue ----------------------------------------------------------------------------------------


def courses_for_grader(*, user: User) -> list[CoursePage]:
    """The courses whose submissions `user` may grade: the courses they teach (every course for superusers)."""
    courses = CoursePage.objects.order_by("title")
    if not user.is_superuser:
        courses = courses.filter(instructor_group__user=user)
    return list(courses)


QUEUE_PAGE_SIZE = 50


def _grading_queue_query(
    *, user: User, course: CoursePage | None = None, task: TaskPage | None = None
) -> QuerySet[Submission]:
    courses = courses_for_grader(user=user)
    if course is not None:
        courses = [c for c in courses if c.pk == course.pk]
    if not courses:
        return Submission.objects.none()
    in_courses = Q()
    for c in courses:
        in_courses |= Q(task__path__startswith=c.path)
    queryset = Submission.objects.filter(in_courses).select_related("task", "learner", "grade")
    if task is not None:
        queryset = queryset.filter(task=task)
    waiting = Case(When(state=SubmissionState.SUBMITTED, then=Value(0)), default=Value(1), output_field=IntegerField())
    return queryset.annotate(waiting=waiting).order_by("waiting", "submitted_at", "pk")


def grading_queue(*, user: User, course: CoursePage | None = None, task: TaskPage | None = None) -> list[Submission]:
    """Submissions of the courses `user` may grade: those waiting first (oldest first), then the others."""
    return list(_grading_queue_query(user=user, course=course, task=task))


def grading_queue_page(
    *,
    user: User,
    course: CoursePage | None = None,
    task: TaskPage | None = None,
    number: int | str | None = 1,
    per_page: int | None = None,
) -> Page[Submission]:
    """One page of `grading_queue` (`QUEUE_PAGE_SIZE` rows unless `per_page` says): a count and one page of rows,
    whatever the queue's length. A number out of range (below 1 or past the end) gives the last page, one that is
    not a number the first."""
    query = _grading_queue_query(user=user, course=course, task=task)
    return Paginator(query, per_page or QUEUE_PAGE_SIZE).get_page(number)


# --- item analysis ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionStats:
    key: str
    number: int
    label: str
    answered: int
    facility: Decimal | None
    discrimination: Decimal | None
    distractors: list[tuple[str, int, bool]]


@dataclass(frozen=True)
class QuizAnalysis:
    quiz: QuizPage
    attempts: int
    mean: Decimal | None
    histogram: list[int]
    questions: list[QuestionStats]
    generated_at: datetime


def _ratio(part: Decimal | int, whole: int) -> Decimal | None:
    return None if not whole else (Decimal(part) / whole).quantize(Decimal("0.01"))


def quiz_analysis(*, quiz: QuizPage) -> QuizAnalysis:
    """Attempts, the score distribution in ten bands, and per question the facility index (mean share of
    points), the discrimination index (upper minus lower 27% of attempts by score) and the figures of its type
    (choice counts)."""
    from assessments.services import questions_for_revision

    attempts = list(
        Attempt.objects.filter(quiz=quiz, state=AttemptState.GRADED)
        .select_related("revision")
        .prefetch_related("responses")
        .order_by("score", "pk")
    )
    histogram = [0] * 10
    for a in attempts:
        histogram[min(9, int((a.score or 0) // 10))] += 1
    n = len(attempts)
    bank: dict[str, dict[str, Any]] = {}
    if quiz.live_revision_id:
        from wagtail.models import Revision

        bank, _layout = questions_for_revision(Revision.objects.get(pk=quiz.live_revision_id))
    stats = [
        _question_stats(number=number, key=key, question=question, attempts=attempts)
        for number, (key, question) in enumerate(bank.items(), start=1)
    ]
    mean = _ratio(sum((a.score or Decimal(0) for a in attempts), Decimal(0)), n)
    return QuizAnalysis(
        quiz=quiz, attempts=n, mean=mean, histogram=histogram, questions=stats, generated_at=timezone.now()
    )


def _shares(attempts: list[Attempt], key: str) -> list[Decimal]:
    """The share of the points of question `key` each attempt earned (attempts without a result left out)."""
    shares = []
    for attempt in attempts:
        result = attempt.results.get(key)
        if result and Decimal(result["max_score"]) != 0:
            shares.append(Decimal(result["score"]) / Decimal(result["max_score"]))
    return shares


def _question_stats(*, number: int, key: str, question: dict[str, Any], attempts: list[Attempt]) -> QuestionStats:
    """One question's figures over `attempts`, ordered by score."""
    group = max(1, round(len(attempts) * 0.27)) if attempts else 0
    lower, upper = attempts[:group], attempts[-group:] if group else []
    shares, up, low = _shares(attempts, key), _shares(upper, key), _shares(lower, key)
    discrimination = None
    if up and low:
        discrimination = (sum(up, Decimal(0)) / len(up) - sum(low, Decimal(0)) / len(low)).quantize(Decimal("0.01"))
    values = [next((r.value for r in a.responses.all() if r.key == key), None) for a in attempts]
    return QuestionStats(
        key=key,
        number=number,
        label=(question.get("title") or _plain(question.get("prompt") or question.get("text") or ""))[:80],
        answered=len(shares),
        facility=_ratio(sum(shares, Decimal(0)), len(shares)) if shares else None,
        discrimination=discrimination,
        distractors=question_type(question["type"]).distractors(question, values),
    )


def _plain(html: str) -> str:
    from django.utils.html import strip_tags

    return " ".join(strip_tags(html).split())


def _under(courses: list[CoursePage], field: str) -> Q:
    where = Q(pk__in=[])
    for course in courses:
        where |= Q(**{f"{field}__startswith": course.path})
    return where


def tasks_for_grader(*, courses: list[CoursePage]) -> list[TaskPage]:
    """The published tasks of `courses` (the grading queue's filter: drafts have nothing to grade)."""
    return list(TaskPage.objects.live().filter(_under(courses, "path")).order_by("path")) if courses else []


def attempts_waiting(*, courses: list[CoursePage]) -> list[Attempt]:
    """Quiz attempts with essays to grade by hand, oldest first."""
    if not courses:
        return []
    return list(
        Attempt.objects.filter(_under(courses, "quiz__path"), state=AttemptState.NEEDS_GRADING)
        .select_related("quiz", "learner")
        .order_by("submitted_at")
    )


@dataclass(frozen=True)
class ManualQuestion:
    key: str
    prompt: str
    answer: str
    max_score: str
    answer_html: str = ""


def attempt_manual_questions(*, attempt: Attempt) -> list[ManualQuestion]:
    """The hand-graded questions of an attempt with the learner's answers, as bleach-cleaned HTML."""
    saved = dict(attempt.responses.values_list("key", "value"))
    questions = []
    for q in attempt_questions(attempt):
        if not attempt.results.get(q["key"], {}).get("needs_manual"):
            continue
        answer = saved.get(q["key"]) or ""
        questions.append(
            ManualQuestion(
                key=q["key"],
                prompt=q.get("prompt") or "",
                answer=answer,
                max_score=str(q["points"]),
                answer_html=clean_rich_text(linebreaks(answer, autoescape=False)),
            )
        )
    return questions


def question_import_draft(*, quiz: QuizPage, user: User, now: datetime | None = None) -> QuestionImportDraft | None:
    """The instructor's import draft for this quiz while it can still be imported, else None."""
    since = (now or timezone.now()) - IMPORT_DRAFT_TTL
    return QuestionImportDraft.objects.filter(quiz=quiz, user=user, created_at__gte=since).first()


def accommodations_of_course(*, course: CoursePage) -> list[Accommodation]:
    """The course's time accommodations with their learners and granters, by learner e-mail (one query)."""
    return list(
        Accommodation.objects.filter(course=course).select_related("learner", "granted_by").order_by("learner__email")
    )
