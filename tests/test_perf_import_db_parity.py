"""The import's faster paths leave the database exactly as their references do (issue 18,
import speed): every table's rows (but import times) equal after an import, a re-import
on top and the undo of both, with the fast paths and with their references patched in —
the extent scan (`xlsx_parts.sheet_extent`) and the undo snapshots (written in SQL by
`import_snapshot_layouts.record_snapshots`, compact arrays, against `json.dumps` of each
row read into Python; compared as the values they hold: SQLite writes 17-digit REALs);
the Python snapshot's text equals `json.dumps` on random rows of every value class; and
the SQL snapshots, objects and compact ones, read back equal to the rows on random rows
of every value class (REALs of every magnitude, subnormals, ±inf, -0.0, text with quotes,
controls and non-ASCII)."""

from __future__ import annotations

import json
import math
import random
import struct
import sys
from pathlib import Path
from typing import Any

import pytest

from custdesk.services.importer import ImportRequest, commit, make_preview, undo
from custdesk.sheets import reader, xlsx_parts
from custdesk.storage import import_snapshot_layouts, import_snapshots, import_undo, open_store
from custdesk.storage.import_snapshot_layouts import snapshot_values

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

TIMES = {"import_batches": {"started_at", "finished_at", "undone_at"},
         "column_mappings": {"saved_at"}}


