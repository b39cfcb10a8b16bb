"""Marking a lesson complete: one locked read of the learner's rows, the row, its statements and the aggregates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from content.models import CourseItemPage, CoursePage, LessonPage
from content.selectors import CourseOutline, course_outline
from lms.models import User
from progress.models import CourseProgress, Enrolment, ItemProgress, ItemState, ModuleProgress
from progress.services.aggregates import _complete_if_due, _figures_from_outline, _figures_write
from progress.services.events import _statements_for
from progress.services.rules import ItemLocked, NotEnrolled, ProgressError
from progress.statements import enrolment_for_course_path


def _lesson_row_complete(
    *, enrolment: Enrolment, lesson: LessonPage, known: dict[str, Any] | None, now: datetime
) -> list[str]:
    """Write the lesson's row complete as `_apply_event` would (nothing goes down); return what moved forward.

    `known` is the row's state read under the enrolment lock: one INSERT or one UPDATE, no read of the row.
    """
    if known is None:
        ItemProgress.objects.create(
            enrolment=enrolment,
            item=lesson,
            state=ItemState.COMPLETE,
            started_at=now,
            completed_at=now,
            last_event_at=now,
        )
        return ["started", "completed"]
    at = Value(now)  # Coalesce: SQLite's LEAST and GREATEST answer NULL when a date is still NULL
    ItemProgress.objects.filter(enrolment=enrolment, item=lesson).update(
        state=ItemState.COMPLETE,
        started_at=Coalesce(Least("started_at", at), at),
        completed_at=Coalesce(Least("completed_at", at), at),
        last_event_at=Coalesce(Greatest("last_event_at", at), at),
        updated_at=now,
    )
    if known["state"] == ItemState.COMPLETE:
        return []  # a second click: only "last event" moves
    return ["started", "completed"] if known["state"] == ItemState.NOT_STARTED else ["completed"]


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
    move and, with the course's cached outline, the aggregates, upserted without reading the course's pages.
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
        moved = _lesson_row_complete(enrolment=enrolment, lesson=lesson, known=known, now=now)
        score = known["score"] if known is not None else None
        states[lesson.pk] = {"state": ItemState.COMPLETE, "label": str(ItemState.COMPLETE.label), "score": score}
        _statements_for(enrolment=enrolment, item=lesson, score=score, moved=moved, occurred_at=now)
        module_rows, progress = _figures_from_outline(enrolment=enrolment, outline=outline, states=states)
        stale = set(module_stored) - {row.module_id for row in module_rows}
        _figures_write(enrolment=enrolment, module_rows=module_rows, progress=progress, prune=bool(stale))
        _complete_if_due(enrolment=enrolment, progress=progress)
        return LessonCompletion(
            enrolment=enrolment, outline=outline, states=states, modules=module_rows, progress=progress
        )
