"""Reads for the organization pages and reports; each runs a fixed number of queries whatever the size."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, CharField, F, Func, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, NullIf
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Page as WagtailPage
from wagtail.models import PageViewRestriction

from content.models import CoursePage
from lms.db import converted, fixed_statement_rows
from lms.exports import neutralised_sql, safe_row
from lms.models import User
from lms.roles import PLATFORM_ADMINS
from organizations.learning import (
    enrolment_annotations,
    enrolment_join_sql,
    prerequisites_missing,
    progress_converters,
    users_lacking_prerequisites,
)
from organizations.models import Invitation, Membership, Organization, Role, Seat, SeatBundle, SeatState

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

PAGE_SIZE = 50
# `fn(request, *, organization, staff) -> dict`: `staff` is a queryset of the members' user ids; the dict's
# `org_dashboard_templates` (template names) are included at the end of the dashboard, the rest is context.
ORG_DASHBOARD_HOOK = "stackable_org_dashboard_context"
REPORT_TIME = "%Y-%m-%d %H:%M"
ZERO = Decimal("0")
STATUSES = {
    "not_started": gettext_lazy("Not started"),
    "in_progress": gettext_lazy("In progress"),
    "completed": gettext_lazy("Completed"),
}
# The staff table's sorts, as the columns of a row in order (the statement's names: see `_ROW_SQL`).
SORTS = {
    "name": ("display_name", "email", "id"),
    "email": ("email", "id"),
    "course": ("title", "email", "id"),
    "progress": ("percent", "email", "id"),
    "status": ("status_rank", "email", "id"),
    "completed": ("completed_at", "email", "id"),
}
# The same columns for the ORM's `staff_rows`.
_ORM_COLUMNS = {
    "display_name": "user__display_name",
    "email": "user__email",
    "id": "pk",
    "title": "bundle__course__title",
    "percent": "progress_percent",
    "status_rank": "status_rank",
    "completed_at": "completed_at",
}


def user_is_platform_admin(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.groups.filter(name=PLATFORM_ADMINS).exists()))


def organizations_administered(*, user: User) -> list[Organization]:
    if not user.is_authenticated:
        return []
    return list(Organization.objects.filter(memberships__user=user, memberships__role=Role.ADMIN).order_by("name"))


def organization_for_admin(*, user: User, slug: str) -> Organization:
    """The organization `slug` if `user` administers it; 404 otherwise, so that others learn nothing of it."""
    if not user.is_authenticated:
        raise Http404
    organization = Organization.objects.filter(slug=slug, memberships__user=user, memberships__role=Role.ADMIN).first()
    if organization is None:
        raise Http404
    return organization


@dataclass(frozen=True)
class StaffFilters:
    course: int | None = None
    status: str = ""
    sort: str = "name"
    descending: bool = False

    @classmethod
    def from_query(cls, query: Any) -> StaffFilters:
        course = query.get("course", "")
        status = query.get("status", "")
        sort = query.get("sort", "name")
        descending = sort.startswith("-")
        sort = sort.lstrip("-")
        return cls(
            course=int(course) if course.isdigit() else None,
            status=status if status in STATUSES else "",
            sort=sort if sort in SORTS else "name",
            descending=descending,
        )

    def as_query(self, **changes: Any) -> str:
        from urllib.parse import urlencode

        values = {
            "course": self.course or "",
            "status": self.status,
            "sort": ("-" if self.descending else "") + self.sort,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})


class SeatProgress(TypedDict):
    """What _with_progress adds to each seat (besides the enrolment's facts), so that filters on it type-check."""

    progress_percent: Decimal
    status: str
    status_rank: int


def _with_progress(seats: QuerySet[Seat]) -> QuerySet[WithAnnotations[Seat, SeatProgress]]:
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


def _in_order(rows: QuerySet, filters: StaffFilters) -> QuerySet:
    direction = "-" if filters.descending else ""
    return rows.order_by(*(f"{direction}{_ORM_COLUMNS[column]}" for column in SORTS[filters.sort]))


def staff_rows(*, organization: Organization, filters: StaffFilters) -> QuerySet[WithAnnotations[Seat, SeatProgress]]:
    """One row per held seat: the learner, the course, and how far they are (joins, no per-row query)."""
    rows = _with_progress(
        Seat.objects.filter(bundle__organization=organization, state=SeatState.ASSIGNED).select_related(
            "user", "bundle__course"
        )
    )
    if filters.course:
        rows = rows.filter(bundle__course_id=filters.course)
    if filters.status:
        rows = rows.filter(status=filters.status)
    return _in_order(rows, filters)


@dataclass(frozen=True)
class CourseSeats:
    course_id: int
    title: str
    bought: int
    assigned: int
    started: int
    completed: int
    reserved: int = 0

    @property
    def free(self) -> int:
        """Available: neither held nor reserved for an open invitation."""
        return self.bought - self.assigned - self.reserved


@dataclass(frozen=True)
class ChartPoint:
    month: date
    label: str
    count: int
    total: int
    x: int
    y: int


@dataclass(frozen=True)
class CompletionChart:
    points: list[ChartPoint]
    width: int = 640
    height: int = 220
    top: int = 0

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass
class Dashboard:
    organization: Organization
    courses: list[CourseSeats]
    page: Page
    filters: StaffFilters
    chart: CompletionChart
    staff_count: int
    open_invitations: int
    statuses: dict[str, Any] = field(default_factory=lambda: dict(STATUSES))


@dataclass(frozen=True)
class SeatFact:
    """How many held seats of one course are in one status, by month of completion (None unless completed)."""

    course_id: int
    status: str
    month: date | None
    count: int


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


def _dashboard_statement(*, filters: StaffFilters) -> tuple[str, dict[str, Any]]:
    """One statement for the dashboard's reads of the held seats: the seat facts, and one page of the table.

    - `facts`: the held seats counted by (course, status, month completed): one aggregate pass over the seats
      joined to their enrolment and progress (never to the learners).
    - `page_ids`: the page's seat ids in the table's order, joining only what the order and the filters need
      (sorting by name joins the learners, not the progress). The page is `size` rows from `skip`, or the last
      page when `skip` is negative or past the rows (counted from the facts), as `Paginator.get_page` answers
      a page number out of range.
    - then those few seats' rows, with their learner, course and progress.

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
    progress = enrolment_join_sql(user_column="s.user_id", course_column="b.course_id")
    learner, course = f" LEFT JOIN {users} u ON u.id = s.user_id", f" JOIN {pages} c ON c.id = b.course_id"

    columns = SORTS[filters.sort]
    direction = " DESC" if filters.descending else ""
    order = ", ".join(f"{_ROW_SQL[column]}{direction}" for column in columns)
    positions = ", ".join(f"{_OUTPUT.index(column) + 1}{direction}" for column in columns)
    page_joins = learner + (course if "title" in columns else "")
    if filters.status or {"percent", "completed_at", "status_rank"} & set(columns):
        page_joins += progress
    page_conditions, fact_conditions = [held_condition], ["1 = 1"]
    if filters.course:
        page_conditions.append("b.course_id = %(course)s")
        fact_conditions.append("course_id = %(course)s")
    if filters.status:
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
        f"{course}{learner}{progress}"
        f" ORDER BY 1, {positions}"
    )
    return sql, month_params


def _dashboard_read(
    *, organization: Organization, filters: StaffFilters, size: int, skip: int = 0
) -> tuple[list[SeatFact], list[StaffRow]]:
    """The seat facts, and the table's `size` rows from `skip` for `filters` (the last page's when `skip` is out
    of range): one statement, prepared on PostgreSQL (one text per sort, direction and filters used: a few dozen
    at most)."""
    sql, params = _dashboard_statement(filters=filters)
    params.update(organization=organization.pk, state=SeatState.ASSIGNED.value, size=size, skip=skip)
    params.update(course=filters.course, status=filters.status)
    labels = {key: str(label) for key, label in STATUSES.items()}
    converters = progress_converters()
    facts, rows = [], []
    for kind, course_id, status, month, n, pk, name, email, title, percent, completed_at, _rank in fixed_statement_rows(
        sql=sql, params=params
    ):
        if kind == "f":
            facts.append(SeatFact(course_id=course_id, status=status, month=_as_month(month), count=n))
            continue
        percent, completed_at = converted((percent, completed_at), converters)
        rows.append(
            StaffRow(
                pk=pk,
                name=name or email,
                email=email,
                course_title=title,
                status=status,
                status_label=labels[status],
                progress_percent=percent,
                completed_at=completed_at,
            )
        )
    return facts, rows


def seat_facts(*, organization: Organization) -> list[SeatFact]:
    """The held seats counted by (course, status, month completed), in one aggregate pass over the joined rows.

    The dashboard's seat figures, its completion chart and its table's row count all come from these facts (the
    dashboard reads them with its page of rows, in one statement).
    """
    return _dashboard_read(organization=organization, filters=StaffFilters(), size=0)[0]


def seats_by_course(*, organization: Organization, facts: list[SeatFact] | None = None) -> list[CourseSeats]:
    """Bought and assigned from the bundles, started and completed from the held seats: two queries (one with facts)."""
    facts = seat_facts(organization=organization) if facts is None else facts
    started: dict[int, int] = {}
    completed: dict[int, int] = {}
    for fact in facts:
        if fact.status in {"in_progress", "completed"}:
            started[fact.course_id] = started.get(fact.course_id, 0) + fact.count
        if fact.status == "completed":
            completed[fact.course_id] = completed.get(fact.course_id, 0) + fact.count
    return [
        CourseSeats(
            course_id=row["course"],
            title=row["course__title"],
            bought=row["bought"] or 0,
            assigned=row["assigned"] or 0,
            started=started.get(row["course"], 0),
            completed=completed.get(row["course"], 0),
            reserved=row["reserved"] or 0,
        )
        for row in SeatBundle.objects.filter(organization=organization)
        .values("course", "course__title")
        .annotate(
            bought=Sum("seats_bought"),
            assigned=Sum("seats_used"),
            reserved=_count_of(
                Invitation.objects.open().filter(organization=organization, bundle__course=OuterRef("course"))
            ),
        )
        .order_by("course__title")
    ]


def staff_count_matching(*, facts: list[SeatFact], filters: StaffFilters) -> int:
    """The staff table's row count for `filters`, from the facts (no COUNT query of its own)."""
    return sum(
        fact.count
        for fact in facts
        if (not filters.course or fact.course_id == filters.course)
        and (not filters.status or fact.status == filters.status)
    )


