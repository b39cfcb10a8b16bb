"""The course page and the lesson page: what they show, and a query count that does not grow."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.models import LessonPage
from tests.factories import make_course, make_skill, make_user

pytestmark = pytest.mark.django_db


def lessons(course):
    return list(LessonPage.objects.descendant_of(course).order_by("path"))


def test_the_course_page_shows_syllabus_outcomes_skills_price_and_instructors(client):
    instructor = make_user(instructor=True, display_name="Ines Instructor")
    course = make_course(
        modules=2,
        lessons_per_module=3,
        instructors=[instructor],
        price="249.00",
        skills=[make_skill("Linux")],
        outcomes=[{"type": "outcome", "value": "Administer a Linux server"}],
    )
    course.save_revision().publish()
    soup = BeautifulSoup(client.get(course.url).content, "html.parser")
    text = soup.get_text(" ", strip=True)
    assert len(soup.select(".syllabus-module")) == 2
    assert len(soup.select(".syllabus-items li")) == 6
    assert "Administer a Linux server" in text
    assert "Linux" in text
    assert "$249.00" in text
    assert "Ines Instructor" in text
    assert "2 modules, 2 hours of lessons and activities" in text


def test_the_lesson_page_shows_its_body_the_outline_and_previous_next(client):
    course = make_course(modules=2, lessons_per_module=2, free_preview=True)
    first, second, third, _ = lessons(course)
    soup = BeautifulSoup(client.get(second.url).content, "html.parser")
    assert soup.select_one("h1").get_text() == second.title
    assert "Text of lesson 2." in soup.get_text()
    assert soup.select_one('.outline a[aria-current="page"]').get_text(strip=True).endswith(second.title)
    assert soup.select_one('a[rel="prev"]')["href"] == first.url
    assert soup.select_one('a[rel="next"]')["href"] == third.url


def test_the_first_lesson_has_no_previous_and_the_last_no_next(client):
    course = make_course(modules=1, lessons_per_module=2, free_preview=True)
    first, last = lessons(course)
    assert BeautifulSoup(client.get(first.url).content, "html.parser").select_one('a[rel="prev"]') is None
    assert BeautifulSoup(client.get(last.url).content, "html.parser").select_one('a[rel="next"]') is None


def queries_for(client, url):
    client.get(url)  # warm caches that are per process, not per request (site root paths, content types)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_course_page_runs_the_same_queries_for_4_and_200_lessons(client):
    small = make_course(modules=1, lessons_per_module=4)
    large = make_course(modules=10, lessons_per_module=20)
    # site, home page, route, the course, view restrictions (one query: content.models); the outline (with the
    # course's languages), the active locale (content.views.page_route) and the markup that shows the skills,
    # instructors and prerequisites (content.views.course_page_fragments, three queries on a miss) are cached
    assert queries_for(client, small.url) == queries_for(client, large.url) == 5


def test_the_lesson_page_runs_the_same_queries_for_4_and_200_lessons(client):
    small = make_course(modules=1, lessons_per_module=4, free_preview=True)
    large = make_course(modules=10, lessons_per_module=20, free_preview=True)
    # site, home page, route, the lesson, view restrictions (one query: content.models), its course; the outline,
    # the page's translations and the active locale (content.views.page_route) are cached
    assert queries_for(client, lessons(small)[1].url) == queries_for(client, lessons(large)[101].url) == 6
