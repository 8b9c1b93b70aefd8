"""Spreadsheet import: read → map → validate → preview → commit in one transaction → undo.

The GUI wizard and `custdesk import` both call these functions, so they never differ:

    choice = choose(path, store)                  # sheet, kind, mapping (saved ones first)
    request = ImportRequest(path, kind="orders")
    preview = make_preview(store, request)        # counts + every invalid row, nothing written
    result = commit(store, preview)               # backup, then one transaction
    undo(store, result.batch_id)                  # the database as before, exactly
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custdesk.domain.gc_pause import collector_paused
from custdesk.domain.scorecard import QUESTIONS
from custdesk.services.import_plan import Plan, build_plan
from custdesk.services.import_write import UndoRefusedError, undo_batch, write_plan
from custdesk.sheets import mapping as mp
from custdesk.sheets.catalogue import fields, missing_required
from custdesk.sheets.reader import ReadError, Source, Table, open_source, read_table
from custdesk.sheets.validate import (
    DEFAULT_MAX_AMOUNT,
    AmbiguousColumnError,
    AmbiguousDatesError,
    AmbiguousNumbersError,
    ParsedTable,
    RowError,
    parse_table,
)
from custdesk.sheets.values import (
    COMMA,
    DAYFIRST,
    FRACTIONS,
    MONTHFIRST,
    POINT,
    POINTS,
    parse_date,
    parse_int,
    parse_text,
)
from custdesk.storage.backups import create_backup
from custdesk.storage.database import Store
from custdesk.storage.import_undo import edited_since, record_after_images
from custdesk.storage.import_writes import (
    Records,
    add_assessment,
    assessment_days,
    finish_batch,
    save_mapping,
    start_batch,
    write_cache,
)
from custdesk.storage.import_writes import list_batches as storage_batches
from custdesk.storage.import_writes import saved_mapping as stored_mapping
from custdesk.storage.match_queries import amount_totals
from custdesk.storage.repository import get_settings

__all__ = ["COMMA", "DAYFIRST", "FRACTIONS", "MONTHFIRST", "POINT", "POINTS",
           "AmbiguousColumnError", "AmbiguousDatesError", "AmbiguousNumbersError", "Choice",
           "ImportRequest", "InvalidRowsError",
           "MappingError", "Preview", "ReadError", "RowError", "SheetInfo",
           "TotalsTooLargeError",
           "UndoRefusedError", "WorkbookPreview", "choose", "commit", "import_workbook",
           "make_preview", "survey", "undo", "workbook_kinds"]

Progress = Callable[[str, int, int], None]  # (phase, done, total); may raise to cancel


class MappingError(ReadError):
    """The sheet, kind or column mapping cannot be settled without the owner."""


class TotalsTooLargeError(ReadError):
    """The file's amounts would push a column's total past what sums can hold."""


# The largest total of one amount column (absolute values, in ten-thousandths): a sixteenth
# of SQLite's largest integer, so no sum — nor a sum of differences or of a few columns
# added together — of a column can overflow (about 57 trillion in currency units).
TOTAL_LIMIT_E4 = 2**63 // 16


def max_amount(store: Store | None) -> int:
    """The business setting `max_amount` (currency units; default 1e12)."""
    if store is None:
        return DEFAULT_MAX_AMOUNT
    text = get_settings(store).get("max_amount", "")
    try:
        value = int(float(text))
    except ValueError:
        return DEFAULT_MAX_AMOUNT
    return value if 0 < value <= DEFAULT_MAX_AMOUNT else DEFAULT_MAX_AMOUNT


def check_totals(store: Store, plan: Plan) -> None:
    """Refuse a plan after which a column of amounts would total more than
    `TOTAL_LIMIT_E4` (so every SQL sum over the file stays within 64 bits)."""
    inserts = plan.inserts
    first = [dict.fromkeys(inserts.columns)] if isinstance(inserts, Records) else (
        inserts[:1] if plan.uniform else inserts)
    columns = sorted({c for row in first for c in row if c.endswith("_e4")}
                     | {c for u in plan.updates for c in u.after if c.endswith("_e4")})
    if not columns:
        return
    existing = amount_totals(store, plan.table, columns)
    for column in columns:
        values = _inserted(inserts, column)
        added = sum(map(abs, filter(None, values))) + sum(
            abs(u.after.get(column) or 0) for u in plan.updates)
        if existing[column] + added > TOTAL_LIMIT_E4:
            raise TotalsTooLargeError(
                f"the amounts in this file would make the total of "
                f"{column.removesuffix('_e4').replace('_', ' ')} exceed "
                f"{TOTAL_LIMIT_E4 // 10_000:,}: are some amounts typed wrong?")


def _inserted(inserts: list[dict[str, Any]] | Records, column: str) -> list[Any]:
    """One column of the planned inserts (read straight from the tuples when compact)."""
    if isinstance(inserts, Records):
        return inserts.column(column) if column in inserts.columns else []
    return [row.get(column) for row in inserts]


class InvalidRowsError(Exception):
    """Invalid rows stopped an all-or-nothing import; nothing was written."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview
        super().__init__(f"{preview.invalid} invalid rows in {preview.file}; nothing was "
                         "imported (fix them, or import the valid rows only)")


