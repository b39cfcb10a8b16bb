"""The completion rule at its edges, found untested by mutation testing (docs/mutation.md): a course is complete
when it has items, every required one is done and the grade reaches the pass mark."""

from __future__ import annotations

from decimal import Decimal

import pytest

from content.models import CoursePage
from progress.models import CourseProgress
from progress.services import ItemLocked, course_grade, lesson_complete, meets_policy
from tests.progress.factories import build_course, enrolled, items_of

pytestmark = pytest.mark.django_db


def figures(*, grade: Decimal | None = None, required_done: int = 2, required_total: int = 2) -> CourseProgress:
    return CourseProgress(items_total=3, required_done=required_done, required_total=required_total, grade=grade)


def test_a_grade_exactly_at_the_pass_mark_passes() -> None:
    assert meets_policy(course=CoursePage(pass_mark=Decimal("70.00")), progress=figures(grade=Decimal("70.00")))


def test_a_grade_a_cent_below_the_pass_mark_fails() -> None:
    assert not meets_policy(course=CoursePage(pass_mark=Decimal("70.00")), progress=figures(grade=Decimal("69.99")))


def test_a_course_with_nothing_graded_counts_as_a_grade_of_one_hundred() -> None:
    assert course_grade(figures(grade=None)) == Decimal("100")


def test_a_lesson_of_a_locked_module_tells_the_learner_to_complete_the_previous_module() -> None:
    course = build_course(modules=2, lessons_per_module=1, sequential=True)
    enrolment = enrolled(course)

    with pytest.raises(ItemLocked) as raised:
        lesson_complete(user=enrolment.user, lesson=items_of(course)[1])

    assert str(raised.value) == "Complete the previous module first."
