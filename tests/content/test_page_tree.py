import pytest
from wagtail.models import Page

from content.models import CatalogPage, CoursePage, HomePage, LessonPage, ModulePage
from tests.factories import catalog, make_course

pytestmark = pytest.mark.django_db


def test_a_lesson_cannot_be_created_under_a_course():
    assert not LessonPage.can_create_at(make_course())


def test_a_lesson_can_only_live_in_a_module():
    assert LessonPage.allowed_parent_page_models() == [ModulePage]


def test_a_module_can_only_live_in_a_course():
    assert ModulePage.allowed_parent_page_models() == [CoursePage]


def test_a_course_can_only_live_in_the_catalog():
    assert CoursePage.allowed_parent_page_models() == [CatalogPage]
    assert not CoursePage.can_create_at(catalog().get_parent())


def test_a_catalog_holds_only_courses():
    assert CatalogPage.allowed_subpage_models() == [CoursePage]


def test_the_home_page_sits_at_the_root_and_holds_only_the_catalog():
    assert HomePage.allowed_parent_page_models() == [Page]
    assert HomePage.allowed_subpage_models() == [CatalogPage]


def test_a_second_catalog_is_refused():
    assert not CatalogPage.can_create_at(catalog().get_parent())


def test_nothing_can_be_placed_under_a_lesson():
    course = make_course(modules=1, lessons_per_module=1)
    lesson = LessonPage.objects.child_of(ModulePage.objects.child_of(course).get()).get()
    assert LessonPage.allowed_subpage_models() == []
    assert not ModulePage.can_create_at(lesson)
