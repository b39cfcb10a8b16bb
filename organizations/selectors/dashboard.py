"""The organization dashboard: seat figures by course, the completion chart, one page of the staff table and the
member counts, in a fixed number of queries whatever the size."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypedDict

from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, QuerySet
from django.utils import timezone

from lms.db import FixedQuery, fixed_query
from organizations.models import Invitation, Membership, Organization, SeatBundle
from organizations.selectors.bundles import _count_of
from organizations.selectors.staff import PAGE_SIZE, STATUSES, StaffFilters
from organizations.statements import dashboard_rows

# `fn(request, *, organization, staff) -> dict`: `staff` is a queryset of the members' user ids; the dict's
# `org_dashboard_templates` (template names) are included at the end of the dashboard, the rest is context.
ORG_DASHBOARD_HOOK = "stackable_org_dashboard_context"

# No organization has this id, and no invitation is compared with this moment: the dashboard's reads of its bundles
# and member counts are composed with them once per process, then run with the organization's id and the present.
_ANY_ORGANIZATION = -1
_ANY_MOMENT = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC)


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


def _dashboard_read(
    *,
    organization: Organization,
    filters: StaffFilters,
    size: int,
    skip: int = 0,
    bundle_ids: list[int] | None = None,
    held: int | None = None,
) -> tuple[list[SeatFact], list[StaffRow]]:
    """The seat facts, and the table's `size` rows from `skip` for `filters` (the last page's when `skip` is out
    of range): one statement (`organizations.statements.dashboard_rows`; `bundle_ids`, all the organization's, and
    `held`, their seats in use, guide its plan when known)."""
    facts, rows = dashboard_rows(
        organization_id=organization.pk,
        course=filters.course,
        status=filters.status,
        sort=filters.sort,
        descending=filters.descending,
        size=size,
        skip=skip,
        bundle_ids=bundle_ids,
        held=held,
    )
    labels = {key: str(label) for key, label in STATUSES.items()}
    return (
        [SeatFact(course_id=course_id, status=status, month=month, count=n) for course_id, status, month, n in facts],
        [
            StaffRow(
                pk=pk,
                name=name,
                email=email,
                course_title=title,
                status=status,
                status_label=labels[status],
                progress_percent=percent,
                completed_at=completed_at,
            )
            for pk, name, email, title, status, percent, completed_at in rows
        ],
    )


def seat_facts(*, organization: Organization) -> list[SeatFact]:
    """The held seats counted by (course, status, month completed), in one aggregate pass over the joined rows.

    The dashboard's seat figures, its completion chart and its table's row count all come from these facts (the
    dashboard reads them with its page of rows, in one statement).
    """
    return _dashboard_read(organization=organization, filters=StaffFilters(), size=0)[0]


@dataclass(frozen=True)
class _CourseBundles:
    """The organization's bundles of one course, summed, with the course's open invitations."""

    course_id: int
    title: str
    bought: int
    assigned: int
    reserved: int
    bundle_ids: list[int]


def _bundles_queryset(*, organization_id: int, now: datetime) -> QuerySet[Any, Any]:
    """A row per bundle of the organization, with its course's title and the course's open invitations at `now`."""
    reserved = Invitation.objects.open(now=now).filter(
        organization=OuterRef("organization"), bundle__course=OuterRef("course")
    )
    return (
        SeatBundle.objects.filter(organization_id=organization_id)
        .values("pk", "course", "course__title", "seats_bought", "seats_used")
        .annotate(reserved=_count_of(reserved))
        .order_by("course__title", "course", "pk")
    )


@functools.cache
def _bundles_query() -> FixedQuery:
    """`_bundles_queryset`, composed by the ORM once per process and run prepared: composing its join of Wagtail's
    page table and its subquery cost more than running it (about 1 ms of the dashboard's CPU)."""
    queryset = _bundles_queryset(organization_id=_ANY_ORGANIZATION, now=_ANY_MOMENT)
    return fixed_query(queryset, placeholders=(_ANY_ORGANIZATION, _ANY_MOMENT))


def _bundles_by_course(*, organization: Organization) -> list[_CourseBundles]:
    """The bundles' figures by course, in the courses' title order, and their ids: one query (a row per bundle,
    summed here, so that the ids come with them on every database)."""
    by_course: dict[int, _CourseBundles] = {}
    for row in _bundles_query().values(organization.pk, timezone.now()):
        known = by_course.get(row["course"])
        by_course[row["course"]] = _CourseBundles(
            course_id=row["course"],
            title=row["course__title"],
            bought=(known.bought if known else 0) + (row["seats_bought"] or 0),
            assigned=(known.assigned if known else 0) + (row["seats_used"] or 0),
            reserved=row["reserved"] or 0,
            bundle_ids=[*(known.bundle_ids if known else []), row["pk"]],
        )
    return list(by_course.values())


def seats_by_course(
    *,
    organization: Organization,
    facts: list[SeatFact] | None = None,
    bundles: list[_CourseBundles] | None = None,
) -> list[CourseSeats]:
    """Bought and assigned from the bundles, started and completed from the held seats: two queries (one with facts,
    none with the bundles too)."""
    bundles = _bundles_by_course(organization=organization) if bundles is None else bundles
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
            course_id=course.course_id,
            title=course.title,
            bought=course.bought,
            assigned=course.assigned,
            started=started.get(course.course_id, 0),
            completed=completed.get(course.course_id, 0),
            reserved=course.reserved,
        )
        for course in bundles
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


