"""A learner takes a quiz in a real browser: start, autosave, reload and resume, submit, read the result."""

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from assessments.models import Attempt, Response
from lms.roles import role_groups_ensure
from progress.services import enrolment_create
from tests.assessments.factories import course_of, make_quiz, single_choice
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def learner_and_quiz():
    role_groups_ensure()
    user = make_user(email="quinn@example.test")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    ports = single_choice(1, prompt="Which port does SSH use?")
    http = single_choice(2, prompt="Which port does plain HTTP use?")
    http["choices"] = [dict(c, correct=c["text"] == "80") for c in http["choices"]]
    quiz = make_quiz(title="Ports check", questions=[ports, http], pass_mark=50, time_limit_minutes=30)
    enrolment_create(user=user, course=course_of(quiz))
    return user, quiz


def test_a_learner_takes_a_quiz_from_start_to_result(page, login, learner_and_quiz):
    user, quiz = learner_and_quiz
    login(user.email, "pw-123456789")

    page.goto(quiz.url)
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_load_state("load")  # htmx binds autosave once its deferred script has run
    expect(page.locator(".quiz-countdown")).to_be_visible()

    first = page.get_by_role("group", name="Question 1")
    first.get_by_label("22").check()
    expect(first.locator(".save-status")).to_contain_text("Saved at")
    assert Response.objects.count() == 1

    page.reload()  # a lost connection or a reload resumes with every saved answer
    expect(page.get_by_role("group", name="Question 1").get_by_label("22")).to_be_checked()

    second = page.get_by_role("group", name="Question 2")
    second.get_by_label("443").check()
    expect(second.locator(".save-status")).to_contain_text("Saved at")
    page.get_by_role("button", name="Submit the quiz").click()

    expect(page.locator(".result-score")).to_contain_text("Score: 50%")
    expect(page.locator(".result-passed")).to_have_text("Passed")
    assert "Right, feedback-a-1." in page.locator(".review-list").inner_text()
    assert Attempt.objects.get().state == "graded"


def signed_in_without_javascript(browser, live_server, user):
    """A browser context with JavaScript off, signed in as `user` through the real login form."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("pw-123456789")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    return context, page


def test_the_quiz_works_without_javascript(_playwright_browser, live_server, learner_and_quiz):
    user, quiz = learner_and_quiz
    context, page = signed_in_without_javascript(_playwright_browser, live_server, user)

    page.goto(quiz.url)
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_role("group", name="Question 1").get_by_label("22").check()
    page.get_by_role("group", name="Question 2").get_by_label("80").check()
    page.get_by_role("button", name="Submit the quiz").click()
    page.wait_for_load_state()

    assert "Score: 100%" in page.locator(".result-score").inner_text()
    context.close()


def test_a_learner_checks_each_answer_when_the_quiz_gives_feedback_immediately(page, login, learner_and_quiz):
    user, quiz = learner_and_quiz
    quiz.feedback_mode = "immediate"
    quiz.save_revision().publish()
    login(user.email, "pw-123456789")

    page.goto(quiz.url)
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_load_state("load")  # htmx binds autosave once its deferred script has run
    first = page.get_by_role("group", name="Question 1")
    first.get_by_label("80").check()
    expect(first.locator(".save-status")).to_contain_text("Saved at")
    first.get_by_role("button", name="Check answer").click()

    verdict = page.locator(".check-result")
    expect(verdict).to_contain_text("Incorrect")
    expect(verdict).to_contain_text("That is HTTP, feedback-b-1.")
    expect(verdict).to_contain_text("SSH listens on 22 (explanation 1).")
    expect(verdict).to_be_focused()
    expect(page.get_by_role("group", name="Question 1").get_by_label("22")).to_be_disabled()
    assert "feedback-a-2" not in page.content()  # the second question's key is still on the server

    page.reload()  # the check and the lock survive a reload
    expect(page.get_by_role("group", name="Question 1").get_by_label("80")).to_be_checked()
    expect(page.get_by_role("group", name="Question 1").get_by_label("22")).to_be_disabled()
    page.get_by_role("group", name="Question 2").get_by_label("80").check()
    page.get_by_role("button", name="Submit the quiz").click()

    expect(page.locator(".result-score")).to_contain_text("Score: 50%")


def test_checking_an_answer_works_without_javascript(_playwright_browser, live_server, learner_and_quiz):
    user, quiz = learner_and_quiz
    quiz.feedback_mode = "immediate"
    quiz.save_revision().publish()
    context, page = signed_in_without_javascript(_playwright_browser, live_server, user)

    page.goto(quiz.url)
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_role("group", name="Question 1").get_by_label("22").check()
    page.get_by_role("group", name="Question 2").get_by_label("443").check()
    page.get_by_role("group", name="Question 1").get_by_role("button", name="Check answer").click()
    page.wait_for_load_state()

    assert "Correct" in page.locator(".check-result").inner_text()
    assert page.get_by_role("group", name="Question 2").get_by_label("443").is_checked()  # kept, not lost
    page.get_by_role("button", name="Submit the quiz").click()
    page.wait_for_load_state()

    assert "Score: 50%" in page.locator(".result-score").inner_text()
    context.close()
