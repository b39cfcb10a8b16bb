"""A submit and an autosave of one attempt at the same time, on PostgreSQL: the submit grades what was saved."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import transaction

from assessments.models import Attempt, AttemptState
from assessments.services import attempt_start, attempt_submit_own, response_save
from progress.models import ItemProgress
from tests.assessments.factories import learner_in, make_quiz, single_choice
from tests.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HOLD_SECONDS = 0.5


def test_an_autosave_committed_while_the_submit_waits_for_the_lock_is_graded():
    quiz = make_quiz(questions=[single_choice(1), single_choice(2)])
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    first, second = attempt.question_keys
    response_save(attempt=attempt, user=learner, key=first, raw="a")
    locked, waited = threading.Event(), []

    def autosave():
        try:
            with transaction.atomic():  # holds the attempt lock until this commits
                response_save(attempt=attempt, user=learner, key=second, raw="a")
                locked.set()
                time.sleep(HOLD_SECONDS)
        finally:
            locked.set()

    def submit():
        locked.wait(timeout=30)
        started = time.monotonic()
        attempt_submit_own(attempt_id=attempt.pk, user=learner)
        waited.append(time.monotonic() - started)

    assert race(autosave, submit) == ["ok", "ok"]
    assert waited[0] >= HOLD_SECONDS / 2  # the submit did wait for the autosave's lock
    graded = Attempt.objects.get(pk=attempt.pk)
    assert graded.state == AttemptState.GRADED
    assert graded.score == Decimal("100.00")
    assert ItemProgress.objects.get(item=quiz, enrolment__user=learner).score == Decimal("100.00")
