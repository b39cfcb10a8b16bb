"""Reads for the learner's pages and the instructor's report. Each runs a fixed number of queries.

Pages read the aggregate rows written by `progress.services`; nothing here walks a whole course row by row
except the outline, which `content.selectors.course_outline` reads in two queries.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django.db import connection, models
from django.db.models import Count, F, Q
from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.models import Page

from content.models import CourseItemPage, CoursePage
from content.selectors import (
    CourseOutline,
    OutlineItem,
    course_for_item,
    course_outline,
    course_remember,
    page_url_builder,
)
from lms.db import RowShape, converted, fixed_statement_rows, row_shape
from lms.models import User
from progress.models import CourseProgress, Enrolment, EnrolmentStatus, ItemProgress, ItemState, ModuleProgress
from progress.services import LessonCompletion, course_grade, missing_prerequisites, user_can_edit_course

LOCKED = "locked"
CENT = Decimal("0.01")  # item scores and module percents have two decimal places


def _state_label(state: str) -> str:
    return {
        ItemState.COMPLETE: _("Complete"),
        ItemState.IN_PROGRESS: _("In progress"),
        ItemState.NOT_STARTED: _("Not started"),
        LOCKED: _("Locked"),
    }[state]


def whole_percent(value: Decimal | int | None) -> int:
    """Progress bars show whole percents, rounded down so that 100 means done."""
    return int(value or 0)


def item_states_for(*, enrolment: Enrolment, course: CoursePage) -> dict[int, dict[str, Any]]:
    """{item_id: {"state", "label", "score"}} for the items this enrolment has touched: one query."""
    if enrolment.course_id != course.pk:
        raise ValueError("the enrolment is not in this course")
    return {
        item_id: {"state": state, "label": _state_label(state), "score": score}
        for item_id, state, score in ItemProgress.objects.filter(enrolment=enrolment).values_list(
            "item_id", "state", "score"
        )
    }


def locked_module_ids(*, outline: CourseOutline, states: dict[int, dict[str, Any]]) -> set[int]:
    """In sequential mode a module opens when every earlier module's required items are complete."""
    locked: set[int] = set()
    open_so_far = True
    for module in outline.modules:
        if not open_so_far:
            locked.add(module.id)
        done = all(
            (states.get(item.id) or {}).get("state") == ItemState.COMPLETE for item in module.items if item.required
        )
        open_so_far = open_so_far and done
    return locked


def item_is_locked(
    *, enrolment: Enrolment, item: CourseItemPage, states: dict[int, dict[str, Any]] | None = None
) -> bool:
    """True when the course is sequential and `item` sits in a module that has not opened.

    The outline comes from the cache (two queries on a miss); one query for the item states unless given.
    """
    course = enrolment.course
    if not course.sequential:
        return False
    outline = course_outline(course=course)
    position = outline.position(item.pk)
    module_id = outline.items[position].module_id if position is not None else None
    if states is None:
        states = item_states_for(enrolment=enrolment, course=course)
    return module_id in locked_module_ids(outline=outline, states=states)


@dataclass(frozen=True)
class CompletionStatus:
    complete: bool
    completed_at: datetime | None
    final_grade: Decimal | None
    grade: Decimal
    pass_mark: Decimal
    graded: bool
    outline: CourseOutline = field(repr=False, compare=False)
    states: dict[int, dict[str, Any]] = field(repr=False, compare=False)

    @functools.cached_property
    def missing_required(self) -> list[OutlineItem]:
        """The required items not complete, in course order: worked out when shown (the course page), not on
        every item page, since a 5,000-item course walks 5,000 items."""
        return [
            item
            for item in self.outline.items
            if item.required and (self.states.get(item.id) or {}).get("state") != ItemState.COMPLETE
        ]

    @property
    def grade_gap(self) -> Decimal:
        """How many points the weighted grade is below the pass mark (0 when it is reached)."""
        return max(Decimal("0"), self.pass_mark - self.grade)


