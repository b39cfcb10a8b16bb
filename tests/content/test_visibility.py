"""Only published content reaches learners and visitors."""

import pytest

from content.models import LessonPage, ModulePage
from tests.factories import make_course

pytestmark = pytest.mark.django_db


def test_a_draft_lesson_is_not_served(client):
    course = make_course(lessons_per_module=1, free_preview=True)
    module = ModulePage.objects.child_of(course).get()
    draft = LessonPage(title="Secret draft", estimated_minutes=5, body=[], live=False)
    module.add_child(instance=draft)
    assert client.get(draft.url).status_code == 404


def test_a_draft_lesson_is_not_listed_in_the_syllabus(client):
    course = make_course(lessons_per_module=1, free_preview=True)
    module = ModulePage.objects.child_of(course).get()
    module.add_child(instance=LessonPage(title="Secret draft", estimated_minutes=5, body=[], live=False))
    page = client.get(course.url)
    assert page.status_code == 200
    assert "Secret draft" not in page.content.decode()


def test_a_draft_course_is_not_served_nor_listed(client):
    course = make_course(title="Unreleased course")
    course.unpublish()
    assert client.get(course.url).status_code == 404
    assert "Unreleased course" not in client.get("/courses/").content.decode()


def test_unpublished_changes_to_a_live_lesson_stay_hidden(client):
    course = make_course(lessons_per_module=1, free_preview=True)
    lesson = LessonPage.objects.descendant_of(course).get()
    lesson.title = "Draft title"
    lesson.save_revision()
    response = client.get(lesson.url)
    assert "Draft title" not in response.content.decode()


def test_a_live_lesson_under_an_unpublished_module_is_not_served(client):
    course = make_course(lessons_per_module=1, free_preview=True)
    lesson = LessonPage.objects.descendant_of(course).get()
    ModulePage.objects.child_of(course).get().unpublish()
    assert client.get(lesson.url).status_code == 404


def test_an_unknown_path_below_a_course_is_a_404(client):
    course = make_course(lessons_per_module=1)
    assert client.get(course.url + "no-such-module/").status_code == 404
