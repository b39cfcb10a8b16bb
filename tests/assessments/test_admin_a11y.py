"""The assessment pages inside the Wagtail admin follow Wagtail's accessibility conventions (issue #17): one h1,
every control labelled, every table named, and after a failed submission each error tied to its field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.services import accommodation_grant, attempt_start, attempt_submit, response_save, submission_create
from tests.admin_a11y import assert_admin_page_accessible
from tests.assessments.factories import course_of, learner_in, make_quiz, make_task, single_choice
from tests.assessments.test_admin_tools import instructor_of

pytestmark = pytest.mark.django_db

ESSAY = {"type": "essay", "prompt": "Explain NAT.", "points": 4, "explanation": "", "min_words": 0, "max_words": 0}


def essay_attempt():
    quiz = make_quiz(questions=[single_choice(), ESSAY], pass_mark=Decimal("50"), time_limit_minutes=30)
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    response_save(attempt=attempt, user=learner, key=attempt.question_keys[0], raw="a")
    response_save(attempt=attempt, user=learner, key=attempt.question_keys[1], raw="<p>It rewrites addresses.</p>")
    return attempt_submit(attempt=attempt, user=learner)


def test_the_grading_queue(client):
    attempt = essay_attempt()
    task = make_task(course=course_of(attempt.quiz))
    submission_create(task=task, user=learner_in(task), text="<p>work</p>")
    client.force_login(instructor_of(attempt.quiz))
    soup = assert_admin_page_accessible(client.get(reverse("assessments_admin:queue")).content)
    assert len(soup.select("main table")) == 2


def test_marking_an_essay_ties_each_error_to_its_field(client):
    attempt = essay_attempt()
    client.force_login(instructor_of(attempt.quiz))
    url = reverse("assessments_admin:attempt", args=[attempt.pk])
    assert_admin_page_accessible(client.get(url).content)

    points = f"points-{attempt.question_keys[1]}"
    response = client.post(url, {points: "9"})

    assert response.status_code == 400
    soup = assert_admin_page_accessible(response.content, invalid={points: "Points cannot be above 4"})
    assert soup.find(attrs={"name": points})["aria-describedby"] == f"id_{points}-errors"


def test_grading_a_submission_keeps_what_was_typed_and_ties_the_refusal_to_the_points(client):
    task = make_task(max_points=Decimal("10"))
    submission = submission_create(task=task, user=learner_in(task), text="<p>work</p>")
    client.force_login(instructor_of(task))
    url = reverse("assessments_admin:submission", args=[submission.pk])
    assert_admin_page_accessible(client.get(url).content)

    response = client.post(url, {"action": "grade", "points": "many", "feedback": "Nearly there"})

    assert response.status_code == 400
    soup = assert_admin_page_accessible(response.content, invalid={"points": "Points must be a number."})
    assert soup.find("textarea", attrs={"name": "feedback"}).get_text() == "Nearly there"


def test_the_import_page_ties_the_missing_file_error_and_the_format_error(client):
    quiz = make_quiz()
    client.force_login(instructor_of(quiz))
    url = reverse("assessments_admin:import", args=[quiz.pk])
    assert_admin_page_accessible(client.get(url).content)

    response = client.post(url, {"format": "moodle-xml", "text": "::Q1:: 2+2? {=4 ~5}"})

    assert response.status_code == 400
    assert_admin_page_accessible(response.content, invalid={"format": "Choose GIFT or Aiken"})


def test_the_item_analysis_and_its_regrade_refusal(client):
    attempt = essay_attempt()
    client.force_login(instructor_of(attempt.quiz))
    url = reverse("assessments_admin:analysis", args=[attempt.quiz.pk])
    assert_admin_page_accessible(client.get(url).content)

    response = client.post(url, {"attempt": [str(attempt.pk)], "reason": "Fixed question 1"})

    assert response.status_code == 400
    soup = assert_admin_page_accessible(response.content)
    reason = soup.find("input", attrs={"name": "reason"})
    assert reason["value"] == "Fixed question 1"
    assert "revision" in soup.find(id=reason["aria-describedby"]).get_text()
    assert soup.find("input", attrs={"name": "attempt", "value": str(attempt.pk)}).has_attr("checked")


def test_accommodations_tie_each_error_to_its_field(client):
    quiz = make_quiz(time_limit_minutes=30)
    course = course_of(quiz)
    learner = learner_in(quiz)
    accommodation_grant(
        course=course, learner=learner, user=instructor_of(quiz), time_limit_percent=150, extra_minutes=0
    )
    client.force_login(instructor_of(quiz))
    url = reverse("assessments_accommodations:list", args=[course.pk])
    assert_admin_page_accessible(client.get(url).content)

    response = client.post(url, {"email": "nobody@example.test", "time_limit_percent": "1.5", "extra_minutes": "ten"})

    assert response.status_code == 400
    soup = assert_admin_page_accessible(
        response.content,
        invalid={
            "time_limit_percent": "The time limit must be a whole percentage",
            "extra_minutes": "Extra time must be a whole number of minutes.",
        },
    )
    assert soup.find("input", attrs={"name": "extra_minutes"})["value"] == "ten"

    response = client.post(url, {"email": "nobody@example.test"})
    assert_admin_page_accessible(response.content, invalid={"email": "No learner has the e-mail address"})
