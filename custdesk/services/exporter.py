"""The full export: one workbook, a sheet per record kind, that imports back losslessly.

Each sheet is named after its import kind and its header row is exactly the import
catalogue's field names (orders, deals, tickets, surveys, spend, interactions and costs
end with `key`: the record's stored line_key, `ref:<ref>` for a deal or ticket with a
reference, else a key generated from its id, `import_match.row_key` — so a re-import into
the same file finds every record and changes nothing), so importing the workbook into an
empty database needs no column mapping and reproduces the same records and metrics. A
title row above the header says what and which period (the importer skips title rows).
Money is written as exact Decimals from the stored ten-thousandths; percentages as shares
with a % format; dates as real dates.

What the owner records in the app (m005: onboarding steps, snoozes, detractor follow-ups,
product cases, strategic reviews, scorecard follow-ups) has a sheet and an import kind each,
found again by its natural key; the edit log and pipeline snapshots are left out (see
`export_queries`).

The scorecard sheet (one row per assessment, a column per question id) has no import kind:
it is there for the owner and the accountant, and for a restore tool to come.

`export_workbook` takes a progress callback and a cancel flag so the GUI can run it on a
worker thread; it never touches Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from custdesk.domain.scorecard import QUESTIONS
from custdesk.services.import_match import row_key
from custdesk.sheets import catalogue as cat
from custdesk.sheets import writer as w
from custdesk.sheets.csv_writer import write_csv
from custdesk.storage import export_queries as q
from custdesk.storage.database import Store
from custdesk.storage.repository import get_settings

SCORECARD = "scorecard"
EXPORT_KINDS: tuple[str, ...] = (*cat.KINDS, SCORECARD)
_TYPE_KIND = {  # catalogue value type -> writer column kind
    cat.DATE: w.DATE, cat.TIMESTAMP: w.DATETIME, cat.MONTH: w.MONTH, cat.MONEY: w.MONEY,
    cat.NUMBER: w.NUMBER, cat.INT: w.INT, cat.SHARE: w.PERCENT, cat.PERCENT: w.PERCENT,
    cat.FLAG: w.FLAG, cat.SCORE5: w.INT, cat.SCORE10: w.INT, cat.MEASURE: w.NUMBER,
}
ExportProgress = Callable[[int, int], None]  # (rows written, rows in total)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: dict[str, int]  # rows written per kind


def kind_columns(kind: str) -> list[w.Column]:
    """The sheet columns of an export kind: catalogue fields with their writer kinds."""
    if kind == SCORECARD:
        return [w.Column("taken_on", w.DATE), w.Column("note"),
                *(w.Column(question.id, w.INT) for question in QUESTIONS)]
    return [w.Column(spec.name, _TYPE_KIND.get(spec.type, w.TEXT)) for spec in cat.fields(kind)]


def _converters(kind: str) -> list[tuple[int, Callable[[Any], Any]]]:
    """(column index, function) for the values stored differently from how they are shown."""
    out: list[tuple[int, Callable[[Any], Any]]] = []
    if kind == SCORECARD:
        return out
    for i, spec in enumerate(cat.fields(kind)):
        if spec.type == cat.MONEY:
            out.append((i, _money))
        elif spec.type == cat.PERCENT:  # stored 0..100, shown as a share with a % format
            out.append((i, _percent))
    return out


def _money(e4: int | None) -> Decimal | None:
    # scaleb is exact: 164480 -> Decimal('16.4480')
    return None if e4 is None else Decimal(e4).scaleb(-4)


def _percent(pct: float | None) -> Decimal | None:
    return None if pct is None else Decimal(repr(pct)).scaleb(-2)


def kind_rows(store: Store, kind: str, start: str | None = None, end: str | None = None
              ) -> Iterator[list[Any]]:
    """The rows of one export kind, ready for the writer (money as Decimal, shares 0..1)."""
    if kind == SCORECARD:
        for taken_on, note, answers in q.assessments(store, start, end):
            yield [taken_on, note, *(answers.get(question.id) for question in QUESTIONS)]
        return
    names = [spec.name for spec in cat.fields(kind)]
    converters = _converters(kind)
    key = names.index(cat.KEY) if cat.KEY in names else None
    table = q.QUERIES[kind].source.split()[0]
    for raw in q.stream_rows(store, kind, [*names, *q.ROW_IDENTITY] if key is not None
                             else names, start, end):
        row = list(raw)
        if key is not None:  # a stable key for every record (issue 20 H8/H11)
            row_id, day, customer_id = row[len(names):]
            del row[len(names):]
            if row[key] is None:
                row[key] = row_key(table, row_id, day, customer_id)
        for i, convert in converters:
            row[i] = convert(row[i])
        yield row


def count_kind(store: Store, kind: str, start: str | None = None, end: str | None = None) -> int:
    if kind == SCORECARD:
        return len(q.assessments(store, start, end))
    return q.count_rows(store, kind, start, end)


def check_kinds(kinds: Iterable[str] | None) -> list[str]:
    """The kinds to export in workbook order; ValueError naming the valid ones."""
    if not kinds:
        return list(EXPORT_KINDS)
    wanted = list(dict.fromkeys(kinds))
    unknown = [k for k in wanted if k not in EXPORT_KINDS]
    if unknown:
        raise ValueError(f"unknown kind {', '.join(map(repr, unknown))}; "
                         f"use any of: {', '.join(EXPORT_KINDS)}")
    return [k for k in EXPORT_KINDS if k in wanted]


def period_text(start: str | None, end: str | None) -> str:
    if start and end:
        return f"{start} to {end}"
    if start:
        return f"from {start}"
    if end:
        return f"up to {end}"
    return "all dates"


def sheet_title(store: Store, kind: str, start: str | None, end: str | None) -> str:
    business = get_settings(store).get("business_name", "").strip()
    whole = kind in ("customers", "products", *cat.OWNER_KINDS) and kind != "strategic_reviews"
    parts = [kind.capitalize(), business,  # (the sheet's name, as the import kind)
             "all records" if whole else period_text(start, end),
             f"exported {date.today().isoformat()}"]
    return " · ".join(p for p in parts if p)


def export_workbook(store: Store, path: str | Path, kinds: Sequence[str] | None = None, *,
                    start: str | None = None, end: str | None = None,
                    progress: ExportProgress | None = None,
                    cancel: w.Cancelled | None = None) -> ExportResult:
    """Write the full export of `kinds` (default: all) to `path` (.xlsx or, one kind, .csv).

    `start`/`end` (ISO dates) keep the records dated in that range: orders and surveys by
    date, deals by created_on (else closed_on, else expected_close), tickets by opened_at,
    spend and targets by month, assessments by taken_on, strategic reviews by reviewed_on.
    Customers and products (and the owner's other m005 records) are always exported whole,
    so the filtered records import back with their references.
    Raises `writer.ExportCancelled` when `cancel()` turns true; no file is left then.
    """
    chosen = check_kinds(kinds)
    path = Path(path)
    counts = {k: count_kind(store, k, start, end) for k in chosen}
    total = sum(counts.values())
    report = (lambda done: progress(done, total)) if progress else None
    if path.suffix.lower() == ".csv":
        if len(chosen) != 1:
            raise ValueError("a .csv file holds one kind: add --kind (or export to .xlsx)")
        kind = chosen[0]
        write_csv(path, kind_columns(kind), kind_rows(store, kind, start, end),
                    progress=report, cancel=cancel)
        return ExportResult(path, counts)
    currency = get_settings(store).get("currency_symbol", "$") or "$"
    sheets = (w.Sheet(kind, kind_columns(kind), kind_rows(store, kind, start, end),
                      title=sheet_title(store, kind, start, end)) for kind in chosen)
    w.write_xlsx(path, sheets, currency=currency, progress=report, cancel=cancel)
    return ExportResult(path, counts)