def _tables(store: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows but import times; of the batches only those not undone (an
    undone batch keeps its row so that its id is never reused)."""
    out = {}
    for (table,) in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                       "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
        columns = [r[1] for r in store.conn.execute(f"PRAGMA table_info({table})")]
        picked = ", ".join("NULL" if c in TIMES.get(table, ()) else c for c in columns)
        live = " WHERE undone_at IS NULL" if table == "import_batches" else ""
        rows = store.conn.execute(f"SELECT {picked} FROM {table}{live} ORDER BY rowid"
                                  ).fetchall()
        if table == "batch_changes":  # the values as read back (compact or an object)
            position = columns.index("before_json")
            rows = [(*r[:position], None if r[position] is None
                     else snapshot_values(r[position]), *r[position + 1:]) for r in rows]
        out[table] = rows
    return out


def _steps(folder: Path, files: list[tuple[Path, dict[str, Any]]]) -> list[Any]:
    """Each file imported in turn, the last one again, then every batch undone: the
    tables after each step (the last one must equal the empty file's)."""
    store = open_store(folder / "parity.db")
    try:
        states = [_tables(store)]
        batches = []
        for path, options in [*files, files[-1]]:
            preview = make_preview(store, ImportRequest(path, skip_invalid=True, **options))
            batches.append(commit(store, preview).batch_id)
            states.append((preview.counts(), _tables(store)))
        for batch in reversed(batches):
            if batch is not None:
                undo(store, batch)
                states.append(_tables(store))
        assert states[-1] == states[0]  # the undo leaves the file as it was
        return states
    finally:
        store.close(backup_if_changed=False)


def _with_references(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader.xlsx_extent, "sheet_extent", xlsx_parts.sheet_extent)
    monkeypatch.setattr(import_undo, "record_snapshots",
                        lambda store, batch_id, tables: import_snapshots.record_snapshots_python(
                            store, batch_id, tables))
    monkeypatch.setattr(import_snapshots, "_dumps", lambda: json.dumps)


def _compare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             files: list[tuple[Path, dict[str, Any]]]) -> None:
    fast = _steps(tmp_path / "fast", files)
    with monkeypatch.context() as patch:
        _with_references(patch)
        reference = _steps(tmp_path / "reference", files)
    assert len(fast) == len(reference)
    for step, (got, want) in enumerate(zip(fast, reference, strict=True)):
        assert got == want, f"step {step} differs"


@pytest.fixture
def folders(tmp_path: Path) -> Path:
    (tmp_path / "fast").mkdir()
    (tmp_path / "reference").mkdir()
    return tmp_path


def test_generated_workbook_and_a_changed_one(folders: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from bench_import import generate

    first, second = folders / "orders.xlsx", folders / "orders-changed.xlsx"
    generate(first, 3_000, seed=3)
    generate(second, 3_500, seed=4)  # the same order ids, other lines: updates and removals
    _compare(folders, monkeypatch, [(first, {"kind": "orders"}),
                                    (second, {"kind": "orders"})])


def test_real_workbook_then_its_newer_edition(folders: Path, shared_data: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _compare(folders, monkeypatch, [(shared_data / "superstore.xlsx", {"sheet": "Orders"}),
                                    (shared_data / "superstore.csv",
                                     {"date_order": "dayfirst"})])


def test_real_pipeline(folders: Path, shared_data: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    crm = shared_data / "maven_crm"
    accounts = {"kind": "customers", "overrides": ["account=name"]}
    _compare(folders, monkeypatch, [(crm / "accounts.csv", accounts),
                                    (crm / "products.csv", {}),
                                    (crm / "sales_pipeline.csv", {})])


def _random_value(rng: random.Random) -> Any:
    roll = rng.randrange(9)
    if roll == 0:
        return None
    if roll == 1:
        return rng.randrange(-2**63, 2**63)
    if roll == 2:
        return rng.choice([0.0, -0.0, math.inf, -math.inf, math.nan, 1e-7, 1e22, 0.1 + 0.2])
    if roll == 3:
        return rng.uniform(-1e6, 1e6)
    if roll == 4:
        return rng.choice([True, False])
    if roll == 5:
        return "".join(chr(rng.randrange(0, 0x250)) for _ in range(rng.randrange(8)))
    if roll == 6:
        return "".join(chr(rng.choice([0x7F, 0x22, 0x5C, 0x2F, 0xE9, 0x1F600, 0xD7FF, 10]))
                       for _ in range(rng.randrange(1, 6)))
    return f"Customer {rng.randrange(10_000)}"


@pytest.mark.parametrize("seed", range(20))
def test_snapshot_text_is_json_dumps(seed: int) -> None:
    rng = random.Random(seed)
    encode = import_snapshots._dumps()
    columns = [f"c{i}" for i in range(rng.randrange(1, 25))] + ["näme", 'quo"te']
    for _ in range(300):
        row = {c: _random_value(rng) for c in columns}
        assert encode(row) == json.dumps(row)


def _by_distinct_value_reference(values: list[object], parser: Any) -> Any:
    """`validate._by_distinct_value` before it refused numeric columns up front."""
    from custdesk.sheets import validate
    from custdesk.sheets import values as v

    distinct = set(values)
    if len(distinct) * 2 > len(values):
        return None
    kinds = {x.__class__ for x in distinct}
    kinds.discard(type(None))
    if len(kinds) > 1 or not kinds <= set(validate._PLAIN_CLASSES):
        return None
    if parser is v.parse_text:
        keys = list(distinct)
        return dict(zip(keys, v.parse_text_column(keys), strict=True))
    return {x: parser(x) for x in distinct}


@pytest.mark.parametrize("seed", range(30))
def test_parsing_by_distinct_value_is_unchanged(seed: int) -> None:
    from datetime import date, datetime

    from custdesk.sheets import validate
    from custdesk.sheets import values as v

    rng = random.Random(seed)
    pools: list[list[object]] = [
        [None], ["Home", "Corporate", " home "], [1.0, 2.5, 3.0], [1, 2, True],
        [date(2024, 1, d) for d in range(1, 5)], [datetime(2024, 1, 2, 3, 4)],
        [float("nan"), -0.0, 0.0]]
    for _ in range(20):
        chosen = rng.sample(pools, rng.randrange(1, 4))
        values = [rng.choice(rng.choice(chosen)) for _ in range(rng.randrange(0, 60))]
        for parser in (v.parse_text, repr):
            assert (validate._by_distinct_value(values, parser)
                    == _by_distinct_value_reference(values, parser)), values


def _random_real(rng: random.Random) -> float | None:
    roll = rng.randrange(6)
    if roll == 0:
        return None
    if roll == 1:  # any bit pattern (NaN is stored as NULL by SQLite: left out)
        value = struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0]
        return None if math.isnan(value) else value
    if roll == 2:
        return rng.choice([0.0, -0.0, math.inf, -math.inf, 5e-324, 1e100, 9.999999999999999e99,
                           2.2250738585072014e-308, 0.1 + 0.2, 1e22, 2.0])
    if roll == 3:
        return round(rng.uniform(-1e5, 1e5), rng.randrange(8))
    return rng.random() * 10 ** rng.randrange(-320, 120)


def _inexact_printf(fmt: str, value: object) -> object:
    """SQLite's printf before 3.43 where `long double` is a plain double (Windows, Apple
    Silicon), as the review emulated it: 12.75 prints as 12.749999999999998."""
    if fmt == "%!.17g" and isinstance(value, float) and math.isfinite(value):
        # (a fraction: the last digit off; whole numbers print right)
        return repr(math.nextafter(value, 0.0) if value != int(value) else value)
    return fmt % value if "%" in fmt else fmt


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("printf_misprints", [False, True])
@pytest.mark.parametrize("compact", [False, True])
def test_sql_snapshots_read_back_as_the_rows(seed: int, printf_misprints: bool,
                                             compact: bool,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Snapshots written in SQL read back as the rows — also where the connection's
    printf misprints doubles (an older SQLite on Windows or macOS): the check before the
    import sees it and every row holding a REAL goes the Python path. `compact`: written
    as arrays under a layout of each table (`import_snapshot_layouts`)."""
    import sqlite3
    from types import SimpleNamespace

    rng = random.Random(seed)
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE batch_changes (id INTEGER PRIMARY KEY, batch_id INTEGER, "
                 "table_name TEXT, row_id INTEGER, action TEXT, before_json TEXT) STRICT")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, r REAL, s TEXT, a ANY, "
                 "r2 REAL, batch_id INTEGER) STRICT")
    conn.execute("CREATE TABLE loose (id INTEGER PRIMARY KEY, n, r REAL, s TEXT, "
                 "batch_id INTEGER)")
    rows = []
    for i in range(1, 2001):
        any_value = rng.choice([_random_real(rng), _random_value(rng)])
        if isinstance(any_value, float) and math.isnan(any_value):
            any_value = None
        if isinstance(any_value, bool):
            any_value = int(any_value)
        text = _random_value(rng)
        rows.append((i, rng.randrange(-2**63, 2**63), _random_real(rng),
                     text if isinstance(text, str) else None, any_value, _random_real(rng),
                     rng.choice([1, 1, 1, 2])))
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO loose VALUES (?, ?, ?, ?, ?)",
                     [(r[0], rng.choice([r[1], r[2], r[3]]), r[2], r[3], r[6]) for r in rows])
    store: Any = SimpleNamespace(conn=conn)
    if printf_misprints:
        conn.create_function("printf", 2, _inexact_printf)
        assert conn.execute("SELECT printf('%!.17g', 12.75)").fetchone()[0] != "12.75"
    assert import_snapshots.printf_is_exact(store) is not printf_misprints
    if compact:
        monkeypatch.setattr(import_snapshot_layouts, "LAYOUTS", {
            "t": ("t/1", ("n", "r", "s", "a", "r2")), "loose": ("loose/1", ("n", "r", "s"))})
        monkeypatch.setattr(import_snapshot_layouts, "TAG_COLUMNS", {
            "t/1": ("n", "r", "s", "a", "r2"), "loose/1": ("n", "r", "s")})
        import_snapshot_layouts.record_snapshots(store, 1, ("t", "loose"))
        arrays = [text for (text,) in conn.execute("SELECT before_json FROM batch_changes")
                  if text.startswith("[")]
        # (the rows printf prints exactly: most; where it misprints, those without a REAL)
        assert len(arrays) > (100 if printf_misprints else 1000)
    else:
        import_snapshots.record_snapshots(store, 1, ("t", "loose"))
    for table, names in (("t", ["n", "r", "s", "a", "r2"]), ("loose", ["n", "r", "s"])):
        want = {row[0]: dict(zip(names, row[1:], strict=True)) for row in conn.execute(
            f"SELECT id, {', '.join(names)} FROM {table} WHERE batch_id = 1")}
        got = {row_id: snapshot_values(text) for row_id, text in conn.execute(
            "SELECT row_id, before_json FROM batch_changes WHERE table_name = ? "
            "AND batch_id = 1 AND action = 'insert'", (table,))}
        assert got.keys() == want.keys()
        for row_id, values in want.items():
            assert list(got[row_id]) == names
            assert list(got[row_id].values()) == list(values.values()), (row_id, values)
