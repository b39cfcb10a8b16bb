"""assessments' hand-written statement gives what its ORM twin gives, on PostgreSQL over the same rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from assessments.models import Attempt, AttemptScoring, AttemptState, Response
from assessments.statements import (
    answers_and_earlier_scores_orm,
    answers_and_earlier_scores_sql,
    attempt_fields_save,
    own_attempt_locked,
    own_attempt_locked_orm,
)
from tests.assessments.factories import live_revision, make_quiz
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

START = timezone.now().replace(microsecond=0) - timedelta(days=1)


def closed(quiz, learner, *, number: int, score: str, hours: int, state: str = AttemptState.GRADED) -> Attempt:
    return Attempt.objects.create(
        learner=learner,
        quiz=quiz,
        revision=live_revision(quiz),
        number=number,
        state=state,
        score=Decimal(score),
        submitted_at=START + timedelta(hours=hours),
    )


def open_attempt(quiz, learner, *, number: int, answers: dict) -> Attempt:
    attempt = Attempt.objects.create(learner=learner, quiz=quiz, revision=live_revision(quiz), number=number)
    Response.objects.bulk_create(Response(attempt=attempt, key=key, value=value) for key, value in answers.items())
    return attempt


def both(attempt: Attempt, scoring: str) -> tuple:
    ids = {"attempt_id": attempt.pk, "quiz_id": attempt.quiz_id, "learner_id": attempt.learner_id}
    sql = answers_and_earlier_scores_sql(**ids, scoring=scoring)
    orm = answers_and_earlier_scores_orm(**ids, scoring=scoring)
    assert sql == orm
    return sql


ANSWERS = {"q1": "a", "q2": ["b", "c"], "q3": {"left": "right"}, "q4": None, "q5": 3.5, "q6": ""}


@pytest.fixture
def retake():
    """A learner's open attempt after three graded ones (two submitted at the same moment) and one waiting for
    grading, beside another learner's graded attempt of the quiz and the learner's own of another quiz."""
    quiz, other_quiz = make_quiz(), make_quiz()
    learner = make_user()
    closed(quiz, learner, number=1, score="70.00", hours=2)
    closed(quiz, learner, number=2, score="55.50", hours=1)
    closed(quiz, learner, number=3, score="90.25", hours=2)
    closed(quiz, learner, number=4, score="99.00", hours=3, state=AttemptState.NEEDS_GRADING)
    closed(quiz, make_user(), number=1, score="100.00", hours=5)
    closed(other_quiz, learner, number=1, score="100.00", hours=5)
    return open_attempt(quiz, learner, number=5, answers=ANSWERS)


@pytest.mark.parametrize(
    ("scoring", "earlier"),
    [
        (AttemptScoring.HIGHEST, (Decimal("90.25"), None, None)),
        (AttemptScoring.AVERAGE, (Decimal("215.75"), 3, None)),
        (AttemptScoring.LATEST, (Decimal("90.25"), START + timedelta(hours=2), 3)),
    ],
)
def test_the_answers_and_earlier_scores_match_the_orm_after_graded_attempts(retake, scoring, earlier):
    assert both(retake, scoring) == (ANSWERS, earlier)


@pytest.mark.parametrize(
    ("scoring", "earlier"),
    [
        (AttemptScoring.HIGHEST, (None, None, None)),
        (AttemptScoring.AVERAGE, (None, 0, None)),
        (AttemptScoring.LATEST, (None, None, None)),
    ],
)
def test_the_answers_and_earlier_scores_match_the_orm_for_a_first_attempt_without_answers(scoring, earlier):
    first = open_attempt(make_quiz(), make_user(), number=1, answers={})

    assert both(first, scoring) == ({}, earlier)


def loaded_fields(instance) -> dict:
    """The values of the fields the instance has loaded (deferred ones left out), by attribute name."""
    deferred = instance.get_deferred_fields()
    return {
        f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields if f.attname not in deferred
    }


def test_the_locked_read_of_an_own_attempt_gives_what_the_orm_gives_and_leaves_the_live_questions_unread():
    quiz = make_quiz(questions=[])
    learner, other = make_user(), make_user()
    attempt = open_attempt(quiz, learner, number=1, answers={"q1": "a"})
    with transaction.atomic():
        ours = own_attempt_locked(attempt_id=attempt.pk, user_id=learner.pk)
        theirs = own_attempt_locked_orm(attempt_id=attempt.pk, user_id=learner.pk)
    assert loaded_fields(ours) == loaded_fields(theirs)
    assert loaded_fields(ours.quiz) == loaded_fields(theirs.quiz)
    assert ours.quiz.get_deferred_fields() == theirs.quiz.get_deferred_fields() >= {"questions", "intro"}
    assert ours.quiz.title == quiz.title and ours.quiz.pk == quiz.pk
    with transaction.atomic(), pytest.raises(Attempt.DoesNotExist):
        own_attempt_locked(attempt_id=attempt.pk, user_id=other.pk)  # another learner's attempt: as if absent
    with transaction.atomic(), pytest.raises(Attempt.DoesNotExist):
        own_attempt_locked_orm(attempt_id=attempt.pk, user_id=other.pk)


CLOSING = ("points", "max_points", "score", "results", "state", "submitted_at")


def test_the_closing_write_stores_what_save_with_the_same_fields_stores_and_nothing_else():
    quiz, learner = make_quiz(), make_user()
    written = open_attempt(quiz, learner, number=1, answers={})
    saved = open_attempt(quiz, make_user(), number=1, answers={})
    for attempt in (written, saved):
        attempt.points, attempt.max_points, attempt.score = Decimal("7.5"), Decimal("10.00"), Decimal("75.00")
        attempt.results = {"q1": {"score": "7.50", "feedback": ["Ça va"], "detail": {"selected": ["c1"]}}}
        attempt.state, attempt.submitted_at = AttemptState.GRADED, START
        attempt.number = 9  # not among the fields written: stays 1
    attempt_fields_save(written, CLOSING)
    saved.save(update_fields=list(CLOSING))
    columns = ["points", "max_points", "score", "results", "state", "submitted_at", "number", "started_at"]
    row = Attempt.objects.values(*columns).get(pk=written.pk)
    assert row == Attempt.objects.values(*columns).get(pk=saved.pk) | {"started_at": row["started_at"]}
    assert (row["number"], row["results"]["q1"]["feedback"], row["score"]) == (1, ["Ça va"], Decimal("75.00"))


def test_the_closing_write_of_a_missing_attempt_raises():
    quiz = make_quiz()
    gone = open_attempt(quiz, make_user(), number=1, answers={})
    Attempt.objects.filter(pk=gone.pk).delete()
    with pytest.raises(Attempt.DoesNotExist):
        attempt_fields_save(gone, CLOSING)
