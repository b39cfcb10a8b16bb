"""Feedback immediately per question: check one answer, see its key, and the answer is locked on the server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from assessments.models import Attempt, AttemptState, FeedbackMode, Response
from assessments.services import AnswerLocked, attempt_questions, attempt_start, attempt_submit, response_save
from tests.assessments.factories import every_type, learner_in, make_quiz, single_choice
from tests.assessments.test_attempt_pages import key_only_texts, leaks, readable

pytestmark = pytest.mark.django_db


def immediate_quiz(questions=None, **fields):
    return make_quiz(
        questions=questions or [single_choice(1), single_choice(2)], feedback_mode=FeedbackMode.IMMEDIATE, **fields
    )


def started(client, quiz, **start):
    learner = learner_in(quiz)
    client.force_login(learner)
    return attempt_start(quiz=quiz, user=learner, **start)


def shown(attempt: Attempt, key: str, choice: str) -> str:
    """The form value of `choice`: its position in the attempt's shuffled order."""
    return str(attempt.choice_order[key].index(choice))


def check(client, attempt: Attempt, key: str, data: dict | None = None, *, htmx: bool = True):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("assessments:check", args=[attempt.pk]), {"check": key, **(data or {})}, **extra)


def test_checking_a_right_answer_shows_correct_its_feedback_and_the_explanation(client):
    attempt = started(client, immediate_quiz())
    key = attempt.question_keys[0]

    response = check(client, attempt, key, {f"q-{key}": shown(attempt, key, "a")})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Correct" in html and "1.00 of 1.00 points" in html
    assert "Right, feedback-a-1." in html
    assert "SSH listens on 22 (explanation 1)." in html
    assert Response.objects.get(attempt=attempt, key=key).checked_at is not None


def test_checking_a_wrong_answer_shows_incorrect_and_the_feedback_of_that_answer(client):
    attempt = started(client, immediate_quiz())
    key = attempt.question_keys[0]

    html = check(client, attempt, key, {f"q-{key}": shown(attempt, key, "b")}).content.decode()

    assert "Incorrect" in html and "0.00 of 1.00 points" in html
    assert "That is HTTP, feedback-b-1." in html
    assert "Right, feedback-a-1." not in html


def test_after_checking_one_question_the_keys_of_the_others_stay_off_the_page(client):
    quiz = immediate_quiz(every_type())
    attempt = started(client, quiz)
    questions = attempt_questions(attempt)
    first = next(q for q in questions if q["type"] == "single_choice")
    check(client, attempt, first["key"], {f"q-{first['key']}": shown(attempt, first["key"], "a")})

    page = readable(client.get(reverse("assessments:attempt", args=[attempt.pk])).content.decode())

    assert "Right, feedback-a-1." in page
    others = [q for q in questions if q["key"] != first["key"]]
    secrets = [s for q in others for s in key_only_texts(q)]
    assert len(secrets) > 5
    assert [s for s in secrets if leaks(page, s)] == []


def test_a_checked_answer_is_locked_on_the_server(client):
    attempt = started(client, immediate_quiz())
    key = attempt.question_keys[0]
    check(client, attempt, key, {f"q-{key}": shown(attempt, key, "b")})

    with pytest.raises(AnswerLocked):
        response_save(attempt=attempt, user=attempt.learner, key=key, raw="a")
    autosave = client.post(
        reverse("assessments:save", args=[attempt.pk]),
        {"key": key, f"q-{key}": shown(attempt, key, "a")},
        HTTP_HX_REQUEST="true",
    )
    again = check(client, attempt, key, {f"q-{key}": shown(attempt, key, "a")})

    assert autosave.status_code == 409
    assert "can no longer change" in autosave.content.decode()
    assert "Incorrect" in again.content.decode()
    assert Response.objects.get(attempt=attempt, key=key).value == "b"


def test_the_plain_form_keeps_a_checked_answer_and_saves_the_others(client):
    attempt = started(client, immediate_quiz())
    first, second = attempt.question_keys
    check(client, attempt, first, {f"q-{first}": shown(attempt, first, "b")})

    # A checked question is disabled, so the browser sends nothing for it.
    client.post(
        reverse("assessments:answers", args=[attempt.pk]),
        {f"q-{second}": shown(attempt, second, "a"), "action": "save"},
    )

    assert dict(attempt.responses.values_list("key", "value")) == {first: "b", second: "a"}


def test_the_plain_form_checks_without_javascript_and_keeps_the_other_answers(client):
    attempt = started(client, immediate_quiz())
    first, second = attempt.question_keys

    response = check(
        client,
        attempt,
        first,
        {f"q-{first}": shown(attempt, first, "a"), f"q-{second}": shown(attempt, second, "c")},
        htmx=False,
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"#question-{first}")
    assert dict(attempt.responses.values_list("key", "value")) == {first: "a", second: "c"}
    page = client.get(response["Location"]).content.decode()
    assert "Right, feedback-a-1." in page
    assert f'id="question-{first}" disabled' in page
    assert page.count('class="button button-secondary check-answer"') == 1


def test_the_attempt_page_offers_a_check_button_only_in_immediate_mode(client):
    after_submit = started(client, make_quiz(questions=[single_choice(1)]))
    immediate = started(client, immediate_quiz())

    assert "Check answer" in client.get(reverse("assessments:attempt", args=[immediate.pk])).content.decode()
    client.force_login(after_submit.learner)
    assert "Check answer" not in client.get(reverse("assessments:attempt", args=[after_submit.pk])).content.decode()


