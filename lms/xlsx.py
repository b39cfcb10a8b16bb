"""A streaming XLSX writer: rows become sheet XML and are zipped as they come, so the first bytes leave at once
and memory stays bounded (one batch of rows and zlib's window) however many rows follow.

openpyxl, even in write-only mode, finishes the whole workbook before a byte can be sent. This writer emits the
few parts a workbook needs (content types, relationships, workbook, styles, one sheet) into a ZIP written to a
sink that cannot seek (each member's sizes follow it in a data descriptor), and a generator drains the sink
after every batch. Every cell is typed: text as an inline string, numbers as numbers, dates and times as Excel
serials with a date style, booleans as booleans. Text that could start a formula is quoted (`safe_cell`), and
characters XML cannot hold (control characters) are dropped.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal
from itertools import islice
from typing import Any

from django.utils import timezone
from openpyxl.utils.cell import get_column_letter

from lms.exports import FORMULA_PREFIXES, safe_cell

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BATCH_ROWS = 500
# Level 1: the sheet XML repeats itself so much that it still shrinks about tenfold, at several times level 6's speed.
COMPRESS_LEVEL = 1
SHEET_NAME_LIMIT = 31

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (the 1900 date system)
_ORDINAL_EPOCH = _EPOCH.toordinal()
# XML 1.0 allows tab, line feed, carriage return and everything from U+0020 but surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Text written as is in the fast path: nothing to escape or drop, no space at either end to preserve.
_NEEDS_CARE = re.compile("[&<>\x00-\x1f\ud800-\udfff\ufffe\uffff]|^\\s|\\s$")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SPACE = (" ", "\t", "\n", "\r")

# Styles (cellXfs): 0 general, 1 date and time, 2 date, 3 the header row (bold).
DATETIME_STYLE, DATE_STYLE, _HEADER_STYLE = 1, 2, 3
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_CONTENT_TYPES = (
    f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_PACKAGE_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# The header row stays in view while the reader scrolls.
_SHEET_HEAD = (
    f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
    "<sheetData>"
)
_SHEET_TAIL = "</sheetData></worksheet>"


def xml_text(text: str) -> str:
    """`text` as XML character data: characters XML cannot hold dropped, markup and carriage returns escaped."""
    return _escaped(text)


def _escaped(text: str) -> str:
    if _NOT_XML.search(text):
        text = _NOT_XML.sub("", text)
    # A carriage return as a reference: XML readers turn a raw one into a line feed.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _text_cell(ref: str, value: str, style: str = "") -> str:
    text = safe_cell(value)
    if not text:
        return ""
    space = ' xml:space="preserve"' if text.startswith(_SPACE) or text.endswith(_SPACE) else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{_escaped(text)}</t></is></c>'


def _number_cell(ref: str, value: float | int | Decimal) -> str:
    if isinstance(value, float | Decimal) and not math.isfinite(value):
        return ""  # a spreadsheet number cannot be NaN or infinite
    return f'<c r="{ref}"><v>{value}</v></c>'


def _serial(value: datetime) -> float:
    """Excel's serial number of a (naive) moment: days since 1899-12-30, the time as the fraction of a day."""
    days = value.toordinal() - _ORDINAL_EPOCH
    if 0 < days <= 60:  # Excel counts 1900-02-29, which never was: serials before March 1900 are one less
        days -= 1
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1_000_000
    return days + seconds / 86400


def _datetime_cell(ref: str, value: datetime, zone: tzinfo) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(zone)  # the reader sees the clock of the site's (or the active) time zone
    return f'<c r="{ref}" s="{DATETIME_STYLE}"><v>{_serial(value)!r}</v></c>'


def _date_cell(ref: str, value: date) -> str:
    return f'<c r="{ref}" s="{DATE_STYLE}"><v>{_serial(datetime(value.year, value.month, value.day))!r}</v></c>'


def _cell(ref: str, value: Any, zone: tzinfo) -> str:
    """One cell by the value's type (subclasses included); anything else is written as its text."""
    if isinstance(value, str):
        return _text_cell(ref, value)
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return _number_cell(ref, value)
    if isinstance(value, datetime):
        return _datetime_cell(ref, value, zone)
    if isinstance(value, date):
        return _date_cell(ref, value)
    return _text_cell(ref, str(value))


