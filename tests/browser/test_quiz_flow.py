"""A learner takes a quiz in a real browser: start, autosave, reload and resume, submit, read the result."""

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Attempt, Response
from lms.roles import role_groups_ensure
from progress.services import enrolment_create
from tests.assessments.factories import course_of, every_type, make_quiz, single_choice
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]

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


# --- answers are never lost: typed answers, drafts, failed saves, unload; timed quizzes warn -------------------


def _poll(check, *, seconds: float = 8.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return bool(check())


@pytest.fixture
def learner_and_long_quiz():
    """A learner enrolled in a quiz of numeric, ordering and essay questions."""
    role_groups_ensure()
    user = make_user(email="robin@example.test")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    numeric, ordering = (q for q in every_type() if q["type"] in ("numeric", "ordering"))
    essay = {"type": "essay", "prompt": "Explain NAT.", "points": 5, "explanation": "", "min_words": 0}
    quiz = make_quiz(title="Networks", questions=[numeric, ordering, essay], time_limit_minutes=30)
    enrolment_create(user=user, course=course_of(quiz))
    return user, quiz


def _start(page, login, user, quiz):
    login(user.email, "pw-123456789")
    page.goto(quiz.url)
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_load_state("load")  # htmx binds autosave once its deferred script has run
    return Attempt.objects.get(learner=user, quiz=quiz)


def _saved(attempt, number: int):
    response = Response.objects.filter(attempt=attempt, key=attempt.question_keys[number - 1]).first()
    return None if response is None else response.value


def test_a_typed_numeric_answer_is_saved_as_the_learner_types(page, login, learner_and_long_quiz):
    attempt = _start(page, login, *learner_and_long_quiz)

    page.get_by_role("group", name="Question 1").get_by_label("Your answer").press_sequentially("9090")
    page.wait_for_timeout(1500)
    page.reload()

    expect(page.get_by_role("group", name="Question 1").get_by_label("Your answer")).to_have_value("9090")
    assert _saved(attempt, 1) == "9090"


def test_an_answer_typed_just_before_leaving_the_page_is_saved(page, login, learner_and_long_quiz):
    user, quiz = learner_and_long_quiz
    attempt = _start(page, login, user, quiz)

    page.get_by_role("group", name="Question 3").get_by_label("Your answer").press_sequentially("It rewrites")
    page.goto(quiz.url)

    assert _poll(lambda: _saved(attempt, 3) == "It rewrites")


def test_choosing_only_the_first_position_of_an_ordering_keeps_the_page_and_saves_a_draft(
    page, login, learner_and_long_quiz
):
    attempt = _start(page, login, *learner_and_long_quiz)
    ordering = page.get_by_role("group", name="Question 2")

    ordering.locator("select").first.select_option("1")

    expect(ordering.locator(".save-status")).to_contain_text("Saved at")
    expect(page.get_by_role("button", name="Submit the quiz")).to_be_visible()
    assert _saved(attempt, 2) == {attempt.choice_order[attempt.question_keys[1]][0]: 1}


def test_a_failed_save_says_so_in_place_and_saves_once_the_server_answers_again(page, login, learner_and_long_quiz):
    attempt = _start(page, login, *learner_and_long_quiz)
    page.route("**/attempts/*/save/", lambda route: route.fulfill(status=500, body="<h1>Server Error (500)</h1>"))
    ordering = page.get_by_role("group", name="Question 2")

    ordering.locator("select").first.select_option("2")

    status = ordering.get_by_role("status")
    expect(status).to_contain_text("not saved yet")
    expect(page.get_by_role("button", name="Submit the quiz")).to_be_visible()
    assert "Server Error" not in page.content()
    page.unroute("**/attempts/*/save/")
    expect(status).to_contain_text("Saved at", timeout=10_000)
    assert _saved(attempt, 2) == {attempt.choice_order[attempt.question_keys[1]][0]: 2}


def test_a_timed_quiz_announces_the_last_minute(page, login, learner_and_long_quiz):
    attempt = _start(page, login, *learner_and_long_quiz)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=62))

    page.reload()

    warning = page.locator("#timer-warning")
    expect(warning).to_have_attribute("aria-live", "assertive")
    expect(warning).to_contain_text("Five minutes left")
    expect(warning).to_contain_text("One minute left", timeout=10_000)
    expect(page.locator(".quiz-timer")).to_have_attribute("aria-live", "off")


@pytest.fixture
def embedded_server(tmp_path, learner_and_long_quiz):
    """The embedded default as `make run` serves it: its own process on a SQLite file (WAL), with this test's rows.

    pytest-django's live server shares the test's one in-memory connection between its threads, so it cannot
    show how two requests of the embedded default wait for each other's write lock; this server can.
    """
    assert connection.vendor == "sqlite", "marked embedded: runs on SQLite only (PostgreSQL's race: tests/assessments)"
    database = tmp_path / "embedded.sqlite3"
    with sqlite3.connect(database) as copy:
        connection.ensure_connection()
        connection.connection.backup(copy)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL"}}
    env.update({"DATABASE_URL": f"sqlite:///{database}", "DJANGO_SETTINGS_MODULE": "lms.settings.test"})
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--insecure", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert _poll(lambda: _answers(url + "/healthz"), seconds=60), "the embedded server did not start"
        yield url, database
    finally:
        server.terminate()
        server.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as reply:
            return reply.status == 200
    except OSError:
        return False


@pytest.mark.embedded
def test_submitting_while_an_essay_is_being_saved_shows_the_result_on_the_embedded_default(
    _playwright_browser, embedded_server, learner_and_long_quiz
):
    url, database = embedded_server
    user, quiz = learner_and_long_quiz
    context = _playwright_browser.new_context(base_url=url, locale="en-CA")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("pw-123456789")
    page.get_by_role("button", name="Sign In").click()
    page.goto(quiz.url)
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_load_state("load")
    ordering = page.get_by_role("group", name="Question 2")
    for n, select in enumerate(ordering.locator("select").all(), start=1):
        select.select_option(str(n))
    expect(ordering.locator(".save-status")).to_contain_text("Saved at")

    page.get_by_role("group", name="Question 3").get_by_label("Your answer").fill("It rewrites addresses.")
    page.get_by_role("button", name="Submit the quiz").click()  # leaving the field autosaves it meanwhile

    expect(page.get_by_role("heading", name="Result of attempt 1")).to_be_visible()
    context.close()
    with sqlite3.connect(database) as db:
        states = db.execute("SELECT state FROM assessments_attempt").fetchall()
        essays = db.execute("SELECT value FROM assessments_response WHERE value LIKE '%rewrites%'").fetchall()
    assert states == [("needs_grading",)]
    assert essays == [('"It rewrites addresses."',)]
