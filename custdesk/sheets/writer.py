"""Writing workbooks (.xlsx, openpyxl write-only) and CSV files an accountant can open.

Each sheet gets an optional title row (what and which period), a bold frozen header row
with an autofilter, column widths fitted from a sample of rows (sizing from every row would
read a big export twice), and real dates and numbers with number formats: money with the
currency symbol, shares as %.

Formula injection: text from the owner's data is never run as a formula. openpyxl turns any
string starting with "=" into a formula (and "#N/A"-like strings into error cells), so those
cells are forced to the string type `s`. Every other trigger (+ - @ tab CR and the
full-width forms) is already a plain string in .xlsx, and is forced to `s` as well so the
rule is visible in one place. Numbers are never touched, so −12.50 stays a number. CSV
files: see `csv_writer.py` (a leading apostrophe).

Writes go to a temporary file beside the target and replace it only when complete, so a
cancelled or failed export never leaves half a workbook behind.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from custdesk.sheets.xlsx_cells import RowCells

# Column kinds: how a value is stored and shown.
TEXT, INT, NUMBER, MONEY, PERCENT = "text", "int", "number", "money", "percent"
DATE, DATETIME, MONTH, FLAG = "date", "datetime", "month", "flag"
KINDS = (TEXT, INT, NUMBER, MONEY, PERCENT, DATE, DATETIME, MONTH, FLAG)

# What a spreadsheet may take as the start of a formula or a DDE payload.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML 1.0 forbids these
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
# one regex pass finds any text needing care: a trigger first, a CR, a forbidden character
# or something that looks like an _xHHHH_ escape
_RISKY = re.compile("^[" + re.escape("".join(FORMULA_TRIGGERS)) + r"]|[\r\x00-\x08\x0b\x0c"
                    r"\x0e-\x1f]|_x")
_CONVERTED_KINDS = frozenset({"date", "datetime", "month", "flag"})
MAX_CELL_TEXT = 32_767  # Excel's limit per cell
SAMPLE_ROWS = 200
TICK = 1000  # rows between progress reports and cancel checks
Progress = Callable[[int], None]
Cancelled = Callable[[], bool]


class ExportCancelled(Exception):
    """The owner pressed Cancel; nothing was written."""


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: str = TEXT


@dataclass
class Sheet:
    """One sheet to write: `rows` may be any iterable (a database cursor streams)."""

    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    title: str | None = None  # a title row above the header, e.g. "Orders · 2024"


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read `text` as a formula (or DDE) if typed or parsed."""
    return text.startswith(FORMULA_TRIGGERS)


def clean_text(text: str) -> str:
    """Text as an .xlsx cell holds it: control characters XML forbids dropped, a carriage
    return escaped as `_x000D_` (a raw CR would read back as a line feed: XML normalises line
    ends; Excel, LibreOffice and calamine decode the escape), length capped."""
    if _ILLEGAL_XML.search(text):
        text = _ILLEGAL_XML.sub("", text)
    if "_x" in text:  # literal text that looks like an escape: escape its underscore
        text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
    return text.replace("\r", "_x000D_")[:MAX_CELL_TEXT]


def _needs_cell(text: str) -> bool:
    """Text that openpyxl would mistype, or that needs cleaning before it is stored."""
    return (_RISKY.search(text) is not None or text in ERROR_CODES
            or len(text) > MAX_CELL_TEXT)


def number_format(kind: str, currency: str = "$") -> str | None:
    """The Excel number format of a column kind (None: General)."""
    sym = currency.replace('"', "")
    return {
        MONEY: f'"{sym}"#,##0.00;-"{sym}"#,##0.00',
        PERCENT: "0.0%",
        INT: "#,##0",
        DATE: "yyyy-mm-dd",
        DATETIME: "yyyy-mm-dd hh:mm:ss",
        MONTH: "yyyy-mm",
    }.get(kind)


