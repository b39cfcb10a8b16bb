"""Recomputing a course's aggregates after its rules changed, batch by batch."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from content.models import CoursePage
from lms.models import User
from lms.roles import user_is_platform_admin
from progress.models import CourseProgress, Enrolment
from progress.services.aggregates import _complete_if_due, progress_refresh
from progress.services.rules import course_grade, meets_policy, user_can_edit_course


@dataclass
class RecomputeReport:
    course_id: int
    enrolments: int = 0
    progress_changed: int = 0
    newly_completed: int = 0
    completion_revoked: int = 0
    grades_changed: int = 0
    changed_enrolment_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "course_id": self.course_id,
            "enrolments": self.enrolments,
            "progress_changed": self.progress_changed,
            "newly_completed": self.newly_completed,
            "completion_revoked": self.completion_revoked,
            "grades_changed": self.grades_changed,
        }


def _snapshot(progress: CourseProgress | None) -> tuple[Any, ...] | None:
    if progress is None:
        return None
    return (
        progress.minutes_done,
        progress.minutes_total,
        Decimal(progress.percent),
        progress.required_done,
        progress.required_total,
        None if progress.grade is None else Decimal(progress.grade),
        progress.next_item_id,
    )


def _batches(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def course_recompute(
    *, course: CoursePage, actor: User, reset_completion: bool, batch_size: int = 200
) -> RecomputeReport:
    """Recompute every enrolment of `course` after its rules changed, one short transaction per batch.

    Each enrolment row is locked while it is rewritten, so learners keep studying during a recompute.
    Completion stays monotonic unless `reset_completion`, which only a platform admin may ask for: then
    an enrolment that no longer meets the policy loses its completion and a kept one gets its new grade.
    """
    if not user_can_edit_course(user=actor, course=course):
        raise PermissionDenied("You may not recompute this course.")
    if reset_completion and not user_is_platform_admin(actor):
        raise PermissionDenied("Only a platform admin may reset completions.")
    report = RecomputeReport(course_id=course.pk)
    ids = list(Enrolment.objects.filter(course=course).order_by("pk").values_list("pk", flat=True))
    for batch in _batches(ids, batch_size):
        with transaction.atomic():
            for enrolment in Enrolment.objects.select_for_update().filter(pk__in=batch).order_by("pk"):
                enrolment.course = course
                report.enrolments += 1
                before = _snapshot(CourseProgress.objects.filter(enrolment=enrolment).first())
                progress = progress_refresh(enrolment=enrolment)
                changed = before != _snapshot(progress)
                if reset_completion and enrolment.completed_at is not None:
                    if not meets_policy(course=course, progress=progress):
                        Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=None, final_grade=None)
                        enrolment.completed_at = enrolment.final_grade = None
                        report.completion_revoked += 1
                        changed = True
                    elif enrolment.final_grade != course_grade(progress):
                        Enrolment.objects.filter(pk=enrolment.pk).update(final_grade=course_grade(progress))
                        report.grades_changed += 1
                        changed = True
                if _complete_if_due(enrolment=enrolment, progress=progress):
                    report.newly_completed += 1
                    changed = True
                if changed:
                    report.progress_changed += 1
                    report.changed_enrolment_ids.append(enrolment.pk)
    return report
