"""The staff progress workbook: streamed, typed cells, the same rows as the report, the same permissions."""

import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lms.xlsx import CONTENT_TYPE
from organizations.selectors import StaffFilters, report_header, report_values
from tests.org_factories import make_bundle, make_member, make_org, org_admin
from tests.organizations.staff import staff_on_seats

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_with_staff():
    org = make_org(name="Sheets Inc")
    bundle = make_bundle(org, seats=1)
    staff_on_seats(org, bundle, 9)
    return org


def _url(org):
    return reverse("organizations:export_xlsx", args=[org.slug])


def _sheet(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def test_the_workbook_is_streamed_as_an_attachment(client, org_with_staff):
    client.force_login(org_admin(org_with_staff))
    response = client.get(_url(org_with_staff))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == CONTENT_TYPE
    day = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="{org_with_staff.slug}-staff-progress-{day}.xlsx"'


def test_every_cell_is_the_reports_value_with_its_type(client, org_with_staff):
    client.force_login(org_admin(org_with_staff))
    sheet = _sheet(client.get(_url(org_with_staff)))
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    zone = timezone.get_current_timezone()

    def as_read(value):
        if isinstance(value, datetime):  # the site's clock; openpyxl reads a serial to the millisecond
            local = value.astimezone(zone).replace(tzinfo=None)
            return local + timedelta(microseconds=round(local.microsecond, -3) - local.microsecond)
        if isinstance(value, Decimal):
            return float(value)
        return value

    expected = [
        [as_read(value) for value in row] for row in report_values(organization=org_with_staff, filters=StaffFilters())
    ]
    assert rows[0] == report_header()
    assert rows[1:] == expected
    assert len(expected) == 9
    assert {type(row[4]) for row in rows[1:]} <= {int, float}  # progress: numbers
    assert all(isinstance(row[5], datetime) for row in rows[1:])  # enrolled: dates
    completed = [row for row in rows[1:] if row[3] == "Completed"]
    assert completed and all(isinstance(row[6], datetime) and row[7] == 88 for row in completed)


def test_the_filters_of_the_dashboard_apply(client, org_with_staff):
    client.force_login(org_admin(org_with_staff))
    sheet = _sheet(client.get(_url(org_with_staff), {"status": "not_started"}))
    statuses = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert statuses == ["Not started"] * 3


def test_an_organization_without_staff_gets_the_header_only(client):
    org = make_org()
    client.force_login(org_admin(org))
    sheet = _sheet(client.get(_url(org)))
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [report_header()]


@pytest.mark.parametrize("who", ["visitor", "member", "other admin"])
def test_anyone_but_the_organizations_admin_gets_404_and_no_workbook(client, org_with_staff, who):
    if who == "member":
        client.force_login(make_member(org_with_staff))
    elif who == "other admin":
        client.force_login(org_admin(make_org()))
    response = client.get(_url(org_with_staff))
    assert response.status_code == 404
    assert not response.streaming


def _export_queries(client, org, django_assert_num_queries, queries):
    client.force_login(org_admin(org))
    with django_assert_num_queries(queries):
        response = client.get(_url(org))
        size = sum(len(chunk) for chunk in response.streaming_content)
    return size


def test_the_queries_do_not_grow_with_the_staff(client, django_assert_num_queries, monkeypatch):
    """The session's user and the organization with its admin check, then the report: one statement (on PostgreSQL
    a COPY through the driver's cursor, which Django's count does not see; elsewhere a server-side cursor)."""
    from django.db import connection

    from organizations.selectors import reports

    copies = []
    copy = reports.report_sheet_rows_copy
    monkeypatch.setattr(reports, "report_sheet_rows_copy", lambda **kw: copies.append(kw) or copy(**kw))
    queries = 2 if connection.vendor == "postgresql" else 3
    small, large = make_org(), make_org()
    staff_on_seats(small, make_bundle(small, seats=1), 3)
    staff_on_seats(large, make_bundle(large, seats=1), 600)
    small_size = _export_queries(client, small, django_assert_num_queries, queries)
    large_size = _export_queries(client, large, django_assert_num_queries, queries)
    assert large_size > small_size + 5_000  # the rows are there: only the queries stay the same
    assert len(copies) == (2 if connection.vendor == "postgresql" else 0)
