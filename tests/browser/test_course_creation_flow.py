"""An instructor with the course creator role starts a course alone: New course, a module, a lesson, publish."""

import re

import pytest
from playwright.sync_api import expect

from content.models import CoursePage, ModulePage
from lms.demo import DEMO_PASSWORD, users_seed
from tests.factories import catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def publish(page):
    """Wagtail keeps Publish in the editor footer's action menu, behind Save draft."""
    page.locator("footer [data-w-dropdown-target='toggle']").first.click()
    page.locator("button[name='action-publish']").click()
    expect(page.locator(".messages")).to_contain_text("published")


def test_an_instructor_creates_writes_and_publishes_a_course_that_the_catalog_then_lists(page, login):
    catalog()
    users_seed()
    login("instructor1@stackable.test", DEMO_PASSWORD)

    page.goto("/admin/")
    page.get_by_role("link", name="New course").last.click()
    page.get_by_label("Title").fill("Shell Scripting Basics")
    page.get_by_label("Summary").fill("Automate the boring parts of running servers.")
    page.get_by_label("Estimated hours").fill("8")
    page.get_by_role("button", name="Create the course").click()
    expect(page.locator(".messages")).to_contain_text("is a draft")

    page.get_by_role("link", name="Add child page").first.click()  # a course holds modules only: straight to the form
    page.locator("#id_title").fill("Getting started")
    page.locator("#id_title").blur()  # Wagtail fills the slug from the title on blur, asynchronously:
    expect(page.locator("#id_slug")).to_have_value("getting-started")  # publishing before it lands is a 400
    publish(page)

    page.goto(f"/admin/pages/{ModulePage.objects.get(title='Getting started').pk}/")
    page.get_by_role("link", name="Add child page").first.click()
    page.get_by_role("link", name="Lesson", exact=True).click()
    page.locator("#id_title").fill("Your first script")
    page.locator("#id_title").blur()
    expect(page.locator("#id_slug")).to_have_value("your-first-script")
    page.locator("button[title='Insert a block']").first.click()
    page.get_by_role("option", name="Rich text").click()
    editor = page.locator(".DraftEditor-root [contenteditable=true]").first
    editor.click()
    page.keyboard.type("Write a script that greets you.")
    expect(editor).to_contain_text("Write a script that greets you.")
    # Draftail copies its state into the block's hidden input 250 ms after the last keystroke (stateSaveInterval):
    # publishing before then sends an empty block, which Wagtail refuses with "validation errors".
    expect(page.locator("input[type=hidden][name='body-0-value']")).to_have_value(re.compile("greets you"))
    publish(page)

    page.goto(f"/admin/pages/{CoursePage.objects.get(title='Shell Scripting Basics').pk}/edit/")
    publish(page)

    page.goto("/courses/")
    expect(page.locator(".course-card")).to_contain_text("Shell Scripting Basics")
