"""Writing one table as CSV, UTF-8 with BOM (so Excel reads accents right).

A CSV has no cell types, so text a spreadsheet could run as a formula (starting with
= + - @, tab, CR, LF or their full-width forms) gets a leading apostrophe, the usual
defence. Numbers are written plain and exact, never quoted as text: −12.50 stays a number.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from custdesk.sheets.writer import (
    MONTH,
    PERCENT,
    TICK,
    Cancelled,
    Column,
    Progress,
    converted_rows,
    is_formula_like,
    replacing,
    tick,
)


def csv_text(value: Any) -> str:
    """One CSV field: numbers plain and exact, formula-like text behind an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if is_formula_like(value) else value
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def plain_decimal(value: Decimal) -> str:
    """12.5000 -> '12.50', 16.4480 -> '16.448': exact, at least two decimals."""
    text = format(value, "f")
    if "." not in text:
        return text + ".00"
    head, tail = text.split(".")
    tail = tail.rstrip("0")
    return f"{head}.{tail.ljust(2, '0')}"


def write_csv(path: str | Path, columns: Sequence[Column], rows: Iterable[Sequence[Any]], *,
              progress: Progress | None = None, cancel: Cancelled | None = None) -> Path:
    """Write one table as CSV, UTF-8 with BOM (so Excel reads accents right)."""
    path = Path(path)
    kinds = [c.kind for c in columns]
    with replacing(path) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        _write_csv_rows(fh, columns, kinds, rows, progress, cancel)
    return path


def _write_csv_rows(fh: IO[str], columns: Sequence[Column], kinds: list[str],
                    rows: Iterable[Sequence[Any]], progress: Progress | None,
                    cancel: Cancelled | None) -> None:
    out = csv.writer(fh)
    out.writerow([csv_text(c.header) for c in columns])
    count = 0
    for values in converted_rows(rows, kinds):
        out.writerow([_csv_field(v, k) for v, k in zip(values, kinds, strict=True)])
        count += 1
        if count % TICK == 0:
            tick(count, progress, cancel)
    tick(count, progress, cancel)


def _csv_field(value: Any, kind: str) -> str:
    """Shares as '12.5%' (a number in Excel, exact on import); months as '2024-03'."""
    number = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if kind == PERCENT and number:
        text = plain_decimal(Decimal(repr(value) if isinstance(value, float) else value) * 100)
        return text.rstrip("0").rstrip(".") + "%"
    if kind == MONTH and isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    return csv_text(value)