class _NothingToDoError(Exception):
    pass


@dataclass
class ImportRequest:
    path: Path
    kind: str | None = None
    sheet: str | None = None
    overrides: Sequence[str] = ()
    mapping: list[str | None] | None = None  # a complete mapping (the wizard's), else auto
    date_order: str | None = None  # "dayfirst" / "monthfirst"
    percent_scale: str | None = None  # "points" / "fractions" for ambiguous percent columns
    decimal_mark: str | None = None  # "comma" / "point" for columns of numbers like 2.500
    mode: str = "upsert"
    skip_invalid: bool = False
    encoding: str | None = None


@dataclass
class Preview:
    request: ImportRequest
    parsed: ParsedTable
    plan: Plan
    errors: list[RowError] = field(default_factory=list)
    mapping_saved: bool = False
    db_state: int | None = None  # the database as the plan saw it (`_db_state`)

    @property
    def file(self) -> str:
        return Path(self.request.path).name

    @property
    def sheet(self) -> str:
        return self.parsed.sheet

    @property
    def kind(self) -> str:
        return self.parsed.kind

    @property
    def rows_read(self) -> int:
        return self.parsed.rows_read

    @property
    def invalid(self) -> int:
        return self.parsed.invalid_rows + len({e.row for e in self.plan.errors})

    def counts(self) -> dict[str, int]:
        return {"rows_read": self.rows_read, "created": self.plan.created,
                "updated": self.plan.updated, "unchanged": self.plan.unchanged,
                "invalid": self.invalid}

    def as_json(self, batch_id: int | None = None) -> dict[str, Any]:
        """The `custdesk import --json` object."""
        return {"file": self.file, "sheet": self.sheet, "kind": self.kind, **self.counts(),
                "errors": [e.as_json() for e in self.errors], "batch_id": batch_id,
                # issue 20 H8/H11: what a re-import replaces and cannot match for certain
                "removed": self.plan.removed,
                "orders_changed": [{"order": ref, "before_e4": old, "after_e4": new}
                                   for ref, old, new in self.plan.order_changes],
                "possible_duplicates": list(self.plan.possible_duplicates),
                # how columns were read (a CSAT column's readings...) and other findings
                "notes": self.findings()}

    def findings(self) -> list[str]:
        """What the owner must see besides the counts: orders the file changes, lines it
        removes, records that may duplicate stored ones, notes."""
        plan = self.plan
        out = list(self.parsed.notes)  # how columns were read ("years only, …")
        if text := plan.changed_orders_text():
            out.append(text)
        if plan.removed:
            out.append(f"{plan.removed} stored order line{'s' if plan.removed != 1 else ''} "
                       "replaced by the file's (the file is the truth for its orders)")
        out += [f"possible duplicate: {d}" for d in plan.possible_duplicates]
        return out + plan.notes


@dataclass
class ImportResult:
    preview: Preview
    batch_id: int | None  # None when the file brought nothing new


# ---- choosing: sheet, kind and mapping (the CLI and the wizard share this) -------------

@dataclass
class SheetInfo:
    """One sheet as the wizard lists it: headers, a few sample values, the kind chosen."""

    name: str
    headers: list[str]
    samples: list[list[str]]  # per column, the first values as text
    saved: tuple[str, str] | None  # (kind, mapping_json) the owner confirmed before
    kind: str | None  # `choose_kind` for these headers


@dataclass
class Choice:
    """What will be imported: the sheet, its kind and the column mapping."""

    path: Path
    sheet: str
    kind: str
    headers: list[str]
    mapping: list[str | None]
    from_saved: bool  # the mapping is one the owner saved for these headers
    missing: list[str]  # required fields no column goes into (empty: ready)


