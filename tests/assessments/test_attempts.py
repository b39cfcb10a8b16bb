"""Quiz attempts through their services: pinning, autosave, deadlines, double submit, limits and regrades."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments.grading import MalformedResponse
from assessments.models import Attempt, AttemptState, RegradeAudit, Response
from assessments.services import (
    AssessmentError,
    AttemptClosed,
    AttemptRefused,
    attempt_close_expired,
    attempt_questions,
    attempt_regrade,
    attempt_start,
    attempt_submit,
    questions_for_revision,
    response_save,
)
from assessments.tasks import attempt_close_expired_task
from progress.models import ItemProgress
from tests.assessments.factories import (
    course_of,
    every_type,
    keys_of,
    learner_in,
    live_revision,
    make_quiz,
    republish,
    single_choice,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(datetime(2026, 3, 2, 9, 0))


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_an_attempt_is_graded_from_the_revision_it_started_on():
    quiz = make_quiz(questions=[single_choice()])
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    key = attempt.question_keys[0]
    response_save(attempt=attempt, user=learner, key=key, raw="a")
    fixed = single_choice(key=key)
    fixed["choices"] = [dict(c, correct=c["id"] == "b") for c in fixed["choices"]]
    republish(quiz, [fixed])

    attempt = attempt_submit(attempt=attempt, user=learner)

    assert attempt.score == Decimal("100.00")


def test_an_edit_after_submission_never_changes_a_past_score():
    quiz = make_quiz(questions=[single_choice()])
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    key = attempt.question_keys[0]
    response_save(attempt=attempt, user=learner, key=key, raw="a")
    attempt_submit(attempt=attempt, user=learner)
    fixed = single_choice(key=key)
    fixed["choices"] = [dict(c, correct=c["id"] == "b") for c in fixed["choices"]]
    republish(quiz, [fixed])

    attempt.refresh_from_db()

    assert attempt.score == Decimal("100.00")
    assert attempt.revision_id != quiz.__class__.objects.get(pk=quiz.pk).live_revision_id


def submitted_then_fixed():
    """A learner answers b, scored wrong, then the course's instructor republishes the quiz with b right."""
    quiz = make_quiz(questions=[single_choice()])
    instructor = make_user()
    course = course_of(quiz)
    course.instructors.add(instructor)
    from content.services import course_sync_instructors

    course_sync_instructors(course=course)
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    key = attempt.question_keys[0]
    response_save(attempt=attempt, user=learner, key=key, raw="b")
    attempt_submit(attempt=attempt, user=learner)
    fixed = single_choice(key=key)
    fixed["choices"] = [dict(c, correct=c["id"] == "b") for c in fixed["choices"]]
    quiz = republish(quiz, [fixed])
    return quiz, instructor, attempt, key


def test_an_explicit_regrade_uses_the_fixed_revision_and_leaves_an_audit_entry():
    quiz, instructor, attempt, _key = submitted_then_fixed()

    (audit,) = attempt_regrade(
        attempts=[attempt], user=instructor, reason="Choice b was the right answer.", revision=live_revision(quiz)
    )

    attempt.refresh_from_db()
    assert attempt.score == Decimal("100.00")
    assert (audit.old_score, audit.new_score) == (Decimal("0.00"), Decimal("100.00"))
    assert audit.to_revision_id == quiz.live_revision_id
    assert RegradeAudit.objects.count() == 1


def test_a_learner_cannot_regrade_attempts():
    quiz = make_quiz()
    learner = learner_in(quiz)
    attempt = attempt_submit(attempt=attempt_start(quiz=quiz, user=learner), user=learner)

    with pytest.raises(PermissionDenied):
        attempt_regrade(attempts=[attempt], user=learner, reason="I deserve more.", revision=live_revision(quiz))


def test_saved_answers_are_there_when_the_attempt_is_resumed():
    quiz = make_quiz(questions=[single_choice(1), single_choice(2)])
    learner = learner_in(quiz)
    first = attempt_start(quiz=quiz, user=learner)
    response_save(attempt=first, user=learner, key=first.question_keys[1], raw="c")

    resumed = attempt_start(quiz=quiz, user=learner)

    assert resumed.pk == first.pk
    assert dict(resumed.responses.values_list("key", "value")) == {first.question_keys[1]: "c"}


