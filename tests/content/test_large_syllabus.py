"""A very large course's page lists its modules with their counts; one module's items open on request."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.models import LessonPage, ModulePage
from tests.factories import make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def large_course(monkeypatch):
    """A course over the collapse threshold (lowered, so that the test course stays small)."""
    monkeypatch.setattr("content.selectors.OUTLINE_COLLAPSE_AFTER", 3)
    return make_course(modules=2, lessons_per_module=2, free_preview=True)


def modules_of(course):
    return list(ModulePage.objects.child_of(course).order_by("path"))


def get(client, url):
    response = client.get(url)
    return response, BeautifulSoup(response.content, "html.parser")


def test_a_large_course_page_lists_its_modules_with_counts_and_no_items(client, large_course):
    response, soup = get(client, large_course.url)
    assert response.status_code == 200
    assert len(soup.select(".syllabus-module")) == 2
    assert soup.select(".syllabus-items li") == []
    first = modules_of(large_course)[0]
    link = soup.select_one(f"#module-{first.pk} .syllabus-collapsed a")
    assert link["href"] == f"?module={first.pk}#module-{first.pk}"
    assert link["hx-get"] == f"?module={first.pk}"
    assert "Show its 2 items" in link.get_text()
    assert "2 free previews" in soup.select_one(f"#module-{first.pk} .syllabus-collapsed").get_text()


def test_a_module_of_a_large_course_opens_from_its_link_without_javascript(client, large_course):
    second = modules_of(large_course)[1]
    response, soup = get(client, f"{large_course.url}?module={second.pk}")
    assert response.status_code == 200
    opened = soup.select_one(f"#module-{second.pk}")
    titles = [a.get_text(strip=True) for a in opened.select(".syllabus-items a")]
    assert titles == ["Lesson 2.1", "Lesson 2.2"]
    assert len(soup.select(".syllabus-items")) == 1  # the other module stays collapsed
    hrefs = [a["href"] for a in opened.select(".syllabus-items a")]
    assert hrefs == [lesson.url for lesson in LessonPage.objects.child_of(second).order_by("path")]


def test_the_opened_module_takes_the_focus_with_or_without_htmx(client, large_course):
    """htmx focuses [autofocus] in swapped-in content, and a browser does on page load: keyboard and
    screen-reader users land on the items they asked for."""
    _first, second = modules_of(large_course)
    _response, soup = get(client, f"{large_course.url}?module={second.pk}")
    (focused,) = soup.select("[autofocus]")
    assert focused.parent["id"] == f"module-{second.pk}"
    assert focused["tabindex"] == "-1" and "Module 2" in focused["aria-label"]
    _response, soup = get(client, large_course.url)
    assert soup.select("[autofocus]") == []


@pytest.mark.parametrize("module", ["abc", "0", "99999999", "-3", "1" * 40])
def test_a_module_that_is_not_in_the_course_is_answered_404_with_the_syllabus(client, large_course, module):
    response, soup = get(client, f"{large_course.url}?module={module}")
    assert response.status_code == 404
    alert = soup.select_one('[role="alert"]')
    assert alert is not None and "This course has no module" in alert.get_text()
    assert len(soup.select(".syllabus-module")) == 2


def test_a_module_of_another_course_is_not_opened(client, large_course):
    other = make_course(modules=1, lessons_per_module=1)
    response, _ = get(client, f"{large_course.url}?module={modules_of(other)[0].pk}")
    assert response.status_code == 404


def test_a_small_course_page_lists_every_item_as_before(client):
    course = make_course(modules=2, lessons_per_module=2)
    response, soup = get(client, course.url)
    assert response.status_code == 200
    assert len(soup.select(".syllabus-items li")) == 4
    assert soup.select(".syllabus-collapsed") == []


def test_opening_a_module_of_a_large_course_costs_no_extra_query(client, large_course):
    client.get(large_course.url)
    with CaptureQueriesContext(connection) as collapsed:
        client.get(large_course.url)
    second = modules_of(large_course)[1]
    with CaptureQueriesContext(connection) as opened:
        client.get(f"{large_course.url}?module={second.pk}")
    assert len(opened.captured_queries) == len(collapsed.captured_queries)


def test_the_outline_of_an_item_page_links_a_collapsed_module_to_its_opened_syllabus(client, large_course):
    first, second = modules_of(large_course)
    lesson = LessonPage.objects.child_of(second).order_by("path").first()
    _, soup = get(client, lesson.url)
    link = soup.select_one(".outline .outline-collapsed a")
    assert link["href"] == f"{large_course.url}?module={first.pk}#module-{first.pk}"


def test_syllabus_item_titles_are_escaped(client, large_course):
    first = modules_of(large_course)[0]
    lesson = LessonPage.objects.child_of(first).order_by("path").first()
    lesson.title = '<b>Tags</b> & "quotes"'
    lesson.save_revision().publish()
    html = client.get(f"{large_course.url}?module={first.pk}").content.decode()
    assert "<b>Tags</b>" not in html
    assert "&lt;b&gt;Tags&lt;/b&gt; &amp; &quot;quotes&quot;" in html


def test_the_outline_of_an_item_page_numbers_and_escapes_every_module_title(client, large_course):
    first, second = modules_of(large_course)
    first.title = '<b>Module</b> & "one"'
    first.save_revision().publish()
    lesson = LessonPage.objects.child_of(second).order_by("path").first()
    html = client.get(lesson.url).content.decode()
    assert "<b>Module</b>" not in html
    soup = BeautifulSoup(html, "html.parser")
    headings = [h3.get_text() for h3 in soup.select(".outline h3")]
    assert headings == ['1. <b>Module</b> & "one"', f"2. {second.title}"]
    collapsed = soup.select_one(".outline .outline-collapsed a")
    assert collapsed.get_text() == '2 items, listed on the syllabus: <b>Module</b> & "one"'
    assert [a.get_text(strip=True).split(":")[-1] for a in soup.select(".outline ol li a")] == [
        "Lesson 2.1",
        "Lesson 2.2",
    ]
