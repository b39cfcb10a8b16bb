"""Submitting and grading an attempt runs the same number of queries whatever the number of questions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.services import attempt_start, attempt_submit, response_save
from tests.assessments.factories import learner_in, make_quiz, single_choice

pytestmark = pytest.mark.django_db

# Measured: 5 for the attempt (its savepoint and release, lock, one read of its responses with the learner's
# earlier graded scores, save; the questions come from the copy pinned with the attempt, not from its revision's
# page) plus the 11 queries of a first result in progress.services.item_result_record (no savepoint of its own;
# the enrolment lock, the item row's upsert, its two statements in one INSERT, the aggregates), and the
# course's completion (its one quiz) recorded in the outbox with it: one INSERT.
# SQLite (the embedded default) runs the statements' ORM twins: the answers and the earlier scores in two reads
# instead of one, and progress's item row read before it is written (no INSERT inside WITH).
SQLITE_READS = 0 if connection.vendor == "postgresql" else 2
SUBMIT_QUERIES = 17 + SQLITE_READS


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


# The submit view, a second graded attempt (the learner's usual retake): the session's user, the savepoint and
# release (the test's transaction stands for the view's BEGIN and COMMIT), one locked read of the attempt that
# also checks it is the learner's own, its responses with the earlier graded scores, its UPDATE, then progress's
# enrolment lock and the upsert of the item row (the last event's time moves).
SUBMIT_VIEW_RETAKE_QUERIES = 8 + SQLITE_READS


def submit_view_retake_queries(client, questions: int) -> int:
    from django.urls import reverse

    quiz = make_quiz(questions=[single_choice(n) for n in range(questions)])
    learner = learner_in(quiz)
    client.force_login(learner)
    counts = []
    for _retake in range(2):
        attempt = attempt_start(quiz=quiz, user=learner)
        for key in attempt.question_keys:
            response_save(attempt=attempt, user=learner, key=key, raw="a")
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("assessments:submit", args=[attempt.pk]))
        assert response.status_code == 302
        attempt.refresh_from_db()
        assert attempt.state == "graded"
        counts.append(len(queries))
    return counts[-1]


def test_the_submit_view_grades_a_retake_of_5_or_50_questions_in_the_same_queries(client):
    assert submit_view_retake_queries(client, 5) == submit_view_retake_queries(client, 50) == SUBMIT_VIEW_RETAKE_QUERIES
