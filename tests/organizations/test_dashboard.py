"""The organization dashboard: figures, sorting and filtering, a fixed number of queries, and exports."""

import csv
import io
import tracemalloc
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lms.models import User
from organizations.models import Invitation
from organizations.selectors import (
    StaffFilters,
    organization_dashboard,
    report_rows,
    seats_by_course,
    staff_rows,
)
from organizations.services import seat_assign
from tests.org_factories import make_bundle, make_member, make_org, org_admin
from tests.organizations.staff import staff_on_seats

pytestmark = pytest.mark.django_db

# User (the session is in the cache: cached_db), organization (with the admin check), one statement for the seat
# facts (seat figures, chart and the table's count) and the page's rows, bundles by course, the members and open
# invitations (one query), the staff's latest badges (through the dashboard hook) and the user's and groups'
# permissions (may this user open the admin? asked once, then cached).
DASHBOARD_QUERIES = 8


@pytest.fixture
def org_with_staff():
    org = make_org(name="Figures Inc")
    bundle = make_bundle(org, seats=1)
    staff_on_seats(org, bundle, 9)
    return org, bundle


def test_seats_by_course_counts_bought_assigned_started_completed(org_with_staff):
    org, _bundle = org_with_staff
    [course] = seats_by_course(organization=org)
    assert (course.bought, course.assigned, course.started, course.completed) == (19, 9, 6, 3)


@pytest.mark.parametrize("status", ["", "completed", "in_progress", "not_started"])
def test_the_table_count_from_the_seat_facts_is_the_count_of_its_rows(org_with_staff, status):
    org, bundle = org_with_staff
    for course in (None, bundle.course_id):
        filters = StaffFilters(status=status, course=course)
        dashboard = organization_dashboard(organization=org, filters=filters)
        assert dashboard.page.paginator.count == staff_rows(organization=org, filters=filters).count()
    assert (
        organization_dashboard(
            organization=org, filters=StaffFilters(course=bundle.course_id + 999)
        ).page.paginator.count
        == 0
    )


@pytest.mark.parametrize("sort", ["name", "-name", "email", "course", "-progress", "status", "-completed"])
def test_the_table_page_keeps_the_order_of_the_staff_rows(org_with_staff, sort):
    org, _bundle = org_with_staff
    filters = StaffFilters.from_query({"sort": sort})
    page = organization_dashboard(organization=org, filters=filters).page
    assert [row.pk for row in page] == list(staff_rows(organization=org, filters=filters).values_list("pk", flat=True))
    assert {row.status for row in page} == {"not_started", "in_progress", "completed"}


def test_the_staff_table_filters_by_status(client, org_with_staff):
    org, _bundle = org_with_staff
    client.force_login(org_admin(org))
    page = client.get(reverse("organizations:dashboard", args=[org.slug]), {"status": "completed"})
    assert page.context["dashboard"].page.paginator.count == 3


def test_the_staff_table_filters_by_course(client, org_with_staff):
    org, _bundle = org_with_staff
    other = make_bundle(org, seats=3)
    staff_on_seats(org, other, 2)
    client.force_login(org_admin(org))
    page = client.get(reverse("organizations:dashboard", args=[org.slug]), {"course": other.course_id})
    assert page.context["dashboard"].page.paginator.count == 2


def test_the_staff_table_sorts_by_progress_both_ways(client, org_with_staff):
    org, _bundle = org_with_staff
    client.force_login(org_admin(org))
    url = reverse("organizations:dashboard", args=[org.slug])
    ascending = [row.progress_percent for row in client.get(url, {"sort": "progress"}).context["dashboard"].page]
    descending = [row.progress_percent for row in client.get(url, {"sort": "-progress"}).context["dashboard"].page]
    assert ascending == sorted(ascending) and descending == sorted(descending, reverse=True)
    assert ascending[0] == 0 and descending[0] == 100


def test_sort_links_work_without_javascript(client, org_with_staff):
    org, _bundle = org_with_staff
    client.force_login(org_admin(org))
    html = client.get(reverse("organizations:dashboard", args=[org.slug]), {"sort": "name"}).content.decode()
    assert 'href="?sort=-name"' in html
    assert 'aria-sort="ascending"' in html
    assert '<th scope="col"' in html


def test_the_completion_chart_is_server_rendered_svg(client, org_with_staff):
    org, _bundle = org_with_staff
    client.force_login(org_admin(org))
    html = client.get(reverse("organizations:dashboard", args=[org.slug])).content.decode()
    assert '<svg viewBox="0 0 640 220" role="img"' in html
    assert "<polyline points=" in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_the_dashboard_counts_members_and_open_invitations_in_one_query(client, org_with_staff):
    org, _bundle = org_with_staff
    admin = org_admin(org)
    Invitation.objects.create(organization=org, email="one@example.org", invited_by=admin)
    Invitation.objects.create(organization=org, email="two@example.org", invited_by=admin)
    Invitation.objects.create(organization=org, email="done@example.org", invited_by=admin, accepted_at=timezone.now())
    client.force_login(admin)
    html = client.get(reverse("organizations:dashboard", args=[org.slug])).content.decode()
    # Nine staff and the admin.
    assert "10 members · 2 open invitations" in html