def completion_status(
    *,
    enrolment: Enrolment,
    outline: CourseOutline | None = None,
    states: dict[int, dict[str, Any]] | None = None,
    progress: CourseProgress | None = None,
) -> CompletionStatus:
    """Why an enrolment is or is not complete: the required items missing and the distance to the pass mark.

    Four queries, fewer when the caller already has the outline, the item states or the aggregate.
    """
    course = enrolment.course
    outline = outline if outline is not None else course_outline(course=course)
    states = states if states is not None else item_states_for(enrolment=enrolment, course=course)
    if progress is None:
        progress = CourseProgress.objects.filter(enrolment=enrolment).first() or CourseProgress(enrolment=enrolment)
    return CompletionStatus(
        complete=enrolment.completed_at is not None,
        completed_at=enrolment.completed_at,
        final_grade=enrolment.final_grade,
        grade=course_grade(progress),
        pass_mark=course.pass_mark,
        graded=progress.grade is not None,
        outline=outline,
        states=states,
    )


@dataclass
class LearnerRead:
    """One learner's rows for one course, read once per request and shared by the gate and the page context."""

    course: CoursePage
    enrolment: Enrolment | None
    states: dict[int, dict[str, Any]] = field(default_factory=dict)
    module_stored: dict[int, Decimal] = field(default_factory=dict)

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
# every item page and the ORM spent more time composing the UNION than the database spent answering it.
@functools.cache
def _states_and_modules_sql(enrolment: str) -> str:
    """The item rows and module aggregates of the enrolment `enrolment` (a parameter or a column of an outer query)
    as one UNION ALL of (kind, pk, state, number, revision_id). Written as SQL because it runs on every item page
    and the ORM spent more time composing the UNION than the database spent answering it."""
    quote = connection.ops.quote_name
    items, modules = quote(ItemProgress._meta.db_table), quote(ModuleProgress._meta.db_table)
    return (
        f"SELECT 'item' AS kind, item_id AS pk, state, score AS number, revision_id FROM {items}"  # noqa: S608
        f" WHERE enrolment_id = {enrolment} UNION ALL"
        f" SELECT 'module', module_id, '', percent, NULL FROM {modules} WHERE enrolment_id = {enrolment}"
    )


def _states_and_modules(enrolment: Enrolment) -> tuple[dict[int, dict[str, Any]], dict[int, Decimal]]:
    """The enrolment's item rows and module aggregates in one query (a UNION ALL of the two tables)."""
    sql = _states_and_modules_sql("%s")
    return _states_from_rows(fixed_statement_rows(sql=sql, params=[enrolment.pk, enrolment.pk]))


def _states_from_rows(rows: Iterable[Sequence[Any]]) -> tuple[dict[int, dict[str, Any]], dict[int, Decimal]]:
    """Rows of ('item', item id, state, score, revision id) and ('module', module id, '', percent, None) as the
    item states and the stored module percents."""
    states: dict[int, dict[str, Any]] = {}
    module_stored: dict[int, Decimal] = {}
    labels = {state: _state_label(state) for state in ItemState.values}
    for kind, pk, state, number, revision_id in rows:
        if number is not None:  # PostgreSQL gives Decimal; SQLite a float or an int; JSON text
            number = Decimal(str(number)).quantize(CENT)
        if kind == "module":
            module_stored[pk] = number or Decimal("0")
        else:
            states[pk] = {"state": state, "label": labels[state], "score": number, "revision_id": revision_id}
    return states, module_stored


_ENROLMENT_BY_COURSE_PATH_SQL = (
    "SELECT {columns} FROM {enrolments}"
    " INNER JOIN {pages} ON {pages}.id = {enrolments}.course_id"
    " INNER JOIN {courses} ON {courses}.page_ptr_id = {pages}.id"
    " LEFT OUTER JOIN {aggregates} ON {aggregates}.enrolment_id = {enrolments}.id"
    " WHERE {enrolments}.user_id = %s AND {pages}.path = %s"
)