def choose_kind(headers: Sequence[str], kind: str | None = None,
                saved: tuple[str, str] | None = None) -> str | None:
    """The kind: the one given, else the one a saved mapping of these headers says, else
    the catalogue's guess (None when nothing fits)."""
    return kind or (saved[0] if saved else None) or mp.guess_kind(headers)


def choose_mapping(headers: Sequence[str], kind: str, saved: tuple[str, str] | None,
                   mapping: Sequence[str | None] | None = None,
                   overrides: Sequence[str] = ()) -> tuple[list[str | None], bool]:
    """(mapping, from_saved): the one given, else the saved one (same kind), else
    automatic by synonyms; then 'Header=field' overrides (ValueError names a bad one)."""
    from_saved = False
    if mapping is not None:
        chosen = list(mapping)
    elif saved and saved[0] == kind:
        chosen, from_saved = mp.mapping_from_json(headers, saved[1], kind), True
    else:
        chosen = mp.auto_map(headers, kind)
    return mp.apply_overrides(headers, chosen, kind, overrides), from_saved


def choose(path: str | Path, store: Store | None = None, *, sheet: str | None = None,
           kind: str | None = None, mapping: Sequence[str | None] | None = None,
           overrides: Sequence[str] = (), encoding: str | None = None) -> Choice:
    """The sheet, kind and mapping `custdesk import` would use for this file (nothing is
    parsed beyond the header rows). Raises MappingError when the owner must decide."""
    request = ImportRequest(Path(path), kind=kind, sheet=sheet, overrides=overrides,
                            mapping=None if mapping is None else list(mapping),
                            encoding=encoding)
    source = open_source(request.path, encoding)
    try:
        return _choose_in(source, store, request)[1]
    finally:
        source.close()


def survey(path: str | Path, store: Store | None = None, encoding: str | None = None,
           sample_rows: int = 3) -> tuple[list[SheetInfo], Choice | None, str]:
    """Every visible sheet (for the wizard to show), the choice `choose` makes, or None
    and the reason when the owner must decide."""
    source = open_source(Path(path), encoding)
    try:
        sheets = []
        for name in (source.visible_sheets or source.sheet_names)[:MAX_SHEETS_INSPECTED]:
            table = read_table(source, None if source.type == "csv" else name, rows=False)
            rows = [row for _n, (_, row) in zip(range(sample_rows), table.rows, strict=False)]
            samples = [[_cell(r[i]) for r in rows if i < len(r)]
                       for i in range(len(table.headers))]
            saved = saved_mapping(store, table.headers) if table.headers else None
            sheets.append(SheetInfo(table.sheet, table.headers, samples, saved,
                                    choose_kind(table.headers, None, saved)
                                    if table.headers else None))
    finally:
        source.close()
    try:
        return sheets, choose(path, store, encoding=encoding), ""
    except ReadError as exc:
        return sheets, None, str(exc)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)[:40]


def _choose_in(source: Source, store: Store | None, request: ImportRequest,
               rows: bool = False) -> tuple[Table, Choice]:
    """The chosen sheet (its data rows too with `rows`) and the choice."""
    table, kind = choose_table(source, request.sheet, request.kind, store, rows=rows)
    saved = saved_mapping(store, table.headers)
    try:
        mapping, from_saved = choose_mapping(table.headers, kind, saved, request.mapping,
                                             request.overrides)
    except ValueError as exc:
        raise MappingError(str(exc)) from None
    missing = missing_required(kind, {m for m in mapping if m})
    return table, Choice(Path(request.path), table.sheet, kind, list(table.headers), mapping,
                         from_saved, list(missing))


MAX_SHEETS_INSPECTED = 50  # more sheets than this: the owner names the one to import


