"""Every change to quiz attempts and task submissions: typed, keyword-only, atomic, permission-checked.

Views, admin views, Celery tasks and the demo all call these, so every path behaves the same. Grading reads
the questions of the revision an attempt pinned when it started, never the live page. Each graded result
goes to progress through `_report_result`, the one call into `progress.services`.
"""

from __future__ import annotations

import functools
import json
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

import bleach
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Avg, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page, Revision

from assessments import grading
from assessments.aiken import import_aiken
from assessments.blocks import raw_question_block
from assessments.gift import ImportReport, export_gift, import_gift
from assessments.models import (
    Attempt,
    AttemptScoring,
    AttemptState,
    FeedbackMode,
    Grade,
    QuestionImportDraft,
    QuizPage,
    RegradeAudit,
    Response,
    RubricScore,
    Submission,
    SubmissionFile,
    SubmissionState,
    TaskPage,
)
from content.models import CourseItemPage
from lms.db import RowShape, column_converters, converted, fixed_statement_rows, fixed_statement_run, row_shape
from lms.models import User
from lms.outbox import outbox_enqueue
from media.models import PrivateFile
from media.uploads import (
    DirectUpload,
    UploadRefused,
    direct_upload_confirm,
    direct_upload_create,
    direct_uploads_discard,
    max_bytes_for,
    private_file_store,
    private_files_discard,
)
from progress.selectors import item_access
from progress.services import course_of_item, item_result_record, user_can_edit_course

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
MAX_TEXT_CHARS = 100_000
MAX_FILES = 10

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4", "a"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


class AssessmentError(Exception):
    """A refusal the learner or instructor can act on; `message` is for them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AttemptRefused(AssessmentError):
    """No new attempt now: the limit is reached or the cooldown runs; `wait` is the time left, if any."""

    def __init__(self, message: str, *, wait: timedelta | None = None) -> None:
        super().__init__(message)
        self.wait = wait


class AttemptClosed(AssessmentError):
    """The attempt is no longer open: submitted, or closed at its deadline."""


class AnswerLocked(AssessmentError):
    """The learner checked this answer and saw its key (immediate feedback): it can no longer change."""


class CheckRefused(AssessmentError):
    """An answer that cannot be checked: the quiz gives no immediate feedback, it is blank, or graded by hand."""


class SubmissionRefused(AssessmentError):
    pass


# --- helpers ---------------------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _duration(delta: timedelta) -> str:
    minutes = max(1, int((delta.total_seconds() + 59) // 60))
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    return _("%(h)d h %(m)02d min") % {"h": minutes // 60, "m": minutes % 60}


def _percent(points: Decimal, possible: Decimal) -> Decimal:
    if not possible:
        return Decimal("0.00")
    return min(HUNDRED, (points * HUNDRED / possible).quantize(CENT, rounding=ROUND_HALF_UP))


def _check_learner(*, user: User, item: CourseItemPage) -> None:
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to continue."))
    access = item_access(user=user, item=item)
    if not access.allowed or access.enrolment is None:
        raise PermissionDenied(access.message or _("Enrol in the course to take part."))


def _check_instructor(*, user: User, item: CourseItemPage) -> None:
    if not user_can_edit_course(user=user, course=course_of_item(item)):
        raise PermissionDenied(_("Only instructors of this course may do this."))


def _lock_learner(user: User) -> None:
    """Serialise a learner's starts and submissions: a row lock on the user."""
    User.objects.select_for_update().only("pk").get(pk=user.pk)


def questions_for_revision(revision: Revision) -> tuple[dict[str, dict[str, Any]], list[str | dict[str, Any]]]:
    """The questions (engine dicts by key) and layout of a quiz exactly as `revision` holds them."""
    page = revision.as_object()
    if not isinstance(page, QuizPage):
        raise TypeError("not a quiz revision")
    return page.question_bank()


def attempt_questions(attempt: Attempt) -> list[dict[str, Any]]:
    """The questions of an attempt, in the order drawn, as its pinned revision (or the one it was regraded
    against) holds them: the copy kept with the attempt, or, for an attempt started before copies were kept,
    read from that revision."""
    if attempt.questions:
        return attempt.questions
    bank, _layout = questions_for_revision(attempt.regraded_revision or attempt.revision)
    return [bank[key] for key in attempt.question_keys]


def _report_result(*, user: User, item: CourseItemPage, score: Decimal, passed: bool, occurred_at: datetime) -> None:
    """The one call into progress: the item's counted score (percent) and whether it is complete."""
    item_result_record(user=user, item=item, completed=passed, score=score, occurred_at=occurred_at)


def _counted_score(*, quiz: QuizPage, user: User) -> Decimal | None:
    graded = Attempt.objects.filter(quiz=quiz, learner=user, state=AttemptState.GRADED)
    if quiz.attempt_scoring == AttemptScoring.LATEST:
        latest = graded.order_by("-submitted_at", "-number").values_list("score", flat=True).first()
        return latest
    aggregate = Avg("score") if quiz.attempt_scoring == AttemptScoring.AVERAGE else Max("score")
    value = graded.aggregate(value=aggregate)["value"]
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _report_quiz(*, quiz: QuizPage, user: User, occurred_at: datetime) -> None:
    score = _counted_score(quiz=quiz, user=user)
    if score is not None:
        _report_result(user=user, item=quiz, score=score, passed=score >= quiz.pass_mark, occurred_at=occurred_at)


