"""The edit log: what every edit made in the app changed, so that Edit ▸ Undo can put it back.

While an edit runs (`recording`, inside its one transaction) TEMP triggers on every user
table write each change into a temp table: an INSERT its rowid, an UPDATE or DELETE its
rowid and the whole old row (as native values in generic columns — a REAL keeps its exact
value, which a json_object() in the trigger would round to 15 digits). At the end the
first state of every touched row (absent, or its old values) and its state after the edit
are written as JSON to `edit_log` (the newest `KEEP` are kept), the triggers dropped.

`undo_edit` replays one entry backwards in the caller's transaction: rows the edit
inserted are deleted, rows it updated or deleted are written back exactly (same rowid).
It refuses, changing nothing, when a row is no longer what the edit left (a later edit
or import changed it).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

KEEP = 50  # the newest edits kept in the log (Edit ▸ Undo promises at least 20)

# not business data: the log itself, the import batches (an edit never writes one),
# derived caches rebuilt from orders and saved column mappings. The business settings are
# logged (the settings dialog is an edit; a merge keeps its own undo record there), and so
# are an import's undo records (`batch_changes`): a delete or merge drops those of the rows
# it removes, and its undo must put them back for the import's undo to stay exact.
SKIPPED = frozenset({"edit_log", "import_batches", "customer_order_stats", "summary_state",
                     "column_mappings"})

_LOG = "temp.custdesk_edit_changes"
_TRIGGER = "custdesk_edit_"


class EditUndoRefusedError(Exception):
    """The edit cannot be undone (the message says why); nothing was changed."""


@dataclass(frozen=True)
class LoggedEdit:
    id: int
    made_at: str
    label: str
    undone: bool
    after_batch: int = 0  # the newest import batch id when the edit was made


def user_tables(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Every table an edit may change, with its columns (in order)."""
    names = [r[0] for r in conn.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite%' AND upper(sql) NOT LIKE '%WITHOUT ROWID%' "
        "ORDER BY name")]
    return {n: [c[1] for c in conn.execute(f'PRAGMA main.table_info("{n}")')]
            for n in names if n not in SKIPPED}


def _rowid_is_a_column(conn: sqlite3.Connection, table: str) -> bool:
    """True when an INTEGER PRIMARY KEY column is the rowid (then it is restored with the
    row; otherwise the rowid is written explicitly so later undos still find the row)."""
    keys = [c for c in conn.execute(f'PRAGMA main.table_info("{table}")') if c[5]]
    return len(keys) == 1 and str(keys[0][2]).upper() == "INTEGER"


def _install(conn: sqlite3.Connection, tables: dict[str, list[str]]) -> None:
    width = max((len(cols) for cols in tables.values()), default=0)
    values = ", ".join(f"v{i}" for i in range(width))
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS custdesk_edit_changes (seq INTEGER "
                 f"PRIMARY KEY, tbl TEXT, op TEXT, row_id INTEGER, {values})")
    conn.execute(f"DELETE FROM {_LOG}")
    for n, (table, cols) in enumerate(tables.items()):
        old = ", ".join(f'OLD."{c}"' for c in cols)
        targets = ", ".join(f"v{i}" for i in range(len(cols)))
        quoted = table.replace("'", "''")
        conn.execute(f"CREATE TEMP TRIGGER {_TRIGGER}i{n} AFTER INSERT ON main.\"{table}\" "
                     "BEGIN INSERT INTO custdesk_edit_changes(tbl, op, row_id) "
                     f"VALUES ('{quoted}', 'insert', NEW.rowid); END")
        for op, event in (("update", "UPDATE"), ("delete", "DELETE")):
            conn.execute(
                f"CREATE TEMP TRIGGER {_TRIGGER}{op[0]}{n} AFTER {event} ON main.\"{table}\" "
                f"BEGIN INSERT INTO custdesk_edit_changes(tbl, op, row_id, {targets}) "
                f"VALUES ('{quoted}', '{op}', OLD.rowid, {old}); END")


def _uninstall(conn: sqlite3.Connection) -> None:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM temp.sqlite_master WHERE type = 'trigger' AND name LIKE ?",
        (_TRIGGER + "%",))]
    for name in names:
        conn.execute(f"DROP TRIGGER temp.{name}")
    conn.execute(f"DROP TABLE IF EXISTS {_LOG}")


def _row(conn: sqlite3.Connection, table: str, cols: list[str],
         row_id: int) -> dict[str, Any] | None:
    found = conn.execute(f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in cols)} "
                         f'FROM main."{table}" WHERE rowid = ?', (row_id,)).fetchone()
    return None if found is None else dict(zip(cols, found, strict=True))


def _changes(conn: sqlite3.Connection,
             tables: dict[str, list[str]]) -> list[dict[str, Any]]:
    """One entry per touched row, in order of first touch: its state before and after."""
    first: dict[tuple[str, int], dict[str, Any] | None] = {}
    for tbl, op, row_id, *values in conn.execute(f"SELECT tbl, op, row_id, * FROM {_LOG} "
                                                 "ORDER BY seq"):
        key = (tbl, int(row_id))
        if key in first:
            continue
        cols = tables[tbl]
        # (the SELECT's * repeats seq, tbl, op, row_id before v0…)
        first[key] = None if op == "insert" else dict(zip(cols, values[4:4 + len(cols)],
                                                          strict=True))
    out = []
    for (tbl, row_id), before in first.items():
        after = _row(conn, tbl, tables[tbl], row_id)
        if before != after:
            out.append({"table": tbl, "rowid": row_id, "before": before, "after": after})
    return out


