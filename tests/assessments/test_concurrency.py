"""A submit and an autosave of one attempt at the same time, on PostgreSQL: no error, and the submit grades the
last answer."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from assessments.models import Attempt, AttemptState, Response
from assessments.services import (
    AttemptClosed,
    attempt_start,
    attempt_submit_answers,
    attempt_submit_own,
    response_save,
)
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


def test_a_submit_during_an_essay_autosave_grades_the_last_answer_without_an_error():
    essay = {"type": "essay", "prompt": "Explain NAT.", "points": 5, "explanation": "", "min_words": 0}
    quiz = make_quiz(questions=[essay, single_choice(1)])
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    essay_key, choice_key = attempt.question_keys
    shown = str(attempt.choice_order[choice_key].index("a"))
    save_url = reverse("assessments:save", args=[attempt.pk])
    answers_url = reverse("assessments:answers", args=[attempt.pk])
    statuses: dict[str, int] = {}

    def client() -> Client:
        browser = Client()
        browser.force_login(learner)
        return browser

    def autosave():  # leaving the essay field to press Submit sends its last words
        statuses["save"] = (
            client()
            .post(save_url, {"key": essay_key, f"q-{essay_key}": "It rewrites addresses."}, HTTP_HX_REQUEST="true")
            .status_code
        )

    def submit():
        data = {f"q-{essay_key}": "It rewrites addresses.", f"q-{choice_key}": shown, "action": "submit"}
        statuses["submit"] = client().post(answers_url, data).status_code

    for _round in range(3):  # either may take the attempt's lock first
        assert race(autosave, submit) == ["ok", "ok"]
        assert statuses["submit"] == 302
        assert statuses["save"] in (200, 409)
        graded = Attempt.objects.get(pk=attempt.pk)
        assert graded.state == AttemptState.NEEDS_GRADING
        assert Response.objects.get(attempt=graded, key=essay_key).value == "It rewrites addresses."
        assert graded.results[choice_key]["correct"] is True
        attempt = attempt_start(quiz=quiz, user=learner)
        essay_key, choice_key = attempt.question_keys
        shown = str(attempt.choice_order[choice_key].index("a"))
        save_url = reverse("assessments:save", args=[attempt.pk])
        answers_url = reverse("assessments:answers", args=[attempt.pk])


def test_an_older_autosave_that_lands_during_a_submit_is_not_graded_instead_of_the_submitted_answer():
    essay = {"type": "essay", "prompt": "Explain NAT.", "points": 5, "explanation": "", "min_words": 0}
    quiz = make_quiz(questions=[essay])
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    (key,) = attempt.question_keys
    outcomes = {}

    def late_autosave():  # sent while typing, delivered late with the words typed before the last ones
        try:
            response_save(attempt=attempt, user=learner, key=key, raw="It rewrites")
            outcomes["save"] = "saved"
        except AttemptClosed:
            outcomes["save"] = "closed"

    def submit():
        attempt_submit_answers(attempt=attempt, user=learner, answers={key: "It rewrites addresses."})

    assert sorted(race(late_autosave, submit)) == ["ok", "ok"]
    graded = Attempt.objects.get(pk=attempt.pk)
    saved = Response.objects.get(attempt=graded, key=key).value
    # Before the submit took the lock, the submit's answer replaced it; after, the attempt was closed.
    assert saved == "It rewrites addresses."
    assert outcomes["save"] in ("saved", "closed")