def _draw(
    quiz: QuizPage, layout: list[str | dict[str, Any]], bank: dict[str, dict[str, Any]], rng: random.Random
) -> tuple[list[str], dict[str, list[str]]]:
    keys: list[str] = []
    for entry in layout:
        if isinstance(entry, dict):
            keys += rng.sample(entry["pool"], min(entry["draw"], len(entry["pool"])))
        else:
            keys.append(entry)
    if quiz.shuffle_questions:
        rng.shuffle(keys)
    order: dict[str, list[str]] = {}
    for key in keys:
        q = bank[key]
        if q["type"] in ("single_choice", "multiple_response"):
            ids = [c["id"] for c in q["choices"]]
            if quiz.shuffle_choices:
                rng.shuffle(ids)
            order[key] = ids
        elif q["type"] == "matching":
            # Right-hand options are always shuffled: in authored order they would give the pairs away.
            ids = [p["id"] for p in q["pairs"]]
            rng.shuffle(ids)
            order[key] = ids
        elif q["type"] == "ordering":
            ids = [i["id"] for i in q["items"]]
            correct = list(ids)
            for _try in range(10):  # never show the answer as the starting order
                rng.shuffle(ids)
                if ids != correct:
                    break
            order[key] = ids
    return keys, order


# --- quiz attempts ---------------------------------------------------------------------------------------


def attempt_wait(*, quiz: QuizPage, user: User, now: datetime | None = None) -> AttemptRefused | None:
    """Why `user` cannot start a new attempt now (limit or cooldown), or None when they can."""
    now = _now(now)
    closed = Attempt.objects.filter(quiz=quiz, learner=user).exclude(state=AttemptState.OPEN)
    used = closed.count()
    if quiz.attempts_allowed and used >= quiz.attempts_allowed:
        return AttemptRefused(
            _("You have used all %(n)d attempts allowed for this quiz.") % {"n": quiz.attempts_allowed}
        )
    if quiz.cooldown_minutes and used:
        last = closed.aggregate(last=Max("submitted_at"))["last"]
        ready = last + timedelta(minutes=quiz.cooldown_minutes)
        if now < ready:
            return AttemptRefused(
                _("You can start a new attempt in %(time)s.") % {"time": _duration(ready - now)}, wait=ready - now
            )
    return None


@transaction.atomic
def attempt_start(*, quiz: QuizPage, user: User, now: datetime | None = None, seed: int | None = None) -> Attempt:
    """Start an attempt, or give back the learner's open one (closing it first if its deadline passed).

    Locks the learner's user row, so two starts never make two attempts; the database also allows one open
    attempt per learner and quiz. Pins the quiz's live revision and the questions drawn, in their order.
    Raises AttemptRefused over the attempt limit or inside the cooldown, with the time left.
    """
    now = _now(now)
    _check_learner(user=user, item=quiz)
    _lock_learner(user)
    current = (
        Attempt.objects.select_related("revision").filter(quiz=quiz, learner=user, state=AttemptState.OPEN).first()
    )
    if current is not None:
        if current.deadline is None or now < current.deadline:
            return current
        _close(attempt=current, at=current.deadline)
    refused = attempt_wait(quiz=quiz, user=user, now=now)
    if refused is not None:
        raise refused
    live = QuizPage.objects.get(pk=quiz.pk)
    if live.live_revision_id is None:
        raise AttemptRefused(_("This quiz is not published."))
    revision = Revision.objects.get(pk=live.live_revision_id)
    bank, layout = questions_for_revision(revision)
    if not bank:
        raise AttemptRefused(_("This quiz has no questions yet."))
    keys, order = _draw(live, layout, bank, random.Random(seed))
    number = (Attempt.objects.filter(quiz=quiz, learner=user).aggregate(n=Max("number"))["n"] or 0) + 1
    deadline = now + timedelta(minutes=live.time_limit_minutes) if live.time_limit_minutes else None
    return Attempt.objects.create(
        learner=user,
        quiz=quiz,
        revision=revision,
        number=number,
        question_keys=keys,
        questions=[bank[key] for key in keys],
        choice_order=order,
        started_at=now,
        deadline=deadline,
    )


# Not the quiz's live questions and intro: grading reads the copy kept with the attempt, never the live page.
_QUIZ_TEXT = ("questions", "intro")


def _locked_attempt(attempt: Attempt) -> Attempt:
    # Not the revisions: each holds the whole page's JSON, and the attempt keeps its own copy of its questions.
    return (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("quiz", "learner")
        .defer(*(f"quiz__{name}" for name in _QUIZ_TEXT))
        .get(pk=attempt.pk)
    )


def _grade_into(attempt: Attempt, responses: dict[str, Any]) -> grading.AttemptGrade:
    questions = attempt_questions(attempt)
    result = grading.grade_attempt(questions, {k: v for k, v in responses.items() if k in attempt.question_keys})
    attempt.points, attempt.max_points = result.score, result.max_score
    attempt.score = result.percent
    attempt.results = {
        key: {
            "score": str(r.score),
            "max_score": str(r.max_score),
            "correct": r.correct,
            "needs_manual": r.needs_manual,
            "feedback": r.feedback,
            "detail": r.detail,
        }
        for key, r in result.results.items()
    }
    attempt.state = AttemptState.NEEDS_GRADING if result.needs_manual else AttemptState.GRADED
    return result


