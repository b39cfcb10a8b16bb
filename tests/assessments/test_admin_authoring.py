"""Authoring a quiz through the Wagtail admin: the page create and edit views with StreamField form data."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from assessments.models import QuizPage
from content.services import course_sync_instructors
from tests.assessments.factories import make_quiz, module_of
from tests.assessments.test_admin_tools import instructor_of
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db

NO_CORRECT_ANSWER = "exactly one correct answer"


def choice_list(choices: list[tuple[str, bool, str]]) -> dict:
    """ListBlock form data: each item with its value fields, id, order and deleted flag."""
    data: dict = {"count": str(len(choices))}
    for n, (text, correct, feedback) in enumerate(choices):
        value = {"text": text, "feedback": feedback}
        if correct:
            value["correct"] = "on"
        data[str(n)] = {"value": value, "id": f"choice-{n}", "order": str(n), "deleted": ""}
    return data


def single_choice_block(*, correct: str | None) -> tuple[str, dict]:
    return (
        "single_choice",
        {
            "title": "",
            "prompt": rich_text("<p>Which port does SSH use?</p>"),
            "points": "1",
            "explanation": "SSH listens on 22.",
            "choices": choice_list([(text, text == correct, f"About {text}.") for text in ("22", "80", "443")]),
        },
    )


def quiz_form(*, correct: str | None, title: str = "Ports check", slug: str = "ports-check") -> dict:
    return nested_form_data(
        {
            "title": title,
            "slug": slug,
            "intro": rich_text("<p>Five minutes on ports.</p>"),
            "estimated_minutes": "5",
            "required": "on",
            "grade_weight": "1",
            "pass_mark": "70",
            "attempts_allowed": "0",
            "cooldown_minutes": "0",
            "time_limit_minutes": "0",
            "attempt_scoring": "highest",
            "feedback_mode": "after_submit",
            "questions": streamfield([single_choice_block(correct=correct)]),
            "action-publish": "Publish",
        }
    )


def instructor_of_course(course):
    user = make_user(instructor=True)
    course.instructors.add(user)
    course_sync_instructors(course=course)
    return user


@pytest.fixture
def course():
    return make_course(modules=1, lessons_per_module=0)


def add_url(course) -> str:
    return reverse("wagtailadmin_pages:add", args=("assessments", "quizpage", module_of(course).pk))


def test_an_instructor_publishes_a_valid_quiz_from_the_admin(client, course):
    client.force_login(instructor_of_course(course))

    response = client.post(add_url(course), quiz_form(correct="22"))

    assert response.status_code == 302
    quiz = QuizPage.objects.get(slug="ports-check")
    assert quiz.live
    bank, _layout = quiz.question_bank()
    (question,) = bank.values()
    assert [c["correct"] for c in question["choices"]] == [True, False, False]
    assert question["explanation"] == "SSH listens on 22."


def test_publishing_a_single_choice_question_without_a_correct_answer_is_refused(client, course):
    client.force_login(instructor_of_course(course))

    response = client.post(add_url(course), quiz_form(correct=None))

    assert response.status_code == 200
    assert NO_CORRECT_ANSWER in response.content.decode()
    assert not QuizPage.objects.filter(slug="ports-check").exists()


def test_an_edit_that_removes_the_correct_answer_is_refused_and_the_live_quiz_stays(client):
    quiz = make_quiz()
    client.force_login(instructor_of(quiz))
    live = quiz.live_revision_id
    url = reverse("wagtailadmin_pages:edit", args=(quiz.pk,))

    refused = client.post(url, quiz_form(correct=None, title=quiz.title, slug=quiz.slug))
    unchanged = QuizPage.objects.get(pk=quiz.pk).live_revision_id
    published = client.post(url, quiz_form(correct="80", title=quiz.title, slug=quiz.slug))

    assert refused.status_code == 200
    assert NO_CORRECT_ANSWER in refused.content.decode()
    assert unchanged == live
    assert published.status_code == 302
    quiz = QuizPage.objects.get(pk=quiz.pk)
    assert quiz.live_revision_id != live
    (question,) = quiz.question_bank()[0].values()
    assert [c["text"] for c in question["choices"] if c["correct"]] == ["80"]
