"""Each of organizations' hand-written statements gives what its ORM twin gives, on PostgreSQL, over the same data."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from lms.exports import safe_row
from lms.xlsx import xlsx_stream
from organizations.selectors import StaffFilters, report_csv, report_header, report_rows, report_values, report_xlsx
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


@pytest.mark.parametrize("sort", sorted(SORTS))
@pytest.mark.parametrize("status", ["", "completed", "not_started"])
@pytest.mark.parametrize("held", [None, 11, 100_000])  # the planner's way; each seat by index; past the index limit
def test_the_dashboard_statement_given_its_plan_hints_still_gives_the_orm_facts_and_page(
    org_with_two_courses, sort, status, held
):
    """The bundles and the held count only guide PostgreSQL's plan (lookups by index up to a size): same answer."""
    org, first, second = org_with_two_courses
    for skip in (0, 9):
        statement, twin = both(
            organization_id=org.pk,
            course=None,
            status=status,
            sort=sort,
            descending=True,
            size=3,
            skip=skip,
            bundle_ids=[first.pk, second.pk],
            held=held,
        )
        assert statement == twin
        assert statement[0]


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


def _cells(data: bytes) -> list[list[tuple[Any, str, str]]]:
    """Every cell of a workbook's sheet: value, type and number format."""
    sheet = load_workbook(io.BytesIO(data)).active
    return [[(cell.value, cell.data_type, cell.number_format) for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize(
    ("status", "sort", "descending"),
    [("", "progress", True), ("", "name", False), ("", "completed", True), ("completed", "email", False)],
)
def test_the_sheet_postgresql_writes_is_the_workbook_of_the_report_values(
    org_with_two_courses, status, sort, descending
):
    """COPY writes in SQL the sheet rows lms.xlsx writes from report_values: both workbooks read back the same."""
    org, _first, _second = org_with_two_courses
    filters = StaffFilters(status=status, sort=sort, descending=descending)
    copied = b"".join(report_xlsx(organization=org, filters=filters))
    written = b"".join(
        xlsx_stream(report_values(organization=org, filters=filters), header=report_header(), title="Staff progress")
    )
    assert _cells(copied) == _cells(written)
    assert len(_cells(copied)) == 1 + sum(1 for _row in report_values(organization=org, filters=filters)) > 1


HOSTILE_TEXT = [
    '=HYPERLINK("http://evil.test","Click")',
    "+1+1",
    "@SUM(A1)",
    "\tTab",
    "\rCarriage",
    "a < b & c > d </t></is></c>",
    "line\nbreak and \r return",
    "bell\x07 nul-free control\x1f",
    "  spaces around  ",
    "Éloïse Côté 日本 🎓",
    'back\\slash "quoted" \x01\x02 separators',
]


def test_the_sheet_postgresql_writes_escapes_and_quotes_as_lms_xlsx_does(org_with_two_courses):
    from lms.models import User

    org, _first, _second = org_with_two_courses
    users = list(User.objects.filter(seats__bundle__organization=org).order_by("pk"))
    assert len(users) >= len(HOSTILE_TEXT)
    for user, text in zip(users, HOSTILE_TEXT, strict=False):
        User.objects.filter(pk=user.pk).update(display_name=text)
    filters = StaffFilters(sort="name")
    copied = _cells(b"".join(report_xlsx(organization=org, filters=filters)))
    written = _cells(
        b"".join(
            xlsx_stream(
                report_values(organization=org, filters=filters), header=report_header(), title="Staff progress"
            )
        )
    )
    assert copied == written
    names = {row[0][0] for row in copied[1:]}
    assert '\'=HYPERLINK("http://evil.test","Click")' in names
    assert "a < b & c > d </t></is></c>" in names
    assert "line\nbreak and \r return" in names
