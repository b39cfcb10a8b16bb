"""progress's hand-written reads, each beside its ORM twin (the package's docstring says what each buys)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.db import connection, models
from django.db.models import F, Q, Value
from django.db.models.expressions import RawSQL
from wagtail.models import Page

from content.models import CoursePage
from lms.db import RowShape, column_converters, converted, fixed_statement_rows, row_shape
from progress.models import (
    CourseProgress,
    Enrolment,
    EnrolmentStatus,
    ItemProgress,
    ModuleProgress,
)

# --- an enrolment's item rows and module aggregates --------------------------------------------------------------


def _states_and_modules_sql(enrolment: str, *, some_items: bool = False) -> str:
    """The item rows and module aggregates of the enrolment `enrolment` (a column of the outer query) as one UNION ALL
    of (kind, pk, state, number, revision_id). `some_items` (PostgreSQL): only the item rows of some items, given as
    three parameters: the lowest id, the highest and all of them (`item_id = ANY(%s::integer[])`); the module
    aggregates all the same. The range is what lets the index find them: with the list alone the planner, which
    expects a few rows an enrolment, scanned all of a deep learner's rows and filtered them (2.4 ms at 5,000)."""
    quote = connection.ops.quote_name
    items, modules = quote(ItemProgress._meta.db_table), quote(ModuleProgress._meta.db_table)
    which = " AND item_id BETWEEN %s AND %s AND item_id = ANY(%s::integer[])" if some_items else ""
    return (
        f"SELECT 'item' AS kind, item_id AS pk, state, score AS number, revision_id FROM {items}"  # noqa: S608
        f" WHERE enrolment_id = {enrolment}{which} UNION ALL"
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


def _rows_as_json(enrolments: str, *, some_items: bool = False) -> str:
    """A subquery: `_states_and_modules_sql`'s rows for `{enrolments}.id` as one JSON array of
    [kind, id, state, score or percent, revision id], PostgreSQL's json_agg or SQLite's json_group_array."""
    if connection.vendor == "postgresql":
        aggregate = "coalesce(json_agg(json_build_array(kind, pk, state, number, revision_id)), '[]')::text"
    else:
        aggregate = "json_group_array(json_array(kind, pk, state, number, revision_id))"
    rows = _states_and_modules_sql(f"{enrolments}.id", some_items=some_items)
    return f"(SELECT {aggregate} FROM ({rows}) r)"  # noqa: S608


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


# No item has these keys: the gate that reads some item rows is composed with them, and run with the page's items.
_ANY_ITEMS = (-3, -2, [-1])  # the lowest id, the highest, all of them


@functools.cache
def _gate(*, lock: bool, with_rows: bool, some_items: bool = False) -> _Gate:
    """The gate's SELECT, composed by the ORM once per process; with `lock` the enrolment row (only) is locked FOR
    UPDATE (compiled inside the caller's transaction); `with_rows` (not with `lock`) adds the enrolment's item rows
    and module aggregates as JSON text; `some_items` (PostgreSQL) only the rows of some items, its first three
    parameters (`_states_and_modules_sql`)."""
    queryset = _gate_queryset(user_id=0, course_path="")
    if with_rows:
        table = connection.ops.quote_name(Enrolment._meta.db_table)
        queryset = queryset.annotate(
            item_rows=RawSQL(_rows_as_json(table, some_items=some_items), _ANY_ITEMS if some_items else ())  # noqa: S611  the models' own table names
        )
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    if list(params) != ([*_ANY_ITEMS, 0, ""] if some_items else [0, ""]):
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
    *,
    user_id: int,
    course_path: str,
    lock: bool = False,
    with_rows: bool = False,
    item_ids: Sequence[int] | None = None,
) -> tuple[Enrolment | None, list[list[Any]]]:
    """The learner's enrolment in the course at `course_path`, with its course and course aggregate (the aggregate
    None before the first write), and with `with_rows` its item rows and module aggregates (for
    `progress.selectors.states_from_rows`): one prepared query. With `lock` (inside a transaction), the enrolment
    row is locked as `progress.services` requires of writers. `item_ids` (PostgreSQL, with `with_rows`): only the
    item rows of these items (a learner deep in a long course has thousands), the module aggregates all the same."""
    some_items = item_ids is not None and with_rows and connection.vendor == "postgresql"
    gate = _gate(lock=lock, with_rows=with_rows, some_items=some_items)
    params: list[Any] = [user_id, course_path]
    if some_items:
        ids = list(item_ids or ())
        # The array as its text: psycopg dumps a list of a hundred ints element by element (about 0.07 ms of CPU, a
        # third of the gate's own), PostgreSQL parses the text in one go.
        params = [min(ids, default=0), max(ids, default=0), "{" + ",".join(map(str, ids)) + "}", *params]
    rows = fixed_statement_rows(sql=gate.sql, params=params)
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
    # The pages' locales: the dashboard looks for translations only of pages in another language than the reader's.
    ("course__locale_id", "course_page", Page, "locale"),
    ("course_progress__next_item__locale_id", "next_page", Page, "locale"),
    ("last_opened_item__locale_id", "last_page", Page, "locale"),
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
    its rows are a small share of the tables (one organization's seats), which the planner may not. The enrolment
    and its aggregate are one LATERAL (`p` only names its aggregate's columns): as two, the planner put a Memoize
    node over the second, keyed by an enrolment id that never repeats (5,000 seats: 12.0 → 10.4 ms)."""
    enrolments, progress = Enrolment._meta.db_table, CourseProgress._meta.db_table
    if not by_index:
        return (
            f" LEFT JOIN {enrolments} e ON e.course_id = {course_column} AND e.user_id = {user_column}"
            f" LEFT JOIN {progress} p ON p.enrolment_id = e.id"
        )
    return (
        " LEFT JOIN LATERAL (SELECT en.id, en.enrolled_at, en.completed_at, en.final_grade,"  # noqa: S608
        " cp.percent, cp.items_started, cp.items_done"
        f" FROM {enrolments} en LEFT JOIN {progress} cp ON cp.enrolment_id = en.id"
        f" WHERE en.course_id = {course_column} AND en.user_id = {user_column} OFFSET 0) e ON TRUE"
        " CROSS JOIN LATERAL (SELECT e.percent, e.items_started, e.items_done) p"
    )


@functools.cache
def progress_converters() -> list[tuple[list[Any], Any]]:
    """The converters of (p.percent, e.completed_at) of `enrolment_join_sql`, as the ORM would apply them (built
    once per process; do not change the list)."""
    return [
        column_converters(cast(models.Field, CourseProgress._meta.get_field("percent"))),
        column_converters(cast(models.Field, Enrolment._meta.get_field("completed_at"))),
    ]
