"""The course page's cached markup (content.views.course_page_fragments) follows every change it shows."""

from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from content.models import CoursePage
from tests.factories import make_course, make_skill, make_user

pytestmark = pytest.mark.django_db


def course_text(client, course):
    return BeautifulSoup(client.get(course.url).content, "html.parser").get_text(" ", strip=True)


def aside_links(client, course):
    page = BeautifulSoup(client.get(course.url).content, "html.parser")
    return [link.get_text(strip=True) for link in page.select(".course-aside a")]


def test_publishing_the_course_shows_its_new_skills_instructors_and_facts(client):
    course = make_course(skills=[make_skill("Linux")], hours=8)
    assert "Linux" in course_text(client, course)
    course = CoursePage.objects.get(pk=course.pk)
    course.skills.set([make_skill("Networking")])
    course.instructors.set([make_user(instructor=True, display_name="Nadia Newcomer")])
    course.estimated_hours = 12
    course.save_revision().publish()
    text = course_text(client, course)
    assert "Networking" in text and "Linux" not in text
    assert "Nadia Newcomer" in text
    assert "12 hours of study" in text


def test_an_instructors_new_name_shows_on_their_course(client):
    instructor = make_user(instructor=True, display_name="Ines Instructor")
    course = make_course(instructors=[instructor])
    assert "Ines Instructor" in course_text(client, course)
    instructor.display_name = "Ines Renamed"
    instructor.save()
    text = course_text(client, course)
    assert "Ines Renamed" in text and "Ines Instructor" not in text


def test_an_instructors_login_keeps_the_cached_course_page(client, django_assert_num_queries):
    instructor = make_user(instructor=True, display_name="Ines Instructor")
    course = make_course(instructors=[instructor])
    client.get(course.url)
    instructor.save(update_fields=["last_login"])
    with django_assert_num_queries(5):  # as tests/content/test_pages.py: nothing of the fragments is read again
        client.get(course.url)


def test_a_renamed_skill_shows_on_the_course_page(client):
    skill = make_skill("Linux")
    course = make_course(skills=[skill])
    assert "Linux" in course_text(client, course)
    skill.name = "GNU/Linux"
    skill.save()
    assert "GNU/Linux" in course_text(client, course)


def test_a_prerequisite_renamed_or_unpublished_shows_on_the_course_page(client):
    prerequisite = make_course(title="Basics")
    course = make_course()
    course = CoursePage.objects.get(pk=course.pk)
    course.prerequisites.set([prerequisite])
    course.save_revision().publish()
    assert "Basics" in aside_links(client, course)
    prerequisite = CoursePage.objects.get(pk=prerequisite.pk)
    prerequisite.title = "Basics, second edition"
    prerequisite.save_revision().publish()
    assert "Basics, second edition" in aside_links(client, course)
    prerequisite.unpublish()
    assert not any(text.startswith("Basics") for text in aside_links(client, course))


def heading_and_summary(html):
    page = BeautifulSoup(html, "html.parser")
    return page.select_one("h1").get_text(strip=True), page.select_one(".hero-summary").get_text(strip=True)


def test_a_preview_shows_the_draft_and_leaves_the_cached_page_as_published(client):
    course = make_course(title="Published title")
    host = urlsplit(course.full_url).netloc  # the host a preview request is made for: the same cache keys
    published = heading_and_summary(client.get(course.url, HTTP_HOST=host).content)
    assert published[0] == "Published title"
    draft = CoursePage.objects.get(pk=course.pk)
    draft.title = "Draft title"
    draft.summary = "A summary not published yet"
    preview = draft.make_preview_request()
    html = (preview.render() if hasattr(preview, "render") else preview).content
    assert heading_and_summary(html) == ("Draft title", "A summary not published yet")
    assert heading_and_summary(client.get(course.url, HTTP_HOST=host).content) == published
