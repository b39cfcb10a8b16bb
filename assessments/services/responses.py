"""A learner's answers during an attempt: autosave of drafts, the plain form's save, and the immediate check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import grading
from assessments.models import Attempt, AttemptState, FeedbackMode, Response
from assessments.question_types import question_type
from assessments.services._common import attempt_questions, locked_attempt, now_or, save_draft, store_response
from assessments.services.attempts import attempt_expire_if_due, close_locked
from assessments.services.errors import AttemptClosed, CheckRefused
from lms.models import User


def _closed_at_deadline(locked: Attempt, *, now: datetime) -> bool:
    """Whether the deadline of `locked`, an open attempt, has passed: it is then closed with what was saved."""
    if locked.deadline is None or now < locked.deadline:
        return False
    close_locked(attempt=locked, at=locked.deadline)
    return True


def _deadline_time(attempt: Attempt) -> str:
    return timezone.localtime(cast(datetime, attempt.deadline)).strftime("%H:%M")


def response_save(*, attempt: Attempt, user: User, key: str, raw: Any, now: datetime | None = None) -> Response:
    """Save (autosave) one answer as a draft: a partial answer of any type is saved as it is; whether it is whole
    is checked when the learner submits. Locks the attempt row.

    Raises MalformedResponse (a 400) for an answer the form cannot have sent, AttemptClosed after submission,
    and AttemptClosed with a clear message after the deadline, when the attempt is closed with what was saved.
    """
    now = now_or(now)
    if attempt.learner_id != user.pk:
        raise PermissionDenied(_("This is not your attempt."))
    with transaction.atomic():
        locked = locked_attempt(attempt)
        if locked.state != AttemptState.OPEN:
            raise AttemptClosed(_("This attempt has been submitted; answers can no longer change."))
        if not _closed_at_deadline(locked, now=now):
            return save_draft(attempt=locked, key=key, raw=raw, now=now)
    raise AttemptClosed(
        _(
            "Time is up: the deadline passed at %(time)s, so this answer was not saved. Your attempt was submitted with the answers saved before then."
        )
        % {"time": _deadline_time(locked)}
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


def _check_open(*, locked: Attempt, key: str, raw: Any, now: datetime) -> CheckedAnswer:
    """`response_check` on a locked attempt that is open and before its deadline."""
    if locked.quiz.feedback_mode != FeedbackMode.IMMEDIATE:
        raise CheckRefused(_("This quiz shows feedback only after the attempt is submitted."))
    if key not in locked.question_keys:
        raise grading.MalformedResponse(_("This question is not part of your attempt."), question_key=key)
    question = next(q for q in attempt_questions(locked) if q["key"] == key)
    if question_type(question["type"]).manual:
        raise CheckRefused(_("An essay is graded by hand after you submit; it cannot be checked now."))
    existing = Response.objects.filter(attempt=locked, key=key, checked_at__isnull=False).first()
    if existing is not None:
        return CheckedAnswer(key=key, value=existing.value, result=grading.grade(question, existing.value))
    try:
        value = grading.read_final(question, grading.read_draft(question, raw))
    except grading.IncompleteAnswer as incomplete:
        raise CheckRefused(incomplete.message) from None
    if value is None:
        raise CheckRefused(_("Answer the question before checking it."))
    response = store_response(attempt=locked, key=key, value=value, now=now, checked=True)
    return CheckedAnswer(key=key, value=response.value, result=grading.grade(question, response.value))


def response_check(*, attempt: Attempt, user: User, key: str, raw: Any, now: datetime | None = None) -> CheckedAnswer:
    """Check one answer of a quiz that gives feedback immediately: save `raw`, lock it and grade it.

    Locks the attempt row. Checking a checked answer again gives back the first check and ignores `raw`,
    since the learner has seen the key. Raises MalformedResponse (400) for a question outside the attempt or an
    answer the form cannot have sent, CheckRefused (400) for a quiz without immediate feedback, a blank answer
    or an essay, and AttemptClosed (409) once the attempt is submitted or past its deadline (it is then closed
    with what was saved).
    """
    now = now_or(now)
    if attempt.learner_id != user.pk:
        raise PermissionDenied(_("This is not your attempt."))
    with transaction.atomic():
        locked = locked_attempt(attempt)
        if locked.state != AttemptState.OPEN:
            if locked.deadline is not None and locked.submitted_at == locked.deadline:
                raise AttemptClosed(
                    _("Time is up: your attempt was submitted at its deadline, so answers can no longer be checked.")
                )
            raise AttemptClosed(_("This attempt has been submitted; answers can no longer be checked."))
        if not _closed_at_deadline(locked, now=now):
            return _check_open(locked=locked, key=key, raw=raw, now=now)
    raise AttemptClosed(
        _(
            "Time is up: the deadline passed at %(time)s, so this answer was not checked. Your attempt was submitted with the answers saved before then."
        )
        % {"time": _deadline_time(locked)}
    )