def choose_table(source: Source, sheet: str | None, kind: str | None,
                 store: Store | None = None, *, rows: bool = True) -> tuple[Table, str]:
    """The sheet to import and its kind: given, the only one, or the only one that fits
    (the returned table holds its data rows with `rows`, else only its header)."""
    if sheet is not None or source.type == "csv" or len(source.visible_sheets) <= 1:
        table = read_table(source, sheet, rows=rows)
        return table, _kind_for(source, table, kind, store)
    names = ", ".join(source.visible_sheets)
    if len(source.visible_sheets) > MAX_SHEETS_INSPECTED:
        raise MappingError(f"{source.path.name} has {len(source.visible_sheets)} sheets; "
                           f"choose one with --sheet (sheets: {names[:200]})")
    # one sheet at a time: only its name is kept, and the chosen one is read again (a
    # tiny workbook of six sheets held all six in memory: 4.5 GB, issue 20 H5)
    fitting = []
    for name in source.visible_sheets:
        table = read_table(source, name, rows=False)
        guess = choose_kind(table.headers, kind, saved_mapping(store, table.headers))
        if guess and not missing_required(guess, {m for m in mp.auto_map(table.headers, guess)
                                                  if m}):
            fitting.append((mp.score(mp.auto_map(table.headers, guess), guess), name, guess))
        del table
    if len(fitting) == 1:
        return read_table(source, fitting[0][1], rows=rows), fitting[0][2]
    if not fitting:
        wanted = kind or "data custdesk knows"
        raise MappingError(f"{source.path.name}: no sheet looks like {wanted}; choose one "
                           f"with --sheet (sheets: {names})")
    raise MappingError(f"{source.path.name} has several sheets of data; choose one with "
                       f"--sheet (sheets: {names})")


def _kind_for(source: Source, table: Table, kind: str | None, store: Store | None) -> str:
    if not table.headers:
        raise MappingError(f"{source.path.name}, sheet {table.sheet}: no header row found")
    guess = choose_kind(table.headers, kind, saved_mapping(store, table.headers))
    if guess is None:
        raise MappingError(f"{source.path.name}: cannot tell what sheet {table.sheet} holds; "
                           "say it with --kind (customers, orders, products, deals, tickets, "
                           "surveys, spend, targets, actions, interactions or costs)")
    return guess


def saved_mapping(store: Store | None, headers: Sequence[str]) -> tuple[str, str] | None:
    """(kind, mapping_json) the owner confirmed before for this header row."""
    if store is None or not headers:
        return None
    return stored_mapping(store, mp.signature(headers))


def _require(file_name: str, table: Table, kind: str, mapping: Sequence[str | None]) -> None:
    missing = missing_required(kind, {m for m in mapping if m})
    if missing:
        raise MappingError(
            f"{file_name}, sheet {table.sheet}: no column for "
            f"{', '.join(missing)} (as {kind}); map one with --map \"Header=field\" "
            f"(columns: {', '.join(h for h in table.headers if h)})")


def read_and_parse(request: ImportRequest, store: Store | None = None,
                   progress: Progress | None = None) -> ParsedTable:
    """Read the file and parse every row (no database writes)."""
    source = open_source(request.path, request.encoding)
    try:
        table, choice = _choose_in(source, store, request, rows=True)
        _require(Path(request.path).name, table, choice.kind, choice.mapping)
        kind, mapping = choice.kind, choice.mapping
        report = (lambda n: progress("read", n, 0)) if progress else None
        return parse_table(table, kind, mapping, date_order=request.date_order,
                           date1904=source.date1904, progress=report,
                           max_amount=max_amount(store),
                           percent_scale=request.percent_scale,
                           decimal_mark=request.decimal_mark)
    finally:
        source.close()


# ---- preview, commit, undo ----------------------------------------------------------------
# (each phase with the cyclic collector off: a 100k-line import builds about a million
# tuples, lists and dicts that live until the phase ends, and every full collection walked
# them all for nothing: 0.2-0.4 s of ~3 s CPU — domain/gc_pause.py)


def make_preview(store: Store, request: ImportRequest, progress: Progress | None = None,
                 parsed: ParsedTable | None = None) -> Preview:
    """What the import would do; nothing is written."""
    with collector_paused():
        parsed = parsed or read_and_parse(request, store, progress)
        plan = build_plan(store, parsed, request.mode)
        check_totals(store, plan)
    return Preview(request, parsed, plan, parsed.errors + plan.errors, db_state=_db_state(store))


def _db_state(store: Store) -> int:
    """The file's change counter (header bytes 24-27): every commit by any connection
    bumps it (custdesk keeps a rollback journal), so a preview made on one connection and
    committed on another (the task runner gives each task its own) is only planned again
    when the data really changed."""
    with open(store.path, "rb") as fh:
        fh.seek(24)
        return int.from_bytes(fh.read(4), "big")


