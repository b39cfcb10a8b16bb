"""Each of organizations' hand-written statements gives what its ORM twin gives, on PostgreSQL, over the same data."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from lms.exports import safe_row
from organizations.selectors import StaffFilters, report_csv, report_header, report_rows
from organizations.statements import SORTS, dashboard_rows, dashboard_rows_orm
from progress.models import Enrolment
from tests.org_factories import make_bundle, make_org
from tests.organizations.staff import staff_on_seats

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def org_with_two_courses():
    """Seven staff on one course and four on another, at every stage, completed over several months."""
    org = make_org(name="Parity Ltd")
    first, second = make_bundle(org, seats=1), make_bundle(org, seats=1)
    staff_on_seats(org, first, 7)
    staff_on_seats(org, second, 4)
    Enrolment.objects.filter(course_id=second.course_id, completed_at__isnull=False).update(
        completed_at=timezone.now() - timedelta(days=400)
    )
    return org, first, second


def both(**asked: Any) -> tuple[Any, Any]:
    """The statement's answer and its twin's, the facts in one order (a GROUP BY has none)."""
    facts, rows = dashboard_rows(**asked)
    twin_facts, twin_rows = dashboard_rows_orm(**asked)
    return (sorted(facts, key=str), rows), (sorted(twin_facts, key=str), twin_rows)


@pytest.mark.parametrize("sort", sorted(SORTS))
@pytest.mark.parametrize("descending", [False, True])
def test_the_dashboard_statement_gives_the_orm_facts_and_page_for_every_sort(org_with_two_courses, sort, descending):
    org, _first, _second = org_with_two_courses
    for skip in (0, 3, 9, -1, 50):
        statement, twin = both(
            organization_id=org.pk, course=None, status="", sort=sort, descending=descending, size=3, skip=skip
        )
        assert statement == twin
        assert len(statement[1]) == (2 if skip in (9, -1, 50) else 3)  # 11 staff: pages of 3, the last of 2


@pytest.mark.parametrize("status", ["", "completed", "in_progress", "not_started"])
def test_the_dashboard_statement_gives_the_orm_facts_and_page_for_every_filter(org_with_two_courses, status):
    org, first, second = org_with_two_courses
    for course in (None, first.course_id, second.course_id):
        statement, twin = both(
            organization_id=org.pk, course=course, status=status, sort="progress", descending=True, size=50
        )
        assert statement == twin
        facts, rows = statement
        assert len(rows) == sum(n for c, s, _month, n in facts if course in (None, c) and status in ("", s)) > 0


def test_the_dashboard_statement_and_the_orm_find_nothing_for_an_organization_without_seats():
    org = make_org(name="Empty Co")
    statement, twin = both(
        organization_id=org.pk, course=None, status="", sort="name", descending=False, size=50, skip=-1
    )
    assert statement == twin == ([], [])


@pytest.mark.parametrize("status", ["", "completed", "in_progress", "not_started"])
def test_the_csv_postgresql_writes_is_the_csv_of_the_report_rows(org_with_two_courses, status):
    """COPY formats in SQL what report_rows formats in Python: the two must give the same file."""
    org, _first, _second = org_with_two_courses
    filters = StaffFilters(status=status, sort="progress", descending=True)
    copied = b"".join(report_csv(organization=org, filters=filters)).decode("utf-8-sig")
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(report_header())
    writer.writerows(safe_row(row) for row in report_rows(organization=org, filters=filters))
    assert copied == expected.getvalue()
    assert copied.count("\n") > 1