def sheet_name(title: str) -> str:
    """A valid sheet name: at most 31 characters, none of []:*?/\\, never empty."""
    name = _SHEET_NAME_FORBIDDEN.sub(" ", _NOT_XML.sub("", title)).strip().strip("'")[:SHEET_NAME_LIMIT]
    return name or "Sheet1"


class _Drain:
    """A write-only sink that cannot seek: zipfile writes into it and the generator takes what it holds."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes, /) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


class _Rows:
    """Rows as `<row>` elements, numbered from 1, with each cell's reference (A1, B1...).

    The common cells (text and plain numbers) are written inline: this loop is the export's cost per row.
    """

    def __init__(self, zone: tzinfo) -> None:
        self.number = 0
        self.zone = zone
        self._letters: list[str] = []

    def letters(self, count: int) -> list[str]:
        while len(self._letters) < count:
            self._letters.append(get_column_letter(len(self._letters) + 1))
        return self._letters

    def header(self, values: Sequence[Any]) -> str:
        self.number += 1
        cells = "".join(
            _text_cell(f"{letter}{self.number}", str(value), f' s="{_HEADER_STYLE}"')
            for letter, value in zip(self.letters(len(values)), values, strict=False)
            if value is not None
        )
        return f'<row r="{self.number}">{cells}</row>'

    def row(self, values: Sequence[Any]) -> str:
        self.number += 1
        number = str(self.number)
        cells = [f'<row r="{number}">']
        for letter, value in zip(self.letters(len(values)), values, strict=False):
            kind = type(value)
            if kind is str:
                if value and not value.startswith(FORMULA_PREFIXES) and not _NEEDS_CARE.search(value):
                    cells.append(f'<c r="{letter}{number}" t="inlineStr"><is><t>{value}</t></is></c>')
                elif value:
                    cells.append(_text_cell(letter + number, value))
            elif kind is int or kind is Decimal:
                cells.append(_number_cell(letter + number, value))
            elif value is not None:
                cells.append(_cell(letter + number, value, self.zone))
        cells.append("</row>")
        return "".join(cells)


def xlsx_stream(
    rows: Iterable[Sequence[Any]], *, header: Sequence[str], title: str, batch_rows: int = BATCH_ROWS
) -> Iterator[bytes]:
    """A workbook of one sheet named `title`: the `header` row in bold, then `rows`, as chunks of bytes.

    Rows are read `batch_rows` at a time, so a server-side cursor behind `rows` is read in step with the client;
    the workbook's small parts leave in the first chunk, before any row is read. The header, the title and the
    time zone are taken now: a streamed response is read after its view has returned.
    """
    writer = _Rows(timezone.get_current_timezone())
    source = iter(rows)

    def sheet_rows() -> Iterator[bytes]:
        try:
            while batch := list(islice(source, batch_rows)):
                yield "".join(writer.row(values) for values in batch).encode()
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()  # a client that went away ends the database cursor now, not when it is collected

    return _stream(sheet_rows(), header=writer.header([str(value) for value in header]), title=sheet_name(str(title)))


def xlsx_stream_of_sheet_rows(sheet_rows: Iterable[bytes], *, header: Sequence[str], title: str) -> Iterator[bytes]:
    """`xlsx_stream` for rows already written as the sheet's `<row>` elements (UTF-8), numbered from 2 with their
    cells' references and the styles of `xlsx_stream` (1 date and time, 2 date): PostgreSQL writes them for a
    large export (organizations.statements), so the rows never become Python objects."""
    writer = _Rows(timezone.get_current_timezone())
    return _stream(
        iter(sheet_rows), header=writer.header([str(value) for value in header]), title=sheet_name(str(title))
    )


def _stream(sheet_rows: Iterator[bytes], *, header: str, title: str) -> Iterator[bytes]:
    sink = _Drain()
    try:
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
            archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
            archive.writestr("_rels/.rels", _PACKAGE_RELS)
            name = _escaped(title).replace('"', "&quot;")
            archive.writestr(
                "xl/workbook.xml",
                f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
                f'<sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>',
            )
            archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
            archive.writestr("xl/styles.xml", _STYLES)
            with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
                sheet.write((_SHEET_HEAD + header).encode())
                yield sink.take()
                for rows in sheet_rows:
                    sheet.write(rows)
                    if chunk := sink.take():
                        yield chunk
                sheet.write(_SHEET_TAIL.encode())
        yield sink.take()
    finally:
        close = getattr(sheet_rows, "close", None)
        if close is not None:
            close()