def test_checking_in_a_quiz_without_immediate_feedback_is_a_400(client):
    attempt = started(client, make_quiz(questions=[single_choice(1)]))
    key = attempt.question_keys[0]

    response = check(client, attempt, key, {f"q-{key}": shown(attempt, key, "a")})

    assert response.status_code == 400
    assert "only after the attempt is submitted" in response.content.decode()
    assert not Response.objects.filter(attempt=attempt).exists()


def test_checking_an_unknown_question_is_a_400(client):
    attempt = started(client, immediate_quiz())

    response = check(client, attempt, "no-such-question", {"q-no-such-question": "0"})

    assert response.status_code == 400
    assert "not part of your attempt" in response.content.decode()


def test_checking_a_question_of_another_quiz_is_a_400(client):
    attempt = started(client, immediate_quiz())
    other = Attempt.objects.get(pk=started(client, immediate_quiz()).pk)
    client.force_login(attempt.learner)
    foreign = other.question_keys[0]

    response = check(client, attempt, foreign, {f"q-{foreign}": "0"})

    assert response.status_code == 400
    assert "not part of your attempt" in response.content.decode()
    assert not Response.objects.filter(attempt=attempt).exists()


def test_checking_a_blank_answer_is_a_400(client):
    attempt = started(client, immediate_quiz())
    key = attempt.question_keys[0]

    response = check(client, attempt, key)

    assert response.status_code == 400
    assert "Answer the question before checking it." in response.content.decode()


def test_checking_a_malformed_answer_is_a_400(client):
    attempt = started(client, immediate_quiz())
    key = attempt.question_keys[0]

    response = check(client, attempt, key, {f"q-{key}": "99"}, htmx=False)

    assert response.status_code == 400
    assert "not one of the options" in response.content.decode()


def test_checking_after_the_deadline_is_a_409_and_the_attempt_is_closed(client):
    attempt = started(client, immediate_quiz(time_limit_minutes=1), now=timezone.now() - timedelta(minutes=5))
    key = attempt.question_keys[0]

    response = check(client, attempt, key, {f"q-{key}": shown(attempt, key, "a")}, htmx=False)

    assert response.status_code == 409
    assert "Time is up" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert not Response.objects.filter(attempt=attempt).exists()


def test_checking_in_a_submitted_attempt_is_a_409(client):
    attempt = started(client, immediate_quiz())
    key = attempt.question_keys[0]
    attempt_submit(attempt=attempt, user=attempt.learner)

    response = check(client, attempt, key, {f"q-{key}": shown(attempt, key, "a")}, htmx=False)

    assert response.status_code == 409
    assert "answers can no longer be checked" in response.content.decode()


def test_checking_in_a_submitted_attempt_with_htmx_sends_the_browser_to_the_result(client):
    attempt = started(client, immediate_quiz())
    key = attempt.question_keys[0]
    attempt_submit(attempt=attempt, user=attempt.learner)

    response = check(client, attempt, key, {f"q-{key}": shown(attempt, key, "a")})

    assert response["HX-Redirect"] == reverse("assessments:result", args=[attempt.pk])


def test_someone_else_cannot_check_an_answer_of_an_attempt(client):
    attempt = started(client, immediate_quiz())
    key = attempt.question_keys[0]
    client.force_login(learner_in(attempt.quiz))

    response = check(client, attempt, key, {f"q-{key}": shown(attempt, key, "a")})

    assert response.status_code == 404


def test_a_checked_answer_counts_in_the_submitted_score(client):
    attempt = started(client, immediate_quiz())
    first, second = attempt.question_keys
    check(client, attempt, first, {f"q-{first}": shown(attempt, first, "a")})
    response_save(attempt=attempt, user=attempt.learner, key=second, raw="b")

    attempt = attempt_submit(attempt=attempt, user=attempt.learner)

    assert str(attempt.score) == "50.00"


def test_an_htmx_check_is_announced_through_the_quizs_live_region_kept_in_the_page(client):
    attempt = started(client, immediate_quiz())
    key = attempt.question_keys[0]
    page = BeautifulSoup(client.get(reverse("assessments:attempt", args=[attempt.pk])).content, "html.parser")
    announcer = page.select_one("#quiz-announcer")
    assert announcer["role"] == "status" and announcer["aria-live"] == "polite"
    assert announcer not in page.select_one(f"#question-{key}").descendants  # the check replaces the question

    answer = BeautifulSoup(check(client, attempt, key, {f"q-{key}": shown(attempt, key, "a")}).content, "html.parser")
    oob = answer.select_one("[hx-swap-oob='innerHTML:#quiz-announcer']")
    assert "Question 1:" in oob.get_text() and "Correct" in oob.get_text()
    assert answer.select_one(f"#check-{key}").has_attr("autofocus")  # and the result takes focus

    reloaded = client.get(reverse("assessments:attempt", args=[attempt.pk])).content
    assert BeautifulSoup(reloaded, "html.parser").select_one("[hx-swap-oob]") is None  # only htmx answers carry it


def test_the_timer_is_named_silent_and_read_on_demand(client):
    attempt = started(client, immediate_quiz(time_limit_minutes=30))
    page = BeautifulSoup(client.get(reverse("assessments:attempt", args=[attempt.pk])).content, "html.parser")
    timer = page.select_one("[role=timer]")
    assert timer["aria-live"] == "off"
    assert page.find(id=timer["aria-labelledby"]).get_text(strip=True) == "Time left:"
    button = timer.select_one("button.quiz-timer-read")
    assert button.has_attr("hidden") and button["type"] == "button"  # shown by attempt.js
    warning = page.select_one("#timer-warning")
    assert warning["aria-live"] == "assertive" and warning.get_text(strip=True) == ""