def safe_cell(ws: Any, value: Any, fmt: str | None = None, font: Font | None = None) -> Any:
    """A write-only cell holding `value`; text is always a literal string, never a formula."""
    if isinstance(value, str):
        value = clean_text(value)
    cell = WriteOnlyCell(ws, value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would make "=…" a formula and "#N/A" an error
    elif fmt is not None and value is not None:
        cell.number_format = fmt
    if font is not None:
        cell.font = font
    return cell


def to_value(value: Any, kind: str) -> Any:
    """A stored value as the spreadsheet should hold it (ISO text -> date, 1/0 -> Yes/No)."""
    if value is None or value == "":
        return None
    if kind in (DATE, DATETIME, MONTH) and isinstance(value, str):
        return _parse_when(value, kind)
    if kind == FLAG and not isinstance(value, str):
        return "Yes" if value else "No"
    return value


def _parse_when(text: str, kind: str) -> Any:
    try:
        if kind == MONTH:
            return date(int(text[0:4]), int(text[5:7]), 1)
        if kind == DATE:
            return date.fromisoformat(text[:10])
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        return text  # not ISO: keep the text rather than lose it


# ---- .xlsx ------------------------------------------------------------------------------

def write_xlsx(path: str | Path, sheets: Iterable[Sheet], *, currency: str = "$",
               progress: Progress | None = None, cancel: Cancelled | None = None) -> Path:
    """Write `sheets` to one workbook at `path` (replaced only when complete)."""
    path = Path(path)
    wb = Workbook(write_only=True)
    done = 0
    try:
        for sheet in sheets:
            done = write_sheet(wb, sheet, currency, done, progress, cancel)
    except BaseException:
        discard(wb)
        raise
    with replacing(path) as tmp:
        wb.save(tmp)
    return path


def discard(wb: Workbook) -> None:
    """Remove the streamed sheets' temporary files now rather than at interpreter exit."""
    for ws in wb.worksheets:
        writer = getattr(ws, "_writer", None)
        if writer is not None:
            try:
                ws.close()
            finally:
                Path(writer.out).unlink(missing_ok=True)


def write_sheet(wb: Workbook, sheet: Sheet, currency: str, done: int,
                 progress: Progress | None, cancel: Cancelled | None) -> int:
    ws = wb.create_sheet(sheet.name)
    kinds = [c.kind for c in sheet.columns]
    rows = converted_rows(sheet.rows, kinds)
    sample = list(islice(rows, SAMPLE_ROWS))
    for i, width in enumerate(fit_widths(sheet.columns, sample), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    header_row = 2 if sheet.title else 1
    ws.freeze_panes = f"A{header_row + 1}"  # must precede the first row in write-only mode
    print_setup(ws, header_row)
    if sheet.title:
        ws.append([safe_cell(ws, sheet.title, font=Font(bold=True, size=13))])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    header = []
    for col in sheet.columns:
        cell = safe_cell(ws, col.header, font=bold)
        # a number column's header is centred: right-aligned it would touch the next one
        cell.fill, cell.alignment = fill, Alignment(
            horizontal="left" if col.kind in (TEXT, FLAG) else "center", vertical="center")
        header.append(cell)
    ws.append(header)
    cells = RowCells(ws, [number_format(k, currency) for k in kinds], safe_cell, _needs_cell)
    count = 0
    for row in chain(sample, rows):
        ws.append(cells(row))
        count += 1
        if count % TICK == 0:
            tick(done + count, progress, cancel)
    last = get_column_letter(max(1, len(sheet.columns)))
    ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(count, 1)}"
    tick(done + count, progress, cancel)
    return done + count


def print_setup(ws: Any, header_row: int) -> None:
    """Printed (or saved as PDF): landscape, one page wide, the header repeated per page."""
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.print_title_rows = f"{header_row}:{header_row}"


def converted_rows(rows: Iterable[Sequence[Any]], kinds: list[str]) -> Iterator[list[Any]]:
    """Rows with `to_value` applied to the columns whose kind needs it (the others as is)."""
    todo = [(i, k) for i, k in enumerate(kinds) if k in _CONVERTED_KINDS]
    for raw in rows:
        if len(raw) != len(kinds):
            raise ValueError(f"a row has {len(raw)} values for {len(kinds)} columns")
        row = list(raw)
        for i, kind in todo:
            row[i] = to_value(row[i], kind)
        yield row


def fit_widths(columns: Sequence[Column], sample: Sequence[Sequence[Any]]) -> list[float]:
    """Column widths (in characters) from the header and a sample of converted rows."""
    widths = []
    for i, col in enumerate(columns):
        longest = max((len(_shown(row[i], col.kind)) for row in sample), default=0)
        # right-aligned numbers need a wider gap before a left-aligned neighbour
        pad = 3 if col.kind == TEXT else 5
        widths.append(float(min(60, max(8, len(col.header) + 3, longest + pad))))
    return widths


def _shown(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return max(value.splitlines() or [""], key=len)
    if kind == MONEY and isinstance(value, int | float | Decimal):
        return f"${value:,.2f}-"
    if kind == PERCENT:
        return "100.0%"
    if isinstance(value, datetime):
        return "2024-01-01 00:00:00"
    if isinstance(value, date):
        return "2024-01-01"
    return str(value)


def tick(rows: int, progress: Progress | None, cancel: Cancelled | None) -> None:
    if cancel is not None and cancel():
        raise ExportCancelled("export cancelled; no file was written")
    if progress is not None:
        progress(rows)


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` that replaces it on success and is removed on failure."""
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
