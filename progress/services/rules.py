"""The rules every use case shares: progress's errors, who may edit a course, grades and the completion policy,
prerequisites and view restrictions."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from wagtail.models import Page

from content.models import CoursePage
from lms.models import User
from progress.models import CourseProgress, Enrolment

HUNDRED = Decimal("100")
CENT = Decimal("0.01")


class ProgressError(Exception):
    """A rule of enrolment or progress refused the change; the message is for the learner."""


class NotEnrolled(ProgressError):
    pass


class EnrolmentRefused(ProgressError):
    pass


class PaymentRequired(EnrolmentRefused):
    pass


class PrerequisitesMissing(EnrolmentRefused):
    def __init__(self, missing: list[CoursePage]) -> None:
        self.missing = missing
        titles = ", ".join(course.title for course in missing)
        super().__init__(_("Complete these courses first: %(titles)s.") % {"titles": titles})


class ItemLocked(ProgressError):
    pass


# --- permissions -----------------------------------------------------------------------------------


def user_can_edit_course(*, user: User, course: CoursePage) -> bool:
    """Instructors of the course and anyone Wagtail lets edit its page (editors, platform admins)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(course.permissions_for_user(user).can_edit())


# --- helpers -----------------------------------------------------------------------------------------


def course_of_item(item: Page) -> CoursePage:
    """The course an item belongs to: its grandparent in the page tree (one query)."""
    return CoursePage.objects.get(path=item.path[: -2 * Page.steplen])


def _percent(part: int, whole: int) -> Decimal:
    if whole <= 0:
        return Decimal("0")
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_DOWN)


def _grade(weighted_sum: Decimal | None, weight_total: Decimal | None) -> Decimal | None:
    if not weight_total:
        return None
    return (Decimal(weighted_sum or 0) / Decimal(weight_total)).quantize(CENT, rounding=ROUND_DOWN)


def course_grade(progress: CourseProgress) -> Decimal:
    """The weighted grade the pass mark is compared with: 100 when nothing in the course is graded."""
    return HUNDRED if progress.grade is None else progress.grade


def meets_policy(*, course: CoursePage, progress: CourseProgress) -> bool:
    return (
        progress.items_total > 0
        and progress.required_done == progress.required_total
        and course_grade(progress) >= course.pass_mark
    )


def missing_prerequisites(*, user: User, course: CoursePage) -> list[CoursePage]:
    """The prerequisite courses `user` has not completed (one query)."""
    completed = Enrolment.objects.filter(course=OuterRef("pk"), user=user, completed_at__isnull=False)
    return list(CoursePage.objects.filter(required_by=course).filter(~Exists(completed)).order_by("title"))


def course_open_to(*, user: User, course: CoursePage) -> bool:
    """May `user` see `course` under its view restrictions? A private course (organizations) is restricted to its
    organization's members group; a restriction to signed-in users is met by any user. A password restriction
    can only be met in a browser session, so the enrol view checks the request itself."""
    for restriction in course.get_view_restrictions():
        if restriction.restriction_type == restriction.GROUPS:
            if not user.is_superuser and not restriction.groups.filter(user=user).exists():
                return False
        elif restriction.restriction_type == restriction.PASSWORD:
            return False
    return True
