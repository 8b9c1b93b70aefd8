"""Writing what a tab shows to an .xlsx workbook: one sheet per table.

Bold frozen header row, autofilter, number formats per column kind. Text that a spreadsheet
would run as a formula (starting with = + - @, tab or CR) is stored as plain text, never as a
formula. Write-only workbook (streamed rows), so big tables stay flat in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from custdesk.sheets.writer import safe_cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_TITLE = 31  # Excel's sheet-name limit
_BAD_TITLE_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


@dataclass
class SheetTable:
    """One sheet: headers, column kinds ("text", "int", "float", "money", "pct", "date",
    "score", "list") and rows of raw values (money in currency units, pct 0–100)."""

    title: str
    headers: list[str]
    kinds: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def number_format(kind: str, symbol: str = "$") -> str | None:
    """The Excel number format of a column kind."""
    return {
        "money": f'"{symbol}"#,##0.00;-"{symbol}"#,##0.00',
        "pct": "0.0%",
        "int": "#,##0",
        "float": "#,##0.0",
        "score": "0.0",
        "date": "yyyy-mm-dd",
    }.get(kind)


def cell_value(raw: Any, kind: str) -> Any:
    """A raw UI value as the spreadsheet should hold it (pct 42.5 -> 0.425, ISO text -> date)."""
    if raw is None or raw == "":
        return None
    if kind == "pct" and isinstance(raw, int | float):
        return raw / 100
    if kind == "date" and isinstance(raw, str):
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            return raw
    if kind == "list" and isinstance(raw, list | tuple):
        return "; ".join(str(v) for v in raw)
    if isinstance(raw, datetime | date | int | float | str):
        return raw
    return str(raw)


def _title(text: str, used: set[str]) -> str:
    base = (text.translate(_BAD_TITLE_CHARS).strip() or "Sheet")[:MAX_TITLE]
    title, n = base, 2
    while title.casefold() in used:
        suffix = f" ({n})"
        title, n = base[:MAX_TITLE - len(suffix)] + suffix, n + 1
    used.add(title.casefold())
    return title


def write_xlsx(path: str | Path, tables: Sequence[SheetTable], currency_symbol: str = "$") -> Path:
    """Write `tables` to `path` (one sheet each) and return the path."""
    path = Path(path)
    wb = Workbook(write_only=True)
    used: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        ws = wb.create_sheet(_title(table.title, used))
        ws.freeze_panes = "A2"
        widths = [min(50, max(10, len(h) + 2)) for h in table.headers]
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        header = []
        for text in table.headers:
            cell = WriteOnlyCell(ws, value=text)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        formats = [number_format(k, currency_symbol) for k in table.kinds]
        for raw_row in table.rows:
            ws.append([_cell(ws, v, k, f) for v, k, f in zip(raw_row, table.kinds, formats,
                                                              strict=True)])
        last = get_column_letter(max(1, len(table.headers)))
        ws.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
    wb.save(path)
    return path


def _cell(ws: Any, raw: Any, kind: str, fmt: str | None) -> WriteOnlyCell:
    # writer.safe_cell: text is always a literal string (never a formula nor a "#N/A" error
    # cell; XML-illegal control characters dropped, CR kept); numbers get `fmt`
    return safe_cell(ws, cell_value(raw, kind), fmt)
