"""Marking a lesson complete: the row's move, its statements, and aggregates equal to a full refresh."""

from decimal import Decimal

import pytest
from django.db import transaction

from content.models import ModulePage
from progress.models import CourseProgress, ItemProgress, ItemState, ModuleProgress, Statement
from progress.services import FIGURE_FIELDS, item_open, item_result_record, lesson_complete, progress_refresh
from progress.xapi import VERB_ATTEMPTED, VERB_COMPLETED
from tests.progress.factories import add_lesson, add_module, at, build_course, enrolled, items_of

pytestmark = pytest.mark.django_db

# Every figure the aggregates store (the timestamp differs between two writes of the same figures).
FIGURES = [name for name in FIGURE_FIELDS if name != "updated_at"]


def aggregates(enrolment):
    course = CourseProgress.objects.filter(enrolment=enrolment).values(*FIGURES, "next_item_id").get()
    modules = {
        row["module_id"]: row
        for row in ModuleProgress.objects.filter(enrolment=enrolment).values("module_id", *FIGURES)
    }
    return course, modules


def refreshed(enrolment):
    """The aggregates a full refresh from the item rows writes, rolled back after reading them."""
    with transaction.atomic():
        enrolment.refresh_from_db()
        progress_refresh(enrolment=enrolment)
        figures = aggregates(enrolment)
        transaction.set_rollback(True)
    return figures


def mixed_course():
    """Graded and optional items, a module with no lesson, and minutes that differ per lesson."""
    course = build_course(modules=0)
    first = add_module(course)
    add_lesson(first, minutes=30)
    add_lesson(first, minutes=10, required=False)
    add_lesson(first, minutes=20, grade_weight=Decimal("1"))
    second = add_module(course)
    add_lesson(second, minutes=15, grade_weight=Decimal("3"))
    add_lesson(second, minutes=45)
    add_module(course)  # no lesson yet
    return course


def test_the_aggregates_written_are_those_of_a_full_refresh():
    course = mixed_course()
    enrolment = enrolled(course)
    lesson, optional, light, heavy, last = items_of(course)
    item_result_record(user=enrolment.user, item=heavy, completed=True, score=Decimal("40"), occurred_at=at(1))
    for item in (optional, lesson, light):
        lesson_complete(user=enrolment.user, lesson=item)
        assert aggregates(enrolment) == refreshed(enrolment)
    course_figures, modules = aggregates(enrolment)
    assert course_figures["grade"] == Decimal("30.00")  # (0 * 1 + 40 * 3) / 4
    assert course_figures["next_item_id"] == last.pk
    assert len(modules) == 2


def test_the_aggregate_of_a_module_unpublished_since_is_removed():
    course = build_course(modules=2, lessons_per_module=2)
    enrolment = enrolled(course)
    ModulePage.objects.child_of(course).order_by("path").last().unpublish()
    lesson_complete(user=enrolment.user, lesson=items_of(course)[0])
    course_figures, modules = aggregates(enrolment)
    assert len(modules) == 1
    assert course_figures["percent"] == Decimal("50.00")
    assert (course_figures, modules) == refreshed(enrolment)


def test_a_lesson_never_opened_is_recorded_attempted_and_completed_in_one_row():
    course = build_course()
    enrolment = enrolled(course)
    lesson = items_of(course)[0]
    lesson_complete(user=enrolment.user, lesson=lesson)
    row = ItemProgress.objects.get(enrolment=enrolment, item=lesson)
    assert row.state == ItemState.COMPLETE
    assert row.started_at == row.completed_at == row.last_event_at
    verbs = list(Statement.objects.filter(enrolment=enrolment).order_by("created_at").values_list("verb", flat=True))
    assert verbs[-2:] == [VERB_ATTEMPTED, VERB_COMPLETED]


def test_a_lesson_opened_before_keeps_its_start_and_revision_and_gets_one_completed_statement():
    course = build_course()
    enrolment = enrolled(course)
    items_of(course)[0].save_revision().publish()
    lesson = items_of(course)[0]
    opened = item_open(user=enrolment.user, item=lesson)
    before = Statement.objects.count()
    lesson_complete(user=enrolment.user, lesson=lesson)
    row = ItemProgress.objects.get(pk=opened.pk)
    assert row.state == ItemState.COMPLETE
    assert row.started_at == opened.started_at
    assert row.completed_at > row.started_at
    assert row.revision_id == lesson.live_revision_id is not None
    assert list(Statement.objects.order_by("created_at").values_list("verb", flat=True)[before:]) == [VERB_COMPLETED]


def test_marking_a_complete_lesson_again_moves_only_its_last_event():
    course = build_course()
    enrolment = enrolled(course)
    lesson = items_of(course)[0]
    lesson_complete(user=enrolment.user, lesson=lesson)
    first = ItemProgress.objects.get(enrolment=enrolment, item=lesson)
    statements = Statement.objects.count()
    lesson_complete(user=enrolment.user, lesson=lesson)
    again = ItemProgress.objects.get(pk=first.pk)
    assert (again.state, again.started_at, again.completed_at) == (first.state, first.started_at, first.completed_at)
    assert again.last_event_at >= first.last_event_at
    assert Statement.objects.count() == statements


def test_a_locked_lesson_is_refused_over_htmx_and_nothing_is_written(client):
    course = build_course(modules=2, lessons_per_module=2, sequential=True)
    enrolment = enrolled(course)
    locked = items_of(course)[2]
    client.force_login(enrolment.user)
    response = client.post(f"/learning/items/{locked.pk}/complete/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == locked.url
    assert not ItemProgress.objects.filter(enrolment=enrolment, item=locked).exists()
    assert "Complete the previous module first." in client.get(locked.url, follow=True).content.decode()


def test_a_quiz_cannot_be_marked_complete_as_a_lesson(client):
    from tests.assessments.factories import make_quiz

    course = build_course()
    enrolment = enrolled(course)
    quiz = make_quiz(course=course)
    client.force_login(enrolment.user)
    response = client.post(f"/learning/items/{quiz.pk}/complete/")
    assert response["Location"] == quiz.url
    assert not ItemProgress.objects.filter(enrolment=enrolment, item=quiz, state=ItemState.COMPLETE).exists()
