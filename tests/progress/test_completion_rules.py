"""The completion rule at its edges, found untested by mutation testing (docs/mutation.md): a course is complete
when it has items, every required one is done and the grade reaches the pass mark."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from content.models import CoursePage
from progress.models import CourseProgress
from progress.services import (
    ItemLocked,
    course_grade,
    item_open,
    item_result_record,
    lesson_complete,
    meets_policy,
    progress_refresh,
)
from tests.progress.factories import add_lesson, add_module, build_course, enrolled, items_of

pytestmark = pytest.mark.django_db


def figures(*, grade: Decimal | None = None, required_done: int = 2, required_total: int = 2) -> CourseProgress:
    return CourseProgress(items_total=3, required_done=required_done, required_total=required_total, grade=grade)


def test_a_grade_exactly_at_the_pass_mark_passes() -> None:
    assert meets_policy(course=CoursePage(pass_mark=Decimal("70.00")), progress=figures(grade=Decimal("70.00")))


def test_a_grade_a_cent_below_the_pass_mark_fails() -> None:
    assert not meets_policy(course=CoursePage(pass_mark=Decimal("70.00")), progress=figures(grade=Decimal("69.99")))


def test_a_course_with_nothing_graded_counts_as_a_grade_of_one_hundred() -> None:
    assert course_grade(figures(grade=None)) == Decimal("100")


def test_opening_a_lesson_of_a_locked_module_tells_the_learner_to_complete_the_previous_module() -> None:
    course = build_course(modules=2, lessons_per_module=1, sequential=True)
    enrolment = enrolled(course)

    with pytest.raises(ItemLocked) as raised:
        item_open(user=enrolment.user, item=items_of(course)[1])

    assert str(raised.value) == "Complete the previous module first."


def test_completing_a_lesson_keeps_the_weighted_grade_of_two_graded_items_in_one_module() -> None:
    course = build_course(modules=0)
    module = add_module(course)
    light = add_lesson(module, grade_weight=Decimal("1"))
    heavy = add_lesson(module, grade_weight=Decimal("3"))
    reading = add_lesson(module)
    enrolment = enrolled(course)
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    item_result_record(user=enrolment.user, item=light, completed=True, score=Decimal("100"), occurred_at=at)
    item_result_record(user=enrolment.user, item=heavy, completed=True, score=Decimal("50"), occurred_at=at)

    lesson_complete(user=enrolment.user, lesson=reading)

    assert CourseProgress.objects.get(enrolment=enrolment).grade == Decimal("62.50")


def test_once_every_required_lesson_is_done_the_next_item_is_the_first_optional_one_left() -> None:
    course = build_course(modules=0)
    module = add_module(course)
    required = add_lesson(module)
    optional = add_lesson(module, required=False)
    add_lesson(module, required=False)
    enrolment = enrolled(course)

    lesson_complete(user=enrolment.user, lesson=required)

    assert CourseProgress.objects.get(enrolment=enrolment).next_item_id == optional.pk


def test_a_module_without_lessons_does_not_hide_the_modules_after_it() -> None:
    course = build_course(modules=0)
    add_module(course)
    module = add_module(course)
    first = add_lesson(module)
    add_lesson(module)
    enrolment = enrolled(course)

    lesson_complete(user=enrolment.user, lesson=first)

    progress = CourseProgress.objects.get(enrolment=enrolment)
    assert (progress.items_done, progress.items_total) == (1, 2)


def test_a_course_without_lessons_yet_shows_zero_percent_to_its_learner() -> None:
    course = build_course(modules=1, lessons_per_module=0)
    enrolment = enrolled(course)

    assert progress_refresh(enrolment=enrolment).percent == Decimal("0")


def test_a_one_minute_course_done_is_one_hundred_percent_done() -> None:
    course = build_course(modules=1, lessons_per_module=1, minutes=1)
    enrolment = enrolled(course)

    lesson_complete(user=enrolment.user, lesson=items_of(course)[0])

    assert CourseProgress.objects.get(enrolment=enrolment).percent == Decimal("100")


def test_a_course_two_thirds_done_shows_its_percent_rounded_down() -> None:
    course = build_course(modules=1, lessons_per_module=3)
    enrolment = enrolled(course)
    first, second, _third = items_of(course)

    lesson_complete(user=enrolment.user, lesson=first)
    lesson_complete(user=enrolment.user, lesson=second)

    assert CourseProgress.objects.get(enrolment=enrolment).percent == Decimal("66.66")
