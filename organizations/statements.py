"""organizations' hand-written SQL, each statement beside its ORM twin (tests/organizations/test_statements.py runs
both on PostgreSQL over the same data and compares their answers). progress's tables are joined only through
`progress.statements.enrolment_join_sql` (SQL) and `organizations.learning.enrolment_annotations` (ORM).

Kept, and what each buys (bench/findings.md):

- `dashboard_rows`, the organization dashboard's one statement (the seat facts and one page of the staff table),
  prepared: the two ORM queries it replaced cost about 3 ms of Python to compose and 1.8 ms of planning on every
  request (5,000 staff: 26.0 → 21.2 ms, and one query less). Target ≤ 3× the 200-row render, met at 2.38× on S;
  M missed it (3.15×) before this statement.
- `report_csv_copy`, the staff report as CSV written by PostgreSQL itself (COPY ... TO STDOUT): the export's
  throughput path (target ≥ 20% of bare COPY; 57% with it). The ORM composes its SELECT.
- `report_sheet_rows_copy`, the staff report as the workbook's sheet rows written by PostgreSQL (COPY of an
  ORM-composed SELECT of one text column: each row's `<row>` element), zipped by `lms.xlsx`: the XLSX export's
  throughput path (issue 19: ≥ 25% of COPY at 50,000 staff). On a loaded machine, 50,000 staff: COPY of the
  report's query 0.73–0.94 s; the Python writer over `report_values` 4.5 s (16%); this statement 2.5–2.7 s
  (38–46%).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db import connection
from django.db.models import Case, CharField, Count, F, FloatField, Func, Q, QuerySet, TextField, Value, When, Window
from django.db.models.functions import Cast, Coalesce, Length, NullIf, Replace, RowNumber, TruncMonth
from django.db.models.lookups import GreaterThan, IsNull
from django.utils import timezone
from wagtail.models import Page as WagtailPage

from lms.db import converted, fixed_statement_rows
from lms.exports import neutralised_sql
from lms.models import User
from lms.xlsx import DATETIME_STYLE, xml_text
from organizations.learning import enrolment_annotations
from organizations.models import Seat, SeatBundle, SeatState
from progress.statements import enrolment_join_sql, progress_converters

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

ZERO = Decimal("0")
# The staff table's sorts, as the columns of a row in order (the statement's names: see `_ROW_SQL`).
SORTS = {
    "name": ("display_name", "email", "id"),
    "email": ("email", "id"),
    "course": ("title", "email", "id"),
    "progress": ("percent", "email", "id"),
    "status": ("status_rank", "email", "id"),
    "completed": ("completed_at", "email", "id"),
}
# The same columns for the ORM's `held_seats`.
_ORM_COLUMNS = {
    "display_name": "user__display_name",
    "email": "user__email",
    "id": "pk",
    "title": "bundle__course__title",
    "percent": "progress_percent",
    "status_rank": "status_rank",
    "completed_at": "completed_at",
}

# A seat fact: (course id, status, month completed or None, count); a staff row: (seat id, name, e-mail, course
# title, status, percent, completed at).
Fact = tuple[int, str, date | None, int]
StaffLine = tuple[int, str, str, str, str, Decimal, datetime | None]


class SeatProgress(TypedDict):
    """What `with_progress` adds to each seat (besides the enrolment's facts), so that filters on it type-check."""

    progress_percent: Decimal
    status: str
    status_rank: int


def with_progress(seats: QuerySet[Seat]) -> QuerySet[WithAnnotations[Seat, SeatProgress]]:
    """`seats` with their enrolment's facts, progress, status and status rank (joins, no per-row query)."""
    return seats.annotate(**enrolment_annotations(user_ref="user", course_ref="bundle__course")).annotate(
        progress_percent=Coalesce("percent", Value(Decimal("0"))),
        status=Case(
            When(completed_at__isnull=False, then=Value("completed")),
            When(Q(items_started__gt=0) | Q(items_done__gt=0), then=Value("in_progress")),
            default=Value("not_started"),
            output_field=CharField(),
        ),
        status_rank=Case(
            When(completed_at__isnull=False, then=Value(2)),
            When(Q(items_started__gt=0) | Q(items_done__gt=0), then=Value(1)),
            default=Value(0),
        ),
    )


def held_seats(
    *, organization_id: int, course: int | None, status: str, sort: str, descending: bool
) -> QuerySet[WithAnnotations[Seat, SeatProgress]]:
    """The held seats of an organization with their learner, course and progress, filtered and in the table's order
    (the ORM; the twin of `dashboard_rows`' page and the SELECT that `report_csv_copy` copies)."""
    rows = with_progress(
        Seat.objects.filter(bundle__organization_id=organization_id, state=SeatState.ASSIGNED).select_related(
            "user", "bundle__course"
        )
    )
    if course:
        rows = rows.filter(bundle__course_id=course)
    if status:
        rows = rows.filter(status=status)
    direction = "-" if descending else ""
    return rows.order_by(*(f"{direction}{_ORM_COLUMNS[column]}" for column in SORTS[sort]))


def _as_month(value: date | datetime | str | None) -> date | None:
    """A truncated month as the database answers it: a datetime (PostgreSQL) or its text (SQLite)."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date() if isinstance(value, datetime) else value


# A held seat's status and its rank, as `_with_progress` computes them for the ORM's `staff_rows`.
_STATUS_SQL = (
    "CASE WHEN e.completed_at IS NOT NULL THEN 'completed'"
    " WHEN p.items_started > 0 OR p.items_done > 0 THEN 'in_progress' ELSE 'not_started' END"
)
_STATUS_RANK_SQL = (
    "CASE WHEN e.completed_at IS NOT NULL THEN 2 WHEN p.items_started > 0 OR p.items_done > 0 THEN 1 ELSE 0 END"
)
# What the statement answers: facts ('f') and then the page's rows ('r'), each with its own columns; a page
# row's columns, as SQL over the seat `s`, its learner `u`, its course's page `c`, enrolment `e` and progress `p`.
_OUTPUT: tuple[str, ...] = (
    *("kind", "course_id", "status", "month", "n"),
    *("id", "display_name", "email", "title", "percent", "completed_at", "status_rank"),
)
_ROW_SQL = {
    "id": "s.id",
    "display_name": "u.display_name",
    "email": "u.email",
    "title": "c.title",
    "percent": "COALESCE(p.percent, 0)",
    "completed_at": "e.completed_at",
    "status_rank": _STATUS_RANK_SQL,
}


# Up to this many held seats, the dashboard's statement reads each seat's learner, enrolment and progress by index
# (`dashboard_rows`). Measured on the bench's data (55,000 seats, enrolments and users; a loaded machine): 5,000
# seats 42-58 ms with the planner's hash joins, 33-42 ms by index; 50,000 seats 195-200 ms with hash joins,
# 470-620 ms by index (JIT compiling included: the planner's estimate of the lookups passes jit_above_cost).
INDEX_LOOKUPS_MAX = 10_000


def _dashboard_statement(
    *, course: int | None, status: str, sort: str, descending: bool, by_bundles: bool = False, by_index: bool = False
) -> tuple[str, dict[str, Any]]:
    """One statement for the dashboard's reads of the held seats: the seat facts, and one page of the table.

    - `facts`: the held seats counted by (course, status, month completed): one aggregate pass over the seats
      joined to their enrolment and progress (never to the learners).
    - `page_ids`: the page's seat ids in the table's order, joining only what the order and the filters need
      (sorting by name joins the learners, not the progress). The page is `size` rows from `skip`, or the last
      page when `skip` is negative or past the rows (counted from the facts), as `Paginator.get_page` answers
      a page number out of range.
    - then those few seats' rows, with their learner, course and progress.

    With `by_bundles` the held seats are also asked for by their bundles' ids (`%(bundles)s`, the organization's):
    the planner then counts them from the seat table's statistics. Asked only through the bundle's organization,
    it estimates the average seats per bundle, and where one big organization holds most seats (the bench's 50,000
    beside the 10), it read the whole enrolment, progress and user tables for ten staff (26 ms against 0.7).

    Returns the statement and the parameters of its month; the others are named (see `_dashboard_read`).
    """
    # (sql, params) since Django 4.2; django-stubs still types it as the sql alone.
    month_sql, month_values = cast(
        tuple[str, tuple[Any, ...]],
        connection.ops.datetime_trunc_sql("month", "e.completed_at", (), timezone.get_current_timezone_name()),
    )
    month_params = {f"month_{i}": value for i, value in enumerate(month_values)}
    month_sql = month_sql % tuple(f"%({name})s" for name in month_params)
    seats, bundles = Seat._meta.db_table, SeatBundle._meta.db_table
    pages, users = WagtailPage._meta.db_table, User._meta.db_table  # a course's title is its page's
    held = f"{seats} s JOIN {bundles} b ON b.id = s.bundle_id"  # + the condition below
    held_condition = "b.organization_id = %(organization)s AND s.state = %(state)s"
    if by_bundles:
        held_condition += " AND s.bundle_id = ANY(%(bundles)s)"
    # progress's tables; with `by_index` (PostgreSQL), each seat's learner, enrolment and progress are looked up by
    # index (LATERAL ... OFFSET 0, which the planner does not flatten into hash joins over the whole tables).
    progress = enrolment_join_sql(user_column="s.user_id", course_column="b.course_id", by_index=by_index)
    learner = f" LEFT JOIN {users} u ON u.id = s.user_id"
    if by_index:
        learner = (
            f" LEFT JOIN LATERAL (SELECT display_name, email FROM {users} WHERE id = s.user_id OFFSET 0) u ON TRUE"  # noqa: S608
        )
    course_page = f" JOIN {pages} c ON c.id = b.course_id"

    columns = SORTS[sort]
    direction = " DESC" if descending else ""
    order = ", ".join(f"{_ROW_SQL[column]}{direction}" for column in columns)
    positions = ", ".join(f"{_OUTPUT.index(column) + 1}{direction}" for column in columns)
    page_joins = learner + (course_page if "title" in columns else "")
    if status or {"percent", "completed_at", "status_rank"} & set(columns):
        page_joins += progress
    page_conditions, fact_conditions = [held_condition], ["1 = 1"]
    if course:
        page_conditions.append("b.course_id = %(course)s")
        fact_conditions.append("course_id = %(course)s")
    if status:
        page_conditions.append(f"{_STATUS_SQL} = %(status)s")
        fact_conditions.append("status = %(status)s")
    facts_nulls = ", ".join(["NULL"] * (len(_OUTPUT) - 5))
    sql = (
        # The models' own table names; every value is a parameter.
        f"WITH facts AS (SELECT b.course_id, {_STATUS_SQL} AS status, {month_sql} AS month, COUNT(*) AS n"  # noqa: S608
        f" FROM {held}{progress} WHERE {held_condition} GROUP BY 1, 2, 3),"
        f" page_ids AS (SELECT s.id FROM {held}{page_joins} WHERE {' AND '.join(page_conditions)}"
        f" ORDER BY {order} LIMIT %(size)s OFFSET (SELECT CASE WHEN %(skip)s >= 0 AND %(skip)s < n THEN %(skip)s"
        " WHEN n = 0 THEN 0 ELSE (n - 1) / %(size)s * %(size)s END"
        f" FROM (SELECT CAST(COALESCE(SUM(n), 0) AS INTEGER) AS n FROM facts WHERE {' AND '.join(fact_conditions)})"
        " counted))"
        f" SELECT 'f', course_id, status, month, n, {facts_nulls} FROM facts"
        f" UNION ALL SELECT 'r', b.course_id, {_STATUS_SQL}, NULL, NULL,"
        f" {', '.join(_ROW_SQL[column] for column in _OUTPUT[5:])}"
        f" FROM page_ids JOIN {seats} s ON s.id = page_ids.id JOIN {bundles} b ON b.id = s.bundle_id"
        f"{course_page}{learner}{progress}"
        f" ORDER BY 1, {positions}"
    )
    return sql, month_params


def _skipped(*, count: int, size: int, skip: int) -> int:
    """The first row of the page `Paginator.get_page` would show for a start of `skip` (the last page's when `skip`
    is negative or past the `count` rows), as the statement chooses it."""
    if 0 <= skip < count:
        return skip
    return 0 if count == 0 else (count - 1) // size * size if size else 0


def dashboard_rows(
    *,
    organization_id: int,
    course: int | None,
    status: str,
    sort: str,
    descending: bool,
    size: int,
    skip: int = 0,
    bundle_ids: Sequence[int] | None = None,
    held: int | None = None,
) -> tuple[list[Fact], list[StaffLine]]:
    """The held seats counted by (course, status, month completed), and the staff table's `size` rows from `skip`
    for the filters (the last page's when `skip` is out of range): one statement, prepared on PostgreSQL (one text
    per sort, direction, filters and plan hints used: a few dozen at most).

    Hints for PostgreSQL's planner, from the caller's read of the bundles: `bundle_ids`, all the organization's
    bundles; `held`, how many seats they hold. Up to `INDEX_LOOKUPS_MAX` held seats each seat's learner,
    enrolment and progress are read by index (`_dashboard_statement`)."""
    postgresql = connection.vendor == "postgresql"
    by_bundles = bundle_ids is not None and postgresql
    by_index = held is not None and held <= INDEX_LOOKUPS_MAX and postgresql
    sql, params = _dashboard_statement(
        course=course, status=status, sort=sort, descending=descending, by_bundles=by_bundles, by_index=by_index
    )
    params.update(organization=organization_id, state=SeatState.ASSIGNED.value, size=size, skip=skip)
    if by_bundles:
        params["bundles"] = list(bundle_ids or ())
    params.update(course=course, status=status)
    converters = progress_converters()
    facts: list[Fact] = []
    rows: list[StaffLine] = []
    for kind, course_id, state, month, n, pk, name, email, title, percent, completed_at, _rank in fixed_statement_rows(
        sql=sql, params=params
    ):
        if kind == "f":
            facts.append((course_id, state, _as_month(month), n))
            continue
        percent, completed_at = converted((percent, completed_at), converters)
        rows.append((pk, name or email, email, title, state, percent, completed_at))
    return facts, rows


def dashboard_rows_orm(
    *,
    organization_id: int,
    course: int | None,
    status: str,
    sort: str,
    descending: bool,
    size: int,
    skip: int = 0,
    bundle_ids: Sequence[int] | None = None,
    held: int | None = None,
) -> tuple[list[Fact], list[StaffLine]]:
    """`dashboard_rows` through the ORM (three queries): its twin. `bundle_ids` and `held` only guide the
    statement's planner, so the ORM has no use for them."""
    seats = with_progress(Seat.objects.filter(bundle__organization_id=organization_id, state=SeatState.ASSIGNED))
    facts: list[Fact] = [
        (row["bundle__course_id"], row["status"], _as_month(row["month"]), row["n"])
        for row in seats.annotate(month=TruncMonth("completed_at"))
        .values("bundle__course_id", "status", "month")
        .annotate(n=Count("pk"))
        .order_by()
    ]
    count = sum(
        n
        for course_id, state, _month, n in facts
        if (not course or course_id == course) and (not status or state == status)
    )
    first = _skipped(count=count, size=size, skip=skip)
    page = held_seats(
        organization_id=organization_id, course=course, status=status, sort=sort, descending=descending
    ).values_list(
        "pk", "user__display_name", "user__email", "bundle__course__title", "status", "progress_percent", "completed_at"
    )
    rows: list[StaffLine] = [
        (pk, name or email, email, title, state, percent, completed_at)
        for pk, name, email, title, state, percent, completed_at in (page[first : first + size] if size else [])
    ]
    return facts, rows