def test_an_organization_without_invitations_shows_none_open(client):
    org = make_org()
    client.force_login(org_admin(org))
    dashboard = client.get(reverse("organizations:dashboard", args=[org.slug])).context["dashboard"]
    assert (dashboard.staff_count, dashboard.open_invitations) == (1, 0)


def test_a_table_row_shows_the_learner_course_and_translated_status(client, org_with_staff):
    org, bundle = org_with_staff
    learner = make_member(org, display_name="")
    seat_assign(bundle=bundle, user=learner, actor=org_admin(org))
    client.force_login(org_admin(org))
    response = client.get(reverse("organizations:dashboard", args=[org.slug]), {"sort": "email"})
    [row] = [row for row in response.context["dashboard"].page if row.email == learner.email]
    # No display name: the e-mail stands in for it, as str(user) does.
    assert (row.name, row.course_title, row.status, row.status_label) == (
        learner.email,
        bundle.course.title,
        "not_started",
        "Not started",
    )
    html = response.content.decode()
    assert f'<th scope="row">{learner.email}<br><span class="muted">{learner.email}</span></th>' in html
    assert '<span class="org-status org-status-completed">Completed</span>' in html


@pytest.mark.parametrize("query", [{"sort": "-progress", "status": "in_progress", "page": "2"}, {"sort": "name"}, {}])
@pytest.mark.parametrize("staff", [10, 5000])
def test_the_dashboard_runs_a_fixed_number_of_queries(client, django_assert_num_queries, staff, query):
    org = make_org()
    bundle = make_bundle(org, seats=1)
    staff_on_seats(org, bundle, staff)
    client.force_login(org_admin(org))
    url = reverse("organizations:dashboard", args=[org.slug])
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(url, query)
    assert response.status_code == 200


def test_the_csv_export_has_a_row_per_seat(client, org_with_staff):
    org, _bundle = org_with_staff
    client.force_login(org_admin(org))
    response = client.get(reverse("organizations:export_csv", args=[org.slug]))
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Name", "E-mail", "Course"]
    assert len(rows) == 10