def test_saving_an_answer_twice_keeps_one_row_with_the_latest_answer():
    quiz = make_quiz()
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    key = attempt.question_keys[0]

    response_save(attempt=attempt, user=learner, key=key, raw="a")
    response_save(attempt=attempt, user=learner, key=key, raw="b")

    assert list(Response.objects.values_list("value", flat=True)) == ["b"]


def test_an_answer_with_an_unknown_choice_is_refused_as_malformed():
    quiz = make_quiz()
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)

    with pytest.raises(MalformedResponse):
        response_save(attempt=attempt, user=learner, key=attempt.question_keys[0], raw="zzz")


def test_an_answer_after_the_deadline_is_refused_and_the_attempt_closes_with_what_was_saved():
    quiz = make_quiz(questions=[single_choice(1), single_choice(2)], time_limit_minutes=10)
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner, now=at(0))
    first, second = attempt.question_keys
    response_save(attempt=attempt, user=learner, key=first, raw="a", now=at(9))

    with pytest.raises(AttemptClosed, match="Time is up"):
        response_save(attempt=attempt, user=learner, key=second, raw="a", now=at(10.5))

    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert attempt.submitted_at == at(10)
    assert attempt.score == Decimal("50.00")


def test_the_periodic_task_closes_an_abandoned_attempt_at_its_deadline(monkeypatch):
    quiz = make_quiz(time_limit_minutes=5)
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner, now=at(0))
    response_save(attempt=attempt, user=learner, key=attempt.question_keys[0], raw="a", now=at(1))
    monkeypatch.setattr(timezone, "now", lambda: at(6))

    assert attempt_close_expired_task.delay().get() == 1

    attempt.refresh_from_db()
    assert (attempt.state, attempt.submitted_at, attempt.score) == (AttemptState.GRADED, at(5), Decimal("100.00"))


def test_closing_expired_attempts_leaves_attempts_within_their_time_open():
    quiz = make_quiz(time_limit_minutes=5)
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner, now=at(0))

    assert attempt_close_expired(now=at(4)) == 0
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.OPEN


def test_submitting_twice_grades_once():
    quiz = make_quiz()
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    response_save(attempt=attempt, user=learner, key=attempt.question_keys[0], raw="a")

    first = attempt_submit(attempt=attempt, user=learner, now=at(1))
    second = attempt_submit(attempt=attempt, user=learner, now=at(2))

    assert first.submitted_at == second.submitted_at == at(1)
    assert Attempt.objects.get().submitted_at == at(1)


def test_a_graded_attempt_reports_its_score_to_progress():
    quiz = make_quiz(pass_mark=Decimal("50"))
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    response_save(attempt=attempt, user=learner, key=attempt.question_keys[0], raw="a")

    attempt_submit(attempt=attempt, user=learner)

    row = ItemProgress.objects.get(item=quiz)
    assert row.score == Decimal("100.00")
    assert row.state == "complete"


def test_a_new_attempt_over_the_limit_is_refused():
    quiz = make_quiz(attempts_allowed=1)
    learner = learner_in(quiz)
    attempt_submit(attempt=attempt_start(quiz=quiz, user=learner), user=learner)

    with pytest.raises(AttemptRefused, match="all 1 attempts"):
        attempt_start(quiz=quiz, user=learner)


def test_a_new_attempt_inside_the_cooldown_is_refused_with_the_time_left():
    quiz = make_quiz(cooldown_minutes=30)
    learner = learner_in(quiz)
    attempt_submit(attempt=attempt_start(quiz=quiz, user=learner, now=at(0)), user=learner, now=at(1))

    with pytest.raises(AttemptRefused, match="in 11 min") as refused:
        attempt_start(quiz=quiz, user=learner, now=at(20))

    assert refused.value.wait == timedelta(minutes=11)
    assert attempt_start(quiz=quiz, user=learner, now=at(31)).number == 2


def test_a_learner_who_is_not_enrolled_cannot_start_an_attempt():
    quiz = make_quiz()

    with pytest.raises(PermissionDenied):
        attempt_start(quiz=quiz, user=make_user())


def test_the_database_refuses_a_second_open_attempt():
    quiz = make_quiz()
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)

    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(learner=learner, quiz=quiz, revision=attempt.revision, number=2)


def test_someone_else_cannot_save_into_an_attempt():
    quiz = make_quiz()
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)

    with pytest.raises(PermissionDenied):
        response_save(attempt=attempt, user=make_user(), key=attempt.question_keys[0], raw="a")


