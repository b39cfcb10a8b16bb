"""Issue 19's export probes: the CSV and XLSX staff exports of the 50,000-staff organization against PostgreSQL's
COPY of the same rows, with peak memory (split from bench.landed, which runs them)."""

from __future__ import annotations

import io
import statistics
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.extensions import (
    EXPORT_ADMIN,
    EXPORT_ORG_SLUG,
)
from bench.operations import BenchError, Context, expect
from bench.statements import rows_copy_out

# Issue 19's ceiling for either export's peak Python memory at 50,000 staff, and the XLSX's floor against COPY.
EXPORT_PEAK_MIB = 32
XLSX_COPY_SHARE = 0.25


def _export_rows(body: bytes, kind: str) -> int:
    """The data rows in an export's body (the header row left out): lines of the CSV, `<row` elements of the
    workbook's sheet (read after the timing)."""
    if kind == "csv":
        return max(0, body.count(b"\n") - 1)
    with zipfile.ZipFile(io.BytesIO(body)) as archive, archive.open("xl/worksheets/sheet1.xml") as sheet:
        count = 0
        tail = b""
        while block := sheet.read(1 << 20):
            count += (tail + block).count(b"<row ")
            tail = block[-4:]
    return max(0, count - 1)


def staff_export_rates(ctx: Context, log: Callable[[str], None], *, rounds: int = 5) -> dict[str, Any]:
    """The CSV and XLSX exports of the 50,000-staff organization: rows/s against COPY of the same rows (the
    report's own query), peak Python memory, queries, and whether the body came in chunks as it was made.

    Export and COPY take turns, a warm-up turn discarded, medians of `rounds`; peak memory is traced in a turn of
    its own after the timed ones (tracemalloc slows what it traces)."""
    from lms.models import User
    from organizations.models import Organization
    from organizations.selectors import StaffFilters, report_query

    organization = Organization.objects.filter(slug__startswith=EXPORT_ORG_SLUG.format(n="")).order_by("-pk").first()
    if organization is None:
        raise BenchError("the dataset has no export organization (bench.extensions._export_organization)")
    staff = int(organization.slug.removeprefix(EXPORT_ORG_SLUG.format(n="")))
    client = ctx.client(User.objects.get(email=f"{EXPORT_ADMIN.format(n=staff)}@bench.test"))
    sql, params = report_query(organization=organization, filters=StaffFilters()).query.sql_with_params()
    out: dict[str, Any] = {"staff": staff}
    for kind in ("csv", "xlsx"):
        url = f"/org/{organization.slug}/staff.{kind}"
        walls: list[float] = []
        copy_walls: list[float] = []
        first_bytes: list[float] = []
        rows = copied = queries = chunks = size = 0
        peak = 0
        streamed = True
        for turn in range(rounds + 2):
            traced = turn == rounds + 1  # the last turn: memory only
            if traced:
                tracemalloc.start()
            parts: list[bytes] = []
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = expect(client.get(url), 200)
                streamed = streamed and response.streaming
                first = None
                for part in response.streaming_content if response.streaming else [response.content]:
                    if first is None:
                        first = time.perf_counter() - started
                    if not traced:
                        parts.append(part)
                wall = time.perf_counter() - started
            if traced:
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                break
            body = b"".join(parts)
            rows, queries, chunks, size = (
                _export_rows(body, kind),
                len(captured.captured_queries),
                len(parts),
                len(body),
            )
            copy_started = time.perf_counter()
            copied = rows_copy_out(sql, params)
            copy_wall = time.perf_counter() - copy_started
            if turn:  # the first turn warms caches up (and imports) and is discarded
                walls.append(wall)
                copy_walls.append(copy_wall)
                first_bytes.append(first or wall)
        wall, copy_wall = statistics.median(walls), statistics.median(copy_walls)
        log(f"  {kind} export: {rows} rows in {wall:.3f}s, COPY {copied} rows in {copy_wall:.3f}s (medians)")
        out[kind] = {
            "rows": rows,
            "rows_per_s": rows / wall,
            "copy_rows": copied,
            "copy_rows_per_s": copied / copy_wall,
            "share_of_copy": (rows / wall) / (copied / copy_wall),
            "peak_mib": peak / 2**20,
            "queries": queries,
            "streamed": streamed,
            "chunks": chunks,
            "bytes": size,
            "first_byte_ms": statistics.median(first_bytes) * 1000,
            "wall_s": wall,
            "rounds": rounds,
        }
    return out
