"""Writing what a tab shows to .xlsx (one sheet per table, plus its key figures) or .csv.

Every table sheet is written by `custdesk.sheets.writer`: its column kinds and number
formats, the title row, the bold frozen header with its autofilter, fitted widths and the
formula-injection defence (`safe_cell`). This module only turns the tab's raw UI values
(money in currency units, percentages 0–100, ISO dates, lists) into writer columns and rows.

The key-figures sheet (`KpiTable`) is the one thing writer's sheets cannot say: each row's
value has its own number format (money, %, count…), so it is written here, still from
writer's cells, formats and widths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from custdesk.sheets import writer as w
from custdesk.sheets.csv_writer import write_csv
from custdesk.sheets.writer import Cancelled

MAX_TITLE = 31  # Excel's sheet-name limit
_BAD_TITLE_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})
# the tabs' column kinds -> writer's (a "pct" value is 0–100 on screen, a share in the sheet)
KINDS = {"text": w.TEXT, "int": w.INT, "float": w.NUMBER, "money": w.MONEY, "pct": w.PERCENT,
         "date": w.DATE, "score": w.NUMBER, "list": w.TEXT}
# a metric's unit -> the number format of its value (money comes from writer, with currency)
_UNIT_FORMATS = {"pct": "0.0%", "count": "#,##0", "days": "#,##0.0", "hours": "#,##0.0",
                 "ratio": "0.00", "score": "0.0"}
POINTS_FORMAT = '+0.0" pts";-0.0" pts";0.0" pts"'  # rates and scores change in points
RELATIVE_FORMAT = "+0.0%;-0.0%;0.0%"  # money and counts change relative to the prior figure
POINT_UNITS = {"pct", "score"}
KPI_HEADERS = ("Metric", "Value", "Prior period", "Change vs prior", "n", "Small sample",
               "Formula")


@dataclass
class SheetTable:
    """One sheet: headers, column kinds ("text", "int", "float", "money", "pct", "date",
    "score", "list") and rows of raw values (money in currency units, pct 0–100)."""

    title: str
    headers: list[str]
    kinds: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class KpiRow:
    """One key figure: `unit` is the metric's ("money", "pct" 0–100, "count", "score"…)."""

    label: str
    unit: str
    value: float | None
    prior: float | None = None
    n: int | None = None
    small_sample: bool = False
    formula: str = ""


@dataclass
class KpiTable:
    """The key-figures sheet of a tab (its KPI cards)."""

    title: str
    rows: list[KpiRow] = field(default_factory=list)


def kpi_row(info: Any, current: Any, prior: Any = None, *, label: str | None = None,
            value: float | None = None) -> KpiRow:
    """A KpiRow from a MetricInfo and the period's and prior period's MetricValues.

    `value` overrides the current value (e.g. a bridge count the tab shows)."""
    shown = getattr(current, "value", None) if value is None else value
    return KpiRow(label or info.label, info.unit, shown, getattr(prior, "value", None),
                  getattr(current, "n", None), bool(getattr(current, "small_sample", False)),
                  info.formula)


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
        return "; ".join(str(v) for v in raw) or None
    if isinstance(raw, datetime | date | int | float | str):
        return raw
    return str(raw)


def to_sheet(table: SheetTable, name: str | None = None, title: str | None = None) -> w.Sheet:
    """The writer sheet of a tab table (raw UI values converted by `cell_value`)."""
    columns = [w.Column(h, KINDS.get(k, w.TEXT)) for h, k in zip(table.headers, table.kinds,
                                                                  strict=True)]
    rows = ([cell_value(v, k) for v, k in zip(row, table.kinds, strict=True)]
            for row in table.rows)
    return w.Sheet(name or table.title, columns, rows, title)


def _title(text: str, used: set[str]) -> str:
    base = (text.translate(_BAD_TITLE_CHARS).strip() or "Sheet")[:MAX_TITLE]
    title, n = base, 2
    while title.casefold() in used:
        suffix = f" ({n})"
        title, n = base[:MAX_TITLE - len(suffix)] + suffix, n + 1
    used.add(title.casefold())
    return title