@functools.cache
def _enrolment_by_course_path(
    *, lock: bool = False, with_rows: bool = False
) -> tuple[str, RowShape, RowShape, RowShape]:
    """One SELECT of an enrolment, its course page and its course aggregate, found by the course's tree path;
    with `lock`, the enrolment row (only) is locked FOR UPDATE; `with_rows` (not with `lock`) adds one last column,
    the enrolment's item rows and module aggregates as JSON text (`_states_and_modules_sql`'s rows).

    Built once per process from the models' metadata: on every item page the ORM spent several times longer
    composing this join and building its objects than the database spent planning and answering it.
    """
    enrolment, course, progress = row_shape(Enrolment), row_shape(CoursePage), row_shape(CourseProgress)
    quote = connection.ops.quote_name
    enrolments = quote(Enrolment._meta.db_table)
    columns = enrolment.columns + course.columns + progress.columns
    if with_rows:
        columns = [*columns, _rows_as_json(enrolments)]
    sql = _ENROLMENT_BY_COURSE_PATH_SQL.format(
        columns=", ".join(columns),
        enrolments=enrolments,
        pages=quote(Page._meta.db_table),
        courses=quote(CoursePage._meta.db_table),
        aggregates=quote(CourseProgress._meta.db_table),
    )
    if lock and connection.features.has_select_for_update_of:  # as the ORM, no lock where there is none (SQLite)
        sql += f" FOR UPDATE OF {quote(Enrolment._meta.db_table)}"
    return sql, enrolment, course, progress


def _rows_as_json(enrolments: str) -> str:
    """A subquery: `_states_and_modules_sql`'s rows for `{enrolments}.id` as one JSON array of
    [kind, id, state, score or percent, revision id], PostgreSQL's json_agg or SQLite's json_group_array."""
    if connection.vendor == "postgresql":
        aggregate = "coalesce(json_agg(json_build_array(kind, pk, state, number, revision_id)), '[]')::text"
    else:
        aggregate = "json_group_array(json_array(kind, pk, state, number, revision_id))"
    return f"(SELECT {aggregate} FROM ({_states_and_modules_sql(f'{enrolments}.id')}) r)"  # noqa: S608


def _enrolment_for_course_path(*, user: User, course_path: str, lock: bool = False) -> Enrolment | None:
    """The user's enrolment in the course at `course_path` with its course and course aggregate: one query.

    With `lock` (inside a transaction), the enrolment row is locked as `progress.services` requires of writers."""
    return _enrolment_and_rows(user=user, course_path=course_path, lock=lock)[0]


def _enrolment_and_rows(
    *, user: User, course_path: str, lock: bool = False, with_rows: bool = False
) -> tuple[Enrolment | None, list[list[Any]]]:
    """`_enrolment_for_course_path`, and with `with_rows` the enrolment's item and module rows from the same
    statement (for `_states_from_rows`)."""
    sql, enrolment_shape, course_shape, progress_shape = _enrolment_by_course_path(lock=lock, with_rows=with_rows)
    rows = fixed_statement_rows(sql=sql, params=[user.pk, course_path])
    if not rows:
        return None, []
    row = rows[0]
    split_course = len(enrolment_shape.columns)
    split_progress = split_course + len(course_shape.columns)
    split_rows = split_progress + len(progress_shape.columns)
    enrolment = cast(Enrolment, enrolment_shape.build(row[:split_course]))
    enrolment.course = cast(CoursePage, course_shape.build(row[split_course:split_progress]))
    progress = None
    if row[split_progress] is not None:  # the aggregate's primary key: absent before the first write
        progress = progress_shape.build(row[split_progress:split_rows])
        CourseProgress.enrolment.field.set_cached_value(progress, enrolment)
    Enrolment.course_progress.related.set_cached_value(enrolment, progress)
    return enrolment, (json.loads(row[split_rows], parse_float=Decimal) if with_rows else [])