# What `_close` reads once the attempt is locked: its saved answers, and what the learner's other graded attempts
# of the quiz give the counted score (per attempt scoring), in one statement.
_EARLIER_SCORES = {
    AttemptScoring.HIGHEST: "SELECT max(score), NULL, NULL FROM {attempts} WHERE {graded}",
    AttemptScoring.AVERAGE: "SELECT sum(score), count(score), NULL FROM {attempts} WHERE {graded}",
    AttemptScoring.LATEST: "SELECT score, submitted_at, number FROM {attempts} WHERE {graded}"
    " ORDER BY submitted_at DESC, number DESC LIMIT 1",
}
_ANSWERS_AND_SCORES_SQL = (
    "SELECT (SELECT {answers} FROM {responses} WHERE attempt_id = %s), earlier.*"
    " FROM (SELECT 1) AS one LEFT JOIN ({earlier}) AS earlier ON TRUE"
)
# The saved answers as one JSON object: PostgreSQL's aggregate, or SQLite's (the embedded default).
_ANSWERS_OBJECT = {"postgresql": "jsonb_object_agg(key, value)", "sqlite": "json_group_object(key, json(value))"}
# What each column of an `_EARLIER_SCORES` row is, to convert it as the ORM would (SQLite answers floats and text).
_EARLIER_FIELDS = {
    AttemptScoring.HIGHEST: ("score", None, None),
    AttemptScoring.AVERAGE: ("score", None, None),
    AttemptScoring.LATEST: ("score", "submitted_at", "number"),
}


@functools.cache
def _answers_and_scores_statement(scoring: str) -> str:
    quote = connection.ops.quote_name
    earlier = _EARLIER_SCORES[AttemptScoring(scoring)].format(
        attempts=quote(Attempt._meta.db_table),
        graded=f"quiz_id = %s AND learner_id = %s AND state = '{AttemptState.GRADED.value}'",
    )
    return _ANSWERS_AND_SCORES_SQL.format(
        answers=_ANSWERS_OBJECT[connection.vendor], responses=quote(Response._meta.db_table), earlier=earlier
    )


@functools.cache
def _attempt_converters(name: str) -> tuple[list[Any], Any]:
    return column_converters(Attempt._meta.get_field(name))  # type: ignore[arg-type]


def _as_attempt_field(name: str | None, value: Any) -> Any:
    """`value`, read by hand from the attempt's column `name`, as the ORM would give it."""
    if name is None or value is None:
        return value
    return converted([value], [_attempt_converters(name)])[0]


def _answers_and_earlier_scores(*, attempt: Attempt, scoring: str) -> tuple[dict[str, Any], tuple[Any, Any, Any]]:
    """The locked attempt's saved answers (key -> value) and the aggregate of the learner's other graded attempts.

    Read after the attempt lock is held, so no autosave can commit between this read and the grading."""
    answers, *earlier = fixed_statement_rows(
        sql=_answers_and_scores_statement(scoring), params=[attempt.pk, attempt.quiz_id, attempt.learner_id]
    )[0]
    first, second, third = (
        _as_attempt_field(name, value)
        for name, value in zip(_EARLIER_FIELDS[AttemptScoring(scoring)], earlier, strict=True)
    )
    return (json.loads(answers) if answers is not None else {}), (first, second, third)


def _counted_with(*, attempt: Attempt, scoring: str, earlier: tuple[Any, Any, Any]) -> Decimal:
    """The counted score once `attempt` (just graded) joins the earlier graded attempts: `_counted_score`'s rule
    without reading every attempt again."""
    score = cast(Decimal, attempt.score)
    first, second, third = earlier
    if scoring == AttemptScoring.LATEST:
        newer = first is None or (attempt.submitted_at, attempt.number) > (second, third)
        return score if newer else first
    if scoring == AttemptScoring.AVERAGE:
        total, count = (first or Decimal("0")) + score, (second or 0) + 1
        return (total / count).quantize(CENT, rounding=ROUND_HALF_UP)
    return (score if first is None else max(first, score)).quantize(CENT, rounding=ROUND_HALF_UP)


_CLOSE_SQL = "UPDATE {attempts} SET {assignments} WHERE id = %s"


@functools.cache
def _close_statement() -> tuple[str, tuple[Any, ...]]:
    """The UPDATE that closes an attempt with its grade, written once per process: the ORM's save composed it
    again on every submit."""
    closing = ("points", "max_points", "score", "results", "state", "submitted_at")
    fields = tuple(f for f in Attempt._meta.concrete_fields if f.name in closing)
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    return _CLOSE_SQL.format(attempts=quote(Attempt._meta.db_table), assignments=assignments), fields


def _close(*, attempt: Attempt, at: datetime) -> Attempt:
    """Grade a locked, open attempt with what was saved and close it at `at`. Caller holds the row lock."""
    quiz = attempt.quiz
    responses, earlier = _answers_and_earlier_scores(attempt=attempt, scoring=quiz.attempt_scoring)
    _grade_into(attempt, responses)
    attempt.submitted_at = at
    sql, fields = _close_statement()
    fixed_statement_run(
        sql=sql, params=[f.get_db_prep_save(getattr(attempt, f.attname), connection) for f in fields] + [attempt.pk]
    )
    if attempt.state == AttemptState.GRADED:
        score = _counted_with(attempt=attempt, scoring=quiz.attempt_scoring, earlier=earlier)
        _report_result(user=attempt.learner, item=quiz, score=score, passed=score >= quiz.pass_mark, occurred_at=at)
    return attempt


