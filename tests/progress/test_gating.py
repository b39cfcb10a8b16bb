"""Who may open a lesson: enrolled learners, free previews, the course's instructors; and sequential mode."""

import pytest

from progress.models import Enrolment, ItemState
from progress.services import ItemLocked, enrolment_cancel, lesson_complete
from tests.factories import make_user
from tests.progress.factories import add_lesson, add_module, build_course, enrolled, items_of, learner

pytestmark = pytest.mark.django_db


def test_a_visitor_is_sent_to_the_course_page_with_a_message(client):
    course = build_course()
    response = client.get(items_of(course)[1].url, follow=True)
    assert response.redirect_chain[0] == (course.url, 302)
    assert "is for learners enrolled in this course" in response.content.decode()


def test_a_logged_in_learner_who_is_not_enrolled_is_sent_to_the_course_page(client):
    course = build_course()
    client.force_login(learner())
    response = client.get(items_of(course)[1].url)
    assert response.status_code == 302
    assert response["Location"] == course.url


def test_an_enrolled_learner_opens_a_lesson_and_it_becomes_in_progress(client):
    course = build_course()
    enrolment = enrolled(course)
    client.force_login(enrolment.user)
    lesson = items_of(course)[1]
    assert client.get(lesson.url).status_code == 200
    enrolment.refresh_from_db()
    assert enrolment.last_opened_item_id == lesson.pk
    assert enrolment.item_progress.get(item=lesson).state == ItemState.IN_PROGRESS


def test_a_free_preview_is_open_to_visitors(client):
    course = build_course(modules=0)
    preview = add_lesson(add_module(course), free_preview=True)
    assert client.get(preview.url).status_code == 200


def test_the_course_instructor_opens_lessons_without_enrolling(client):
    instructor = make_user(instructor=True)
    course = build_course(instructors=[instructor])
    client.force_login(instructor)
    assert client.get(items_of(course)[1].url).status_code == 200
    assert not Enrolment.objects.filter(user=instructor).exists()


def test_an_instructor_of_another_course_is_treated_as_a_visitor(client):
    other = make_user(instructor=True)
    build_course(instructors=[other])
    course = build_course()
    client.force_login(other)
    assert client.get(items_of(course)[1].url).status_code == 302


def test_an_unenrolled_learner_can_no_longer_open_lessons(client):
    course = build_course()
    enrolment = enrolled(course)
    enrolment_cancel(enrolment=enrolment, user=enrolment.user)
    client.force_login(enrolment.user)
    assert client.get(items_of(course)[1].url).status_code == 302


def sequential_course():
    return build_course(modules=2, lessons_per_module=2, sequential=True)


def test_sequential_mode_locks_the_next_module_until_the_previous_is_complete(client):
    course = sequential_course()
    enrolment = enrolled(course)
    client.force_login(enrolment.user)
    first, second, third, _ = items_of(course)
    response = client.get(third.url, follow=True)
    assert response.redirect_chain[0] == (course.url, 302)
    assert "opens when you have completed the previous module" in response.content.decode()
    lesson_complete(user=enrolment.user, lesson=first)
    lesson_complete(user=enrolment.user, lesson=second)
    assert client.get(third.url).status_code == 200


def test_sequential_mode_refuses_to_complete_a_lesson_of_a_locked_module():
    course = sequential_course()
    enrolment = enrolled(course)
    with pytest.raises(ItemLocked):
        lesson_complete(user=enrolment.user, lesson=items_of(course)[2])


def test_sequential_mode_shows_locked_items_on_the_course_page(client):
    course = sequential_course()
    enrolment = enrolled(course)
    client.force_login(enrolment.user)
    html = client.get(course.url).content.decode()
    assert html.count("item-state-locked") == 2


def test_optional_items_do_not_hold_the_next_module_closed(client):
    course = build_course(modules=0, sequential=True)
    first_module = add_module(course)
    required = add_lesson(first_module)
    add_lesson(first_module, required=False)
    later = add_lesson(add_module(course))
    enrolment = enrolled(course)
    lesson_complete(user=enrolment.user, lesson=required)
    client.force_login(enrolment.user)
    assert client.get(later.url).status_code == 200


def test_a_free_preview_in_a_locked_module_stays_open_to_an_enrolled_learner(client):
    course = build_course(modules=0, sequential=True)
    add_lesson(add_module(course))
    preview = add_lesson(add_module(course), free_preview=True)
    enrolment = enrolled(course)
    client.force_login(enrolment.user)
    assert client.get(preview.url).status_code == 200


def test_an_enrolled_learner_opens_a_translated_lesson_and_its_original_becomes_in_progress(client):
    from content.models import LessonPage
    from tests.factories import translate_course

    course = build_course()
    enrolment = enrolled(course)
    lesson = items_of(course)[1]
    translate_course(course)
    french = LessonPage.objects.get(translation_key=lesson.translation_key, locale__language_code="fr")
    client.force_login(enrolment.user)
    assert client.get(french.url).status_code == 200
    enrolment.refresh_from_db()
    assert enrolment.last_opened_item_id == lesson.pk
    assert enrolment.item_progress.get(item=lesson).state == ItemState.IN_PROGRESS


def test_a_visitor_of_a_translated_lesson_is_sent_to_the_translated_course_page(client):
    from tests.factories import translate_course

    course = build_course()
    french = translate_course(course)
    lesson = items_of(course)[1]
    french_lesson = type(lesson).objects.get(translation_key=lesson.translation_key, locale=french.locale)
    response = client.get(french_lesson.url)
    assert response.status_code == 302
    assert response["Location"] == french.url
