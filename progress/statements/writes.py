"""progress's hand-written writes, each beside its ORM twin (the package's docstring says what each buys)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, cast

from django.db import connection, models, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest, Least

from lms.db import RowShape, fixed_statement_rows, row_shape
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