def _local_minute(field: str, zone: str) -> Func:
    """PostgreSQL: the time in `zone`, to the minute, as text (the report's REPORT_TIME)."""
    local = Func(Value(zone), F(field), function="timezone")
    return Func(local, Value("YYYY-MM-DD HH24:MI"), function="to_char", output_field=CharField())


def _report_copy_sql(
    *, organization_id: int, course: int | None, status: str, sort: str, descending: bool, labels: dict[str, str]
) -> tuple[str, tuple[Any, ...]]:
    """The report as one SELECT of text columns, formatted in SQL exactly as `organizations.selectors.report_rows`
    formats them (`labels`: the statuses' translated names)."""
    zone = timezone.get_current_timezone_name()
    rows = (
        held_seats(organization_id=organization_id, course=course, status=status, sort=sort, descending=descending)
        .annotate(
            report_name=neutralised_sql(
                Coalesce(NullIf("user__display_name", Value("")), "user__email", output_field=CharField())
            ),
            report_email=neutralised_sql("user__email"),
            report_course=neutralised_sql("bundle__course__title"),
            report_status=Case(
                *[When(status=key, then=Value(label)) for key, label in labels.items()], output_field=CharField()
            ),
            report_percent=Cast(Coalesce("percent", Value(ZERO)), CharField()),
            report_enrolled=_local_minute("enrolled_at", zone),
            report_completed=_local_minute("completed_at", zone),
            report_grade=Cast("final_grade", CharField()),
        )
        .values_list(
            "report_name",
            "report_email",
            "report_course",
            "report_status",
            "report_percent",
            "report_enrolled",
            "report_completed",
            "report_grade",
        )
    )
    return rows.query.sql_with_params()


