"""Marking a lesson complete: one locked read of the learner's rows, then one write of the row, its statements and
the aggregates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from content.models import CourseItemPage, CoursePage, LessonPage
from content.selectors import CourseOutline, course_outline
from lms.models import User
from progress.models import CourseProgress, Enrolment, ItemState, ModuleProgress
from progress.services.aggregates import _complete_if_due, _figures_from_outline
from progress.services.events import _statements_built
from progress.services.rules import ItemLocked, NotEnrolled, ProgressError
from progress.statements import LessonRows, enrolment_for_course_path, lesson_complete_write, lesson_complete_write_orm


def _moved(known: dict[str, Any] | None) -> list[str]:
    """What marking the lesson complete moves forward, from its row's state read under the enrolment lock."""
    if known is None or known["state"] == ItemState.NOT_STARTED:
        return ["started", "completed"]
    return [] if known["state"] == ItemState.COMPLETE else ["completed"]  # a second click: only "last event" moves


@dataclass(frozen=True)
class LessonCompletion:
    """What marking a lesson complete wrote, for the page that shows it without reading it again."""

    enrolment: Enrolment
    outline: CourseOutline
    states: dict[int, dict[str, Any]]
    modules: list[ModuleProgress]
    progress: CourseProgress

    @property
    def course(self) -> CoursePage:
        return self.enrolment.course


def lesson_complete(*, user: User, lesson: CourseItemPage) -> LessonCompletion:
    """The learner marks a lesson complete (button, or reaching its end when the course says so).

    Refuses items that are not live lessons, learners who are not actively enrolled, and locked modules.
    Locks the enrolment row as `item_result_record` does, then reads the learner's item rows once (a new
    statement, so it sees every write committed before the lock was granted): they decide the lock, the row's
    move and, with the course's cached outline, the aggregates, worked out without reading the course's pages. The
    row, its statements and the aggregates are then written by one statement (`statements.lesson_complete_write`).
    """
    from progress.selectors import locked_module_ids, states_and_modules  # the selectors import these services

    if not isinstance(lesson, LessonPage) or not lesson.live:
        raise ProgressError(_("Only a published lesson can be marked complete."))
    with transaction.atomic():
        course_path = lesson.path[: -2 * Page.steplen]
        enrolment = enrolment_for_course_path(user_id=user.pk, course_path=course_path, lock=True)[0]
        if enrolment is None or not enrolment.is_active:
            raise NotEnrolled(_("You are not enrolled in this course."))
        enrolment.user = user  # the actor of the statements: no query for the learner's name
        course = enrolment.course
        outline = course_outline(course=course)
        states, module_stored = states_and_modules(enrolment)
        module_id = next((item.module_id for item in outline.items if item.id == lesson.pk), None)
        if course.sequential and module_id in locked_module_ids(outline=outline, states=states):
            raise ItemLocked(_("Complete the previous module first."))
        known = states.get(lesson.pk)
        now = timezone.now()
        moved = _moved(known)
        score = known["score"] if known is not None else None
        states[lesson.pk] = {"state": ItemState.COMPLETE, "label": str(ItemState.COMPLETE.label), "score": score}
        recorded = _statements_built(enrolment=enrolment, item=lesson, score=score, moved=moved, occurred_at=now)
        module_rows, progress = _figures_from_outline(enrolment=enrolment, outline=outline, states=states)
        if set(module_stored) - {row.module_id for row in module_rows}:  # a module left the course's outline
            ModuleProgress.objects.filter(enrolment=enrolment).exclude(
                module_id__in=[row.module_id for row in module_rows]
            ).delete()
        write = lesson_complete_write if connection.vendor == "postgresql" else lesson_complete_write_orm
        write(LessonRows(enrolment.pk, lesson.pk, now, recorded, module_rows, progress))
        _complete_if_due(enrolment=enrolment, progress=progress)
        return LessonCompletion(
            enrolment=enrolment, outline=outline, states=states, modules=module_rows, progress=progress
        )