def attempt_expire_if_due(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """The check on every request: an open attempt past its deadline is closed with what was saved."""
    now = _now(now)
    if attempt.state != AttemptState.OPEN or attempt.deadline is None or now < attempt.deadline:
        return attempt
    with transaction.atomic():
        locked = _locked_attempt(attempt)
        if locked.state == AttemptState.OPEN:
            _close(attempt=locked, at=locked.deadline)  # type: ignore[arg-type]
    return locked


def _store_response(*, attempt: Attempt, key: str, value: Any, now: datetime, checked: bool = False) -> Response:
    """Write one answer of a locked, open attempt; a checked answer is never overwritten."""
    response = Response.objects.filter(attempt=attempt, key=key).first()
    if response is None:
        return Response.objects.create(
            attempt=attempt, key=key, value=value, saved_at=now, checked_at=now if checked else None
        )
    if response.checked_at is not None:
        raise AnswerLocked(_("You checked this answer and saw the key, so it can no longer change."))
    response.value, response.saved_at = value, now
    if checked:
        response.checked_at = now
    response.save(update_fields=["value", "saved_at", "checked_at"])
    return response


def response_save(*, attempt: Attempt, user: User, key: str, raw: Any, now: datetime | None = None) -> Response:
    """Save (autosave) one answer. Locks the attempt row.

    Raises MalformedResponse (a 400) for an answer the form cannot have sent, AttemptClosed after submission,
    and AttemptClosed with a clear message after the deadline, when the attempt is closed with what was saved.
    """
    now = _now(now)
    if attempt.learner_id != user.pk:
        raise PermissionDenied(_("This is not your attempt."))
    with transaction.atomic():
        locked = _locked_attempt(attempt)
        if locked.state != AttemptState.OPEN:
            raise AttemptClosed(_("This attempt has been submitted; answers can no longer change."))
        expired = locked.deadline is not None and now >= locked.deadline
        if expired:
            _close(attempt=locked, at=locked.deadline)  # type: ignore[arg-type]
        else:
            if key not in locked.question_keys:
                raise grading.MalformedResponse(_("This question is not part of your attempt."), question_key=key)
            question = next(q for q in attempt_questions(locked) if q["key"] == key)
            value = grading.normalise_response(question, raw)
            return _store_response(attempt=locked, key=key, value=value, now=now)
    raise AttemptClosed(
        _(
            "Time is up: the deadline passed at %(time)s, so this answer was not saved. Your attempt was submitted with the answers saved before then."
        )
        % {"time": timezone.localtime(locked.deadline).strftime("%H:%M")}  # type: ignore[arg-type]
    )


def responses_save(*, attempt: Attempt, user: User, answers: dict[str, Any], now: datetime | None = None) -> None:
    """Save several answers at once (the form posted without JavaScript): all or none. Locks the attempt row."""
    if attempt.learner_id != user.pk:
        raise PermissionDenied(_("This is not your attempt."))
    attempt = attempt_expire_if_due(attempt=attempt, now=now)
    if attempt.state != AttemptState.OPEN:
        raise AttemptClosed(_("Time is up: your attempt was submitted with the answers saved before the deadline."))
    with transaction.atomic():
        # Checked answers are locked; the plain form shows them disabled, so their fields are not posted.
        checked = set(attempt.responses.filter(checked_at__isnull=False).values_list("key", flat=True))
        for key, raw in answers.items():
            if key not in checked:
                response_save(attempt=attempt, user=user, key=key, raw=raw, now=now)


@dataclass(frozen=True)
class CheckedAnswer:
    """A checked answer with its grade: correct or not, points, per-answer feedback and the explanation."""

    key: str
    value: Any
    result: grading.GradeResult


def checked_answers(
    *, attempt: Attempt, questions: list[dict[str, Any]], saved: dict[str, Any]
) -> dict[str, CheckedAnswer]:
    """The grades of the checked answers among `saved` (key -> value), for the attempt page. No queries."""
    by_key = {q["key"]: q for q in questions}
    return {
        key: CheckedAnswer(key=key, value=value, result=grading.grade(by_key[key], value))
        for key, value in saved.items()
        if key in by_key
    }


def response_check(*, attempt: Attempt, user: User, key: str, raw: Any, now: datetime | None = None) -> CheckedAnswer:
    """Check one answer of a quiz that gives feedback immediately: save `raw`, lock it and grade it.

    Locks the attempt row. Checking a checked answer again gives back the first check and ignores `raw`,
    since the learner has seen the key. Raises MalformedResponse (400) for a question outside the attempt or an
    answer the form cannot have sent, CheckRefused (400) for a quiz without immediate feedback, a blank answer
    or an essay, and AttemptClosed (409) once the attempt is submitted or past its deadline (it is then closed
    with what was saved).
    """
    now = _now(now)
    if attempt.learner_id != user.pk:
        raise PermissionDenied(_("This is not your attempt."))
    with transaction.atomic():
        locked = _locked_attempt(attempt)
        if locked.state != AttemptState.OPEN:
            if locked.deadline is not None and locked.submitted_at == locked.deadline:
                raise AttemptClosed(
                    _("Time is up: your attempt was submitted at its deadline, so answers can no longer be checked.")
                )
            raise AttemptClosed(_("This attempt has been submitted; answers can no longer be checked."))
        expired = locked.deadline is not None and now >= locked.deadline
        if expired:
            _close(attempt=locked, at=locked.deadline)  # type: ignore[arg-type]
        else:
            if locked.quiz.feedback_mode != FeedbackMode.IMMEDIATE:
                raise CheckRefused(_("This quiz shows feedback only after the attempt is submitted."))
            if key not in locked.question_keys:
                raise grading.MalformedResponse(_("This question is not part of your attempt."), question_key=key)
            question = next(q for q in attempt_questions(locked) if q["key"] == key)
            if question["type"] == "essay":
                raise CheckRefused(_("An essay is graded by hand after you submit; it cannot be checked now."))
            existing = Response.objects.filter(attempt=locked, key=key, checked_at__isnull=False).first()
            if existing is not None:
                return CheckedAnswer(key=key, value=existing.value, result=grading.grade(question, existing.value))
            value = grading.normalise_response(question, raw)
            if value is None:
                raise CheckRefused(_("Answer the question before checking it."))
            response = _store_response(attempt=locked, key=key, value=value, now=now, checked=True)
            return CheckedAnswer(key=key, value=response.value, result=grading.grade(question, response.value))
    raise AttemptClosed(
        _(
            "Time is up: the deadline passed at %(time)s, so this answer was not checked. Your attempt was submitted with the answers saved before then."
        )
        % {"time": timezone.localtime(locked.deadline).strftime("%H:%M")}  # type: ignore[arg-type]
    )


@transaction.atomic
def attempt_submit(*, attempt: Attempt, user: User, now: datetime | None = None) -> Attempt:
    """Submit and grade an attempt. Idempotent: a second submit (double click, retry) grades nothing again.

    Locks the attempt row (select_for_update), so two concurrent submits grade once. After the deadline it
    closes the attempt at the deadline with what was saved. Runs a fixed number of queries, whatever the
    number of questions.
    """
    if attempt.learner_id != user.pk:
        raise PermissionDenied(_("This is not your attempt."))
    return _submit_locked(_locked_attempt(attempt), now=_now(now))


@transaction.atomic
def attempt_submit_own(*, attempt_id: int, user: User, now: datetime | None = None) -> Attempt:
    """`attempt_submit` for the submit view, from the attempt's id: the lock reads the row only if it is
    `user`'s own, so ownership costs no query of its own. Raises Attempt.DoesNotExist for an unknown id or
    another learner's attempt (the view answers 404), leaving that attempt untouched."""
    return _submit_locked(_locked_own_attempt(attempt_id=attempt_id, user=user), now=_now(now))


_OWN_ATTEMPT_SQL = (
    "SELECT {columns} FROM {attempts}"
    " INNER JOIN {pages} ON {pages}.id = {attempts}.quiz_id"
    " INNER JOIN {items} ON {items}.{item_ptr} = {pages}.id"
    " INNER JOIN {quizzes} ON {quizzes}.{quiz_ptr} = {pages}.id"
    " WHERE {attempts}.id = %s AND {attempts}.learner_id = %s"
)


@functools.cache
def _own_attempt_statement() -> tuple[str, RowShape, RowShape]:
    """The submit view's locked read of an attempt with its quiz's settings (not its live questions), written once
    per process from the models' metadata: the ORM spent longer composing this three-table join and building the
    page than the database spent answering it."""
    attempt, quiz = row_shape(Attempt), row_shape(QuizPage, unread=_QUIZ_TEXT)
    quote = connection.ops.quote_name
    sql = _OWN_ATTEMPT_SQL.format(
        columns=", ".join(attempt.columns + quiz.columns),
        attempts=quote(Attempt._meta.db_table),
        pages=quote(Page._meta.db_table),
        items=quote(CourseItemPage._meta.db_table),
        item_ptr=quote(CourseItemPage._meta.pk.column),
        quizzes=quote(QuizPage._meta.db_table),
        quiz_ptr=quote(QuizPage._meta.pk.column),
    )
    if connection.features.has_select_for_update_of:  # as the ORM, no lock where there is none (SQLite)
        sql += f" FOR UPDATE OF {quote(Attempt._meta.db_table)}"
    return sql, attempt, quiz


def _locked_own_attempt(*, attempt_id: int, user: User) -> Attempt:
    """The attempt `attempt_id` of `user`, locked (only its row), with its quiz."""
    sql, attempt_columns, quiz_columns = _own_attempt_statement()
    rows = fixed_statement_rows(sql=sql, params=[attempt_id, user.pk])
    if not rows:
        raise Attempt.DoesNotExist(_("No such attempt."))
    row = rows[0]
    split = len(attempt_columns.columns)
    locked = cast(Attempt, attempt_columns.build(row[:split]))
    locked.quiz = cast(QuizPage, quiz_columns.build(row[split:]))
    locked.learner = user  # the lock matched on it: no join for the learner's row
    return locked


def _submit_locked(locked: Attempt, *, now: datetime) -> Attempt:
    if locked.state != AttemptState.OPEN:
        return locked
    at = min(now, locked.deadline) if locked.deadline else now
    return _close(attempt=locked, at=at)


def attempt_close_expired(*, now: datetime | None = None) -> int:
    """Close every open attempt past its deadline with what was saved (the periodic task). Returns how many."""
    now = _now(now)
    closed = 0
    for attempt in Attempt.objects.filter(state=AttemptState.OPEN, deadline__lte=now).only("pk", "state", "deadline"):
        if attempt_expire_if_due(attempt=attempt, now=now).state != AttemptState.OPEN:
            closed += 1
    return closed


@transaction.atomic
def attempt_grade_manual(
    *, attempt: Attempt, user: User, points: dict[str, Decimal], feedback: dict[str, str] | None = None
) -> Attempt:
    """An instructor marks the hand-graded questions (essays) of a submitted attempt. Locks the attempt row.

    Instructors of the quiz's course only. Every hand-graded question needs points between 0 and its points.
    The total and score are recomputed, the counted score goes to progress (pass or fail against the pass
    mark), and the learner is e-mailed after the commit."""
    locked = _locked_attempt(attempt)
    _check_instructor(user=user, item=locked.quiz)
    if locked.state != AttemptState.NEEDS_GRADING:
        raise AssessmentError(_("This attempt is not waiting for grading."))
    results = dict(locked.results)
    for key, given in points.items():
        result = results.get(key)
        if result is None or not result["needs_manual"]:
            raise AssessmentError(_("This question is not graded by hand."))
        if not Decimal("0") <= given <= Decimal(result["max_score"]):
            raise AssessmentError(_("Points must be between 0 and %(max)s.") % {"max": result["max_score"]})
        result = {**result, "score": str(given.quantize(CENT)), "needs_manual": False}
        result["correct"] = given == Decimal(result["max_score"])
        if feedback and feedback.get(key, "").strip():
            result["feedback"] = [*result["feedback"], feedback[key].strip()]
        results[key] = result
    if any(r["needs_manual"] for r in results.values()):
        raise AssessmentError(_("Give points for every hand-graded question."))
    locked.results = results
    locked.points = sum((Decimal(r["score"]) for r in results.values()), Decimal("0"))
    locked.score = _percent(locked.points, locked.max_points or Decimal("0"))
    locked.state = AttemptState.GRADED
    locked.save(update_fields=["results", "points", "score", "state"])
    _report_quiz(quiz=locked.quiz, user=locked.learner, occurred_at=timezone.now())
    _notify_attempt_graded(locked)
    return locked


def _notify_attempt_graded(attempt: Attempt) -> None:
    """The learner's e-mail, recorded in the outbox with the grade (sent by the worker after the commit)."""
    outbox_enqueue(handler="assessments.attempt_graded_notify", payload={"attempt_id": attempt.pk})


def _keep_hand_marks(attempt: Attempt, before: dict[str, Any]) -> None:
    """A regrade never undoes an instructor's marking: hand-graded questions keep their marked result."""
    results = dict(attempt.results)
    for key, result in results.items():
        old = before.get(key)
        if result["needs_manual"] and old is not None and not old["needs_manual"]:
            kept = min(Decimal(old["score"]), Decimal(result["max_score"]))
            results[key] = {**old, "score": str(kept), "max_score": result["max_score"]}
    attempt.results = results
    attempt.points = sum((Decimal(r["score"]) for r in results.values()), Decimal("0"))
    attempt.score = _percent(attempt.points, attempt.max_points or Decimal("0"))
    manual = any(r["needs_manual"] for r in results.values())
    attempt.state = AttemptState.NEEDS_GRADING if manual else AttemptState.GRADED


@transaction.atomic
def attempt_regrade(
    *, attempts: list[Attempt], user: User, reason: str, revision: Revision, now: datetime | None = None
) -> list[RegradeAudit]:
    """Re-grade chosen, closed attempts against `revision`, the quiz's current published revision (the fix).

    Only an explicit instructor action does this; an ordinary edit never changes a past attempt. `revision`
    is the one the instructor saw when choosing: if the quiz was published again since, nothing is regraded.
    Each attempt keeps the revision it was served from and records the one it was regraded against; an audit
    entry keeps the old and new score, who and when; the counted score goes to progress. Hand-marked essays
    keep their marks. Locks each attempt row. A question the fix removed is refused, never silently dropped.
    """
    now = _now(now)
    if not reason.strip():
        raise AssessmentError(_("Say why the attempts are regraded."))
    if not attempts:
        raise AssessmentError(_("Choose at least one attempt to regrade."))
    audits: list[RegradeAudit] = []
    bank: dict[str, dict[str, Any]] | None = None
    for attempt in attempts:
        locked = _locked_attempt(attempt)
        _check_instructor(user=user, item=locked.quiz)
        if locked.state == AttemptState.OPEN:
            raise AssessmentError(_("An open attempt cannot be regraded."))
        live = QuizPage.objects.get(pk=locked.quiz_id)
        if revision.pk != live.live_revision_id or str(revision.object_id) != str(locked.quiz_id):
            raise AssessmentError(
                _("The quiz was published again since this page was opened; regrade against the current revision.")
            )
        if bank is None:
            bank, _layout = questions_for_revision(revision)
        missing = [k for k in locked.question_keys if k not in bank]
        if missing:
            raise AssessmentError(
                _("The published quiz no longer has every question of attempt %(n)d.") % {"n": locked.pk}
            )
        old_revision_id, old_score, before = locked.graded_revision_id, locked.score, dict(locked.results)
        locked.regraded_revision, locked.regraded_at = revision, now
        locked.questions = [bank[key] for key in locked.question_keys]
        _grade_into(locked, dict(locked.responses.values_list("key", "value")))
        _keep_hand_marks(locked, before)
        locked.save(
            update_fields=[
                "regraded_revision",
                "regraded_at",
                "questions",
                "points",
                "max_points",
                "score",
                "results",
                "state",
            ]
        )
        audits.append(
            RegradeAudit.objects.create(
                attempt=locked,
                actor=user,
                from_revision_id=old_revision_id,
                to_revision=revision,
                old_score=old_score,
                new_score=locked.score,
                reason=reason.strip(),
                created_at=now,
            )
        )
        _report_quiz(quiz=live, user=locked.learner, occurred_at=now)
    return audits


@dataclass(frozen=True)
class AttemptView:
    """What the result page may show, per the quiz's feedback setting."""

    attempt: Attempt
    passed: bool
    show_feedback: bool


def attempt_result(*, attempt: Attempt, user: User) -> AttemptView:
    if attempt.learner_id != user.pk:
        raise PermissionDenied(_("This is not your attempt."))
    quiz = attempt.quiz
    passed = attempt.passed(quiz.pass_mark)
    mode = quiz.feedback_mode
    show = attempt.state != AttemptState.OPEN and (
        mode in ("immediate", "after_submit") or (mode == "after_passing" and passed)
    )
    return AttemptView(attempt=attempt, passed=passed, show_feedback=show)


# --- task submissions ------------------------------------------------------------------------------------


_DROPPED_ELEMENTS = re.compile(r"<(script|style|template|iframe|object|noscript)\b.*?</\1\s*>", re.I | re.S)


def clean_rich_text(html: str) -> str:
    """Learner rich text reduced to an allow-list: no scripts, event handlers, styles or javascript: links.

    The contents of scripts and styles go too (bleach alone would keep them as text); whatever the pattern
    misses is still reduced to escaped text by bleach."""
    return bleach.clean(
        _DROPPED_ELEMENTS.sub("", html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    ).strip()


def clean_link(link: str) -> str:
    link = link.strip()
    if not link:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(link)
    except Exception:  # noqa: BLE001 - any refusal of the validator is the same message
        raise SubmissionRefused(_("A link must be a web address starting with http:// or https://.")) from None
    return link


def submission_create(
    *,
    task: TaskPage,
    user: User,
    text: str = "",
    link: str = "",
    files: list[UploadedFile] | None = None,
    direct_uploads: list[str] | None = None,
    now: datetime | None = None,
) -> Submission:
    """Submit work for a task: rich text (cleaned), a link (http/https) and files (checked, stored privately).

    `files` are streamed uploads; `direct_uploads` are the names of files the browser sent straight to S3
    (see `task_direct_upload`), each confirmed on the server (size by HEAD, type by first bytes) first.
    Locks the learner's user row; the database allows one submission waiting for grading per learner and task.

    Files reach storage before their rows commit, so this is the outermost transaction (durable): when it does
    not commit (a refusal, a constraint, a database error, even at COMMIT), every file stored for it is deleted.
    """
    stored: list[PrivateFile] = []
    try:
        with transaction.atomic(durable=True):
            return _submission_create(
                task=task,
                user=user,
                text=text,
                link=link,
                files=files or [],
                direct_uploads=direct_uploads or [],
                now=_now(now),
                stored=stored,
            )
    except BaseException:
        private_files_discard(stored)
        direct_uploads_discard(owner=user, names=direct_uploads or [])
        raise


def _submission_create(
    *,
    task: TaskPage,
    user: User,
    text: str,
    link: str,
    files: list[UploadedFile],
    direct_uploads: list[str],
    now: datetime,
    stored: list[PrivateFile],
) -> Submission:
    """The body of `submission_create`, inside its transaction; appends each file it stores to `stored`."""
    _check_learner(user=user, item=task)
    _lock_learner(user)
    previous = Submission.objects.filter(task=task, learner=user).order_by("-number").first()
    if previous is not None:
        if previous.state == SubmissionState.SUBMITTED:
            raise SubmissionRefused(_("Your previous submission is waiting for grading."))
        if previous.state == SubmissionState.GRADED and not task.resubmissions_allowed:
            raise SubmissionRefused(_("This task has been graded and does not take resubmissions."))
    if len(text) > MAX_TEXT_CHARS:
        raise SubmissionRefused(_("The text is too long."))
    cleaned = clean_rich_text(text) if task.accept_text else ""
    link = clean_link(link) if task.accept_link else ""
    if (files or direct_uploads) and not task.accept_files:
        raise SubmissionRefused(_("This task does not take files."))
    if len(files) + len(direct_uploads) > MAX_FILES:
        raise SubmissionRefused(_("Send at most %(n)d files.") % {"n": MAX_FILES})
    if not (bleach.clean(cleaned, tags=set(), strip=True).strip() or link or files or direct_uploads):
        raise SubmissionRefused(_("Your submission is empty."))
    allowed, max_bytes = task.file_types(), max_bytes_for(task.max_file_mb)
    active = task.allow_active_files
    try:
        for upload in files:
            stored.append(
                private_file_store(owner=user, upload=upload, allowed=allowed, max_bytes=max_bytes, allow_active=active)
            )
        for name in direct_uploads:
            stored.append(
                direct_upload_confirm(owner=user, name=name, allowed=allowed, max_bytes=max_bytes, allow_active=active)
            )
    except UploadRefused as refused:
        raise SubmissionRefused(refused.message) from None
    live = TaskPage.objects.get(pk=task.pk)
    submission = Submission.objects.create(
        learner=user,
        task=task,
        revision_id=live.live_revision_id or live.latest_revision_id,
        number=(previous.number + 1) if previous else 1,
        text=cleaned,
        link=link,
        submitted_at=now,
    )
    SubmissionFile.objects.bulk_create([SubmissionFile(submission=submission, upload=f) for f in stored])
    return submission


def task_direct_upload(*, task: TaskPage, user: User, filename: str) -> DirectUpload:
    """A presigned POST for one file of a task submission, straight to the private bucket (S3 only)."""
    _check_learner(user=user, item=task)
    if not task.accept_files:
        raise SubmissionRefused(_("This task does not take files."))
    try:
        return direct_upload_create(owner=user, filename=filename, max_bytes=max_bytes_for(task.max_file_mb))
    except UploadRefused as refused:
        raise SubmissionRefused(refused.message) from None


def _notify(submission: Submission) -> None:
    """The learner's e-mail, recorded in the outbox with the grade (sent by the worker after the commit)."""
    outbox_enqueue(handler="assessments.submission_notify", payload={"submission_id": submission.pk})


@transaction.atomic
def submission_grade(
    *,
    submission: Submission,
    user: User,
    feedback: str = "",
    levels: dict[str, str] | None = None,
    points: Decimal | None = None,
    now: datetime | None = None,
) -> Grade:
    """Grade a submission with the rubric (`levels`: criterion key → level key) or plain `points`.

    Instructors of the task's course only. Locks the submission row; a graded submission is not graded twice.
    The learner is e-mailed after commit, and the score goes to progress.
    """
    now = _now(now)
    locked = Submission.objects.select_for_update(of=("self",)).select_related("task", "learner").get(pk=submission.pk)
    task = locked.task
    _check_instructor(user=user, item=task)
    if locked.state != SubmissionState.SUBMITTED:
        raise AssessmentError(_("This submission is not waiting for grading."))
    criteria = task.rubric_criteria()
    scores: list[RubricScore] = []
    if criteria:
        levels = levels or {}
        total = Decimal("0")
        for criterion in criteria:
            level = next((lv for lv in criterion["levels"] if lv["key"] == levels.get(criterion["key"])), None)
            if level is None:
                raise AssessmentError(_("Choose a level for “%(title)s”.") % {"title": criterion["title"]})
            total += level["points"]
            scores.append(
                RubricScore(
                    criterion_key=criterion["key"],
                    criterion_title=criterion["title"],
                    level_label=level["label"],
                    points=level["points"],
                )
            )
        given, possible = total, task.points_possible()
    else:
        possible = task.max_points
        if points is None or not Decimal("0") <= points <= possible:
            raise AssessmentError(_("Points must be between 0 and %(max)s.") % {"max": possible})
        given = points
    grade = Grade.objects.create(
        submission=locked,
        grader=user,
        points=given,
        max_points=possible,
        score=_percent(given, possible),
        feedback=clean_rich_text(feedback),
        graded_at=now,
    )
    for score in scores:
        score.grade = grade
    RubricScore.objects.bulk_create(scores)
    locked.state = SubmissionState.GRADED
    locked.save(update_fields=["state"])
    _report_result(
        user=locked.learner, item=task, score=grade.score, passed=grade.score >= task.pass_mark, occurred_at=now
    )
    _notify(locked)
    return grade


@transaction.atomic
def submission_return(*, submission: Submission, user: User, feedback: str) -> Submission:
    """Return a submission for resubmission with feedback. Instructors of the course only; locks the row."""
    locked = Submission.objects.select_for_update(of=("self",)).select_related("task").get(pk=submission.pk)
    _check_instructor(user=user, item=locked.task)
    if locked.state != SubmissionState.SUBMITTED:
        raise AssessmentError(_("This submission is not waiting for grading."))
    if not feedback.strip():
        raise AssessmentError(_("Tell the learner what to change."))
    locked.state = SubmissionState.RETURNED
    locked.return_feedback = clean_rich_text(feedback)
    locked.save(update_fields=["state", "return_feedback"])
    _notify(locked)
    return locked


# --- instructor tools ------------------------------------------------------------------------------------


IMPORT_DRAFT_TTL = timedelta(hours=1)
IMPORTERS: dict[str, Callable[[str], ImportReport]] = {"gift": import_gift, "aiken": import_aiken}


class ImportRefused(AssessmentError):
    """A question import that cannot go on: no questions in the file, or a preview that is stale or not yours."""


@transaction.atomic
def quiz_import_preview(
    *, quiz: QuizPage, user: User, text: str, fmt: str, source_name: str = "", now: datetime | None = None
) -> QuestionImportDraft:
    """Read GIFT or Aiken text question by question and keep the result as the instructor's import draft for
    this quiz, replacing any earlier one. Nothing is added to the quiz yet. Instructors of the course only.
    """
    _check_instructor(user=user, item=quiz)
    importer = IMPORTERS.get(fmt)
    if importer is None:
        raise ImportRefused(_("Choose GIFT or Aiken."))
    report = importer(text)
    if not report.entries:
        raise ImportRefused(_("The file holds no questions: check that it is in the format you chose."))
    draft, _created = QuestionImportDraft.objects.update_or_create(
        quiz=quiz,
        user=user,
        defaults={
            "token": uuid.uuid4(),
            "fmt": fmt,
            "source_name": source_name[:255],
            "report": report.to_data(),
            "created_at": _now(now),
        },
    )
    return draft


def _stale_message() -> str:
    return _(
        "This preview can no longer be imported: it was already imported, replaced by a newer upload, is more "
        "than an hour old, or is not yours. Upload the file again."
    )


@transaction.atomic
def quiz_import_questions(
    *, quiz: QuizPage, user: User, token: str, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Append the ready questions of the instructor's import draft (`token`, from its preview) to the quiz as a
    new draft revision, and delete the import draft. Broken questions and descriptions are left out.

    Refuses a token that is not the instructor's current draft for this quiz, or a draft older than
    IMPORT_DRAFT_TTL, so importing twice or from an old tab adds nothing. Locks the draft and the quiz page row.
    """
    _check_instructor(user=user, item=quiz)
    try:
        key = uuid.UUID(token)
    except (TypeError, ValueError):
        raise ImportRefused(_stale_message()) from None
    draft = QuestionImportDraft.objects.select_for_update().filter(quiz=quiz, user=user, token=key).first()
    if draft is None or draft.created_at < _now(now) - IMPORT_DRAFT_TTL:
        raise ImportRefused(_stale_message())
    questions = [q for q in ImportReport.from_data(draft.report).questions if not grading.validate_question(q)]
    if not questions:
        raise ImportRefused(_("No question of this file can be imported: fix the file and upload it again."))
    QuizPage.objects.select_for_update().only("pk").get(pk=quiz.pk)
    page = QuizPage.objects.get(pk=quiz.pk).get_latest_revision_as_object()
    page.questions = [*page.questions.raw_data, *(raw_question_block(q) for q in questions)]
    page.save_revision(user=user, log_action=True)
    draft.delete()
    return questions


def quiz_export_gift(*, quiz: QuizPage, user: User) -> str:
    """The quiz's latest revision as GIFT text; questions GIFT cannot hold are noted in comment lines."""
    _check_instructor(user=user, item=quiz)
    draft = QuizPage.objects.get(pk=quiz.pk).get_latest_revision_as_object()
    bank, _layout = draft.question_bank()
    return export_gift(list(bank.values())).text