COPY_CHUNK_BYTES = 64 * 1024


def report_csv_copy(
    *, organization_id: int, course: int | None, status: str, sort: str, descending: bool, labels: dict[str, str]
) -> Iterator[bytes]:
    """PostgreSQL only: the report's rows as CSV written by the database (COPY ... TO STDOUT, streamed block by block),
    so the rows never become Python objects. The ORM twin is `organizations.selectors.report_rows` through Python's
    csv writer."""
    sql, params = _report_copy_sql(
        organization_id=organization_id, course=course, status=status, sort=sort, descending=descending, labels=labels
    )
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        statement = f"COPY ({cursor.mogrify(sql, params)}) TO STDOUT WITH (FORMAT csv)"
        with cursor.copy(statement) as copy:
            # libpq hands COPY data over a row at a time: gather rows into chunks, so the response streams
            # a few dozen writes for thousands of rows, not one per row.
            pending = bytearray()
            for block in copy:
                pending += block
                if len(pending) >= COPY_CHUNK_BYTES:
                    yield bytes(pending)
                    pending.clear()
            if pending:
                yield bytes(pending)


# --- the staff report as the workbook's sheet rows (lms.xlsx) ---------------------------------------------------

# XML 1.0 cannot hold these characters: dropped, as lms.xlsx drops them (a regular expression: `translate` with
# this list cost ten times as much per value). Line breaks become references, so that a row is one line of COPY's
# output and is never quoted.
_NOT_XML = r"[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
_XML_TEXT = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"), ("\n", "&#10;"))
# COPY's CSV format with a separator and a quote that cannot occur (both are dropped above): rows come out as is.
_SHEET_COPY = "FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02'"


