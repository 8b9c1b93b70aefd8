"""The undo snapshots of the rows an import created, written in SQL (issue 18, import speed).

Each created customer, deal and order line gets an 'insert' record in `batch_changes` whose
`before_json` is the row as written (`import_undo.record_after_images`): undo compares it with
the row then and spares what the owner edited since. One `INSERT … SELECT json_object(…)`
writes them without bringing a row into Python (a 100k-line import: ~1 s → ~0.15 s).

The values must read back exactly (undo compares with `==`). `json_object` renders a REAL
with 15 digits (SQLite 3.40) and `quote()` is not exact either (its 15-digit check uses
SQLite's own parser: ~1 in 50,000 random doubles came back different); `printf('%!.17g')`
read back with Python's parser equals every double below 1e100 tried (3M random ones,
subnormals included). A row with a REAL of 1e100 or more (or ±inf) is written by the Python
reference path (`json.dumps`), after the others.
"""

from __future__ import annotations

import json
import json.encoder
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


def snapshot_sql(store: Store, table: str) -> tuple[str, str]:
    """(the insert of the exact rows' snapshots, the condition of the rows left to Python)
    for `table`; both take (batch_id, batch_id) / (batch_id) parameters."""
    reals = set(_may_hold_reals(store, table))
    pairs = []
    for name, _kind in _columns(store, table):
        value = (f"CASE WHEN typeof({name}) = 'real' THEN json(printf('%!.17g', {name})) "
                 f"ELSE {name} END" if name in reals else name)
        pairs.append(f"'{name}', {value}")
    exact = " AND ".join(f"(typeof({n}) <> 'real' OR abs({n}) < {_EXACT_BELOW})"
                         for n in sorted(reals)) or "1"
    insert = (_INSERT + f"SELECT ?, '{table}', id, 'insert', json_object({', '.join(pairs)}) "
              f"FROM {table} WHERE batch_id = ? AND {exact} ORDER BY id")
    return insert, f"NOT ({exact})"


def record_snapshots(store: Store, batch_id: int, tables: tuple[str, ...]) -> None:
    """The 'insert' records of the rows this batch created in `tables`, in SQL (rows with a
    REAL too large to print exactly: by `record_snapshots_python`, after them)."""
    for table in tables:
        insert, rest = snapshot_sql(store, table)
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
