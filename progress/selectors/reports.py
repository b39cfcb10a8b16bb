"""The instructor's course report: every learner's progress and grade, and the module funnel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q

from content.models import CoursePage
from content.selectors import course_outline
from lms.models import User
from progress.models import Enrolment, ModuleProgress
from progress.selectors.states import whole_percent
from progress.services.rules import user_can_edit_course


@dataclass(frozen=True)
class ReportLearner:
    enrolment: Enrolment
    name: str
    email: str
    status: str
    percent: int
    grade: Decimal | None
    required_done: int
    required_total: int
    completed_at: datetime | None
    last_opened_at: datetime | None


@dataclass(frozen=True)
class FunnelStep:
    module_id: int
    title: str
    reached: int
    completed: int
    enrolled: int

    @property
    def reached_percent(self) -> int:
        return round(self.reached * 100 / self.enrolled) if self.enrolled else 0

    @property
    def completed_percent(self) -> int:
        return round(self.completed * 100 / self.enrolled) if self.enrolled else 0


@dataclass(frozen=True)
class CourseReport:
    course: CoursePage
    learners: list[ReportLearner]
    funnel: list[FunnelStep]

    @property
    def enrolled(self) -> int:
        return len(self.learners)

    @property
    def completed(self) -> int:
        return sum(1 for learner in self.learners if learner.completed_at)


def course_report(*, course: CoursePage, user: User) -> CourseReport:
    """The instructor's report: every learner with progress and grade, and the module funnel. Four queries.

    Only for users who may edit the course.
    """
    if not user_can_edit_course(user=user, course=course):
        raise PermissionDenied("You may not read this course's report.")
    outline = course_outline(course=course)
    learners = []
    for enrolment in (
        Enrolment.objects.filter(course=course).select_related("user", "course_progress").order_by("user__email")
    ):
        progress = getattr(enrolment, "course_progress", None)
        learners.append(
            ReportLearner(
                enrolment=enrolment,
                name=str(enrolment.user),
                email=enrolment.user.email,
                status=enrolment.get_status_display(),
                percent=whole_percent(progress.percent if progress else 0),
                grade=progress.grade if progress else None,
                required_done=progress.required_done if progress else 0,
                required_total=progress.required_total if progress else 0,
                completed_at=enrolment.completed_at,
                last_opened_at=enrolment.last_opened_at,
            )
        )
    counts: dict[int, tuple[int, int]] = {
        row["module_id"]: (row["reached"], row["completed"])
        for row in ModuleProgress.objects.filter(enrolment__course=course)
        .values("module_id")
        .annotate(
            reached=Count("pk", filter=Q(items_started__gt=0)),
            completed=Count("pk", filter=Q(items_done__gt=0, required_done=F("required_total"))),
        )
        .order_by()
    }
    funnel = [
        FunnelStep(
            module_id=module.id,
            title=module.title,
            reached=counts.get(module.id, (0, 0))[0],
            completed=counts.get(module.id, (0, 0))[1],
            enrolled=len(learners),
        )
        for module in outline.modules
    ]
    return CourseReport(course=course, learners=learners, funnel=funnel)


def courses_for_report(*, user: User) -> list[CoursePage]:
    """The courses whose report `user` may read: those Wagtail lets them edit. Two queries."""
    from wagtail.permission_policies.pages import PagePermissionPolicy

    editable = PagePermissionPolicy().instances_user_has_any_permission_for(user, ["change"])
    return list(CoursePage.objects.filter(pk__in=editable.values("pk")).order_by("title"))
