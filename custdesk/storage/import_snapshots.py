"""The undo snapshots of the rows an import created, written in SQL (issue 18, import speed).

Each created customer, deal and order line gets an 'insert' record in `batch_changes` whose
`before_json` is the row as written (`import_undo.record_after_images`): undo compares it with
the row then and spares what the owner edited since. One `INSERT … SELECT json_object(…)`
writes them without bringing a row into Python (a 100k-line import: 1.05 → 0.29 s).

The values must read back exactly (undo compares with `==`). `json_object` renders a REAL
with 15 digits (SQLite 3.40) and `quote()` is not exact either (its 15-digit check uses
SQLite's own parser: ~1 in 50,000 random doubles came back different); `printf('%!.17g')`
read back with Python's parser equals every double below 1e100 tried (3M random ones,
subnormals included) — on this machine's SQLite. Before 3.43 SQLite prints digits in
`long double`, which is a plain double on Windows (MSVC) and Apple Silicon: there about half
of all doubles misprint (12.75 -> 12.749999999999998) and undo would keep imported rows as
"edited". So each import first prints a sample of doubles through the connection's printf
(`printf_is_exact`); when one misprints, every row holding a REAL goes the Python reference
path (`json.dumps`). A row with a REAL of 1e100 or more (or ±inf) always does, after the
others.
"""

from __future__ import annotations

import json
import json.encoder
import random
from collections.abc import Callable
from typing import Any

from custdesk.storage.store import Store

# REALs below this print exactly with printf('%!.17g') (see the module's docstring)
_EXACT_BELOW = "1e100"
_INSERT = "INSERT INTO batch_changes(batch_id, table_name, row_id, action, before_json) "


def _columns(store: Store, table: str) -> list[tuple[str, str]]:
    """(name, declared type) of the table's columns but id and batch_id."""
    return [(r[1], str(r[2]).upper()) for r in store.conn.execute(f"PRAGMA table_info({table})")
            if r[1] not in ("id", "batch_id")]


def _strict(store: Store, table: str) -> bool:
    row = store.conn.execute("SELECT strict FROM pragma_table_list WHERE name = ?",
                             (table,)).fetchone()
    return bool(row and row[0])


def _may_hold_reals(store: Store, table: str) -> list[str]:
    """The columns that can hold a REAL: a STRICT table's REAL and ANY columns, else any."""
    columns = _columns(store, table)
    if not _strict(store, table):
        return [name for name, _type in columns]
    return [name for name, kind in columns if kind not in ("INTEGER", "INT", "TEXT", "BLOB")]


def _sample_doubles() -> list[float]:
    """Doubles an import meets (money and rates of 2-6 decimals, quantities) and random
    ones over the whole exact range: what `printf_is_exact` prints."""
    rng = random.Random(20261202)
    sample = [12.75, 853.83, 0.123456, 0.1, 0.7, 1 / 3, 2.675, 1e-300, 5e-324, 9.99e99]
    sample += [round(rng.uniform(0, 10_000), rng.randint(2, 6)) for _ in range(1500)]
    sample += [rng.uniform(-1, 1) * 10.0 ** rng.randint(-300, 99) for _ in range(500)]
    return sample


_SAMPLE = _sample_doubles()


def printf_is_exact(store: Store) -> bool:
    """True when this connection's `printf('%!.17g', x)` reads back as x for every double
    of the sample (see the module's docstring: not so before SQLite 3.43 where `long
    double` is a plain double). ~2,000 one-value statements: a few ms per import."""
    execute = store.conn.execute
    return all(float(execute("SELECT printf('%!.17g', ?)", (x,)).fetchone()[0]) == x
               for x in _SAMPLE)


def snapshot_sql(store: Store, table: str, *, printf_exact: bool = True,
                 tag: str | None = None) -> tuple[str, str]:
    """(the insert of the exact rows' snapshots, the condition of the rows left to Python)
    for `table`; both take (batch_id, batch_id) / (batch_id) parameters. `printf_exact`
    False (`printf_is_exact`): every row holding a REAL is left to Python. With `tag` (a
    layout of `import_snapshot_layouts` the table's columns are): the compact form,
    `json_array(tag, values...)`, of the same values, else a JSON object."""
    reals = set(_may_hold_reals(store, table))
    pairs = []
    for name, _kind in _columns(store, table):
        value = (f"CASE WHEN typeof({name}) = 'real' THEN json(printf('%!.17g', {name})) "
                 f"ELSE {name} END" if name in reals else name)
        pairs.append(value if tag is not None else f"'{name}', {value}")
    snapshot = (f"json_array('{tag}', {', '.join(pairs)})" if tag is not None
                else f"json_object({', '.join(pairs)})")
    printed = f"abs({{n}}) < {_EXACT_BELOW}" if printf_exact else "0"
    exact = " AND ".join(f"(typeof({n}) <> 'real' OR {printed.format(n=n)})"
                         for n in sorted(reals)) or "1"
    insert = (_INSERT + f"SELECT ?, '{table}', id, 'insert', {snapshot} "
              f"FROM {table} WHERE batch_id = ? AND {exact} ORDER BY id")
    return insert, f"NOT ({exact})"


def record_snapshots(store: Store, batch_id: int, tables: tuple[str, ...]) -> None:
    """The 'insert' records of the rows this batch created in `tables`, in SQL (rows with a
    REAL too large to print exactly: by `record_snapshots_python`, after them)."""
    printf_exact = printf_is_exact(store)
    for table in tables:
        insert, rest = snapshot_sql(store, table, printf_exact=printf_exact)
        store.conn.execute(insert, (batch_id, batch_id))
        record_snapshots_python(store, batch_id, (table,), rest)


def record_snapshots_python(store: Store, batch_id: int, tables: tuple[str, ...],
                            where: str = "1") -> None:
    """The reference: each row read into Python and written as `json.dumps` of its dict."""
    encode = _dumps()
    for table in tables:
        columns = [name for name, _type in _columns(store, table)]
        width = len(columns)
        # id last: a row's first `width` values zip with the columns without a slice
        cursor = store.conn.execute(f"SELECT {', '.join(columns)}, id FROM {table} "
                                    f"WHERE batch_id = ? AND {where} ORDER BY id", (batch_id,))
        while written := cursor.fetchmany(50_000):  # (1M lines at once held ~1 GB)
            store.conn.executemany(
                _INSERT + f"VALUES ({int(batch_id)}, ?, ?, 'insert', ?)",
                [(table, row[width], encode(dict(zip(columns, row, strict=False))))
                 for row in written])


def _dumps() -> Callable[[dict[str, Any]], str]:
    """`json.dumps` of a flat dict with its default options, calling the C encoder
    directly (`json.dumps` goes through two Python layers and builds an encoder per call).
    The same text: no circular check is needed for a row of scalars."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # (a Python without the C accelerator)
        return json.dumps
    encoder = make(None, json.JSONEncoder().default, json.encoder.encode_basestring_ascii,
                   None, ": ", ", ", False, False, True)
    return lambda row: "".join(encoder(row, 0))
