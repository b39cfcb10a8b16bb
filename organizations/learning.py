"""Everything organizations asks of progress, in one place: enrol on a seat, end it, and read how far it got.

progress's contract: `enrolment_create(*, user, course, source, actor, prerequisites_waived)`, `enrolment_cancel(*, enrolment, user)`,
`Enrolment` (user, course, status, completed_at, final_grade) and its `course_progress` aggregate.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, FilteredRelation, Q
from django.utils import timezone

from content.models import CourseItemPage, CoursePage
from lms.models import User
from progress.models import Enrolment
from progress.services import (
    EnrolmentRefused,
    enrolment_cancel,
    enrolment_create,
    item_result_record,
    missing_prerequisites,
)

__all__ = [
    "Enrolment",
    "enrol_on_seat",
    "enrolment_annotations",
    "enrolment_end",
    "enrolment_started",
    "items_study",
    "prerequisites_missing",
    "users_lacking_prerequisites",
]


def enrol_on_seat(
    *, user: User, course: CoursePage, actor: User | None = None, prerequisites_waived: bool = False
) -> Enrolment:
    """Raises SeatRefused (an OrganizationError) with progress's reason, e.g. missing prerequisites."""
    from organizations.services import SeatRefused

    try:
        return enrolment_create(
            user=user, course=course, source="seat", actor=actor, prerequisites_waived=prerequisites_waived
        )
    except EnrolmentRefused as refused:
        raise SeatRefused(str(refused)) from refused


def prerequisites_missing(*, user: User, course: CoursePage) -> list[CoursePage]:
    return missing_prerequisites(user=user, course=course)


def users_lacking_prerequisites(*, user_ids: list[int], course_ids: list[int]) -> dict[int, set[int]]:
    """For each course with prerequisites: the ids among `user_ids` who have not completed all of them.

    Two queries, whatever the number of courses and users.
    """
    through = CoursePage.prerequisites.through
    required: dict[int, set[int]] = {}
    for course_id, prerequisite_id in through.objects.filter(from_coursepage_id__in=course_ids).values_list(
        "from_coursepage_id", "to_coursepage_id"
    ):
        required.setdefault(course_id, set()).add(prerequisite_id)
    if not required:
        return {}
    wanted = set().union(*required.values())
    completed: dict[int, set[int]] = {}
    for user_id, course_id in Enrolment.objects.filter(
        user_id__in=user_ids, course_id__in=wanted, completed_at__isnull=False
    ).values_list("user_id", "course_id"):
        completed.setdefault(user_id, set()).add(course_id)
    return {
        course_id: {user_id for user_id in user_ids if not prerequisites <= completed.get(user_id, set())}
        for course_id, prerequisites in required.items()
    }


def enrolment_end(*, user: User, course: CoursePage) -> None:
    enrolment = Enrolment.objects.filter(user=user, course=course).first()
    if enrolment is not None:
        enrolment_cancel(enrolment=enrolment, user=user)


def enrolment_started(*, user: User, course: CoursePage) -> bool:
    """A learner has started when they completed the course or opened any item of it."""
    return (
        Enrolment.objects.filter(user=user, course=course)
        .filter(
            Q(completed_at__isnull=False)
            | Q(course_progress__items_started__gt=0)
            | Q(course_progress__items_done__gt=0)
        )
        .exists()
    )


def enrolment_annotations(*, user_ref: str, course_ref: str) -> dict[str, FilteredRelation | F]:
    """Annotate any row holding a user and a course with that enrolment's facts, through one LEFT JOIN.

    The enrolment is joined on (course, user), then its course progress (one row per enrolment): two joins
    instead of a correlated subquery per fact, so sorting and filtering on them is a single pass. The join
    goes through the course (a handful of rows), not the user table: the row's user id is compared directly,
    so an aggregate over thousands of seats never reads a user, and each seat is one probe of the enrolment's
    unique (user, course) index.
    """
    joined = "seat_enrolment"
    return {
        joined: FilteredRelation(
            f"{course_ref}__enrolments", condition=Q(**{f"{course_ref}__enrolments__user": F(user_ref)})
        ),
        "enrolled_at": F(f"{joined}__enrolled_at"),
        "completed_at": F(f"{joined}__completed_at"),
        "final_grade": F(f"{joined}__final_grade"),
        "percent": F(f"{joined}__course_progress__percent"),
        "items_started": F(f"{joined}__course_progress__items_started"),
        "items_done": F(f"{joined}__course_progress__items_done"),
    }


def items_study(*, user: User, course: CoursePage, count: int | None = None, score: Decimal = Decimal("90")) -> None:
    """Record the first `count` live items of `course` (all when None) as done by `user` (demo data).

    Graded items get `score`; through progress's single entry point for item results.
    """
    items = CourseItemPage.objects.live().descendant_of(course).specific().order_by("path")
    for item in list(items)[:count]:
        graded = item.grade_weight > 0
        item_result_record(
            user=user, item=item, completed=True, score=score if graded else None, occurred_at=timezone.now()
        )
