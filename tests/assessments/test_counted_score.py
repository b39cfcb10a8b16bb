"""The score a quiz reports to progress follows its attempt scoring: the highest, the latest or the average."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assessments.services import _common, attempt_grade_manual, attempt_start, attempt_submit, response_save
from tests.assessments.factories import learner_in, make_quiz, single_choice
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(monkeypatch):
    """The scores and pass flags each submit sends to progress, in order (progress still records them)."""
    sent: list[tuple[Decimal, bool]] = []
    record = _common.item_result_record

    def spy(**kwargs):
        sent.append((kwargs["score"], kwargs["completed"]))
        return record(**kwargs)

    monkeypatch.setattr(_common, "item_result_record", spy)
    return sent


def take(quiz, learner, right: int) -> None:
    """One attempt answering the first `right` questions correctly ("a") and the others wrongly ("b")."""
    attempt = attempt_start(quiz=quiz, user=learner)
    for n, key in enumerate(attempt.question_keys):
        response_save(attempt=attempt, user=learner, key=key, raw="a" if n < right else "b")
    attempt_submit(attempt=attempt, user=learner)


def scores_of(quiz_scoring: str, rights: list[int], reported) -> list[Decimal]:
    quiz = make_quiz(questions=[single_choice(1), single_choice(2)], attempt_scoring=quiz_scoring, pass_mark=60)
    learner = learner_in(quiz)
    for right in rights:
        take(quiz, learner, right)
    return [score for score, _passed in reported]


def test_the_highest_attempt_counts(reported):
    assert scores_of("highest", [1, 2, 0], reported) == [Decimal("50.00"), Decimal("100.00"), Decimal("100.00")]


def test_the_latest_attempt_counts(reported):
    assert scores_of("latest", [2, 0, 1], reported) == [Decimal("100.00"), Decimal("0.00"), Decimal("50.00")]


def test_the_average_of_the_attempts_counts_rounded_to_the_cent(reported):
    assert scores_of("average", [2, 0, 0], reported) == [Decimal("100.00"), Decimal("50.00"), Decimal("33.33")]


def test_the_counted_score_decides_the_pass(reported):
    scores_of("latest", [2, 0], reported)
    assert [passed for _score, passed in reported] == [True, False]


def test_an_attempt_waiting_for_hand_grading_counts_only_once_marked(reported):
    essay = {"type": "essay", "prompt": "Explain.", "points": 2, "explanation": "", "min_words": 0, "max_words": 0}
    quiz = make_quiz(questions=[single_choice(1), essay], attempt_scoring="average", pass_mark=60)
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    choice_key, essay_key = attempt.question_keys
    response_save(attempt=attempt, user=learner, key=choice_key, raw="a")
    response_save(attempt=attempt, user=learner, key=essay_key, raw="<p>NAT rewrites addresses.</p>")
    attempt_submit(attempt=attempt, user=learner)
    assert reported == []
    attempt_grade_manual(attempt=attempt, user=make_user(is_superuser=True), points={essay_key: Decimal("1")})
    assert reported == [(Decimal("66.67"), True)]
