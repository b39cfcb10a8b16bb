"""A visitor opens the catalog, filters it, opens a course and then a lesson, in a real browser."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_course, make_skill

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalog_data():
    linux = make_skill("Linux")
    make_course(
        title="Linux for the Cloud",
        hours=8,
        level="beginner",
        skills=[linux],
        modules=2,
        lessons_per_module=2,
        free_preview=True,
    )
    make_course(title="Containers and Kubernetes", hours=14, level="intermediate", price="249.00")
    make_course(title="Search Engine Marketing", hours=6, level="beginner", language="fr")


def test_a_visitor_filters_the_catalog_and_reads_a_lesson(page, catalog_data):
    page.goto("/courses/")
    cards = page.locator(".course-card")
    assert cards.count() == 3

    page.get_by_role("link", name="Intermediate").click()
    page.wait_for_url("**/courses/?level=intermediate")
    expect(cards).to_have_count(1)
    assert "Containers and Kubernetes" in cards.first.inner_text()
    assert page.locator("html").count() == 1  # swapped in place by htmx, not a second document

    page.get_by_role("link", name="Any level").click()
    expect(cards).to_have_count(3)
    page.get_by_label("Search courses").fill("linux")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=linux**")
    expect(cards).to_have_count(1)

    cards.first.get_by_role("link", name="Linux for the Cloud").click()
    page.wait_for_selector("h1:text-is('Linux for the Cloud')")
    assert page.locator(".syllabus-module").count() == 2

    page.get_by_role("link", name="Lesson 1.2").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Lesson 1.2"
    assert "Text of lesson 2." in page.locator(".lesson-body").inner_text()
    page.get_by_role("link", name="Lesson 2.1 →").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Lesson 2.1"


def test_the_catalog_filters_work_without_javascript(_playwright_browser, live_server, catalog_data):
    context = _playwright_browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/courses/")
    page.get_by_role("link", name="Free", exact=True).click()
    page.wait_for_load_state()
    assert page.url.endswith("/courses/?price=free"), page.url
    assert page.locator(".course-card").count() == 2
    context.close()