class MemberCounts(TypedDict):
    staff_count: int
    open_invitations: int


def _member_counts_queryset(*, organization_id: int, now: datetime) -> QuerySet[Any, Any]:
    return Organization.objects.filter(pk=organization_id).values(
        staff_count=_count_of(Membership.objects.filter(organization=OuterRef("pk"))),
        open_invitations=_count_of(Invitation.objects.open(now=now).filter(organization=OuterRef("pk"))),
    )


@functools.cache
def _member_counts_query() -> FixedQuery:
    """`_member_counts_queryset`, composed by the ORM once per process and run prepared (its two subqueries cost
    more to compose than to run)."""
    queryset = _member_counts_queryset(organization_id=_ANY_ORGANIZATION, now=_ANY_MOMENT)
    return fixed_query(queryset, placeholders=(_ANY_ORGANIZATION, _ANY_MOMENT))


def _member_counts(*, organization: Organization) -> MemberCounts:
    """The members and the open invitations, counted in one query."""
    [counts] = _member_counts_query().values(organization.pk, timezone.now())
    return MemberCounts(staff_count=counts["staff_count"], open_invitations=counts["open_invitations"])


def organization_dashboard(*, organization: Organization, filters: StaffFilters, page_number: Any = 1) -> Dashboard:
    """Seat figures, chart, the table's count and its page of rows from one statement; the bundles; the member
    counts. A page number past the last, or below 1, shows the last page, as `Paginator.get_page` does."""
    try:
        wanted = int(page_number)
    except (TypeError, ValueError):
        wanted = 1
    skip = (wanted - 1) * PAGE_SIZE if wanted >= 1 else -1
    bundles = _bundles_by_course(organization=organization)
    facts, rows = _dashboard_read(
        organization=organization,
        filters=filters,
        size=PAGE_SIZE,
        skip=skip,
        bundle_ids=[pk for course in bundles for pk in course.bundle_ids],
        held=sum(course.assigned for course in bundles),
    )
    paginator = CountedPaginator(rows, PAGE_SIZE, count=staff_count_matching(facts=facts, filters=filters))
    number = wanted if 1 <= wanted <= paginator.num_pages else paginator.num_pages
    return Dashboard(
        organization=organization,
        courses=seats_by_course(organization=organization, facts=facts, bundles=bundles),
        page=Page(rows, number, paginator),
        filters=filters,
        chart=completion_chart(organization=organization, facts=facts),
        **_member_counts(organization=organization),
    )
