"""What one learner reads of one course: the enrolment, its item states and module aggregates (once per request),
the course and item pages' view of them, and the gate of an item page."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.http import HttpRequest
from django.utils.translation import gettext as _
from wagtail.models import Page

from content.models import CourseItemPage, CoursePage
from content.selectors import CourseOutline, OutlineItem, course_for_item, course_outline, course_remember
from lms.memo import ProcessLRU
from lms.models import User
from progress.models import CourseProgress, Enrolment
from progress.selectors.states import (
    LOCKED,
    CompletionStatus,
    _state_label,
    completion_status,
    item_is_locked,
    locked_module_ids,
    states_from_rows,
    whole_percent,
)
from progress.services.completions import LessonCompletion
from progress.services.rules import missing_prerequisites, user_can_edit_course
from progress.statements import enrolment_for_course_path


@dataclass
class LearnerRead:
    """One learner's rows for one course, read once per request and shared by the gate and the page context."""

    course: CoursePage
    enrolment: Enrolment | None
    states: dict[int, dict[str, Any]] = field(default_factory=dict)
    module_stored: dict[int, Decimal] = field(default_factory=dict)
    # The items whose rows were read, when not all: an item page of a long course reads its module's (`_MODULE_ITEMS`).
    item_ids: tuple[int, ...] | None = None

    @property
    def active(self) -> bool:
        return self.enrolment is not None and self.enrolment.is_active


def _memo(request: HttpRequest | None) -> dict[tuple[int, str], LearnerRead]:
    if request is None:
        return {}
    return request.__dict__.setdefault("_stackable_learner", {})


def learner_forget(*, request: HttpRequest | None) -> None:
    """Drop what this request read about its learner (after a write that changed it)."""
    _memo(request).clear()


# The item rows and module aggregates of one enrolment in one round trip. Written as SQL because it runs on
def learner_read(
    *,
    user: User,
    course: CoursePage | None = None,
    item: Page | None = None,
    request: HttpRequest | None = None,
) -> LearnerRead:
    """The learner's enrolment in the course of `course` (or of `item`), its item states and module aggregates.

    Once per request when given one: the enrolment with its course, course aggregate, item rows and module
    aggregates in one prepared query (an item page not enrolled in reads its course with a second).
    """
    if course is None and item is None:
        raise ValueError("learner_read needs a course or an item")
    course_path = course.path if course is not None else item.path[: -2 * Page.steplen]  # type: ignore[union-attr]
    memo = _memo(request)
    key = (user.pk or 0, course_path)
    if key in memo:
        return memo[key]
    enrolment = None
    item_rows: list[list[Any]] = []
    module_path = item.path[: -Page.steplen] if item is not None else ""
    known = _MODULE_ITEMS.get(module_path, _UNKNOWN) if item is not None and _some_rows_readable() else None
    some_items = known if isinstance(known, tuple) else None
    if user.is_authenticated:  # the enrolment with its course, course aggregate, item rows and module aggregates
        enrolment, item_rows = enrolment_for_course_path(
            user_id=user.pk, course_path=course_path, with_rows=True, item_ids=some_items
        )
    if course is None:
        course = enrolment.course if enrolment is not None else course_for_item(item=item, request=request)  # type: ignore[arg-type]
    course_remember(request=request, course=course)
    read = LearnerRead(course=course, enrolment=enrolment)
    if enrolment is not None:
        enrolment.course = course
        if known is not None:  # not learned yet, or some rows read: what does this outline show?
            wanted = _item_page_rows(course=course, item=item, request=request)  # type: ignore[arg-type]
            _MODULE_ITEMS.set(module_path, wanted)
            if some_items is not None:
                if wanted != some_items:  # the outline changed: read what it shows now
                    enrolment, item_rows = enrolment_for_course_path(
                        user_id=user.pk, course_path=course_path, with_rows=True, item_ids=wanted
                    )
                    assert enrolment is not None  # read a moment ago (a concurrent unenrolment keeps the row)
                    enrolment.course = course
                    read.enrolment = enrolment
                read.item_ids = wanted
        if enrolment.is_active:
            read.states, read.module_stored = states_from_rows(item_rows)
    memo[key] = read
    return read


# The items whose rows an item page of a long course reads, by the page path of the item's module: that module's
# items, the only ones its outline lists (`CourseOutline.sections`); None, all of them. A learner deep in such a
# course has thousands of rows: reading them all cost a 5,000-item course's page 3 to 6 ms, and building their states
# set off the garbage collector. Learned from the outline on the first page of the module in this process (which
# reads every row, as before), and checked against the outline of every later one that reads some rows: an outline
# that changed since reads again the rows it shows. A module whose pages read every row (a short or sequential
# course) is not checked again: every row is always right, and the check cost a short course's page 0.1 ms.
# Bounded, least recently used out.
_MODULE_ITEMS: ProcessLRU[tuple[int, ...] | None] = ProcessLRU(4096)
_UNKNOWN: Any = object()


def _some_rows_readable() -> bool:
    return connection.vendor == "postgresql"  # the statement takes an array of ids


