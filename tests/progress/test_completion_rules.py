"""The completion rule at its edges, found untested by mutation testing (docs/mutation.md): a course is complete
when it has items, every required one is done and the grade reaches the pass mark."""

from __future__ import annotations

from decimal import Decimal

import pytest

from content.models import CoursePage
from progress.models import CourseProgress
from progress.services import course_grade, meets_policy

pytestmark = pytest.mark.django_db


def figures(*, grade: Decimal | None = None, required_done: int = 2, required_total: int = 2) -> CourseProgress:
    return CourseProgress(items_total=3, required_done=required_done, required_total=required_total, grade=grade)


def test_a_grade_exactly_at_the_pass_mark_passes() -> None:
    assert meets_policy(course=CoursePage(pass_mark=Decimal("70.00")), progress=figures(grade=Decimal("70.00")))


def test_a_grade_a_cent_below_the_pass_mark_fails() -> None:
    assert not meets_policy(course=CoursePage(pass_mark=Decimal("70.00")), progress=figures(grade=Decimal("69.99")))


def test_a_course_with_nothing_graded_counts_as_a_grade_of_one_hundred() -> None:
    assert course_grade(figures(grade=None)) == Decimal("100")
