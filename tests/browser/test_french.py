"""Taking a course in French (issue #16): the demo French course from enrolment to badge, and a learner who
switches from English to French halfway and keeps one progress, one attempt history and one badge."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.demo import seed_assessment_translations, seed_assessments
from assessments.models import Attempt, QuizPage, TaskPage
from badges.demo import seed_badges
from badges.models import Award
from content.demo import seed_content, seed_translations
from content.models import LessonPage
from lms.demo import users_seed
from progress.models import Enrolment, ItemProgress, ItemState
from progress.services import item_result_record
from tests.assessments.factories import make_quiz, single_choice
from tests.badges.conftest import make_achievement
from tests.browser.french import assert_no_english, assert_page_lang, in_language
from tests.browser.test_accessibility import PASSWORD, _in_french, _issuer, _verified
from tests.factories import make_course

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SLUG = "search-engine-marketing"


def fr(text: str) -> str:
    return in_language("fr", text)


@pytest.fixture
def browser_page(_playwright_browser, live_server):
    context = _playwright_browser.new_context(base_url=live_server.url, locale="fr-CA")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _french_and_whole(page, state: str) -> None:
    """The page is in French: `<html lang="fr">` and no English sentence of the interface."""
    page.wait_for_load_state("load")
    assert_page_lang(page, state, "fr")
    assert_no_english(page, state)


def _sign_in(page, email: str, language: str) -> None:
    prefix = "/fr" if language == "fr" else ""
    page.goto(f"{prefix}/accounts/login/")
    page.get_by_label(in_language(language, "Email")).fill(email)
    page.get_by_label(in_language(language, "Password")).fill(PASSWORD)
    page.get_by_role("button", name=in_language(language, "Sign In")).click()
    page.wait_for_load_state()


def _demo_french_course():
    users = users_seed()
    demo = seed_content(instructors=users)
    seed_assessments(demo=demo)
    seed_translations(demo=demo)
    seed_assessment_translations(demo=demo)
    seed_badges(users={}, courses=demo.courses)  # the badges, without the demo learners' progress
    return demo.courses[SLUG], demo.french[SLUG]


def test_the_demo_french_course_is_taken_from_enrolment_to_badge_in_french(browser_page):
    page = browser_page
    course, french = _demo_french_course()
    learner = _verified("nadia@example.test", display_name="Nadia Tremblay", language="fr")
    _sign_in(page, learner.email, "fr")
    _french_and_whole(page, "signed in")

    page.goto(french.url)
    _french_and_whole(page, "course page")
    page.get_by_role("button", name=fr("Enrol for free")).click()
    expect(page.get_by_role("link", name=fr("Start the course"))).to_be_visible()
    _french_and_whole(page, "course page, enrolled")

    for lesson in LessonPage.objects.descendant_of(french).live().order_by("path"):
        page.goto(lesson.url)
        expect(page.locator("h1")).to_have_text(lesson.title)
        page.get_by_role("button", name=fr("Mark as complete")).click()
        page.wait_for_selector("#lesson-complete [role=status] .lesson-done")
        _french_and_whole(page, f"lesson {lesson.title}")

    # The quizzes and the task are graded through progress's entry point (their own browser tests take them).
    for item in [*QuizPage.objects.descendant_of(course), *TaskPage.objects.descendant_of(course)]:
        item_result_record(user=learner, item=item, completed=True, score=Decimal(100), occurred_at=timezone.now())
    quiz = QuizPage.objects.descendant_of(french).live().order_by("path").first()
    page.goto(quiz.url)
    _french_and_whole(page, "quiz page")

    page.goto(french.url)
    _french_and_whole(page, "course page, completed")
    award = Award.objects.get(learner=learner)
    assert award.achievement.course_id == course.pk
    page.goto("/fr/dashboard/badges/")
    _french_and_whole(page, "badges wallet")
    expect(page.locator("main")).to_contain_text("Marketing par moteurs de recherche")
    page.goto(f"/fr/credentials/{award.code}/")
    _french_and_whole(page, "credential")
    expect(page.locator("#credential-title")).to_have_text("Marketing par moteurs de recherche")


def test_a_learner_who_switches_to_french_halfway_keeps_one_progress_one_attempt_history_and_one_badge(
    browser_page, live_server
):
    context = browser_page.context.browser.new_context(base_url=live_server.url, locale="en-CA")
    page = context.new_page()
    page.set_default_timeout(15_000)
    course = make_course(title="Linux for the Cloud", modules=1, lessons_per_module=2)
    quiz = make_quiz(course=course, title="Ports check", questions=[single_choice(1)], pass_mark=50)
    make_achievement(_issuer(), course=course)
    french = _in_french(course)
    lessons = list(LessonPage.objects.descendant_of(course).order_by("path"))
    learner = _verified("sam@example.test", display_name="Sam Learner", language="en")
    _sign_in(page, learner.email, "en")

    page.goto(course.url)
    page.get_by_role("button", name="Enrol for free").click()
    page.goto(lessons[0].url)
    page.get_by_role("button", name="Mark as complete").click()
    page.wait_for_selector("#lesson-complete [role=status] .lesson-done")

    page.locator(".language-switcher button[lang=fr]").click()  # the footer's switcher: "Français"
    page.wait_for_url(f"**{french[lessons[0].pk].url}")
    _french_and_whole(page, "the first lesson, after switching")
    expect(page.locator(".lesson-done")).to_have_text(fr("You have completed this lesson."))

    page.goto(french[lessons[1].pk].url)
    page.get_by_role("button", name=fr("Mark as complete")).click()
    page.wait_for_selector("#lesson-complete [role=status] .lesson-done")
    page.goto(french[quiz.pk].url)
    page.get_by_role("button", name=fr("Start the quiz")).click()
    page.get_by_role("group", name="Question 1").get_by_label("22").check()
    page.get_by_role("button", name=fr("Submit the quiz")).click()
    page.wait_for_url("**/result/")
    _french_and_whole(page, "quiz result")

    enrolment = Enrolment.objects.get(user=learner)
    assert enrolment.course_id == course.pk and enrolment.completed_at is not None
    states = dict(ItemProgress.objects.filter(enrolment=enrolment).values_list("item_id", "state"))
    assert states == {lessons[0].pk: ItemState.COMPLETE, lessons[1].pk: ItemState.COMPLETE, quiz.pk: ItemState.COMPLETE}
    assert list(Attempt.objects.filter(learner=learner).values_list("quiz_id", flat=True)) == [quiz.pk]
    award = Award.objects.get(learner=learner)
    page.goto("/fr/dashboard/badges/")
    _french_and_whole(page, "badges wallet")
    expect(page.locator(f"a[href*='{award.code}']").first).to_be_visible()