def commit(store: Store, preview: Preview, progress: Progress | None = None) -> ImportResult:
    """Write the preview's rows in one transaction (after a backup); all or nothing."""
    if preview.invalid and not preview.request.skip_invalid:
        raise InvalidRowsError(preview)
    create_backup(store, reason="before-import")
    try:
        with write_cache(store), collector_paused(), store.transaction():
            if preview.db_state != _db_state(store):  # changed since the preview: plan again
                preview.plan = build_plan(store, preview.parsed, preview.request.mode)
                preview.errors = preview.parsed.errors + preview.plan.errors
                check_totals(store, preview.plan)
            preview.db_state = None  # write_plan fills in ids: never reuse this plan
            plan = preview.plan
            batch_id = start_batch(store, preview.kind, preview.file, preview.sheet,
                                   preview.request.mode)
            if plan.errors and not preview.request.skip_invalid:
                raise InvalidRowsError(preview)
            total = plan.created
            write_plan(store, plan, batch_id,
                       (lambda n: progress("write", n, total)) if progress else None)
            if not (plan.created or plan.updated or plan.new_stages or plan.new_customers
                    or plan.new_products or plan.deletes):
                raise _NothingToDoError  # nothing imported: the database stays as it was
            parsed = preview.parsed
            preview.mapping_saved = save_mapping(
                store, batch_id, mp.signature(parsed.headers), parsed.kind,
                mp.mapping_to_json(parsed.headers, parsed.mapping))
            record_after_images(store, batch_id)  # so undo can spare later hand edits
            finish_batch(store, batch_id, preview.counts())
    except _NothingToDoError:
        return ImportResult(preview, None)
    return ImportResult(preview, batch_id)


def undo(store: Store, batch_id: int) -> dict[str, int]:
    """Undo an import (the last one, or one nothing later depends on), after a backup; the
    order summary is kept in step inside the same transaction (storage's undo_batch)."""
    create_backup(store, reason="before-undo")
    with store.transaction():
        return undo_batch(store, batch_id)


def edited_by_hand(store: Store, batch_id: int) -> list[str]:
    """The records this import wrote that were changed since (undo leaves them as they
    are), as short descriptions for the owner."""
    return [f"{table} {row_id}" + (f" ({name})" if name else "")
            for table, row_id, name in edited_since(store, batch_id)]


def list_batches(store: Store) -> list[dict[str, Any]]:
    """Imports, newest first, with their counts."""
    return storage_batches(store)


# ---- custdesk's own full export, every sheet in one go (issue 12) ----------------------

SCORECARD_SHEET = "scorecard"
# parents first: customers and products before the records naming them, deals before actions
WORKBOOK_ORDER = ("customers", "products", "orders", "deals", "tickets", "surveys", "spend",
                  "targets", "actions", "interactions", "costs",
                  # the owner's records (m005): after the customers, products and actions
                  "onboarding_steps", "customer_snoozes", "detractor_followups",
                  "product_cases", "strategic_reviews", "scorecard_followups")


def workbook_kinds(path: str | Path) -> list[str] | None:
    """The sheets of a custdesk full export in import order (record kinds, then
    'scorecard'), or None when the file is not one: a workbook whose every visible sheet is
    named after a kind (or 'scorecard'), at least two of them, each headed by that kind's
    field names only."""
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".ods", ".xls"):
        return None
    source = open_source(path)
    try:
        names = source.visible_sheets
        if len(names) < 2 or not set(names) <= {*WORKBOOK_ORDER, SCORECARD_SHEET}:
            return None
        for name in names:
            headers = [h for h in read_table(source, name, rows=False).headers if h]
            known = ({"taken_on", "note"} | {q.id for q in QUESTIONS} if name == SCORECARD_SHEET
                     else {spec.name for spec in fields(name)})
            if not headers or not set(headers) <= known:
                return None
    finally:
        source.close()
    return [k for k in (*WORKBOOK_ORDER, SCORECARD_SHEET) if k in names]


@dataclass
class WorkbookPreview:
    """What importing every sheet of a full export does (or did): a preview per sheet,
    each planned against the file as the sheets before it leave it."""

    path: Path
    previews: list[Preview] = field(default_factory=list)
    assessments: tuple[int, int] = (0, 0)  # (added, already there)
    batch_id: int | None = None

    @property
    def invalid(self) -> int:
        return sum(p.invalid for p in self.previews)

    def counts(self) -> dict[str, int]:
        keys = ("rows_read", "created", "updated", "unchanged", "invalid")
        out = {k: sum(p.counts()[k] for p in self.previews) for k in keys}
        out["created"] += self.assessments[0]
        out["unchanged"] += self.assessments[1]
        return out

    def as_json(self) -> dict[str, Any]:
        return {"file": self.path.name, "kind": "workbook", **self.counts(),
                "sheets": [p.as_json() for p in self.previews],
                "assessments": {"created": self.assessments[0],
                                "unchanged": self.assessments[1]},
                "batch_id": self.batch_id}