def test_the_xlsx_export_has_a_row_per_seat(client, org_with_staff):
    org, _bundle = org_with_staff
    client.force_login(org_admin(org))
    response = client.get(reverse("organizations:export_xlsx", args=[org.slug]), {"status": "completed"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4
    assert {row[3] for row in rows[1:]} == {"Completed"}


# A name starting with a carriage return is quoted too (tests/lms/test_exports.py), but Python 3.11's csv writer
# does not put a lone \r inside double quotes, so the SQLite export's row would split; PostgreSQL's COPY does.
HOSTILE_NAMES = ['=HYPERLINK("http://evil.test","Click")', "+1+1", "-2+3", "@SUM(A1)", "\tTab"]


@pytest.fixture
def hostile_org(org_with_staff):
    """Staff whose display names a spreadsheet would run as formulas."""
    org, bundle = org_with_staff
    staff = list(User.objects.filter(seats__bundle=bundle).order_by("pk")[: len(HOSTILE_NAMES)])
    for user, name in zip(staff, HOSTILE_NAMES, strict=True):
        User.objects.filter(pk=user.pk).update(display_name=name)
    return org


def _export_csv(client, org) -> list[list[str]]:
    client.force_login(org_admin(org))
    response = client.get(reverse("organizations:export_csv", args=[org.slug]))
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"), newline="")))


def test_the_csv_export_quotes_display_names_a_spreadsheet_would_run(client, hostile_org):
    names = {row[0] for row in _export_csv(client, hostile_org)[1:]}
    assert {"'" + name for name in HOSTILE_NAMES} <= names
    assert not any(name.startswith(("=", "+", "-", "@", "\t", "\r")) for name in names)


def test_the_csv_export_keeps_progress_as_plain_numbers(client, hostile_org):
    rows = _export_csv(client, hostile_org)[1:]
    assert {row[4] for row in rows} <= {"0", "0.00", "50", "50.00", "100", "100.00"}


def test_the_xlsx_export_writes_hostile_display_names_as_quoted_text_cells(client, hostile_org):
    client.force_login(org_admin(hostile_org))
    response = client.get(reverse("organizations:export_xlsx", args=[hostile_org.slug]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = {cell.value: cell.data_type for cell in sheet["A"][1:]}
    for name in HOSTILE_NAMES:
        assert names["'" + name] == "s"
    assert all(data_type == "s" for data_type in names.values())


def test_the_xlsx_export_keeps_progress_as_number_cells(client, hostile_org):
    client.force_login(org_admin(hostile_org))
    response = client.get(reverse("organizations:export_xlsx", args=[hostile_org.slug]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert {cell.data_type for cell in sheet["E"][1:]} == {"n"}


EXPORT_ROWS = 10_000
# Both exports hold one chunk of rows (2,000) at a time, not the report: the bound is far below 10,000 rows.
MEMORY_BOUND = 12 * 1024 * 1024


@pytest.fixture
def big_org():
    org = make_org()
    bundle = make_bundle(org, seats=1)
    staff_on_seats(org, bundle, EXPORT_ROWS)
    return org


def _peak(consume) -> int:
    tracemalloc.start()
    try:
        consume()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_csv_export_of_10000_rows_streams_in_bounded_memory(client, big_org):
    client.force_login(org_admin(big_org))
    response = client.get(reverse("organizations:export_csv", args=[big_org.slug]))
    lines = 0

    def consume():
        nonlocal lines
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")

    peak = _peak(consume)
    assert lines == EXPORT_ROWS + 1
    assert peak < MEMORY_BOUND, f"peak {peak} bytes"


def test_the_xlsx_export_of_10000_rows_is_built_in_bounded_memory(client, big_org):
    client.force_login(org_admin(big_org))
    url = reverse("organizations:export_xlsx", args=[big_org.slug])
    holder = {}

    def build():
        response = client.get(url)
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
        holder["size"] = size

    peak = _peak(build)
    assert holder["size"] > 100_000
    assert peak < MEMORY_BOUND, f"peak {peak} bytes"


def test_report_rows_are_read_from_a_server_side_iterator(big_org):
    rows = report_rows(organization=big_org, filters=StaffFilters())
    assert next(rows)[1].endswith("@bulk.test")


@pytest.mark.parametrize(
    ("page_number", "expected"), [(None, 1), ("1", 1), ("2", 2), ("3", 3), ("4", 3), ("0", 3), ("-2", 3), ("x", 1)]
)
def test_a_page_out_of_range_shows_the_last_page_as_the_paginator_does(
    monkeypatch, django_assert_num_queries, page_number, expected
):
    """Pages of 2 rows over 5 staff: the statement chooses the page itself, so the count of queries stays the same."""
    from organizations.selectors import dashboard

    monkeypatch.setattr(dashboard, "PAGE_SIZE", 2)
    org = make_org()
    staff_on_seats(org, make_bundle(org, seats=1), 5)
    filters = StaffFilters(sort="email")
    everyone = list(staff_rows(organization=org, filters=filters).values_list("pk", flat=True))
    with django_assert_num_queries(3):  # the statement, the bundles, the member counts
        page = organization_dashboard(organization=org, filters=filters, page_number=page_number)
    assert page.page.number == expected
    assert [row.pk for row in page.page] == everyone[(expected - 1) * 2 : expected * 2]
    assert (page.page.paginator.count, page.page.paginator.num_pages) == (5, 3)


def test_completions_count_in_the_month_of_the_sites_time_zone(settings):
    """The facts' months are the site's (America/Toronto): 1 March 03:00 UTC is still February there."""
    from organizations.selectors import completion_chart, seat_facts
    from progress.models import Enrolment

    settings.TIME_ZONE = "America/Toronto"
    org = make_org()
    bundle = make_bundle(org, seats=1)
    staff_on_seats(org, bundle, 6)
    completed = Enrolment.objects.filter(course_id=bundle.course_id, completed_at__isnull=False).order_by("pk")
    [first, second] = completed
    Enrolment.objects.filter(pk=first.pk).update(completed_at=datetime(2026, 3, 1, 3, 0, tzinfo=UTC))
    Enrolment.objects.filter(pk=second.pk).update(completed_at=datetime(2026, 3, 1, 6, 0, tzinfo=UTC))
    facts = seat_facts(organization=org)
    months = sorted((fact.month, fact.count) for fact in facts if fact.status == "completed")
    assert months == [(date(2026, 2, 1), 1), (date(2026, 3, 1), 1)]
    assert {fact.status: fact.count for fact in facts if fact.status != "completed"} == {
        "not_started": 2,
        "in_progress": 2,
    }
    chart = completion_chart(organization=org, months=3, today=date(2026, 3, 15), facts=facts)
    assert [(point.label, point.count, point.total) for point in chart.points] == [
        ("2026-01", 0, 0),
        ("2026-02", 1, 1),
        ("2026-03", 1, 2),
    ]