def learner_read(
    *,
    user: User,
    course: CoursePage | None = None,
    item: Page | None = None,
    request: HttpRequest | None = None,
) -> LearnerRead:
    """The learner's enrolment in the course of `course` (or of `item`), its item states and module aggregates.

    Once per request when given one. An item page: the enrolment with its course, course aggregate, item rows and
    module aggregates (one query; a second for the course when not enrolled). The course page: the enrolment with
    its aggregate, then for an active enrolment the item and module rows (two queries).
    """
    if course is None and item is None:
        raise ValueError("learner_read needs a course or an item")
    course_path = course.path if course is not None else item.path[: -2 * Page.steplen]  # type: ignore[union-attr]
    memo = _memo(request)
    key = (user.pk or 0, course_path)
    if key in memo:
        return memo[key]
    enrolment = None
    item_rows: list[list[Any]] | None = None  # read with the enrolment on an item page
    if user.is_authenticated:
        if course is None:  # an item page: its course, item rows and module aggregates come with the enrolment
            enrolment, item_rows = _enrolment_and_rows(user=user, course_path=course_path, with_rows=True)
        else:  # the course page: what "Resume" opens comes with the enrolment
            enrolment = (
                Enrolment.objects.filter(user=user, course=course)
                .select_related("course_progress", "course_progress__next_item", "last_opened_item")
                .first()
            )
    if course is None:
        course = enrolment.course if enrolment is not None else course_for_item(item=item, request=request)  # type: ignore[arg-type]
    course_remember(request=request, course=course)
    read = LearnerRead(course=course, enrolment=enrolment)
    if enrolment is not None:
        enrolment.course = course
        if enrolment.is_active:
            read.states, read.module_stored = (
                _states_from_rows(item_rows) if item_rows is not None else _states_and_modules(enrolment)
            )
    memo[key] = read
    return read


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

    @property
    def enrolled(self) -> bool:
        return self.enrolment is not None and self.enrolment.is_active

    @property
    def course_percent(self) -> int:
        return whole_percent(self.progress.percent if self.progress else 0)

    @property
    def resume_item(self) -> CourseItemPage | None:
        if self.enrolment is None:
            return None
        return self.enrolment.last_opened_item or (self.progress.next_item if self.progress else None)


def learner_course(
    *, user: User, course: CoursePage, outline: CourseOutline, request: HttpRequest | None = None
) -> LearnerCourse:
    """The learner's view of a course page or an item page, given the outline the page already read.

    0 queries for a visitor; 2 when not enrolled (enrolment, prerequisites); 2 when enrolled (enrolment with its
    aggregate, item and module rows), none of them again in a request that already read them.
    """
    view = LearnerCourse(course=course, authenticated=user.is_authenticated)
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


