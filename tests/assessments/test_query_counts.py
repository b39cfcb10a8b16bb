"""Submitting and grading an attempt runs the same number of queries whatever the number of questions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.services import attempt_start, attempt_submit, response_save
from tests.assessments.factories import learner_in, make_quiz, single_choice

pytestmark = pytest.mark.django_db

# Measured: 6 for the attempt (its savepoint and release, lock, responses, save, counted score; the questions
# come from the copy pinned with the attempt, not from its revision's page) plus the 14 queries of a first
# result in progress.services.item_result_record (no savepoint of its own).
SUBMIT_QUERIES = 20


def submit_queries(questions: int) -> int:
    quiz = make_quiz(questions=[single_choice(n) for n in range(questions)])
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    for key in attempt.question_keys:
        response_save(attempt=attempt, user=learner, key=key, raw="a")
    with CaptureQueriesContext(connection) as queries:
        attempt_submit(attempt=attempt, user=learner)
    return len(queries)


def test_submitting_and_grading_5_or_50_questions_runs_the_same_queries():
    assert submit_queries(5) == submit_queries(50) == SUBMIT_QUERIES
