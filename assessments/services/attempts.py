"""Quiz attempts: start (with the draw and the time limit), submit, close at the deadline, and the result page.

Grading reads the questions the attempt kept from the revision it pinned when it started, never the live page.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from wagtail.models import Page, Revision

from assessments import grading
from assessments.models import Accommodation, Attempt, AttemptScoring, AttemptState, QuizPage
from assessments.question_types import question_type
from assessments.services._common import (
    CENT,
    attempt_questions,
    check_learner,
    grade_into,
    lock_learner,
    locked_attempt,
    now_or,
    questions_for_revision,
    report_result,
    save_draft,
)
from assessments.services.errors import AttemptRefused, IncompleteAnswers
from assessments.statements import (
    EarlierScores,
    answers_and_earlier_scores,
    attempt_fields_save,
    own_attempt_locked,
    own_attempt_locked_orm,
)
from lms.models import User

# The fields closing an attempt writes: its grade and when it was submitted.
_CLOSING_FIELDS = ("points", "max_points", "score", "results", "state", "submitted_at")


def _duration(delta: timedelta) -> str:
    minutes = max(1, int((delta.total_seconds() + 59) // 60))
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    return _("%(h)d h %(m)02d min") % {"h": minutes // 60, "m": minutes % 60}


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
        drawn = question_type(bank[key]["type"]).draw_order(bank[key], rng, shuffle=quiz.shuffle_choices)
        if drawn is not None:
            order[key] = drawn
    return keys, order


def attempt_wait(*, quiz: QuizPage, user: User, now: datetime | None = None) -> AttemptRefused | None:
    """Why `user` cannot start a new attempt now (limit or cooldown), or None when they can."""
    now = now_or(now)
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
def attempt_start(
    *,
    quiz: QuizPage,
    user: User,
    now: datetime | None = None,
    seed: int | None = None,
    wording: QuizPage | None = None,
) -> Attempt:
    """Start an attempt, or give back the learner's open one (closing it first if its deadline passed).

    `quiz` is the original of its translation group (content/translations.py): the attempt, its number, limits
    and timing are the original's whatever language it is taken in. `wording`, a live translation of `quiz`,
    gives the questions in the reader's language: its live revision is pinned instead of the original's.

    Locks the learner's user row, so two starts never make two attempts; the database also allows one open
    attempt per learner and quiz. Pins the quiz's live revision and the questions drawn, in their order.
    Raises AttemptRefused over the attempt limit or inside the cooldown, with the time left.
    """
    now = now_or(now)
    check_learner(user=user, item=quiz)
    lock_learner(user)
    current = (
        Attempt.objects.select_related("revision").filter(quiz=quiz, learner=user, state=AttemptState.OPEN).first()
    )
    if current is not None:
        if current.deadline is None or now < current.deadline:
            return current
        close_locked(attempt=current, at=current.deadline)
    refused = attempt_wait(quiz=quiz, user=user, now=now)
    if refused is not None:
        raise refused
    live = QuizPage.objects.get(pk=quiz.pk)
    if live.live_revision_id is None:
        raise AttemptRefused(_("This quiz is not published."))
    served = live
    if wording is not None and wording.pk != quiz.pk and wording.translation_key == quiz.translation_key:
        served = QuizPage.objects.get(pk=wording.pk)
    revision = Revision.objects.get(pk=served.live_revision_id or live.live_revision_id)
    bank, layout = questions_for_revision(revision)
    if not bank:
        raise AttemptRefused(_("This quiz has no questions yet."))
    keys, order = _draw(live, layout, bank, random.Random(seed))
    number = (Attempt.objects.filter(quiz=quiz, learner=user).aggregate(n=Max("number"))["n"] or 0) + 1
    deadline = now + _time_allowed(quiz=live, user=user) if live.time_limit_minutes else None
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


def _time_allowed(*, quiz: QuizPage, user: User) -> timedelta:
    """The time `user` has for a timed quiz: its limit, or what the learner's accommodation in the course gives."""
    accommodation = Accommodation.objects.filter(learner=user, course__path=quiz.path[: -2 * Page.steplen]).first()
    if accommodation is None:
        return timedelta(minutes=quiz.time_limit_minutes)
    return accommodation.time_allowed(quiz.time_limit_minutes)