def _item_page_rows(*, course: CoursePage, item: Page, request: HttpRequest | None) -> tuple[int, ...] | None:
    """The items whose rows `item`'s page needs: its module's, when the course's outline lists only that module (a
    long course) and nothing reads the other modules' rows (a sequential course's lock reads them all); else None,
    every row. The outline is the page's own, from the cache."""
    if course.sequential:
        return None
    outline = course_outline(course=course, request=request)
    position = outline.position(item.pk)
    if not outline.collapses or position is None:
        return None
    module = outline.module(outline.items[position].module_id)
    return tuple(entry.id for entry in module.items) if module is not None else None


@dataclass
class LearnerCourse:
    """What one learner sees of one course: empty for a visitor or someone not enrolled."""

    course: CoursePage
    enrolment: Enrolment | None = None
    progress: CourseProgress | None = None
    states: dict[int, dict[str, Any]] = field(default_factory=dict)
    module_percent: dict[int, int] = field(default_factory=dict)
    locked_modules: set[int] = field(default_factory=set)
    completion: CompletionStatus | None = None
    missing_prerequisites: list[CoursePage] = field(default_factory=list)
    authenticated: bool = False
    outline: CourseOutline | None = None

    @property
    def enrolled(self) -> bool:
        return self.enrolment is not None and self.enrolment.is_active

    @property
    def course_percent(self) -> int:
        return whole_percent(self.progress.percent if self.progress else 0)

    @property
    def resume_item(self) -> OutlineItem | None:
        """What "Resume" opens: the item last opened, else the next one to do, as the outline shows it (title and
        address in the reader's language); None when neither is live in the course."""
        if self.enrolment is None or self.outline is None:
            return None
        for item_id in (self.enrolment.last_opened_item_id, self.progress.next_item_id if self.progress else None):
            position = self.outline.position(item_id) if item_id is not None else None
            if position is not None:
                return self.outline.items[position]
        return None


def learner_course(
    *, user: User, course: CoursePage, outline: CourseOutline, request: HttpRequest | None = None
) -> LearnerCourse:
    """The learner's view of a course page or an item page, given the outline the page already read.

    0 queries for a visitor; 2 when not enrolled (enrolment, prerequisites); 1 when enrolled (enrolment with its
    aggregate, item and module rows), none of them again in a request that already read them.
    """
    view = LearnerCourse(course=course, authenticated=user.is_authenticated, outline=outline)
    if not user.is_authenticated:
        return view
    read = learner_read(user=user, course=course, request=request)
    enrolment = read.enrolment
    if enrolment is None or not enrolment.is_active:
        view.enrolment = enrolment
        view.missing_prerequisites = missing_prerequisites(user=user, course=course)
        return view
    view.enrolment = enrolment
    view.progress = getattr(enrolment, "course_progress", None)
    view.states = dict(read.states)
    view.module_percent = {module.id: whole_percent(read.module_stored.get(module.id)) for module in outline.modules}
    if course.sequential:
        view.locked_modules = locked_module_ids(outline=outline, states=view.states)
        for item in outline.items:
            if item.module_id in view.locked_modules and item.id not in view.states:
                view.states[item.id] = {"state": LOCKED, "label": _state_label(LOCKED), "score": None}
    view.completion = completion_status(
        enrolment=enrolment, outline=outline, states=view.states, progress=view.progress
    )
    return view


def learner_course_completed(*, completion: LessonCompletion) -> LearnerCourse:
    """The learner's view of the course right after `lesson_complete`, from the rows it wrote: no query."""
    return LearnerCourse(
        course=completion.course,
        enrolment=completion.enrolment,
        progress=completion.progress,
        states=completion.states,
        module_percent={row.module_id: whole_percent(row.percent) for row in completion.modules},
        authenticated=True,
    )


@dataclass(frozen=True)
class ItemAccess:
    allowed: bool
    course: CoursePage
    enrolment: Enrolment | None = None
    message: str = ""
    states: dict[int, dict[str, Any]] | None = None


def item_access(
    *, user: User, item: CourseItemPage, request: HttpRequest | None = None, title: str | None = None
) -> ItemAccess:
    """May `user` open `item`? Active learners (outside locked modules), free previews, and course editors.

    `title` is the item's title as the reader sees it (its translation's) for the refusal's message.

    Two queries for an enrolled learner (enrolment with course, item and module rows; the outline is cached),
    two for anyone else (enrolment, course); editors cost Wagtail's permission reads. With `request`, the page
    context reuses what was read here.
    """
    read = learner_read(user=user, item=item, request=request)
    course = read.course
    if read.active:
        enrolment = read.enrolment
        if (
            course.sequential
            and not item.free_preview
            and item_is_locked(
                enrolment=enrolment,  # type: ignore[arg-type]
                item=item,
                states=read.states,
            )
        ):
            return ItemAccess(
                allowed=False,
                course=course,
                enrolment=enrolment,
                message=_("“%(title)s” opens when you have completed the previous module.")
                % {"title": title or item.title},
            )
        return ItemAccess(allowed=True, course=course, enrolment=enrolment, states=read.states)
    if item.free_preview or user_can_edit_course(user=user, course=course):
        return ItemAccess(allowed=True, course=course)
    return ItemAccess(
        allowed=False,
        course=course,
        message=_("“%(title)s” is for learners enrolled in this course. Enrol to open it.")
        % {"title": title or item.title},
    )