def holds_business(conn: sqlite3.Connection) -> bool:
    """Whether the file holds any customer, order line, deal, ticket, survey or action."""
    return bool(conn.execute(
        "SELECT EXISTS (SELECT 1 FROM customers) OR EXISTS (SELECT 1 FROM orders) "
        "OR EXISTS (SELECT 1 FROM deals) OR EXISTS (SELECT 1 FROM tickets) "
        "OR EXISTS (SELECT 1 FROM surveys) OR EXISTS (SELECT 1 FROM actions)").fetchone()[0])


def now_stamp() -> str:
    return datetime.now().isoformat(timespec="microseconds")


@contextmanager
def recording(conn: sqlite3.Connection, label: str) -> Iterator[None]:
    """Log what the enclosed writes change as one edit (the caller holds the transaction:
    on an exception the triggers and the log go with its rollback)."""
    tables = user_tables(conn)
    _install(conn, tables)
    yield
    changes = _changes(conn, tables)
    _uninstall(conn)
    if changes:
        # the newest import at the time: Edit ▸ Undo tells which came last by this, not by
        # clocks (an import stamped in the same second, or a clock set back)
        batch = conn.execute("SELECT max(id) FROM import_batches").fetchone()[0]
        undo = {"after_batch": batch or 0, "changes": changes}
        conn.execute("INSERT INTO edit_log(made_at, label, undo_json) VALUES (?, ?, ?)",
                     (now_stamp(), label, json.dumps(undo)))
        conn.execute("DELETE FROM edit_log WHERE id NOT IN "
                     "(SELECT id FROM edit_log ORDER BY id DESC LIMIT ?)", (KEEP,))


def last_edit(conn: sqlite3.Connection) -> LoggedEdit | None:
    """The newest edit not undone yet."""
    row = conn.execute(f"SELECT {_FIELDS} FROM edit_log WHERE undone = 0 "
                       "ORDER BY id DESC LIMIT 1").fetchone()
    return None if row is None else _logged(row)


def recent_edits(conn: sqlite3.Connection, limit: int = KEEP) -> list[LoggedEdit]:
    return [_logged(r) for r in conn.execute(
        f"SELECT {_FIELDS} FROM edit_log ORDER BY id DESC LIMIT ?", (limit,))]


_FIELDS = ("id, made_at, label, undone, "
           "coalesce(json_extract(undo_json, '$.after_batch'), 0)")


def _logged(row: tuple[Any, ...]) -> LoggedEdit:
    return LoggedEdit(int(row[0]), row[1], row[2], bool(row[3]), int(row[4]))


def undo_edit(conn: sqlite3.Connection, edit_id: int) -> int:
    """Put back what edit `edit_id` changed (in the caller's transaction); the number of
    rows written back. EditUndoRefusedError when it cannot: before any write, or (a foreign
    key a later record holds) with the caller's transaction to roll back."""
    row = conn.execute("SELECT label, undo_json, undone FROM edit_log WHERE id = ?",
                       (edit_id,)).fetchone()
    if row is None:
        raise EditUndoRefusedError("that edit is no longer in the edit log")
    label, undo_json, undone = row
    if undone:
        raise EditUndoRefusedError(f"“{label}” was already undone")
    changes = json.loads(undo_json)["changes"]
    tables = user_tables(conn)
    for change in changes:
        table = change["table"]
        if table not in tables:
            raise EditUndoRefusedError(f"“{label}” cannot be undone: the table {table} "
                                       "no longer exists")
        cols = list((change["after"] or change["before"] or {}).keys())
        now = _row(conn, table, cols, change["rowid"]) if cols else None
        if now != change["after"]:
            raise EditUndoRefusedError(
                f"“{label}” cannot be undone: a {_singular(table)} it changed was changed "
                "again since (by a later edit or import). Nothing was changed.")
    try:
        for change in reversed(changes):
            _put_back(conn, change)
    except sqlite3.IntegrityError as exc:  # e.g. a later import's lines use a row it added
        raise EditUndoRefusedError(
            f"“{label}” cannot be undone: records added since depend on it ({exc}). "
            "Nothing was changed.") from exc
    conn.execute("UPDATE edit_log SET undone = 1 WHERE id = ?", (edit_id,))
    return len(changes)


def _put_back(conn: sqlite3.Connection, change: dict[str, Any]) -> None:
    table, row_id, before = change["table"], change["rowid"], change["before"]
    if before is None:
        conn.execute(f'DELETE FROM main."{table}" WHERE rowid = ?', (row_id,))
    elif change["after"] is None:
        names = [f'"{c}"' for c in before]
        values = list(before.values())
        if not _rowid_is_a_column(conn, table):
            names, values = ["rowid", *names], [row_id, *values]
        conn.execute(f'INSERT INTO main."{table}" ({", ".join(names)}) '
                     f"VALUES ({', '.join('?' * len(values))})", values)
    else:
        sets = ", ".join(f'"{c}" = ?' for c in before)
        conn.execute(f'UPDATE main."{table}" SET {sets} WHERE rowid = ?',
                     (*before.values(), row_id))


def _singular(table: str) -> str:
    return {"customers": "customer", "deals": "deal", "actions": "action",
            "orders": "order line", "interactions": "interaction", "stages": "stage",
            "targets": "target", "customer_snoozes": "snooze",
            "detractor_followups": "detractor follow-up"}.get(table, f"row of {table}")
