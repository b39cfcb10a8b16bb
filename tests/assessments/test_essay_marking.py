"""Marking essays in the grading queue: the cleaned answer, bounded points, feedback, the grade and the e-mail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from assessments.models import Attempt, AttemptState
from assessments.services import attempt_start, attempt_submit, response_save
from progress.models import ItemProgress
from tests.assessments.factories import learner_in, make_quiz, single_choice
from tests.assessments.test_admin_tools import instructor_of, refused

pytestmark = pytest.mark.django_db

ESSAY = {"type": "essay", "prompt": "Explain NAT.", "points": 4, "explanation": "", "min_words": 0, "max_words": 0}
ANSWER = '<p onclick="steal()">NAT <strong>rewrites</strong> addresses.</p><script>alert("x")</script>\n<a href="javascript:alert(1)">more</a>'


def essay_attempt(*, choice: str = "a", answer: str = ANSWER, pass_mark: str = "50") -> Attempt:
    quiz = make_quiz(questions=[single_choice(), ESSAY], pass_mark=Decimal(pass_mark))
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    response_save(attempt=attempt, user=learner, key=attempt.question_keys[0], raw=choice)
    response_save(attempt=attempt, user=learner, key=attempt.question_keys[1], raw=answer)
    return attempt_submit(attempt=attempt, user=learner)


def url(attempt: Attempt) -> str:
    return reverse("assessments_admin:attempt", args=[attempt.pk])


def essay_key(attempt: Attempt) -> str:
    return attempt.question_keys[1]


def test_the_queue_lists_an_attempt_with_an_essay(client):
    attempt = essay_attempt()
    client.force_login(instructor_of(attempt.quiz))

    html = client.get(reverse("assessments_admin:queue")).content.decode()

    assert url(attempt) in html


def test_the_marking_page_shows_the_essay_answer_cleaned_with_bleach(client):
    attempt = essay_attempt()
    client.force_login(instructor_of(attempt.quiz))

    html = client.get(url(attempt)).content.decode()

    assert "NAT <strong>rewrites</strong> addresses." in html
    assert "steal()" not in html
    assert 'alert("x")' not in html
    assert "javascript:" not in html
    assert f'max="{ESSAY["points"]}"' in html


def test_saving_marks_grades_the_attempt_reports_progress_and_emails_the_learner(
    client, django_capture_on_commit_callbacks
):
    attempt = essay_attempt(pass_mark="50")
    client.force_login(instructor_of(attempt.quiz))
    key = essay_key(attempt)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(attempt), {f"points-{key}": "3", f"feedback-{key}": "Name the table, too."})

    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert (attempt.points, attempt.score) == (Decimal("4.00"), Decimal("80.00"))
    assert attempt.results[key]["feedback"][-1] == "Name the table, too."
    row = ItemProgress.objects.get(item=attempt.quiz)
    assert (row.score, row.state) == (Decimal("80.00"), "complete")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [attempt.learner.email]
    assert "graded" in mail.outbox[0].subject
    assert "graded: 80%." in mail.outbox[0].body and "You passed." in mail.outbox[0].body


def test_a_failing_total_is_reported_as_not_passed(client, django_capture_on_commit_callbacks):
    attempt = essay_attempt(choice="b", pass_mark="50")
    client.force_login(instructor_of(attempt.quiz))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(attempt), {f"points-{essay_key(attempt)}": "1"})

    attempt.refresh_from_db()
    assert attempt.score == Decimal("20.00")
    row = ItemProgress.objects.get(item=attempt.quiz)
    assert row.state != "complete"
    assert "did not reach the pass mark of 50" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("5", "Points cannot be above 4"),
        ("-1", "Points cannot be below 0."),
        ("many", "Points must be a number."),
        ("", "Give points for this answer."),
    ],
)
def test_points_out_of_bounds_or_missing_are_a_400_with_the_reason_by_the_field(client, points, message):
    attempt = essay_attempt()
    client.force_login(instructor_of(attempt.quiz))

    response = client.post(url(attempt), {f"points-{essay_key(attempt)}": points})

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'aria-invalid="true"' in html
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.NEEDS_GRADING


def test_a_graded_attempt_cannot_be_marked_again(client, django_capture_on_commit_callbacks):
    attempt = essay_attempt()
    client.force_login(instructor_of(attempt.quiz))
    key = essay_key(attempt)
    client.post(url(attempt), {f"points-{key}": "3"})

    response = client.post(url(attempt), {f"points-{key}": "4"})

    assert response.status_code == 409
    attempt.refresh_from_db()
    assert attempt.points == Decimal("4.00")


def test_an_instructor_of_another_course_cannot_open_or_mark_the_attempt(client):
    attempt = essay_attempt()
    client.force_login(instructor_of(make_quiz()))

    opened = client.get(url(attempt))
    marked = client.post(url(attempt), {f"points-{essay_key(attempt)}": "4"})

    assert refused(opened) and refused(marked)
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.NEEDS_GRADING


def test_the_learner_cannot_mark_their_own_essay(client):
    attempt = essay_attempt()
    client.force_login(attempt.learner)

    response = client.post(url(attempt), {f"points-{essay_key(attempt)}": "4"})

    assert response.status_code in (302, 403)
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.NEEDS_GRADING