class CountedPaginator(Paginator):
    """A paginator told its count, so that it does not ask the database."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:  # type: ignore[override]
        return self._known_count


def _month_start(day: date, back: int) -> date:
    month = day.month - back
    year = day.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def completion_chart(
    *, organization: Organization, months: int = 12, today: date | None = None, facts: list[SeatFact] | None = None
) -> CompletionChart:
    """Cumulative completions on held seats by month over the last `months` months, laid out for an inline SVG.

    From the seat facts (one query, none when they are given).
    """
    today = today or timezone.localdate()
    first = _month_start(today, months - 1)
    facts = seat_facts(organization=organization) if facts is None else facts
    counts: dict[date, int] = {}
    before = 0
    for fact in facts:
        if fact.status != "completed" or fact.month is None:
            continue
        if fact.month < first:
            before += fact.count
        else:
            counts[fact.month] = counts.get(fact.month, 0) + fact.count
    chart = CompletionChart(points=[])
    running = before
    totals = []
    for back in range(months - 1, -1, -1):
        month = _month_start(today, back)
        running += counts.get(month, 0)
        totals.append((month, counts.get(month, 0), running))
    top = max([t for _m, _c, t in totals] + [1])
    left, right, bottom, ceiling = 40, chart.width - 10, chart.height - 30, 10
    step = (right - left) / max(months - 1, 1)
    points = [
        ChartPoint(
            month=month,
            label=month.strftime("%Y-%m"),
            count=count,
            total=total,
            x=round(left + i * step),
            y=round(bottom - (bottom - ceiling) * total / top),
        )
        for i, (month, count, total) in enumerate(totals)
    ]
    return CompletionChart(points=points, top=top)


@dataclass(frozen=True)
class StaffRow:
    """One line of the dashboard's staff table: only what it shows (no model instances to build)."""

    pk: int
    name: str
    email: str
    course_title: str
    status: str
    status_label: str
    progress_percent: Decimal
    completed_at: datetime | None


