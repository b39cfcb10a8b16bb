"""Regrading: an ordinary edit never changes a past attempt; the explicit regrade does, against the published
revision the instructor chose, with an audit entry and the new score in progress."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Attempt, AttemptState, RegradeAudit
from assessments.services import (
    AssessmentError,
    attempt_grade_manual,
    attempt_regrade,
    attempt_start,
    attempt_submit,
    response_save,
)
from progress.models import ItemProgress
from tests.assessments.factories import learner_in, live_revision, make_quiz, republish, single_choice
from tests.assessments.test_admin_tools import instructor_of, refused

pytestmark = pytest.mark.django_db

WHEN = timezone.make_aware(datetime(2026, 5, 4, 10, 30))
ESSAY = {"type": "essay", "prompt": "Explain NAT.", "points": 5, "explanation": "", "min_words": 0, "max_words": 0}


def b_is_right(key: str) -> dict:
    fixed = single_choice(key=key)
    fixed["choices"] = [dict(c, correct=c["id"] == "b") for c in fixed["choices"]]
    return fixed


def submitted(quiz, answer: str = "b") -> Attempt:
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    response_save(attempt=attempt, user=learner, key=attempt.question_keys[0], raw=answer)
    return attempt_submit(attempt=attempt, user=learner)


def test_publishing_a_fix_changes_neither_a_past_attempt_nor_its_progress():
    quiz = make_quiz(questions=[single_choice()], pass_mark=Decimal("50"))
    attempt = submitted(quiz)
    served = attempt.revision_id

    republish(quiz, [b_is_right(attempt.question_keys[0])])

    attempt.refresh_from_db()
    assert (attempt.score, attempt.revision_id, attempt.regraded_revision_id) == (Decimal("0.00"), served, None)
    assert ItemProgress.objects.get(item=quiz).score == Decimal("0.00")
    assert not RegradeAudit.objects.exists()


def test_the_explicit_regrade_records_the_revision_the_audit_and_updates_progress():
    quiz = make_quiz(questions=[single_choice()], pass_mark=Decimal("50"))
    instructor = instructor_of(quiz)
    attempt = submitted(quiz)
    served = attempt.revision_id
    quiz = republish(quiz, [b_is_right(attempt.question_keys[0])])

    (audit,) = attempt_regrade(
        attempts=[attempt], user=instructor, reason="b is right.", revision=live_revision(quiz), now=WHEN
    )

    attempt.refresh_from_db()
    assert attempt.score == Decimal("100.00")
    assert attempt.revision_id == served
    assert (attempt.regraded_revision_id, attempt.regraded_at) == (quiz.live_revision_id, WHEN)
    assert (audit.old_score, audit.new_score, audit.actor, audit.created_at) == (
        Decimal("0.00"),
        Decimal("100.00"),
        instructor,
        WHEN,
    )
    assert (audit.from_revision_id, audit.to_revision_id) == (served, quiz.live_revision_id)
    row = ItemProgress.objects.get(item=quiz)
    assert (row.score, row.state) == (Decimal("100.00"), "complete")


def test_attempts_not_chosen_are_left_alone():
    quiz = make_quiz(questions=[single_choice()])
    instructor = instructor_of(quiz)
    chosen, other = submitted(quiz), submitted(quiz)
    quiz = republish(quiz, [b_is_right(chosen.question_keys[0])])

    attempt_regrade(attempts=[chosen], user=instructor, reason="b is right.", revision=live_revision(quiz))

    other.refresh_from_db()
    assert (other.score, other.regraded_revision_id) == (Decimal("0.00"), None)


def test_a_regrade_against_a_revision_that_is_no_longer_published_is_refused():
    quiz = make_quiz(questions=[single_choice()])
    instructor = instructor_of(quiz)
    attempt = submitted(quiz)
    seen = live_revision(republish(quiz, [b_is_right(attempt.question_keys[0])]))
    republish(quiz, [single_choice(key=attempt.question_keys[0])])

    with pytest.raises(AssessmentError, match="published again"):
        attempt_regrade(attempts=[attempt], user=instructor, reason="b is right.", revision=seen)
    attempt.refresh_from_db()
    assert attempt.regraded_revision_id is None


def test_a_regrade_keeps_the_marks_an_instructor_gave_to_essays():
    quiz = make_quiz(questions=[single_choice(), ESSAY])
    instructor = instructor_of(quiz)
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    choice_key, essay_key = attempt.question_keys
    response_save(attempt=attempt, user=learner, key=choice_key, raw="b")
    response_save(attempt=attempt, user=learner, key=essay_key, raw="It rewrites addresses.")
    attempt_submit(attempt=attempt, user=learner)
    attempt_grade_manual(attempt=attempt, user=instructor, points={essay_key: Decimal("4")})
    quiz = republish(quiz, [b_is_right(choice_key), {**ESSAY, "key": essay_key}])

    attempt_regrade(attempts=[attempt], user=instructor, reason="b is right.", revision=live_revision(quiz))

    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert attempt.points == Decimal("5.00")
    assert attempt.results[essay_key]["score"] == "4.00"


def test_the_admin_regrades_the_chosen_attempts_against_the_published_revision(client):
    quiz = make_quiz(questions=[single_choice()])
    instructor = instructor_of(quiz)
    attempt = submitted(quiz)
    quiz = republish(quiz, [b_is_right(attempt.question_keys[0])])
    client.force_login(instructor)
    url = reverse("assessments_admin:analysis", args=[quiz.pk])

    page = client.get(url).content.decode()
    response = client.post(
        url, {"attempt": [attempt.pk], "revision": quiz.live_revision_id, "reason": "b is right."}, follow=True
    )

    assert f"Regrade against the published revision {quiz.live_revision_id}" in page
    assert f"1 attempts regraded against revision {quiz.live_revision_id}." in response.content.decode()
    assert RegradeAudit.objects.get().new_score == Decimal("100.00")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "fix"}, "Choose the published revision"),
        ({"reason": " ", "with_revision": True}, "Say why the attempts are regraded."),
        ({"reason": "fix", "with_revision": True, "no_attempt": True}, "Choose at least one attempt"),
    ],
)
def test_a_regrade_form_with_something_missing_is_a_400_with_the_reason(client, data, message):
    quiz = make_quiz(questions=[single_choice()])
    instructor = instructor_of(quiz)
    attempt = submitted(quiz)
    client.force_login(instructor)
    post = {"reason": data["reason"]}
    if data.get("with_revision"):
        post["revision"] = quiz.live_revision_id
    if not data.get("no_attempt"):
        post["attempt"] = [attempt.pk]

    response = client.post(reverse("assessments_admin:analysis", args=[quiz.pk]), post)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RegradeAudit.objects.exists()


def test_an_instructor_of_another_course_cannot_regrade(client):
    quiz = make_quiz(questions=[single_choice()])
    stranger = instructor_of(make_quiz())
    attempt = submitted(quiz)
    client.force_login(stranger)

    response = client.post(
        reverse("assessments_admin:analysis", args=[quiz.pk]),
        {"attempt": [attempt.pk], "revision": quiz.live_revision_id, "reason": "fix"},
    )

    assert refused(response)
    assert not RegradeAudit.objects.exists()
