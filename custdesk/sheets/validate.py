"""Turning a mapped table into typed rows and a complete list of row errors.

Parsing never raises on a bad row: each problem becomes a `RowError` (sheet, row as the
owner sees it in Excel, column header, value, reason). The one exception is dates whose
order cannot be decided from the data: `AmbiguousDatesError` asks the caller for
day-first or month-first instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from functools import partial
from typing import Any

from custdesk.sheets import catalogue as cat
from custdesk.sheets import values as v
from custdesk.sheets.reader import Table

Progress = Callable[[int], None]
_PARSERS: dict[str, Callable[..., Any]] = {
    cat.TEXT: v.parse_text, cat.REF: v.parse_text, cat.EMAIL: v.parse_email,
    cat.MONEY: v.parse_money,
    cat.NUMBER: v.parse_number, cat.INT: v.parse_int, cat.SHARE: v.parse_fraction,
    cat.PERCENT: v.parse_percent, cat.FLAG: v.parse_flag, cat.STATUS: v.parse_status,
}


class AmbiguousDatesError(ValueError):
    """Every text date in these columns reads both ways (e.g. 03/04/2024)."""

    def __init__(self, columns: list[str], example: str) -> None:
        self.columns = columns
        super().__init__(
            f"the dates in column {', '.join(columns)} (e.g. {example}) could be day-first or "
            "month-first; say which with --dayfirst or --monthfirst")


@dataclass(frozen=True, slots=True)
class RowError:
    sheet: str
    row: int
    column: str
    value: str
    reason: str

    def as_json(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "value": self.value,
                "reason": self.reason}


@dataclass
class ParsedTable:
    kind: str
    sheet: str
    headers: list[str]
    mapping: list[str | None]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # valid rows only
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    invalid_rows: int = 0
    header_row: int = 1


def parse_table(table: Table, kind: str, mapping: Sequence[str | None], *,
                date_order: str | None = None, date1904: bool = False,
                progress: Progress | None = None) -> ParsedTable:
    """Parse every data row of `table` as `kind` under `mapping`."""
    columns = [(i, cat.field(kind, name)) for i, name in enumerate(mapping) if name]
    result = ParsedTable(kind, table.sheet, table.headers, list(mapping),
                         header_row=table.header_row)
    raw: list[tuple[int, tuple[object, ...]]] = []
    for number, row in table.rows:
        cells = tuple(row[i] if i < len(row) else None for i, _s in columns)
        raw.append((number, cells))
        if progress and len(raw) % 5000 == 0:
            progress(len(raw))
    result.rows_read = len(raw)
    parsers = _column_parsers(table, columns, raw, date_order, date1904)
    gaps = table.formula_gaps
    for number, cells in raw:
        parsed, errors = _parse_row(table, number, cells, columns, parsers, gaps)
        failed: set[str] = set()
        if errors:  # one reason per bad cell: the rules skip the fields that failed
            failed = {spec.name for col, spec in columns if table.headers[col] in
                      {e.column for e in errors}}
        errors += _row_rules(kind, parsed, table, number, columns, failed)
        if errors:
            result.errors.extend(errors)
            result.invalid_rows += 1
        else:
            result.rows.append((number, parsed))
    return result


def _column_parsers(table: Table, columns: list[tuple[int, cat.FieldSpec]],
                    raw: list[tuple[int, tuple[object, ...]]], date_order: str | None,
                    date1904: bool) -> list[Callable[[object], Any]]:
    """One parser per mapped column; text-date columns get their decided order."""
    parsers = []
    undecided: list[tuple[str, str]] = []
    for position, (col, spec) in enumerate(columns):
        if spec.type not in cat.DATE_TYPES:
            parsers.append(_PARSERS[spec.type] if spec.type in _PARSERS else _score(spec.type))
            continue
        order = date_order
        if order is None:
            texts = [cells[position] for _n, cells in raw if isinstance(cells[position], str)]
            try:
                order = v.decide_date_order(texts)
            except ValueError:
                order = None  # contradictory: rows fail one by one with their reason
            if order is None and texts:
                sample = next((t for t in texts if v.date_parts(t)), None)
                if sample is not None:
                    undecided.append((table.headers[col], sample))
        base = {cat.DATE: v.parse_date, cat.TIMESTAMP: v.parse_timestamp,
                cat.MONTH: v.parse_month}[spec.type]
        parsers.append(partial(base, order=order, date1904=date1904))
    if undecided:
        raise AmbiguousDatesError([h for h, _s in undecided], undecided[0][1])
    return parsers


def _score(kind: str) -> Callable[[object], int | None]:
    top, low = (5, 1) if kind == cat.SCORE5 else (10, 0)

    def parse(value: object) -> int | None:
        number = v.parse_decimal(value)
        if number is None:
            return None
        if number != number.to_integral_value() or not low <= number <= top:
            raise ValueError(f"not a whole number from {low} to {top}")
        return int(number)

    return parse


def _parse_row(table: Table, number: int, cells: tuple[object, ...],
               columns: list[tuple[int, cat.FieldSpec]], parsers: list[Callable[[object], Any]],
               gaps: set[tuple[int, int]]) -> tuple[dict[str, Any], list[RowError]]:
    parsed: dict[str, Any] = {}
    errors: list[RowError] = []
    for (col, spec), parser, value in zip(columns, parsers, cells, strict=True):
        if gaps and (number, col) in gaps:
            errors.append(RowError(table.sheet, number, table.headers[col], "",
                                   "formula without a saved value: open the file in Excel, "
                                   "let it calculate, save it, and import again"))
            continue
        try:
            parsed[spec.name] = parser(value)
        except ValueError as exc:
            errors.append(RowError(table.sheet, number, table.headers[col], _show(value),
                                   str(exc)))
    return parsed, errors


def _show(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 100 else text[:97] + "..."


def _row_rules(kind: str, row: dict[str, Any], table: Table, number: int,
               columns: list[tuple[int, cat.FieldSpec]], failed: set[str]) -> list[RowError]:
    """Required values and derived amounts (revenue = quantity × unit price, cost).

    `failed` names the fields whose cells already failed to parse: a bad cell is reported
    once, not again as "required".
    """
    header = {spec.name: table.headers[col] for col, spec in columns}

    def missing(name: str, reason: str | None = None) -> RowError:
        return RowError(table.sheet, number, header.get(name, name), "",
                        reason or f"{name.replace('_', ' ')} is required")

    errors = [missing(s.name) for s in cat.fields(kind)
              if s.required and s.name in header and row.get(s.name) is None
              and s.name not in ("customer", "revenue") and s.name not in failed]
    if kind in ("orders", "tickets") and not failed & set(cat.CUSTOMER_FIELDS):
        if all(row.get(f) is None for f in cat.CUSTOMER_FIELDS):  # deals may have no account
            first = next((f for f in cat.CUSTOMER_FIELDS if f in header), "customer")
            errors.append(missing(first, "customer is required"))
    if kind == "customers" and row.get("name") is None and row.get("ref") is None \
            and not failed & {"name", "ref"}:
        errors.append(missing("name" if "name" in header else "ref", "name or ref is required"))
    if kind == "orders" and not failed & {"revenue", "quantity", "unit_price", "cost",
                                          "profit"}:
        errors += _order_amounts(row, header, missing)
    return errors


def _order_amounts(row: dict[str, Any], header: dict[str, str],
                   missing: Callable[..., RowError]) -> list[RowError]:
    if row.get("revenue") is None:
        quantity, price = row.get("quantity"), row.get("unit_price")
        if quantity is None or price is None:
            return [missing("revenue", "revenue is required (or quantity and unit price)")]
        exact = Decimal(repr(quantity)) * price
        row["revenue"] = int(exact.to_integral_value(rounding=ROUND_HALF_EVEN))
    if row.get("cost") is None and row.get("profit") is not None:
        row["cost"] = row["revenue"] - row["profit"]
    return []