def _count_of(rows: QuerySet) -> Subquery:
    """`rows` counted as a scalar subquery (an aggregate without GROUP BY: always one row, 0 when none)."""
    return Subquery(rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"))


class MemberCounts(TypedDict):
    staff_count: int
    open_invitations: int


def _member_counts(*, organization: Organization) -> MemberCounts:
    """The members and the open invitations, counted in one query."""
    return (
        Organization.objects.filter(pk=organization.pk)
        .values(
            staff_count=_count_of(Membership.objects.filter(organization=OuterRef("pk"))),
            open_invitations=_count_of(Invitation.objects.open().filter(organization=OuterRef("pk"))),
        )
        .get()
    )


def organization_dashboard(*, organization: Organization, filters: StaffFilters, page_number: Any = 1) -> Dashboard:
    """Seat figures, chart, the table's count and its page of rows from one statement; the bundles; the member
    counts. A page number past the last, or below 1, shows the last page, as `Paginator.get_page` does."""
    try:
        wanted = int(page_number)
    except (TypeError, ValueError):
        wanted = 1
    skip = (wanted - 1) * PAGE_SIZE if wanted >= 1 else -1
    facts, rows = _dashboard_read(organization=organization, filters=filters, size=PAGE_SIZE, skip=skip)
    paginator = CountedPaginator(rows, PAGE_SIZE, count=staff_count_matching(facts=facts, filters=filters))
    number = wanted if 1 <= wanted <= paginator.num_pages else paginator.num_pages
    return Dashboard(
        organization=organization,
        courses=seats_by_course(organization=organization, facts=facts),
        page=Page(rows, number, paginator),
        filters=filters,
        chart=completion_chart(organization=organization, facts=facts),
        **_member_counts(organization=organization),
    )


def report_header() -> list[str]:
    return [
        _("Name"),
        _("E-mail"),
        _("Course"),
        _("Status"),
        _("Progress (%)"),
        _("Enrolled"),
        _("Completed"),
        _("Final grade (%)"),
    ]


def report_rows(*, organization: Organization, filters: StaffFilters) -> Iterator[list[Any]]:
    """The staff progress report, row by row from a server-side cursor: memory stays flat however many rows.

    Per-row work is kept to a few cheap operations (it bounds the export's speed): the name fallback is done
    in SQL, status labels are translated once per report, times are shown in the site's zone to the minute.
    """
    zone = timezone.get_current_timezone()
    labels = {key: str(label) for key, label in STATUSES.items()}
    rows = (
        staff_rows(organization=organization, filters=filters)
        .annotate(
            report_name=Coalesce(NullIf("user__display_name", Value("")), "user__email", output_field=CharField())
        )
        .values_list(
            "report_name",
            "user__email",
            "bundle__course__title",
            "status",
            "percent",
            "enrolled_at",
            "completed_at",
            "final_grade",
        )
    )
    for name, email, course, status, percent, enrolled_at, completed_at, grade in rows.iterator(chunk_size=2000):
        yield [
            name,
            email,
            course,
            labels[status],
            percent if percent is not None else ZERO,
            enrolled_at.astimezone(zone).strftime(REPORT_TIME) if enrolled_at else "",
            completed_at.astimezone(zone).strftime(REPORT_TIME) if completed_at else "",
            grade if grade is not None else "",
        ]


def _local_minute(field: str, zone: str) -> Func:
    """PostgreSQL: the time in `zone`, to the minute, as text (the report's REPORT_TIME)."""
    local = Func(Value(zone), F(field), function="timezone")
    return Func(local, Value("YYYY-MM-DD HH24:MI"), function="to_char", output_field=CharField())


def _report_copy_sql(*, organization: Organization, filters: StaffFilters) -> tuple[str, tuple[Any, ...]]:
    """The report as one SELECT of text columns, formatted in SQL exactly as report_rows formats them."""
    labels = {key: str(label) for key, label in STATUSES.items()}
    zone = timezone.get_current_timezone_name()
    rows = (
        staff_rows(organization=organization, filters=filters)
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


def report_csv(*, organization: Organization, filters: StaffFilters, chunk_rows: int = 500) -> Iterator[bytes]:
    """The staff progress report as CSV (UTF-8 with a BOM for spreadsheets), chunk by chunk, in flat memory.

    On PostgreSQL the database writes the CSV itself (COPY ... TO STDOUT, streamed block by block): the rows
    never become Python objects, which is what makes a large export fast. Elsewhere, report_rows in chunks.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    buffer.write("\ufeff")
    writer.writerow(report_header())
    yield buffer.getvalue().encode()
    if connection.vendor == "postgresql":
        sql, params = _report_copy_sql(organization=organization, filters=filters)
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
        return
    rows = report_rows(organization=organization, filters=filters)
    while True:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(safe_row(row) for row in itertools.islice(rows, chunk_rows))
        chunk = buffer.getvalue()
        if not chunk:
            return
        yield chunk.encode()


def bundles_with_counts(*, organization: Organization) -> QuerySet[SeatBundle]:
    """The organization's bundles with `seats_reserved` (open invitations) and `seats_available` (bought − used −
    reserved): what an admin may still assign or invite onto."""
    reserved = Coalesce(_count_of(Invitation.objects.open().filter(bundle=OuterRef("pk"))), 0)
    return (
        SeatBundle.objects.filter(organization=organization)
        .select_related("course")
        .annotate(seats_reserved=reserved)
        .annotate(seats_available=F("seats_bought") - F("seats_used") - F("seats_reserved"))
        .order_by("course__title", "pk")
    )


def prerequisites_lacked_by_address(*, email: str, course: CoursePage) -> list[str]:
    """The titles of `course`'s prerequisites the holder of `email` has not completed (all, for a new address)."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        return sorted(course.prerequisites.values_list("title", flat=True))
    return sorted(prerequisite.title for prerequisite in prerequisites_missing(user=user, course=course))


def bundles_for_admin(*, organization: Organization) -> list[SeatBundle]:
    return list(bundles_with_counts(organization=organization))


@dataclass(frozen=True)
class PrerequisiteGap:
    """A bundle's course needs prerequisites: which they are, and which members (or invitees) lack them."""

    bundle: SeatBundle
    prerequisites: list[str]
    lacking: list[str]


def prerequisite_gaps(*, bundles: list[SeatBundle], members: list[Membership]) -> dict[int, PrerequisiteGap]:
    """For each bundle whose course has prerequisites (by bundle id): the members who have not completed them.

    Three queries whatever the number of bundles and members.
    """
    course_ids = sorted({bundle.course_id for bundle in bundles})
    titles: dict[int, list[str]] = {}
    for course_id, title in CoursePage.prerequisites.through.objects.filter(
        from_coursepage_id__in=course_ids
    ).values_list("from_coursepage_id", "to_coursepage__title"):
        titles.setdefault(course_id, []).append(title)
    if not titles:
        return {}
    emails = {membership.user_id: membership.user.email for membership in members}
    lacking = users_lacking_prerequisites(user_ids=list(emails), course_ids=list(titles))
    return {
        bundle.pk: PrerequisiteGap(
            bundle=bundle,
            prerequisites=sorted(titles[bundle.course_id]),
            lacking=sorted(emails[user_id] for user_id in lacking.get(bundle.course_id, set())),
        )
        for bundle in bundles
        if bundle.course_id in titles
    }


def seats_of_bundles(*, organization: Organization) -> QuerySet[Seat]:
    return (
        Seat.objects.filter(bundle__organization=organization, state=SeatState.ASSIGNED)
        .select_related("user", "bundle__course")
        .annotate(**enrolment_annotations(user_ref="user", course_ref="bundle__course"))
        .order_by("bundle__course__title", "user__email")
    )


def staff_user_ids(*, organization: Organization) -> QuerySet:
    """The members' user ids, as a subquery for other apps' dashboard sections (no query of its own)."""
    return Membership.objects.filter(organization=organization).values("user_id")


def members_of(*, organization: Organization) -> list[Membership]:
    return list(Membership.objects.filter(organization=organization).select_related("user").order_by("user__email"))


def organizations_for_private_courses(*, user: User) -> list[Organization]:
    """The organizations whose private courses `user` manages: all for a platform admin, else those they teach for."""
    if not user.is_authenticated:
        return []
    if user_is_platform_admin(user):
        return list(Organization.objects.order_by("name"))
    return list(Organization.objects.filter(memberships__user=user, memberships__role=Role.INSTRUCTOR).order_by("name"))


def private_courses_of(*, organization: Organization) -> list[CoursePage]:
    if organization.members_group_id is None:
        return []
    return list(
        CoursePage.objects.filter(
            view_restrictions__restriction_type=PageViewRestriction.GROUPS,
            view_restrictions__groups=organization.members_group_id,
        )
        .distinct()
        .order_by("title")
    )


def courses_to_make_private(*, user: User) -> QuerySet[CoursePage]:
    """Courses `user` may make private: any course without a group restriction that they may edit."""
    courses = CoursePage.objects.exclude(view_restrictions__restriction_type=PageViewRestriction.GROUPS)
    if not user_is_platform_admin(user):
        courses = courses.filter(
            group_permissions__group__user=user, group_permissions__permission__codename="change_page"
        ).distinct()
    return courses.order_by("title")