def _counted_with(*, attempt: Attempt, scoring: str, earlier: EarlierScores) -> Decimal:
    """The counted score once `attempt` (just graded) joins the earlier graded attempts: `counted_score`'s rule
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


def _incomplete(attempt: Attempt, responses: dict[str, Any]) -> dict[str, str]:
    """Why each saved draft of `attempt` that is not yet a whole answer cannot be submitted, by question key."""
    problems: dict[str, str] = {}
    for question in attempt_questions(attempt):
        try:
            grading.read_final(question, responses.get(question["key"]))
        except grading.IncompleteAnswer as incomplete:
            problems[question["key"]] = incomplete.message
    return problems


def close_locked(*, attempt: Attempt, at: datetime, whole: bool = False) -> Attempt:
    """Grade a locked, open attempt with what was saved and close it at `at`. Caller holds the row lock.

    With `whole` (the learner submits before the deadline), raises IncompleteAnswers and changes nothing while a
    saved draft is not yet a whole answer; at the deadline every draft is graded as it stands."""
    quiz = attempt.quiz
    # Read after the attempt lock is held, so no autosave can commit between this read and the grading.
    responses, earlier = answers_and_earlier_scores(
        attempt_id=attempt.pk, quiz_id=attempt.quiz_id, learner_id=attempt.learner_id, scoring=quiz.attempt_scoring
    )
    if whole and (problems := _incomplete(attempt, responses)):
        raise IncompleteAnswers(problems)
    grade_into(attempt, responses)
    attempt.submitted_at = at
    attempt_fields_save(attempt, _CLOSING_FIELDS)
    if attempt.state == AttemptState.GRADED:
        score = _counted_with(attempt=attempt, scoring=quiz.attempt_scoring, earlier=earlier)
        report_result(user=attempt.learner, item=quiz, score=score, passed=score >= quiz.pass_mark, occurred_at=at)
    return attempt


def attempt_expire_if_due(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """The check on every request: an open attempt past its deadline is closed with what was saved."""
    now = now_or(now)
    if attempt.state != AttemptState.OPEN or attempt.deadline is None or now < attempt.deadline:
        return attempt
    with transaction.atomic():
        locked = locked_attempt(attempt)
        if locked.state == AttemptState.OPEN:
            close_locked(attempt=locked, at=locked.deadline)  # type: ignore[arg-type]
    return locked


def attempt_submit_answers(
    *, attempt: Attempt, user: User, answers: dict[str, Any], now: datetime | None = None
) -> Attempt:
    """Save the posted answers and submit, under one lock of the attempt row, so an autosave that lands meanwhile
    can neither slip in between nor be graded instead of the answers the learner submitted (it waits for the
    lock, then finds the attempt closed). Checked answers are not posted and stay as they are.

    Raises MalformedResponse (nothing saved) for an answer the form cannot have sent, and IncompleteAnswers when
    an answer is not whole yet: the answers are then saved as drafts and the attempt stays open. After the
    deadline, the attempt is closed at the deadline with what was saved before it.
    """
    now = now_or(now)
    if attempt.learner_id != user.pk:
        raise PermissionDenied(_("This is not your attempt."))
    with transaction.atomic():
        locked = locked_attempt(attempt)
        if locked.state == AttemptState.OPEN and (locked.deadline is None or now < locked.deadline):
            checked = set(locked.responses.filter(checked_at__isnull=False).values_list("key", flat=True))
            for key, raw in answers.items():
                if key not in checked:
                    save_draft(attempt=locked, key=key, raw=raw, now=now)
        try:
            with transaction.atomic():  # a refusal keeps the drafts saved above
                return _submit_locked(locked, now=now)
        except IncompleteAnswers as refused:
            incomplete = refused
    raise incomplete


@transaction.atomic
def attempt_submit(*, attempt: Attempt, user: User, now: datetime | None = None) -> Attempt:
    """Submit and grade an attempt. Idempotent: a second submit (double click, retry) grades nothing again.
    Raises IncompleteAnswers (nothing changes) before the deadline while a saved draft is not a whole answer.

    Locks the attempt row (select_for_update), so two concurrent submits grade once. After the deadline it
    closes the attempt at the deadline with what was saved. Runs a fixed number of queries, whatever the
    number of questions.
    """
    if attempt.learner_id != user.pk:
        raise PermissionDenied(_("This is not your attempt."))
    return _submit_locked(locked_attempt(attempt), now=now_or(now))


@transaction.atomic
def attempt_submit_own(*, attempt_id: int, user: User, now: datetime | None = None) -> Attempt:
    """`attempt_submit` for the submit view, from the attempt's id: the lock reads the row only if it is
    `user`'s own, so ownership costs no query of its own. Raises Attempt.DoesNotExist for an unknown id or
    another learner's attempt (the view answers 404), leaving that attempt untouched."""
    return _submit_locked(_locked_own_attempt(attempt_id=attempt_id, user=user), now=now_or(now))


def _locked_own_attempt(*, attempt_id: int, user: User) -> Attempt:
    """The attempt `attempt_id` of `user`, locked (only its row), with its quiz's settings: one prepared query
    (`statements.own_attempt_locked`; on SQLite, which has no row locks, its ORM twin)."""
    read = own_attempt_locked if connection.vendor == "postgresql" else own_attempt_locked_orm
    locked = read(attempt_id=attempt_id, user_id=user.pk)
    locked.learner = user  # the lock matched on it: no join for the learner's row
    return locked


def _submit_locked(locked: Attempt, *, now: datetime) -> Attempt:
    if locked.state != AttemptState.OPEN:
        return locked
    if locked.deadline is not None and now >= locked.deadline:
        return close_locked(attempt=locked, at=locked.deadline)
    return close_locked(attempt=locked, at=now, whole=True)


def attempt_close_expired(*, now: datetime | None = None) -> int:
    """Close every open attempt past its deadline with what was saved (the periodic task). Returns how many."""
    now = now_or(now)
    closed = 0
    for attempt in Attempt.objects.filter(state=AttemptState.OPEN, deadline__lte=now).only("pk", "state", "deadline"):
        if attempt_expire_if_due(attempt=attempt, now=now).state != AttemptState.OPEN:
            closed += 1
    return closed


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