def test_a_pool_draws_the_configured_number_of_questions_per_attempt():
    from assessments.blocks import raw_question_block

    quiz = make_quiz(questions=[])
    pool = {
        "type": "pool",
        "value": {"title": "Ports", "draw": 2, "questions": [raw_question_block(single_choice(n)) for n in range(5)]},
    }
    quiz.questions = [pool]
    quiz.save_revision().publish()
    learner = learner_in(quiz)

    attempt = attempt_start(quiz=quiz, user=learner, seed=7)

    pool_keys = [child.id for child in type(quiz).objects.get(pk=quiz.pk).questions[0].value["questions"]]
    assert len(attempt.question_keys) == 2
    assert set(attempt.question_keys) <= set(pool_keys)


def test_the_counted_score_is_the_highest_attempt_by_default():
    quiz = make_quiz()
    learner = learner_in(quiz)
    good = attempt_start(quiz=quiz, user=learner, now=at(0))
    response_save(attempt=good, user=learner, key=good.question_keys[0], raw="a", now=at(1))
    attempt_submit(attempt=good, user=learner, now=at(2))
    attempt_submit(attempt=attempt_start(quiz=quiz, user=learner, now=at(3)), user=learner, now=at(4))

    assert ItemProgress.objects.get(item=quiz).score == Decimal("100.00")


def test_an_essay_puts_the_attempt_in_the_grading_queue():
    essay = {"type": "essay", "prompt": "Explain NAT.", "points": 5, "explanation": "", "min_words": 0, "max_words": 0}
    quiz = make_quiz(questions=[essay])
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    response_save(attempt=attempt, user=learner, key=keys_of(quiz)[0], raw="It rewrites addresses.")

    attempt = attempt_submit(attempt=attempt, user=learner)

    assert attempt.state == AttemptState.NEEDS_GRADING
    assert not ItemProgress.objects.filter(item=quiz, score__isnull=False).exists()


def test_a_regrade_needs_a_reason():
    with pytest.raises(AssessmentError):
        attempt_regrade(attempts=[], user=make_user(), reason=" ", revision=live_revision(make_quiz()))


def test_closing_expired_attempts_is_scheduled_every_minute():
    from lms.celery import app

    assert app.conf.beat_schedule["assessments.close-expired"] == {
        "task": attempt_close_expired_task.name,
        "schedule": 60.0,
    }


def test_an_attempt_keeps_the_questions_it_drew_as_its_revision_holds_them():
    quiz = make_quiz(questions=every_type(), shuffle_questions=True)
    attempt = attempt_start(quiz=quiz, user=learner_in(quiz), seed=7)

    attempt.refresh_from_db()

    bank, _layout = questions_for_revision(attempt.revision)
    assert attempt.questions == [bank[key] for key in attempt.question_keys]


def test_grading_reads_the_questions_kept_with_the_attempt_not_its_revision(monkeypatch):
    quiz = make_quiz(questions=[single_choice(1), single_choice(2)])
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    for key in attempt.question_keys:
        response_save(attempt=attempt, user=learner, key=key, raw="a")

    def no_revision(revision):
        raise AssertionError("the revision's page was rebuilt")

    monkeypatch.setattr("assessments.services._common.questions_for_revision", no_revision)
    attempt = attempt_submit(attempt=attempt, user=learner)

    assert (attempt.state, attempt.score) == (AttemptState.GRADED, Decimal("100.00"))


def test_an_attempt_started_before_questions_were_kept_is_graded_from_its_revision():
    quiz = make_quiz(questions=[single_choice()])
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    key = attempt.question_keys[0]
    response_save(attempt=attempt, user=learner, key=key, raw="a")
    Attempt.objects.filter(pk=attempt.pk).update(questions=[])
    fixed = single_choice(key=key)
    fixed["choices"] = [dict(c, correct=c["id"] == "b") for c in fixed["choices"]]
    republish(quiz, [fixed])

    attempt = attempt_submit(attempt=attempt, user=learner)

    assert attempt.score == Decimal("100.00")


def test_a_regrade_keeps_the_fixed_questions_with_the_attempt():
    quiz, instructor, attempt, key = submitted_then_fixed()

    attempt_regrade(attempts=[attempt], user=instructor, reason="Choice b was right.", revision=live_revision(quiz))

    attempt.refresh_from_db()
    bank, _layout = questions_for_revision(live_revision(quiz))
    assert attempt_questions(attempt) == [bank[key]]
    assert [c["correct"] for c in attempt_questions(attempt)[0]["choices"]] == [False, True, False]
