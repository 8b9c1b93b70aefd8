"""Writing a plan inside the caller's transaction, and undoing a batch exactly.

Rows an import inserts carry its `batch_id`, so undo deletes them by that column. Rows it
updates (and inserted rows of tables without a batch_id column: stages, saved mappings)
are listed in `batch_changes` with their previous values. Undo puts the previous values
back, deletes the inserted rows and finally the batch itself, so that the database holds
exactly what it held before: the same rows in every table and the same schema. (A big
batch rebuilds its table's indexes, which moves their rows to the end of sqlite_master:
same SQL, same contents, another listing order — see `_indexes_rebuilt`.)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from custdesk.domain.text import name_key
from custdesk.services.import_plan import Plan
from custdesk.storage.database import Store
from custdesk.storage.repository import ensure_stage, stage_ids

Progress = Callable[[int, int], None]
CHUNK = 20_000
# Child tables first, so that foreign keys never block the deletes.
UNDO_ORDER = ("orders", "deals", "tickets", "surveys", "spend", "targets", "products",
              "customers")


class UndoRefusedError(Exception):
    """The batch cannot be undone (later work depends on it); the message says why."""


def insert_rows(store: Store, table: str, rows: Sequence[dict[str, Any]], batch_id: int,
                progress: Callable[[int], None] | None = None) -> None:
    """executemany in chunks (progress, and a chance to cancel, between chunks); every row
    is stamped with the batch. A big batch into a table not much bigger than itself is
    written with the table's indexes rebuilt afterwards (`_indexes_rebuilt`)."""
    if not rows:
        return
    columns = [c for c in rows[0] if c != "batch_id"]
    sql = (f"INSERT INTO {table} ({', '.join(columns)}, batch_id) "
           f"VALUES ({', '.join('?' * len(columns))}, {int(batch_id)})")
    pick = itemgetter(*columns) if len(columns) > 1 else (lambda r: (r[columns[0]],))
    with _indexes_rebuilt(store, table, len(rows)):
        for start in range(0, len(rows), CHUNK):
            store.conn.executemany(sql, [pick(r) for r in rows[start:start + CHUNK]])
            if progress:
                progress(min(start + CHUNK, len(rows)))


# Rebuilding pays when the batch is big and the table at most a few times its size:
# measured at 100k order lines into an empty table with its 6 indexes, 3.4 s of per-row
# index upkeep against 0.3 s of inserts + 0.4 s to build the indexes from sorted runs;
# building costs ~0.8 µs per row per index of the whole table, upkeep ~5 µs per new row.
REBUILD_MIN_ROWS = 20_000
REBUILD_MAX_EXISTING = 3  # existing rows at most this many times the batch


@contextmanager
def _indexes_rebuilt(store: Store, table: str, batch: int) -> Iterator[None]:
    """Drop the table's own indexes for the block and create them again after it, inside
    the caller's transaction: an error or a kill in between rolls the drop back too.

    Triggers are untouched (they still fire per row). A UNIQUE index refuses a duplicate
    when it is rebuilt, exactly as it would have refused the insert. Only the order of
    rows in sqlite_master changes (the indexes' SQL, names and contents are the same).
    """
    conn = store.conn
    if batch < REBUILD_MIN_ROWS or not conn.in_transaction:
        yield
        return
    existing = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if existing > REBUILD_MAX_EXISTING * batch:
        yield
        return
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                           "tbl_name = ? AND sql IS NOT NULL ORDER BY rowid", (table,)
                           ).fetchall()
    stats = _saved_stats(store, table, [name for name, _sql in indexes])
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        conn.execute(sql)
    if stats:  # DROP INDEX deleted the planner's statistics of those indexes: put them back
        conn.executemany("INSERT INTO sqlite_stat1(rowid, tbl, idx, stat) VALUES (?, ?, ?, ?)",
                         stats)  # (same rowids: the same rows in the same order)


def _saved_stats(store: Store, table: str, names: list[str]) -> list[tuple[Any, ...]]:
    """The ANALYZE statistics of these indexes (none unless ANALYZE ever ran)."""
    if store.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
                          ).fetchone() is None:
        return []
    rows = store.conn.execute("SELECT rowid, tbl, idx, stat FROM sqlite_stat1 WHERE tbl = ?",
                              (table,)).fetchall()
    return [row for row in rows if row[2] in names]


def record_change(store: Store, batch_id: int, table: str, row_id: int, action: str,
                  before: dict[str, Any] | None = None) -> None:
    store.conn.execute(
        "INSERT INTO batch_changes(batch_id, table_name, row_id, action, before_json) "
        "VALUES (?, ?, ?, ?, ?)",
        (batch_id, table, row_id, action, None if before is None else json.dumps(before)))


def write_plan(store: Store, plan: Plan, batch_id: int,
               progress: Callable[[int], None] | None = None) -> None:
    """Carry the plan out (inside the caller's transaction)."""
    for name in plan.new_stages:
        record_change(store, batch_id, "stages", ensure_stage(store, name), "insert")
    if plan.customers is not None:
        insert_rows(store, "customers", _complete_customers(plan.customers.new_rows), batch_id)
    if plan.products is not None:
        insert_rows(store, "products", plan.products.new_rows, batch_id)
    rows = plan.inserts
    if plan.kind == "customers":
        rows = _complete_customers(rows)
    if plan.kind == "deals" and plan.new_stages:
        ids = stage_ids(store)
        for row in rows:
            if isinstance(row["stage_id"], str):
                row["stage_id"] = ids[row["stage_id"][4:]]
    insert_rows(store, plan.table, rows if plan.uniform else _uniform(rows), batch_id, progress)
    for update in plan.updates:
        after = dict(update.after)
        if plan.kind == "deals" and isinstance(after.get("stage_id"), str):
            after["stage_id"] = stage_ids(store)[after["stage_id"][4:]]
        sets = ", ".join(f"{c} = ?" for c in after)
        store.conn.execute(f"UPDATE {update.table} SET {sets} WHERE rowid = ?",
                           (*after.values(), update.row_id))
        record_change(store, batch_id, update.table, update.row_id, "update", update.before)


