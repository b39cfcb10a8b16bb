"""The streaming XLSX writer: what it writes reads back through openpyxl cell for cell, types included."""

import io
import tracemalloc
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from lms.xlsx import sheet_name, xlsx_stream

HEADER = ["Name", "Count", "Share", "Done", "When", "Day", "Note"]


def _workbook(rows, *, header=HEADER, title="Report", **kwargs):
    data = b"".join(xlsx_stream(rows, header=header, title=title, **kwargs))
    return load_workbook(io.BytesIO(data))


def _cells(sheet):
    return [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]


def test_every_cell_reads_back_with_its_value_and_type():
    rows = [
        ["Lea Learner", 3, Decimal("62.50"), True, datetime(2026, 3, 4, 9, 30), date(2026, 3, 5), "ok"],
        ["Sam", -2, 0.25, False, datetime(1999, 12, 31, 23, 59), date(2000, 1, 1), "done"],
    ]
    sheet = _workbook(rows).active
    assert _cells(sheet) == [
        [(name, "s") for name in HEADER],
        [
            ("Lea Learner", "s"),
            (3, "n"),
            (62.5, "n"),
            (True, "b"),
            (datetime(2026, 3, 4, 9, 30), "d"),
            (datetime(2026, 3, 5), "d"),
            ("ok", "s"),
        ],
        [
            ("Sam", "s"),
            (-2, "n"),
            (0.25, "n"),
            (False, "b"),
            (datetime(1999, 12, 31, 23, 59), "d"),
            (datetime(2000, 1, 1), "d"),
            ("done", "s"),
        ],
    ]


def test_dates_carry_a_date_format_and_the_header_is_bold():
    sheet = _workbook([["x", 1, 1, True, datetime(2026, 1, 2, 3, 4), date(2026, 1, 2), ""]]).active
    assert sheet["E2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["F2"].number_format == "yyyy-mm-dd"
    assert sheet["A1"].font.b is True
    assert sheet["A2"].font.b is False
    assert sheet.freeze_panes == "A2"


def test_an_aware_time_is_written_on_the_clock_of_the_active_time_zone():
    moment = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    with timezone.override(ZoneInfo("America/Toronto")):
        sheet = _workbook([[moment]], header=["When"]).active
    assert sheet["A2"].value == datetime(2026, 7, 1, 8, 0)


def test_none_and_empty_text_leave_the_cell_empty_and_the_next_cells_in_place():
    sheet = _workbook([[None, "", "third", None, 5]], header=["a", "b", "c", "d", "e"]).active
    assert [cell.value for cell in sheet[2]] == [None, None, "third", None, 5]


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.test","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"])
def test_text_that_could_start_a_formula_is_quoted_and_stays_text(text):
    cell = _workbook([[text]], header=["a"]).active["A2"]
    assert (cell.value, cell.data_type) == ("'" + text, "s")


def test_negative_numbers_stay_numbers():
    sheet = _workbook([[-3, Decimal("-2.50"), -0.5]], header=["a", "b", "c"]).active
    assert [(cell.value, cell.data_type) for cell in sheet[2]] == [(-3, "n"), (-2.5, "n"), (-0.5, "n")]


def test_markup_is_escaped_and_characters_xml_cannot_hold_are_dropped():
    text = 'a < b & c > d "quoted" </t></is></c><c t="b"><v>1</v></c>'
    sheet = _workbook([[text, "bell\x07 and nul\x00 gone", "keeps\ttab\nand newline"]], header=["a", "b", "c"]).active
    assert [cell.value for cell in sheet[2]] == [text, "bell and nul gone", "keeps\ttab\nand newline"]


def test_unicode_and_surrounding_spaces_survive():
    values = ["Éloïse Côté-Tremblay", "  deux espaces  ", "日本語 ✓ 🎓", "\u00a0insécable"]
    sheet = _workbook([values], header=["a", "b", "c", "d"], title="Progrès du personnel").active
    assert [cell.value for cell in sheet[2]] == values
    assert sheet.title == "Progrès du personnel"


def test_not_a_number_and_infinity_are_left_empty_rather_than_corrupting_the_file():
    sheet = _workbook([[float("nan"), Decimal("Infinity"), 1]], header=["a", "b", "c"]).active
    assert [cell.value for cell in sheet[2]] == [None, None, 1]


def test_an_empty_export_is_a_valid_workbook_with_the_header_only():
    sheet = _workbook([]).active
    assert _cells(sheet) == [[(name, "s") for name in HEADER]]


@pytest.mark.parametrize(
    ("title", "expected"),
    [("Staff progress", "Staff progress"), ("a/b:c*d?[e]\\f", "a b c d  e  f"), ("x" * 40, "x" * 31), ("", "Sheet1")],
)
def test_the_sheet_name_is_one_excel_accepts(title, expected):
    assert sheet_name(title) == expected
    assert _workbook([], title=title).active.title == expected


def test_the_archive_is_a_well_formed_zip_with_the_parts_a_workbook_needs():
    data = b"".join(xlsx_stream([["a"]], header=["h"], title="T"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert set(archive.namelist()) == {
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
        }


def test_rows_are_read_in_batches_as_the_client_reads_the_chunks():
    read = []

    def rows():
        for n in range(20_000):
            read.append(n)
            yield [f"{n * 7919 % 100_003:x}-{n}", n]

    chunks = xlsx_stream(rows(), header=["code", "n"], title="T", batch_rows=100)
    assert next(chunks).startswith(b"PK")
    assert read == []  # the workbook's parts and the header leave before the first row is read
    assert next(chunks)
    assert 0 < len(read) < 20_000
    assert len(read) % 100 == 0  # whole batches, then the zipped bytes are handed over


def test_a_client_that_goes_away_closes_the_rows_source():
    closed = []

    def rows():
        try:
            for n in range(10_000):
                yield [n]
        finally:
            closed.append(True)

    chunks = xlsx_stream(rows(), header=["n"], title="T", batch_rows=100)
    next(chunks)
    next(chunks)
    chunks.close()
    assert closed == [True]


ROWS = 20_000
# One batch of rows (500) as text and zlib's state: far below what 20,000 rows would take held whole (tens of MiB).
MEMORY_BOUND = 4 * 1024 * 1024


def test_20000_rows_are_written_in_bounded_memory():
    def rows():
        for n in range(ROWS):
            yield [f"Staff member {n}", f"staff{n:05d}@example.test", Decimal(n % 101), datetime(2026, 1, 1, 9, n % 60)]

    size = 0
    tracemalloc.start()
    try:
        for chunk in xlsx_stream(rows(), header=["Name", "E-mail", "Progress", "Enrolled"], title="T"):
            size += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert size > 200_000
    assert peak < MEMORY_BOUND, f"peak {peak} bytes"


def test_a_large_export_reads_back_row_for_row():
    rows = [[f"n{n}", n, datetime(2026, 1, 1 + n % 28, n % 24, n % 60)] for n in range(3000)]
    sheet = _workbook(rows, header=["a", "b", "c"], batch_rows=128).active
    assert [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)] == rows