def _concat(*parts: Any) -> Func:
    return Func(*parts, function="concat", output_field=TextField())


def _xml_text(text: Any) -> Func:
    """PostgreSQL: `text` as XML character data (control characters dropped, markup and line breaks escaped)."""
    escaped: Any = Func(
        text, Value(_NOT_XML), Value(""), Value("g"), function="regexp_replace", output_field=TextField()
    )
    for char, reference in _XML_TEXT:
        escaped = Replace(escaped, Value(char), Value(reference))
    return escaped


def _text_cell(column: str, row: Any, text: Any) -> Case:
    """An inline-string cell, or nothing for NULL or empty text (lms.xlsx writes no cell for either)."""
    cell = _concat(
        Value(f'<c r="{column}'),
        row,
        Value('" t="inlineStr"><is><t xml:space="preserve">'),
        _xml_text(text),
        Value("</t></is></c>"),
    )
    return Case(When(GreaterThan(Length(text), 0), then=cell), default=Value(""), output_field=TextField())


def _number_cell(column: str, row: Any, number: Any, style: str = "") -> Case:
    """A number cell, or nothing for NULL."""
    cell = _concat(Value(f'<c r="{column}'), row, Value(f'"{style}><v>'), number, Value("</v></c>"))
    return Case(When(IsNull(number, False), then=cell), default=Value(""), output_field=TextField())