def item_access(*, user: User, item: CourseItemPage, request: HttpRequest | None = None) -> ItemAccess:
    """May `user` open `item`? Active learners (outside locked modules), free previews, and course editors.

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
                message=_("“%(title)s” opens when you have completed the previous module.") % {"title": item.title},
            )
        return ItemAccess(allowed=True, course=course, enrolment=enrolment, states=read.states)
    if item.free_preview or user_can_edit_course(user=user, course=course):
        return ItemAccess(allowed=True, course=course)
    return ItemAccess(
        allowed=False,
        course=course,
        message=_("“%(title)s” is for learners enrolled in this course. Enrol to open it.") % {"title": item.title},
    )


@dataclass(frozen=True)
class DashboardCourse:
    enrolment_id: int
    enrolled_at: datetime
    course_id: int
    course_title: str
    course_url: str
    percent: int
    minutes_left: int
    next_item_title: str
    next_item_url: str
    resume_url: str
    completed_at: datetime | None
    final_grade: Decimal | None

    @property
    def hours_left(self) -> Decimal:
        return (Decimal(self.minutes_left) / 60).quantize(Decimal("0.1"))

    @property
    def time_left(self) -> str:
        """ "About 3.5 hours left" from two hours on, else in minutes (built here: one entry per course listed)."""
        if self.minutes_left >= 120:
            return _("About %(hours)s hours left") % {"hours": formats.localize(self.hours_left)}
        return ngettext("About %(minutes)s minute left", "About %(minutes)s minutes left", self.minutes_left) % {
            "minutes": self.minutes_left
        }


@dataclass(frozen=True)
class Dashboard:
    in_progress: list[DashboardCourse]
    completed: list[DashboardCourse]

    @property
    def empty(self) -> bool:
        return not self.in_progress and not self.completed


# (key, table alias, model, field): what the dashboard reads of each enrolment.
_DASHBOARD_FIELDS: list[tuple[str, str, type[models.Model], str]] = [
    ("id", "e", Enrolment, "id"),
    ("enrolled_at", "e", Enrolment, "enrolled_at"),
    ("completed_at", "e", Enrolment, "completed_at"),
    ("final_grade", "e", Enrolment, "final_grade"),
    ("course_id", "e", Enrolment, "course"),
    ("course__title", "course_page", Page, "title"),
    ("course__url_path", "course_page", Page, "url_path"),
    ("course_progress__percent", "cp", CourseProgress, "percent"),
    ("course_progress__minutes_total", "cp", CourseProgress, "minutes_total"),
    ("course_progress__minutes_done", "cp", CourseProgress, "minutes_done"),
    ("course_progress__next_item__title", "next_page", Page, "title"),
    ("course_progress__next_item__url_path", "next_page", Page, "url_path"),
    ("last_opened_item__url_path", "last_page", Page, "url_path"),
]
_DASHBOARD_COLUMNS = [key for key, *_ in _DASHBOARD_FIELDS]
_DASHBOARD_SQL = (
    "SELECT {columns} FROM {enrolments} e"
    " INNER JOIN {pages} course_page ON course_page.id = e.course_id"
    " LEFT OUTER JOIN {aggregates} cp ON cp.enrolment_id = e.id"
    " LEFT OUTER JOIN {pages} next_page ON next_page.id = cp.next_item_id"
    " LEFT OUTER JOIN {pages} last_page ON last_page.id = e.last_opened_item_id"
    " WHERE e.user_id = %s AND (e.status = %s OR e.completed_at IS NOT NULL)"
    " ORDER BY e.last_opened_at DESC NULLS LAST, e.enrolled_at DESC"
)


@functools.cache
def _dashboard_query() -> tuple[str, list[tuple[list[Callable[..., Any]], Any]]]:
    """The dashboard's one SELECT, written once per process: five tables instead of the ORM's eight (it joins
    every multi-table page model on the way to the page table), and no query composition per request."""
    quote = connection.ops.quote_name
    columns, converters = [], []
    for _key, alias, model, name in _DASHBOARD_FIELDS:
        fld = cast(models.Field, model._meta.get_field(name))
        columns.append(f"{alias}.{quote(str(fld.column))}")
        col = fld.get_col(alias)
        converters.append((connection.ops.get_db_converters(col) + col.get_db_converters(connection), col))
    sql = _DASHBOARD_SQL.format(
        columns=", ".join(columns),
        enrolments=quote(Enrolment._meta.db_table),
        pages=quote(Page._meta.db_table),
        aggregates=quote(CourseProgress._meta.db_table),
    )
    return sql, converters


def dashboard_for_learner(*, user: User, request: HttpRequest | None = None) -> Dashboard:
    """Courses in progress (percent, next item, time left) and completed (date, grade): one query.

    Only the columns shown are read (no page objects), from the page table directly (every page model's key is
    its page's id); URLs are built from url_path with one site lookup.
    """
    sql, converters = _dashboard_query()
    rows = [
        dict(zip(_DASHBOARD_COLUMNS, converted(row, converters), strict=True))
        for row in fixed_statement_rows(sql=sql, params=[user.pk, EnrolmentStatus.ACTIVE.value])
    ]
    url = page_url_builder(request)
    in_progress: list[DashboardCourse] = []
    completed: list[DashboardCourse] = []
    for row in rows:
        course_url = url(row["course__url_path"])
        next_path = row["course_progress__next_item__url_path"]
        next_url = url(next_path) if next_path else ""
        last_path = row["last_opened_item__url_path"]
        entry = DashboardCourse(
            enrolment_id=row["id"],
            enrolled_at=row["enrolled_at"],
            course_id=row["course_id"],
            course_title=row["course__title"],
            course_url=course_url,
            percent=whole_percent(row["course_progress__percent"]),
            minutes_left=(row["course_progress__minutes_total"] or 0) - (row["course_progress__minutes_done"] or 0),
            next_item_title=row["course_progress__next_item__title"] or "",
            next_item_url=next_url,
            resume_url=(url(last_path) if last_path else "") or next_url or course_url,
            completed_at=row["completed_at"],
            final_grade=row["final_grade"],
        )
        (completed if row["completed_at"] else in_progress).append(entry)
    completed.sort(key=lambda entry: entry.completed_at or entry.enrolled_at, reverse=True)
    return Dashboard(in_progress=in_progress, completed=completed)


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
    from django.core.exceptions import PermissionDenied

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