class _RolledBack(Exception):
    pass


def import_workbook(store: Store, path: str | Path, *, write: bool = True,
                    date_order: str | None = None, percent_scale: str | None = None,
                    decimal_mark: str | None = None, mode: str = "upsert",
                    skip_invalid: bool = False, progress: Progress | None = None
                    ) -> WorkbookPreview:
    """Import every sheet of custdesk's full export in one transaction, as one batch (one
    undo), after one backup: all or nothing. With `write=False` (the preview) the same
    work runs and is rolled back, so each sheet's counts see the sheets before it.
    Raises InvalidRowsError (nothing written) when a sheet has invalid rows and
    `skip_invalid` is off; ReadError subclasses as `make_preview` does.

    `progress(kind, i, number of sheets)` is called as sheet i starts and while it is read
    and written, so a progress callback that raises (a Cancel) stops the import anywhere
    and the transaction rolls back: nothing is written."""
    path = Path(path)
    kinds = workbook_kinds(path)
    if kinds is None:
        raise MappingError(f"{path.name} is not a custdesk full export (a sheet per kind)")
    result = WorkbookPreview(path)
    if write:
        create_backup(store, reason="before-import")
    try:
        with write_cache(store), collector_paused(), store.transaction():
            batch_id = start_batch(store, "workbook", path.name, ", ".join(kinds), mode)
            for index, kind in enumerate(kinds):
                step = _sheet_step(progress, kind, index, len(kinds))
                if step:
                    step(kind, 0, 0)
                if kind == SCORECARD_SHEET:
                    result.assessments = _import_assessments(store, path, batch_id)
                    continue
                request = ImportRequest(path, kind=kind, sheet=kind, date_order=date_order,
                                        percent_scale=percent_scale,
                                        decimal_mark=decimal_mark, mode=mode,
                                        skip_invalid=skip_invalid)
                parsed = read_and_parse(request, store, step)
                plan = build_plan(store, parsed, mode)
                check_totals(store, plan)
                preview = Preview(request, parsed, plan, parsed.errors + plan.errors)
                result.previews.append(preview)
                write_plan(store, plan, batch_id, _count_step(step))
            if result.invalid and not skip_invalid and write:
                raise InvalidRowsError(next(p for p in result.previews if p.invalid))
            counts = result.counts()
            if not write or not (counts["created"] or counts["updated"] or any(
                    p.plan.deletes or p.plan.new_stages or p.plan.new_customers
                    or p.plan.new_products for p in result.previews)):
                raise _RolledBack
            record_after_images(store, batch_id)
            finish_batch(store, batch_id, counts)
            result.batch_id = batch_id
    except _RolledBack:
        pass
    return result


def _sheet_step(progress: Progress | None, kind: str, index: int, count: int
                ) -> Progress | None:
    """`progress` as sheet `index` of `count` reports it, whatever the phase inside."""
    if progress is None:
        return None
    return lambda _phase, _done, _total: progress(kind, index, count)


def _count_step(step: Progress | None) -> Callable[[int], None] | None:
    """A `write_plan` progress (rows written) reporting through `step`."""
    if step is None:
        return None
    return lambda done: step("write", done, 0)


def _import_assessments(store: Store, path: Path, batch_id: int) -> tuple[int, int]:
    """The scorecard sheet: each assessment whose day holds none yet is added; (added,
    already there)."""
    source = open_source(path)
    try:
        table = read_table(source, SCORECARD_SHEET)
        headers = table.headers
        rows = [row for _n, row in table.rows]
    finally:
        source.close()
    known = assessment_days(store)
    questions = {q.id for q in QUESTIONS}
    added = same = 0
    for row in rows:
        cells = dict(zip(headers, row, strict=False))
        day = parse_date(cells.get("taken_on"))
        if day is None:
            continue
        if day in known:
            same += 1
            continue
        answers = {h: parse_int(cells.get(h)) for h in headers if h in questions}
        note = parse_text(cells.get("note"))
        add_assessment(store, batch_id, day, note, answers)
        known.add(day)
        added += 1
    return added, same