def _datetime_cell(column: str, row: Any, field: str, zone: str) -> Case:
    """A time as Excel's serial (days since 1899-12-30 on the clock of `zone`), styled as a date and time."""
    local = Func(Value(zone), F(field), function="timezone")  # the local clock, without a zone
    seconds = Func(local, template="EXTRACT(EPOCH FROM %(expressions)s)", output_field=FloatField())
    serial = Cast(seconds, FloatField()) / Value(86400.0) + Value(25569.0)  # 1970-01-01 is Excel's day 25569
    return _number_cell(column, row, Cast(serial, FloatField()), f' s="{DATETIME_STYLE}"')


def _report_sheet_sql(
    *, organization_id: int, course: int | None, status: str, sort: str, descending: bool, labels: dict[str, str]
) -> tuple[str, tuple[Any, ...]]:
    """The report as one text column: each row's `<row>` element as `lms.xlsx` writes it from
    `organizations.selectors.report_values` (the same cells and types, rows numbered from 2 under the header)."""
    zone = timezone.get_current_timezone_name()
    direction = "-" if descending else ""
    order = [f"{direction}{_ORM_COLUMNS[column]}" for column in SORTS[sort]]
    row = Window(RowNumber(), order_by=order) + Value(1)
    name = Coalesce(NullIf("user__display_name", Value("")), "user__email", output_field=CharField())
    label = Case(*[When(status=key, then=Value(xml_text(text))) for key, text in labels.items()])
    cells = [
        _text_cell("A", row, neutralised_sql(name)),
        _text_cell("B", row, neutralised_sql("user__email")),
        _text_cell("C", row, neutralised_sql("bundle__course__title")),
        _concat(
            Value('<c r="D'), row, Value('" t="inlineStr"><is><t xml:space="preserve">'), label, Value("</t></is></c>")
        ),
        _number_cell("E", row, Coalesce("percent", Value(ZERO))),
        _datetime_cell("F", row, "enrolled_at", zone),
        _datetime_cell("G", row, "completed_at", zone),
        _number_cell("H", row, F("final_grade")),
    ]
    rows = (
        held_seats(organization_id=organization_id, course=course, status=status, sort=sort, descending=descending)
        .annotate(sheet_row=_concat(Value('<row r="'), row, Value('">'), *cells, Value("</row>")))
        .values_list("sheet_row")
    )
    return rows.query.sql_with_params()


def report_sheet_rows_copy(
    *, organization_id: int, course: int | None, status: str, sort: str, descending: bool, labels: dict[str, str]
) -> Iterator[bytes]:
    """PostgreSQL only: the report's rows as the workbook's sheet XML written by the database (COPY ... TO STDOUT,
    streamed), so the rows never become Python objects: the XLSX export's throughput path. The ORM twin is
    `organizations.selectors.report_values` through `lms.xlsx`'s writer (tests/organizations/test_statements.py
    reads both workbooks back and compares them)."""
    sql, params = _report_sheet_sql(
        organization_id=organization_id, course=course, status=status, sort=sort, descending=descending, labels=labels
    )
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        statement = f"COPY ({cursor.mogrify(sql, params)}) TO STDOUT WITH ({_SHEET_COPY})"
        with cursor.copy(statement) as copy:
            pending = bytearray()
            for block in copy:
                pending += block
                if len(pending) >= COPY_CHUNK_BYTES:
                    yield bytes(pending)
                    pending.clear()
            if pending:
                yield bytes(pending)
