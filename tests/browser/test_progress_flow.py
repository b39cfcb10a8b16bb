"""A learner enrols, studies lessons, watches the progress bars move without a reload, and resumes from the dashboard."""

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from progress.services import enrolment_create
from tests.factories import make_course, make_user
from tests.progress.factories import items_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def learner_and_course():
    user = make_user(email="lea@example.test", display_name="Lea")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    course = make_course(title="Linux for the Cloud", modules=2, lessons_per_module=2)
    return user, course


def progress_value(page, selector):
    return page.locator(f"{selector} progress").get_attribute("value")


def test_a_learner_enrols_studies_and_resumes_from_the_dashboard(page, login, learner_and_course):
    user, course = learner_and_course
    login(user.email, "pw-123456789")

    page.goto(course.url)
    page.get_by_role("button", name="Enrol for free").click()
    page.wait_for_selector("text=You are enrolled")
    assert progress_value(page, "#course-progress") == "0"

    page.get_by_role("link", name="Start the course").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Lesson 1.1"
    lesson_url = page.url
    page.get_by_role("button", name="Mark as complete").click()
    page.wait_for_selector("#lesson-complete [role=status]")
    assert "Lesson complete" in page.locator("#lesson-complete").inner_text()
    assert page.url == lesson_url  # swapped in place by htmx, no reload
    assert progress_value(page, "#course-progress") == "25"
    assert progress_value(page, ".progress-panel .module-progress") == "50"
    assert page.evaluate("document.activeElement.id") == "lesson-complete"

    page.get_by_role("link", name="Lesson 1.2 →").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Lesson 1.2"
    page.get_by_role("button", name="Mark as complete").click()
    page.wait_for_selector("#lesson-complete [role=status]")
    assert progress_value(page, ".progress-panel .module-progress") == "100"
    assert progress_value(page, "#course-progress") == "50"

    page.get_by_role("link", name="Lesson 2.1 →").click()  # opened, not completed
    assert page.get_by_role("heading", level=1).inner_text() == "Lesson 2.1"

    page.goto("/dashboard/")
    card = page.locator(".dashboard-course").first
    assert "Linux for the Cloud" in card.inner_text()
    assert card.locator("progress").get_attribute("value") == "50"
    card.get_by_role("link", name="Resume").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Lesson 2.1"


def test_the_outline_marks_a_lesson_complete_without_a_reload(page, login, learner_and_course):
    user, course = learner_and_course
    enrolment_create(user=user, course=course)
    lesson = items_of(course)[0]
    login(user.email, "pw-123456789")
    page.goto(lesson.url)
    outline_item = page.locator(f"#outline-item-{lesson.pk}")
    expect(outline_item.locator(".item-state-complete")).to_have_count(0)
    page.get_by_role("button", name="Mark as complete").click()
    expect(outline_item.locator(".item-state-complete")).to_have_count(1)
    assert page.url.endswith(lesson.url)
