"""course_translate: a course copied into another language as drafts, with its block ids and its parents."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from wagtail.models import Locale, Page

from assessments.models import QuizPage
from content.models import CatalogPage, CoursePage, HomePage, LessonPage
from content.services import course_translate
from lms.models import User
from tests.assessments.factories import make_quiz
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db


def french() -> Locale:
    return Locale.objects.get(language_code="fr")


def in_french(page: Page) -> Page:
    return Page.objects.get(translation_key=page.translation_key, locale=french()).specific


def test_a_course_is_copied_into_french_with_its_modules_and_items_as_drafts():
    course = make_course(modules=2, lessons_per_module=2)
    copy = course_translate(course=course, language="fr")
    assert copy.locale == french()
    assert copy.translation_key == course.translation_key
    assert copy.language == "fr"
    pages = Page.objects.descendant_of(copy, inclusive=True)
    assert pages.count() == 7
    assert set(pages.values_list("locale__language_code", flat=True)) == {"fr"}
    assert not pages.filter(live=True).exists()


def test_the_copy_keeps_the_block_ids_of_lessons_and_quiz_questions():
    course = make_course(modules=1, lessons_per_module=1)
    quiz = make_quiz(course=course)
    lesson = LessonPage.objects.descendant_of(course).get()
    course_translate(course=course, language="fr")
    assert [b.id for b in in_french(lesson).body] == [b.id for b in lesson.body]
    french_quiz = in_french(quiz)
    assert isinstance(french_quiz, QuizPage)
    assert [b.id for b in french_quiz.questions] == [b.id for b in quiz.questions]
    assert french_quiz.questions.raw_data[0]["value"] == quiz.questions.raw_data[0]["value"]


def test_the_home_and_catalog_get_live_french_translations_that_are_not_aliases():
    course = make_course()
    course_translate(course=course, language="fr")
    home, catalog = HomePage.objects.get(locale=french()), CatalogPage.objects.get(locale=french())
    assert home.translation_key == HomePage.objects.exclude(locale=french()).get().translation_key
    assert catalog.get_parent().pk == home.pk
    assert CoursePage.objects.get(locale=french()).get_parent().pk == catalog.pk
    assert home.alias_of_id is None and catalog.alias_of_id is None
    assert home.live and catalog.live


def test_an_alias_catalog_left_by_an_earlier_copy_becomes_a_page_of_its_own():
    course = make_course()
    english_catalog = course.get_parent()
    english_catalog.get_parent().copy_for_translation(french())
    alias = english_catalog.copy_for_translation(french(), alias=True)
    course_translate(course=course, language="fr")
    alias.refresh_from_db()
    assert alias.alias_of_id is None
    assert CoursePage.objects.get(locale=french()).get_parent().pk == alias.pk


def test_a_second_translation_into_the_same_language_is_refused():
    course = make_course()
    course_translate(course=course, language="fr")
    with pytest.raises(ValidationError) as refused:
        course_translate(course=course, language="fr")
    assert "already has a translation" in str(refused.value)
    assert CoursePage.objects.filter(locale=french()).count() == 1


def test_translating_into_the_course_own_language_is_refused():
    course = make_course()
    with pytest.raises(ValidationError):
        course_translate(course=course, language="en")


def test_an_unknown_language_is_refused():
    with pytest.raises(ValidationError) as refused:
        course_translate(course=make_course(), language="de")
    assert "no content language" in str(refused.value)


def test_someone_who_may_not_edit_the_course_may_not_translate_it():
    course = make_course(instructors=[make_user(instructor=True)])
    with pytest.raises(PermissionDenied):
        course_translate(course=course, language="fr", user=make_user(instructor=True))
    assert not CoursePage.objects.filter(locale=french()).exists()


def test_the_course_instructor_may_translate_it_and_edit_the_copy():
    instructor = make_user(instructor=True)
    course = make_course(instructors=[instructor])
    copy = course_translate(course=course, language="fr", user=instructor)
    instructor = User.objects.get(pk=instructor.pk)  # a new request: Wagtail caches page rights on the user
    assert copy.permissions_for_user(instructor).can_edit()
    lesson = LessonPage.objects.descendant_of(copy).first()
    assert lesson.permissions_for_user(instructor).can_edit()