def write_xlsx(path: str | Path, tables: Sequence[SheetTable | KpiTable],
               currency_symbol: str = "$", title: str | None = None, *,
               cancel: Cancelled | None = None) -> Path:
    """Write `tables` to `path`, one sheet each, in order; return the path.

    `title` (the tab and its period) heads every sheet as a title row above the header:
    "<title> · <table title>". Without it the header is the first row. The file is replaced
    only when complete (writer.replacing). `cancel()` true (the app quitting) stops the
    write between rows with `ExportCancelled`, leaving no file behind."""
    path = Path(path)
    wb = Workbook(write_only=True)
    used: set[str] = set()
    try:
        for table in tables:
            name = _title(table.title, used)
            heading = f"{title} · {table.title}" if title else None
            if isinstance(table, KpiTable):
                _write_kpis(wb, name, table, currency_symbol, heading)
            else:
                # writer's own sheet writer: the same sheet the full export writes
                w.write_sheet(wb, to_sheet(table, name, heading), currency_symbol, 0,
                               None, cancel)
        w.tick(0, None, cancel)  # the last chance before the zip is written
    except BaseException:
        w.discard(wb)
        raise
    with w.replacing(path) as tmp:
        wb.save(tmp)
    return path


def write_csv_table(path: str | Path, table: SheetTable, *,
                    cancel: Cancelled | None = None) -> Path:
    """One table as CSV (UTF-8 with BOM, formula-like text behind an apostrophe)."""
    sheet = to_sheet(table)
    return write_csv(path, sheet.columns, sheet.rows, cancel=cancel)


# ---- the key-figures sheet --------------------------------------------------------------

def change(row: KpiRow) -> tuple[float | None, str]:
    """(change vs prior, its number format): points for rates and scores, else relative."""
    if row.value is None or row.prior is None:
        return None, RELATIVE_FORMAT
    if row.unit in POINT_UNITS:
        return row.value - row.prior, POINTS_FORMAT
    if row.prior == 0:
        return None, RELATIVE_FORMAT  # from zero: no meaningful percentage
    return (row.value - row.prior) / abs(row.prior), RELATIVE_FORMAT


def _kpi_values(row: KpiRow, currency: str) -> list[tuple[Any, str | None]]:
    """The row's cells as (value, number format)."""
    fmt = w.number_format(w.MONEY, currency) if row.unit == "money" else _UNIT_FORMATS.get(
        row.unit)
    scale = 100 if row.unit == "pct" else 1  # a share is stored as a fraction, shown as %
    value = None if row.value is None else row.value / scale
    prior = None if row.prior is None else row.prior / scale
    delta, delta_fmt = change(row)
    return [(row.label, None), (value, fmt), (prior, fmt), (delta, delta_fmt),
            (row.n, "#,##0"), ("Yes" if row.small_sample else None, None),
            (row.formula or None, None)]


def _write_kpis(wb: Workbook, name: str, table: KpiTable, currency: str,
                heading: str | None) -> None:
    ws = wb.create_sheet(name)
    rows = [_kpi_values(r, currency) for r in table.rows]
    # widths as writer fits them: the value columns sized as money, the rest from the text
    kinds = (w.TEXT, w.MONEY, w.MONEY, w.PERCENT, w.INT, w.TEXT, w.TEXT)
    columns = [w.Column(h, k) for h, k in zip(KPI_HEADERS, kinds, strict=True)]
    sample = [[v for v, _f in row] for row in rows]
    for i, width in enumerate(w.fit_widths(columns, sample), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    header_row = 2 if heading else 1
    ws.freeze_panes = f"B{header_row + 1}"  # the metric's name stays in view
    w.print_setup(ws, header_row)
    if heading:
        ws.append([w.safe_cell(ws, heading, font=Font(bold=True, size=13))])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    header = []
    for col in columns:
        cell = w.safe_cell(ws, col.header, font=bold)
        cell.fill, cell.alignment = fill, Alignment(
            horizontal="left" if col.kind == w.TEXT else "center", vertical="center")
        header.append(cell)
    ws.append(header)
    centre = Alignment(horizontal="center")
    for row in rows:
        cells = [w.safe_cell(ws, v, f) for v, f in row]
        cells[5].alignment = centre  # "Yes" kept off the n beside it
        ws.append(cells)
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(len(rows), 1)}"
