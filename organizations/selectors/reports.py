"""The staff progress report, as rows (the spreadsheet export) and as CSV (the database's COPY on PostgreSQL)."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.exports import safe_row
from lms.xlsx import xlsx_stream, xlsx_stream_of_sheet_rows
from organizations.models import Organization
from organizations.selectors.staff import STATUSES, StaffFilters, staff_rows
from organizations.statements import report_csv_copy, report_sheet_rows_copy

REPORT_TIME = "%Y-%m-%d %H:%M"
ZERO = Decimal("0")


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


def report_query(*, organization: Organization, filters: StaffFilters) -> QuerySet[Any, tuple[Any, ...]]:
    """The report's one query: a row of raw values per held seat, in the staff table's order (the name falls back
    to the e-mail in SQL)."""
    return (
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


def report_values(*, organization: Organization, filters: StaffFilters) -> Iterator[list[Any]]:
    """The staff progress report as typed values, row by row from a server-side cursor: memory stays flat however
    many rows. Progress and grade are Decimals (the grade None until there is one), the times aware datetimes.

    The status labels are translated here, before the first row is asked for: a streamed response reads its rows
    after the view has returned. Per-row work is a tuple to a list.
    """
    labels = {key: str(label) for key, label in STATUSES.items()}
    rows = report_query(organization=organization, filters=filters)

    def values() -> Iterator[list[Any]]:
        for name, email, course, status, percent, enrolled_at, completed_at, grade in rows.iterator(chunk_size=2000):
            yield [
                name,
                email,
                course,
                labels[status],
                ZERO if percent is None else percent,
                enrolled_at,
                completed_at,
                grade,
            ]

    return values()


def report_rows(*, organization: Organization, filters: StaffFilters) -> Iterator[list[Any]]:
    """The staff progress report as the CSV shows it: times in the site's zone to the minute, no grade as ""."""
    zone = timezone.get_current_timezone()
    for row in report_values(organization=organization, filters=filters):
        enrolled_at, completed_at, grade = row[5:]
        row[5:] = [
            enrolled_at.astimezone(zone).strftime(REPORT_TIME) if enrolled_at else "",
            completed_at.astimezone(zone).strftime(REPORT_TIME) if completed_at else "",
            grade if grade is not None else "",
        ]
        yield row


def report_xlsx(*, organization: Organization, filters: StaffFilters) -> Iterator[bytes]:
    """The staff progress report as a streamed workbook: numbers as numbers, times as dates in the site's zone.

    On PostgreSQL the database writes the sheet's rows itself (COPY ... TO STDOUT), as it writes the CSV: the rows
    never become Python objects, which is what makes a large export fast. Elsewhere, `report_values` through
    `lms.xlsx`'s writer, which writes the same cells.
    """
    header, title = report_header(), _("Staff progress")
    if connection.vendor == "postgresql":
        sheet_rows = report_sheet_rows_copy(
            organization_id=organization.pk,
            course=filters.course,
            status=filters.status,
            sort=filters.sort,
            descending=filters.descending,
            labels={key: str(label) for key, label in STATUSES.items()},
        )
        return xlsx_stream_of_sheet_rows(sheet_rows, header=header, title=title)
    return xlsx_stream(report_values(organization=organization, filters=filters), header=header, title=title)


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
        yield from report_csv_copy(
            organization_id=organization.pk,
            course=filters.course,
            status=filters.status,
            sort=filters.sort,
            descending=filters.descending,
            labels={key: str(label) for key, label in STATUSES.items()},
        )
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
