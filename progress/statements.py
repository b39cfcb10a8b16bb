"""progress's hand-written SQL, each statement beside its ORM twin (tests/progress/test_statements.py runs both on
PostgreSQL over the same data and compares their answers).

Kept, and what each buys (bench/findings.md):

- `enrolment_for_course_path`, the item page's gate: the learner's enrolment with its course and course aggregate,
  and (on an item page) its item rows and module aggregates as one JSON column, found by the course's tree path.
  The ORM writes the statement once per process (so progress names no other app's table); it runs prepared
  (`lms.db.fixed_statement_rows`) and its objects are built with Django's converters. Through the ORM on every
  request it cost 2.1-2.6 ms against 0.58 ms, and preparing it saves about 0.9 ms more: the lesson page
  (target ≤ 1.5× the bare page) runs at 1.40× with about 1 ms of margin.
- `dashboard_rows`, the learner dashboard's one SELECT of five tables (the ORM joins eight, every multi-table page
  model on the way to Wagtail's page table), prepared: 1.86× → 1.47× of its baseline when it was prepared; the
  target is ≤ 2× and the dashboard runs at 1.50×.
- `enrolment_join_sql`: the enrolment and course aggregate as LEFT JOINs, for the organization dashboard's statement
  (organizations.statements), so that only progress names its tables; or, asked `by_index`, as LATERAL lookups
  the planner cannot turn into hash joins over the whole tables (an organization's few thousand seats).

- `item_result_upsert`, the merge of one result into the item row (`item_result_record`): one INSERT ... ON CONFLICT
  that returns the row before and after, instead of a read and a write through the ORM. Returning it to the ORM
  cost about 1.5 ms of a quiz submit and, with the submit's locked read also returned, took quiz submit from 2.15×
  to 3.7× of the one-row write (target ≤ 3×): bench/findings.md. Its twin is `item_result_upsert_orm`.

- `item_first_open`, a learner's first visit of an item (`item_open` from the page gate): "last opened", the item
  row in progress, its "attempted" statement and one more started item in the module and course aggregates, in
  one statement (a data-modifying WITH; the enrolment's UPDATE locks its row before the item row is written).
  Through the ORM, under the lock, with the aggregates rewritten from the item rows, the first visit cost 25
  queries and about 4× the bare page (issue 19: ≤ 12 queries, ≤ 1.5×); the ORM twin `item_first_open_orm` (six
  queries in a transaction) is what SQLite runs.

- `lesson_complete_write`, marking a lesson complete (`lesson_complete`): the item row complete, its statements and the
  module and course aggregates (worked out from the cached outline) in one statement, prepared, arrays keeping its
  text fixed. Through the ORM (four writes, the twin `lesson_complete_write_orm`) it cost 10 queries and 3.0× the
  one-row write at the median (issue 19: ≤ 3×); interleaved in one process, 3.4× against 2.5× with the statement.

- `item_and_module_rows`, the separate read of an enrolment's item rows and module aggregates (marking a lesson
  complete, under the enrolment's lock), prepared: the gate's subquery; its twin `item_and_module_rows_orm`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, cast

from django.db import connection, models, transaction
from django.db.models import F, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest, Least
from wagtail.models import Page

from content.models import CoursePage
from lms.db import RowShape, column_converters, converted, fixed_statement_rows, row_shape
from progress.models import (
    STATE_RANK,
    CourseProgress,
    Enrolment,
    EnrolmentStatus,
    ItemProgress,
    ItemState,
    ModuleProgress,
    Statement,
)

# --- an enrolment's item rows and module aggregates --------------------------------------------------------------


def _states_and_modules_sql(enrolment: str) -> str:
    """The item rows and module aggregates of the enrolment `enrolment` (a column of the outer query) as one UNION ALL
    of (kind, pk, state, number, revision_id)."""
    quote = connection.ops.quote_name
    items, modules = quote(ItemProgress._meta.db_table), quote(ModuleProgress._meta.db_table)
    return (
        f"SELECT 'item' AS kind, item_id AS pk, state, score AS number, revision_id FROM {items}"  # noqa: S608
        f" WHERE enrolment_id = {enrolment} UNION ALL"
        f" SELECT 'module', module_id, '', percent, NULL FROM {modules} WHERE enrolment_id = {enrolment}"
    )


def item_and_module_rows(*, enrolment_id: int) -> list[tuple[Any, ...]]:
    """Rows of ('item', item id, state, score, revision id) and ('module', module id, '', percent, None) of one
    enrolment: one query, prepared on PostgreSQL (the gate's subquery; composing the ORM's UNION cost 0.8 ms of CPU
    of a lesson's completion). Its twin is `item_and_module_rows_orm`."""
    if connection.vendor != "postgresql":
        return item_and_module_rows_orm(enrolment_id=enrolment_id)
    return fixed_statement_rows(sql=_states_and_modules_sql("%(enrolment)s"), params={"enrolment": enrolment_id})


def item_and_module_rows_orm(*, enrolment_id: int) -> list[tuple[Any, ...]]:
    """`item_and_module_rows` through the ORM (a UNION ALL). The twin of the gate's JSON column too."""
    items = ItemProgress.objects.filter(enrolment_id=enrolment_id).values_list(
        Value("item"), "item_id", "state", "score", "revision_id"
    )
    modules = ModuleProgress.objects.filter(enrolment_id=enrolment_id).values_list(
        Value("module"), "module_id", Value(""), "percent", Value(None, output_field=models.IntegerField())
    )
    return list(items.union(modules, all=True))


def _rows_as_json(enrolments: str) -> str:
    """A subquery: `_states_and_modules_sql`'s rows for `{enrolments}.id` as one JSON array of
    [kind, id, state, score or percent, revision id], PostgreSQL's json_agg or SQLite's json_group_array."""
    if connection.vendor == "postgresql":
        aggregate = "coalesce(json_agg(json_build_array(kind, pk, state, number, revision_id)), '[]')::text"
    else:
        aggregate = "json_group_array(json_array(kind, pk, state, number, revision_id))"
    return f"(SELECT {aggregate} FROM ({_states_and_modules_sql(f'{enrolments}.id')}) r)"  # noqa: S608


# --- the item page's gate ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Gate:
    """The gate's statement as the ORM wrote it, and where each model's columns sit in its row."""

    sql: str
    enrolment: tuple[RowShape, list[int]]
    course: tuple[RowShape, list[int]]
    progress: tuple[RowShape, list[int]]
    rows: int | None


def _gate_queryset(*, user_id: int, course_path: str) -> models.QuerySet[Enrolment]:
    # Chained filters: the statement's parameters are the learner, then the path.
    return (
        Enrolment.objects.filter(user_id=user_id)
        .filter(course__path=course_path)
        .select_related("course", "course_progress")
    )


@functools.cache
def _gate(*, lock: bool, with_rows: bool) -> _Gate:
    """The gate's SELECT, composed by the ORM once per process; with `lock` the enrolment row (only) is locked FOR
    UPDATE (compiled inside the caller's transaction); `with_rows` (not with `lock`) adds the enrolment's item rows
    and module aggregates as JSON text."""
    queryset = _gate_queryset(user_id=0, course_path="")
    if with_rows:
        queryset = queryset.annotate(
            item_rows=RawSQL(_rows_as_json(connection.ops.quote_name(Enrolment._meta.db_table)), ())  # noqa: S611  no parameters: the models' own table names
        )
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    if list(params) != [0, ""]:
        raise RuntimeError(f"the gate's parameters changed: {params!r}")
    info = cast(dict[str, Any], compiler.klass_info)
    related = {related["model"]: related["select_fields"] for related in info["related_klass_infos"]}
    return _Gate(
        sql=sql,
        enrolment=(row_shape(Enrolment), info["select_fields"]),
        course=(row_shape(CoursePage), related[CoursePage]),
        progress=(row_shape(CourseProgress), related[CourseProgress]),
        rows=compiler.annotation_col_map.get("item_rows") if with_rows else None,
    )


def _built(shape_and_fields: tuple[RowShape, list[int]], row: Sequence[Any]) -> models.Model:
    shape, fields = shape_and_fields
    return shape.build([row[index] for index in fields])


def enrolment_for_course_path(
    *, user_id: int, course_path: str, lock: bool = False, with_rows: bool = False
) -> tuple[Enrolment | None, list[list[Any]]]:
    """The learner's enrolment in the course at `course_path`, with its course and course aggregate (the aggregate
    None before the first write), and with `with_rows` its item rows and module aggregates (for
    `progress.selectors.states_from_rows`): one prepared query. With `lock` (inside a transaction), the enrolment
    row is locked as `progress.services` requires of writers."""
    gate = _gate(lock=lock, with_rows=with_rows)
    rows = fixed_statement_rows(sql=gate.sql, params=[user_id, course_path])
    if not rows:
        return None, []
    row = rows[0]
    enrolment = cast(Enrolment, _built(gate.enrolment, row))
    enrolment.course = cast(CoursePage, _built(gate.course, row))
    progress = None
    if row[gate.progress[1][0]] is not None:  # the aggregate's primary key: absent before the first write
        progress = _built(gate.progress, row)
        CourseProgress.enrolment.field.set_cached_value(progress, enrolment)
    Enrolment.course_progress.related.set_cached_value(enrolment, progress)
    item_rows = json.loads(row[gate.rows], parse_float=Decimal) if gate.rows is not None else []
    return enrolment, item_rows


def enrolment_for_course_path_orm(*, user_id: int, course_path: str) -> tuple[Enrolment | None, list[tuple[Any, ...]]]:
    """`enrolment_for_course_path` with `with_rows` through the ORM (two queries): its twin."""
    enrolment = _gate_queryset(user_id=user_id, course_path=course_path).first()
    if enrolment is None:
        return None, []
    return enrolment, item_and_module_rows_orm(enrolment_id=enrolment.pk)


# --- the learner dashboard -------------------------------------------------------------------------------------------

# (key, table alias, model, field): what the dashboard reads of each enrolment; the keys are the ORM twin's lookups.
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
    """The dashboard's one SELECT, written once per process: every page model's key is its page's id, so the
    courses and items are read from Wagtail's page table directly."""
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


def dashboard_rows(*, user_id: int) -> list[dict[str, Any]]:
    """The learner's active or completed enrolments, last opened first: the columns the dashboard shows, keyed by
    their ORM lookups. One prepared query."""
    sql, converters = _dashboard_query()
    return [
        dict(zip(_DASHBOARD_COLUMNS, converted(row, converters), strict=True))
        for row in fixed_statement_rows(sql=sql, params=[user_id, EnrolmentStatus.ACTIVE.value])
    ]


def dashboard_rows_orm(*, user_id: int) -> list[dict[str, Any]]:
    """`dashboard_rows` through the ORM: its twin."""
    return list(
        Enrolment.objects.filter(Q(user_id=user_id), Q(status=EnrolmentStatus.ACTIVE) | Q(completed_at__isnull=False))
        .order_by(F("last_opened_at").desc(nulls_last=True), "-enrolled_at")
        .values(*_DASHBOARD_COLUMNS)
    )


# --- for other apps' statements ------------------------------------------------------------------------------------


def enrolment_join_sql(*, user_column: str, course_column: str, by_index: bool = False) -> str:
    """A row's enrolment and course aggregate as LEFT JOINs, the enrolment aliased `e`, its course progress `p`
    (columns: e.enrolled_at, e.completed_at, e.final_grade, p.percent, p.items_started, p.items_done).
    `user_column` and `course_column` are the row's qualified columns to join on. The ORM twin is
    `organizations.learning.enrolment_annotations`.

    `by_index` (PostgreSQL): each row's enrolment and aggregate looked up by index, as LATERAL subqueries that
    OFFSET 0 keeps the planner from flattening into hash joins reading both whole tables. For a caller that knows
    its rows are a small share of the tables (one organization's seats), which the planner may not."""
    enrolments, progress = Enrolment._meta.db_table, CourseProgress._meta.db_table
    if not by_index:
        return (
            f" LEFT JOIN {enrolments} e ON e.course_id = {course_column} AND e.user_id = {user_column}"
            f" LEFT JOIN {progress} p ON p.enrolment_id = e.id"
        )
    return (
        " LEFT JOIN LATERAL (SELECT id, enrolled_at, completed_at, final_grade"  # noqa: S608
        f" FROM {enrolments} WHERE course_id = {course_column} AND user_id = {user_column} OFFSET 0) e ON TRUE"
        " LEFT JOIN LATERAL (SELECT percent, items_started, items_done"
        f" FROM {progress} WHERE enrolment_id = e.id OFFSET 0) p ON TRUE"
    )


@functools.cache
def progress_converters() -> list[tuple[list[Any], Any]]:
    """The converters of (p.percent, e.completed_at) of `enrolment_join_sql`, as the ORM would apply them (built
    once per process; do not change the list)."""
    return [
        column_converters(cast(models.Field, CourseProgress._meta.get_field("percent"))),
        column_converters(cast(models.Field, Enrolment._meta.get_field("completed_at"))),
    ]


# --- the item row's merge (item_result_record) ------------------------------------------------------------------

# What an event may move on an item row, and how: a state only moves up, the best score stays, `started_at` and
# `completed_at` keep the earliest time, `last_event_at` the latest. A duplicate (nothing moves) writes nothing.
# The row's revision is not an event's: `item_open` writes it without the enrolment lock.
ITEM_EVENT_FIELDS = ("state", "score", "started_at", "completed_at", "last_event_at")
_ITEM_MERGE = {
    "state": "CASE WHEN {new_rank} > {old_rank} THEN EXCLUDED.state ELSE stored.state END",
    "score": "GREATEST(stored.score, EXCLUDED.score)",
    "started_at": "LEAST(stored.started_at, EXCLUDED.started_at)",
    "completed_at": "LEAST(stored.completed_at, EXCLUDED.completed_at)",
    "last_event_at": "GREATEST(stored.last_event_at, EXCLUDED.last_event_at)",
}
_ITEM_RESULT_SQL = (
    "WITH old AS (SELECT {old_columns} FROM {items} WHERE enrolment_id = %(enrolment)s AND item_id = %(item)s),"
    " new AS (INSERT INTO {items} AS stored (enrolment_id, item_id, state, score, started_at, completed_at,"
    " last_event_at, updated_at, revision_id)"
    " VALUES (%(enrolment)s, %(item)s, %(state)s, %(score)s, %(at)s, %(completed_at)s, %(at)s, %(now)s, NULL)"
    " ON CONFLICT (enrolment_id, item_id) DO UPDATE SET {assignments}, updated_at = EXCLUDED.updated_at"
    " WHERE ({merged}) IS DISTINCT FROM ({stored})"
    " RETURNING {new_columns})"
    " SELECT {selected} FROM (SELECT 1) AS one LEFT JOIN old ON TRUE LEFT JOIN new ON TRUE"
)


def _state_rank_sql(column: str) -> str:
    ranks = " ".join(f"WHEN '{state}' THEN {rank}" for state, rank in STATE_RANK.items())
    return f"(CASE {column} {ranks} END)"


@functools.cache
def _item_result_statement() -> tuple[str, RowShape]:
    """Written once per process from the model's metadata."""
    shape = row_shape(ItemProgress)
    columns = [connection.ops.quote_name(str(f.column)) for f in ItemProgress._meta.concrete_fields]
    merge = {
        column: expression.format(new_rank=_state_rank_sql("EXCLUDED.state"), old_rank=_state_rank_sql("stored.state"))
        for column, expression in _ITEM_MERGE.items()
    }
    sql = _ITEM_RESULT_SQL.format(
        items=connection.ops.quote_name(ItemProgress._meta.db_table),
        old_columns=", ".join(columns),
        assignments=", ".join(f"{column} = {expression}" for column, expression in merge.items()),
        merged=", ".join(merge.values()),
        stored=", ".join(f"stored.{column}" for column in merge),
        new_columns=", ".join(columns),
        selected=", ".join([f"old.{c}" for c in columns] + [f"new.{c}" for c in columns]),
    )
    return sql, shape


def item_result_upsert(
    *, enrolment_id: int, item_id: int, completed: bool, score: Decimal | None, occurred_at: datetime, now: datetime
) -> tuple[ItemProgress | None, ItemProgress | None]:
    """Merge one event into the item row (inserting it on a first result), in one statement (PostgreSQL). Returns
    the row before (None: there was none) and after (None: nothing moved, nothing was written). The caller holds
    the enrolment's lock."""
    sql, shape = _item_result_statement()
    params = {
        "enrolment": enrolment_id,
        "item": item_id,
        "state": ItemState.COMPLETE if completed else ItemState.IN_PROGRESS,
        "score": score,
        "at": occurred_at,
        "completed_at": occurred_at if completed else None,
        "now": now,
    }
    values = fixed_statement_rows(sql=sql, params=params)[0]
    width = len(shape.columns)
    before = cast(ItemProgress, shape.build(values[:width])) if values[0] is not None else None
    after = cast(ItemProgress, shape.build(values[width:])) if values[width] is not None else None
    return before, after


def item_result_upsert_orm(
    *,
    enrolment_id: int,
    item_id: int,
    completed: bool,
    score: Decimal | None,
    occurred_at: datetime,
    now: datetime,
    merge: Callable[[ItemProgress], object],
) -> tuple[ItemProgress | None, ItemProgress | None]:
    """The twin (SQLite, the embedded default, has no INSERT inside WITH): read the row, `merge` the event into it
    (the services' `_apply_event`), write the event's fields when something changed. One statement more."""
    row = ItemProgress.objects.filter(enrolment_id=enrolment_id, item_id=item_id).first()
    before = None
    if row is None:
        row = ItemProgress(enrolment_id=enrolment_id, item_id=item_id)
    else:
        before = ItemProgress(**{f.attname: getattr(row, f.attname) for f in ItemProgress._meta.concrete_fields})
    facts = [getattr(row, name) for name in ITEM_EVENT_FIELDS]
    merge(row)
    row.updated_at = now
    if row.pk is None:
        row.save(force_insert=True)
    elif facts != [getattr(row, name) for name in ITEM_EVENT_FIELDS]:
        row.save(update_fields=[*ITEM_EVENT_FIELDS, "updated_at"])
    else:
        return before, None
    return before, row


# --- a first visit (item_open) ------------------------------------------------------------------------------------

# A first visit moves the item to "in progress" and nothing else a page shows: the percents, the grade and the next
# item count only completed items. So the module and course aggregates take one more started item by an increment,
# rather than a rewrite from the item rows. The enrolment's UPDATE comes first (the INSERT selects from it), so the
# enrolment row is locked, as every writer of an item row locks it, before the item row is written; the increments
# are UPDATEs, which PostgreSQL applies to the latest row even when the lock was waited for.
_FIRST_OPEN_SQL = (
    "WITH opened AS (UPDATE {enrolments} SET last_opened_item_id = %(item)s, last_opened_at = %(now)s"
    " WHERE id = %(enrolment)s AND status = %(active)s RETURNING id),"
    " inserted AS (INSERT INTO {items} (enrolment_id, item_id, state, score, started_at, completed_at, last_event_at,"
    " updated_at, revision_id) SELECT opened.id, %(item)s, %(in_progress)s, NULL, %(now)s, NULL, %(now)s, %(now)s,"
    " %(revision)s FROM opened ON CONFLICT (enrolment_id, item_id) DO NOTHING RETURNING 1),"
    " recorded AS (INSERT INTO {statements} ({statement_columns}) SELECT {statement_values} FROM inserted RETURNING 1),"
    " module_figures AS (UPDATE {modules} SET items_started = items_started + 1, updated_at = %(now)s"
    " WHERE enrolment_id = %(enrolment)s AND module_id = %(module)s AND EXISTS (SELECT 1 FROM inserted) RETURNING 1),"
    " course_figures AS (UPDATE {courses} SET items_started = items_started + 1, updated_at = %(now)s"
    " WHERE enrolment_id = %(enrolment)s AND EXISTS (SELECT 1 FROM inserted) RETURNING 1)"
    " SELECT (SELECT count(*) FROM opened), (SELECT count(*) FROM inserted), (SELECT count(*) FROM recorded),"
    " (SELECT count(*) FROM module_figures), (SELECT count(*) FROM course_figures)"
)


@dataclass(frozen=True)
class FirstOpen:
    """What a first visit wrote: `opened` False when the enrolment is not active (nothing was written); `inserted`
    False when the item row already existed (only "last opened" moved); `figures` False when an aggregate row
    was missing, so the increments are incomplete and the aggregates need a rewrite."""

    opened: bool
    inserted: bool
    figures: bool


@functools.cache
def _first_open_statement() -> str:
    """Written once per process from the models' metadata."""
    quote = connection.ops.quote_name
    columns = [str(f.column) for f in Statement._meta.concrete_fields]
    sql = _FIRST_OPEN_SQL.format(
        enrolments=quote(Enrolment._meta.db_table),
        items=quote(ItemProgress._meta.db_table),
        statements=quote(Statement._meta.db_table),
        modules=quote(ModuleProgress._meta.db_table),
        courses=quote(CourseProgress._meta.db_table),
        statement_columns=", ".join(quote(column) for column in columns),
        statement_values=", ".join(f"%(statement_{column})s" for column in columns),
    )
    return sql


def item_first_open(
    *, enrolment_id: int, item_id: int, module_id: int, revision_id: int | None, now: datetime, statement: Statement
) -> FirstOpen:
    """A first visit in one statement (PostgreSQL): "last opened" moves (an active enrolment only), the item row is
    created in progress with `statement` (its "attempted"), and the module and course aggregates count one more
    started item; nothing but "last opened" when the row exists. Its twin is `item_first_open_orm`."""
    sql = _first_open_statement()
    params: dict[str, Any] = {
        "enrolment": enrolment_id,
        "item": item_id,
        "module": module_id,
        "revision": revision_id,
        "now": now,
        "active": EnrolmentStatus.ACTIVE.value,
        "in_progress": ItemState.IN_PROGRESS.value,
    }
    for fld in Statement._meta.concrete_fields:
        params[f"statement_{fld.column}"] = fld.get_db_prep_save(getattr(statement, fld.attname), connection)
    opened, inserted, recorded, modules, courses = fixed_statement_rows(sql=sql, params=params)[0]
    return FirstOpen(opened=bool(opened), inserted=bool(inserted and recorded), figures=bool(modules and courses))


def item_first_open_orm(
    *, enrolment_id: int, item_id: int, module_id: int, revision_id: int | None, now: datetime, statement: Statement
) -> FirstOpen:
    """`item_first_open` through the ORM, in one transaction (SQLite, the embedded default, has no INSERT inside
    WITH): the same writes in six queries."""
    with transaction.atomic():
        opened = Enrolment.objects.filter(pk=enrolment_id, status=EnrolmentStatus.ACTIVE).update(
            last_opened_item_id=item_id, last_opened_at=now
        )
        if not opened:
            return FirstOpen(opened=False, inserted=False, figures=False)
        if ItemProgress.objects.filter(enrolment_id=enrolment_id, item_id=item_id).exists():
            return FirstOpen(opened=True, inserted=False, figures=False)
        ItemProgress.objects.create(
            enrolment_id=enrolment_id,
            item_id=item_id,
            state=ItemState.IN_PROGRESS,
            started_at=now,
            last_event_at=now,
            revision_id=revision_id,
        )
        statement.save(force_insert=True)
        started = {"items_started": F("items_started") + 1, "updated_at": now}
        modules = ModuleProgress.objects.filter(enrolment_id=enrolment_id, module_id=module_id).update(**started)
        courses = CourseProgress.objects.filter(enrolment_id=enrolment_id).update(**started)
    return FirstOpen(opened=True, inserted=True, figures=bool(modules and courses))


# --- marking a lesson complete (lesson_complete) ---------------------------------------------------------------------

# The aggregates' figures (`progress.services.aggregates` writes them too).
FIGURE_FIELDS = ["minutes_done", "minutes_total", "percent", "items_started", "items_done", "items_total"]
FIGURE_FIELDS += ["required_done", "required_total", "grade", "updated_at"]

# The lesson's row complete (as `_apply_event` moves it: the earliest start and completion, the latest event; LEAST and
# GREATEST skip a NULL), its statements, and the module and course aggregates the caller worked out from the outline,
# in one statement (a data-modifying WITH) under the enrolment's lock. Arrays keep its text fixed whatever the number
# of statements and modules, so it runs prepared.
_LESSON_COMPLETE_SQL = (
    "WITH item AS (INSERT INTO {items} AS stored (enrolment_id, item_id, state, score, started_at, completed_at,"
    " last_event_at, updated_at, revision_id) VALUES (%(enrolment)s, %(item)s, %(complete)s, NULL, %(now)s, %(now)s,"
    " %(now)s, %(now)s, NULL) ON CONFLICT (enrolment_id, item_id) DO UPDATE SET state = EXCLUDED.state,"
    " started_at = LEAST(stored.started_at, EXCLUDED.started_at),"
    " completed_at = LEAST(stored.completed_at, EXCLUDED.completed_at),"
    " last_event_at = GREATEST(stored.last_event_at, EXCLUDED.last_event_at), updated_at = EXCLUDED.updated_at"
    " RETURNING 1),"
    " recorded AS (INSERT INTO {statements} ({statement_columns}) SELECT * FROM unnest({statement_arrays}) RETURNING 1),"
    " modules AS (INSERT INTO {modules} (enrolment_id, module_id, {figures}) SELECT %(enrolment)s, *"
    " FROM unnest(%(module_ids)s::integer[], {module_arrays})"
    " ON CONFLICT (enrolment_id, module_id) DO UPDATE SET {figure_updates} RETURNING 1),"
    " course AS (INSERT INTO {courses} (enrolment_id, next_item_id, {figures}) VALUES (%(enrolment)s, %(next_item)s,"
    " {course_values}) ON CONFLICT (enrolment_id) DO UPDATE SET next_item_id = EXCLUDED.next_item_id, {figure_updates}"
    " RETURNING 1)"
    " SELECT (SELECT count(*) FROM item), (SELECT count(*) FROM recorded), (SELECT count(*) FROM modules),"
    " (SELECT count(*) FROM course)"
)


@functools.cache
def _lesson_complete_statement() -> str:
    """Written once per process from the models' metadata."""
    quote = connection.ops.quote_name

    def array(model: type[models.Model], name: str, param: str) -> str:
        return f"%({param})s::{model._meta.get_field(name).db_type(connection)}[]"

    return _LESSON_COMPLETE_SQL.format(
        items=quote(ItemProgress._meta.db_table),
        statements=quote(Statement._meta.db_table),
        modules=quote(ModuleProgress._meta.db_table),
        courses=quote(CourseProgress._meta.db_table),
        statement_columns=", ".join(quote(str(f.column)) for f in Statement._meta.concrete_fields),
        statement_arrays=", ".join(array(Statement, f.name, f"s_{f.column}") for f in Statement._meta.concrete_fields),
        figures=", ".join(quote(name) for name in FIGURE_FIELDS),
        module_arrays=", ".join(array(ModuleProgress, name, f"m_{name}") for name in FIGURE_FIELDS),
        figure_updates=", ".join(f"{quote(name)} = EXCLUDED.{quote(name)}" for name in FIGURE_FIELDS),
        course_values=", ".join(f"%(c_{name})s" for name in FIGURE_FIELDS),
    )


class LessonRows(NamedTuple):
    """What marking a lesson complete writes, under the enrolment's lock: the lesson's row complete at `now`, the
    `statements` of what moved, and the module and course aggregates (a module not listed is left as it is)."""

    enrolment_id: int
    item_id: int
    now: datetime
    statements: Sequence[Statement]
    module_rows: Sequence[ModuleProgress]
    progress: CourseProgress


def lesson_complete_write(rows: LessonRows) -> tuple[int, ...]:
    """`rows` written in one statement (PostgreSQL); returns how many item rows, statements, module and course
    aggregates it wrote. Its twin is `lesson_complete_write_orm`."""
    params: dict[str, Any] = {"enrolment": rows.enrolment_id, "item": rows.item_id, "now": rows.now}
    params |= {"complete": ItemState.COMPLETE.value, "next_item": rows.progress.next_item_id}
    params["module_ids"] = [row.module_id for row in rows.module_rows]
    for fld in Statement._meta.concrete_fields:
        params[f"s_{fld.column}"] = [fld.get_db_prep_save(getattr(s, fld.attname), connection) for s in rows.statements]
    rows_written = [*rows.module_rows, rows.progress]
    for name in FIGURE_FIELDS:  # integers and decimals (from the aggregates' services): psycopg adapts them as they are
        values = [rows.now if name == "updated_at" else getattr(row, name) for row in rows_written]
        params[f"m_{name}"], params[f"c_{name}"] = values[:-1], values[-1]
    return tuple(fixed_statement_rows(sql=_lesson_complete_statement(), params=params)[0])


def lesson_complete_write_orm(rows: LessonRows) -> tuple[int, ...]:
    """`lesson_complete_write` through the ORM (SQLite, the embedded default, has no INSERT inside WITH): the row's
    UPDATE (its INSERT when there is none), the statements' INSERT and the two upserts."""
    now = rows.now
    at = Value(now)  # Coalesce: SQLite's LEAST and GREATEST answer NULL when a date is still NULL
    items = ItemProgress.objects.filter(enrolment_id=rows.enrolment_id, item_id=rows.item_id).update(
        state=ItemState.COMPLETE,
        started_at=Coalesce(Least("started_at", at), at),
        completed_at=Coalesce(Least("completed_at", at), at),
        last_event_at=Coalesce(Greatest("last_event_at", at), at),
        updated_at=now,
    )
    if not items:
        row = {"state": ItemState.COMPLETE, "started_at": now, "completed_at": now, "last_event_at": now}
        ItemProgress.objects.create(enrolment_id=rows.enrolment_id, item_id=rows.item_id, **row)
    Statement.objects.bulk_create(rows.statements)
    ModuleProgress.objects.bulk_create(
        rows.module_rows, update_conflicts=True, unique_fields=["enrolment", "module"], update_fields=FIGURE_FIELDS
    )
    CourseProgress.objects.bulk_create(
        [rows.progress], update_conflicts=True, unique_fields=["enrolment"], update_fields=[*FIGURE_FIELDS, "next_item"]
    )
    return 1, len(rows.statements), len(rows.module_rows), 1