_CUSTOMER_DEFAULTS = {"ref": None, "name": "", "name_key": "", "company": None, "email": None,
                      "email_key": None, "phone": None, "segment": None, "source": None,
                      "referred_by": None, "acquired_on": None, "status": None,
                      "lost_on": None, "lost_reason": None, "country": None, "city": None,
                      "notes": None, "created_on": "", "id": None}


def _complete_customers(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Same columns for every row, so one executemany statement fits them all."""
    out = []
    for row in rows:
        full = {**_CUSTOMER_DEFAULTS, **row}
        full["name_key"] = name_key(full["name"])
        out.append(full)
    return out


def _uniform(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not rows:
        return rows
    columns = dict.fromkeys(c for r in rows[:1] for c in r)
    if all(r.keys() == columns.keys() for r in rows):
        return rows
    for row in rows:
        columns.update(dict.fromkeys(row))
    return [{c: row.get(c) for c in columns} for row in rows]


# ---- undo --------------------------------------------------------------------------------

# rows this batch updated are put back by the undo itself, so they do not block it
_NOT_MINE = ("id NOT IN (SELECT row_id FROM batch_changes WHERE table_name = ? "
             "AND batch_id = ? AND action = 'update')")


def undo_blockers(store: Store, batch_id: int) -> list[str]:
    """Why the batch cannot be undone now (empty when it can)."""
    reasons = []
    for parent, children in (("customers", ("orders", "deals", "tickets", "surveys")),
                             ("products", ("orders", "deals"))):
        for child in children:
            column = "customer_id" if parent == "customers" else "product_id"
            count = store.conn.execute(
                f"SELECT count(*) FROM {child} WHERE {column} IN "
                f"(SELECT id FROM {parent} WHERE batch_id = ?) "
                f"AND (batch_id IS NULL OR batch_id <> ?) AND {_NOT_MINE}",
                (batch_id, batch_id, child, batch_id)).fetchone()[0]
            if count:
                reasons.append(f"{count} {child} added later use {parent} this import created")
    later = store.conn.execute(
        "SELECT count(*) FROM batch_changes AS later JOIN batch_changes AS mine "
        "ON later.table_name = mine.table_name AND later.row_id = mine.row_id "
        "WHERE mine.batch_id = ? AND later.batch_id > ?", (batch_id, batch_id)).fetchone()[0]
    for table in UNDO_ORDER:
        later += store.conn.execute(
            f"SELECT count(*) FROM batch_changes WHERE table_name = ? AND batch_id > ? "
            f"AND row_id IN (SELECT rowid FROM {table} WHERE batch_id = ?)",
            (table, batch_id, batch_id)).fetchone()[0]
    if later:
        reasons.append(f"later imports changed {later} records this import wrote")
    stage_users = store.conn.execute(
        "SELECT count(*) FROM deals WHERE stage_id IN (SELECT row_id FROM batch_changes "
        f"WHERE batch_id = ? AND table_name = 'stages') AND (batch_id IS NULL OR batch_id <> ?) "
        f"AND {_NOT_MINE}", (batch_id, batch_id, "deals", batch_id)).fetchone()[0]
    if stage_users:
        reasons.append(f"{stage_users} deals added later use stages this import created")
    return reasons


def undo_batch(store: Store, batch_id: int) -> dict[str, int]:
    """Restore the database to what it was before the batch (inside the caller's
    transaction); returns rows removed per table and the number of rows restored."""
    if store.conn.execute("SELECT 1 FROM import_batches WHERE id = ?",
                          (batch_id,)).fetchone() is None:
        raise UndoRefusedError(f"there is no import batch {batch_id}")
    blockers = undo_blockers(store, batch_id)
    if blockers:
        raise UndoRefusedError(f"import {batch_id} cannot be undone: " + "; ".join(blockers)
                               + " (undo those later imports first)")
    changes = store.conn.execute(
        "SELECT table_name, row_id, action, before_json FROM batch_changes "
        "WHERE batch_id = ? ORDER BY id DESC", (batch_id,)).fetchall()
    result: dict[str, int] = {"restored": 0}
    for table, row_id, action, before in changes:
        if action == "update":
            values = json.loads(before)
            sets = ", ".join(f"{c} = ?" for c in values)
            store.conn.execute(f"UPDATE {table} SET {sets} WHERE rowid = ?",
                               (*values.values(), row_id))
            result["restored"] += 1
    for table in UNDO_ORDER:
        cursor = store.conn.execute(f"DELETE FROM {table} WHERE batch_id = ?", (batch_id,))
        if cursor.rowcount:
            result[table] = cursor.rowcount
    for table, row_id, action, _before in changes:
        if action == "insert":
            store.conn.execute(f"DELETE FROM {table} WHERE rowid = ?", (row_id,))
            result[table] = result.get(table, 0) + 1
    store.conn.execute("DELETE FROM batch_changes WHERE batch_id = ?", (batch_id,))
    store.conn.execute("DELETE FROM import_batches WHERE id = ?", (batch_id,))
    return result
