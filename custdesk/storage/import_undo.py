"""Undoing an import batch exactly, in SQL.

Undo puts the previous values of updated rows back, deletes the rows the batch inserted
and its undo records, so that every business table holds exactly what it held before,
with the same schema. The batch's own row stays, marked `undone_at`: batch ids are never
handed out again (SQLite gives a new row max(id) + 1, and the highest id is never
deleted), so `--undo 2` run twice is refused the second time instead of undoing a newer
import that reused id 2 (issue 20 M5). (A big batch rebuilds its table's indexes,
which moves their rows to the end of sqlite_master: same SQL, same contents, another
listing order — see `import_writes._indexes_rebuilt`.) The order summary is rebuilt in the
same transaction (`queries_summary.kept_in_step`).
"""

from __future__ import annotations

import json
from datetime import datetime

from custdesk.storage.import_snapshot_layouts import (
    UnknownLayoutError,
    record_snapshots,
    snapshot_values,
)
from custdesk.storage.import_writes import REMOVED
from custdesk.storage.queries_summary import kept_in_step
from custdesk.storage.store import Store

# Child tables first, so that foreign keys never block the deletes.
UNDO_ORDER = ("actions", "deal_stage_history", "interactions", "orders", "deals", "tickets",
              "surveys", "spend", "costs", "targets", "products", "customers")

# the owner's records (m005) of a customer or product: deleted with it (ON DELETE CASCADE),
# so one added later (by hand or by a later import) keeps the import that created the
# customer or product from being undone, as a later order or action does
_OWNER_CHILDREN = (("customers", "customer_id", "onboarding_steps"),
                   ("customers", "customer_id", "customer_snoozes"),
                   ("customers", "customer_id", "detractor_followups"),
                   ("products", "product_id", "product_cases"))
# rows this batch updated are put back by the undo itself, so they do not block it
_NOT_MINE = ("id NOT IN (SELECT row_id FROM batch_changes WHERE table_name = ? "
             "AND batch_id = ? AND action = 'update')")


class UndoRefusedError(Exception):
    """The batch cannot be undone (later work depends on it); the message says why."""


def undo_blockers(store: Store, batch_id: int) -> list[str]:
    """Why the batch cannot be undone now (empty when it can)."""
    reasons = []
    kept = {(t, i) for t, i, _n in edited_since(store, batch_id)}  # these stay: no blocker
    for parent, children in (("customers", ("orders", "deals", "tickets", "surveys",
                                            "actions", "interactions")),
                             ("products", ("orders", "deals")),
                             ("deals", ("actions", "interactions", "deal_stage_history"))):
        for child in children:
            column = {"customers": "customer_id", "products": "product_id",
                      "deals": "deal_id"}[parent]
            staying = ",".join(str(i) for t, i in kept if t == parent)
            count = store.conn.execute(
                f"SELECT count(*) FROM {child} WHERE {column} IN "
                f"(SELECT id FROM {parent} WHERE batch_id = ? AND id NOT IN ({staying})) "
                f"AND (batch_id IS NULL OR batch_id <> ?) AND {_NOT_MINE}",
                (batch_id, batch_id, child, batch_id)).fetchone()[0]
            if count:
                reasons.append(f"{count} {child} added later use {parent} this import created")
    for parent, column, child in _OWNER_CHILDREN:  # (no batch_id: by their undo records)
        staying = ",".join(str(i) for t, i in kept if t == parent)
        count = store.conn.execute(
            f"SELECT count(*) FROM {child} WHERE {column} IN (SELECT id FROM {parent} "
            f"WHERE batch_id = ? AND id NOT IN ({staying})) AND rowid NOT IN (SELECT row_id "
            "FROM batch_changes WHERE batch_id = ? AND table_name = ? AND action = 'insert')",
            (batch_id, batch_id, child)).fetchone()[0]
        if count:
            reasons.append(f"{count} {child.replace('_', ' ')} added later use {parent} this "
                           "import created")
    follow_ups = store.conn.execute(
        "SELECT count(*) FROM tickets WHERE follow_up_of IN (SELECT id FROM tickets WHERE "
        "batch_id = ?) AND (batch_id IS NULL OR batch_id <> ?)", (batch_id, batch_id)
    ).fetchone()[0]
    if follow_ups:
        reasons.append(f"{follow_ups} tickets added later follow up tickets this import "
                       "created")
    later = store.conn.execute(
        "SELECT count(*) FROM batch_changes AS later JOIN batch_changes AS mine "
        "ON later.table_name = mine.table_name AND later.row_id = mine.row_id "
        "WHERE mine.batch_id = ? AND later.batch_id > ? AND later.action = 'update'",
        (batch_id, batch_id)).fetchone()[0]  # (a later 'insert' made a new row of that id)
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
    found = store.conn.execute("SELECT undone_at FROM import_batches WHERE id = ?",
                               (batch_id,)).fetchone()
    if found is None:
        raise UndoRefusedError(f"there is no import batch {batch_id}")
    if found[0] is not None:
        raise UndoRefusedError(f"import {batch_id} was already undone "
                               f"({str(found[0])[:16].replace('T', ' ')})")
    blockers = undo_blockers(store, batch_id)
    if blockers:
        raise UndoRefusedError(f"import {batch_id} cannot be undone: " + "; ".join(blockers)
                               + " (undo those later imports first)")
    with kept_in_step(store):
        return _undo(store, batch_id)


# The values an import left are kept with its undo records (issue 20 H9): an updated row's
# under this key of its `before_json`, a customer it created as an 'insert' record whose
# `before_json` is the row as written. Undo compares them with the rows now: a row the
# owner changed since is left as it is (and counted), never overwritten or deleted.
AFTER = "__after__"
# the tables whose created rows are kept as written: customers (filled in on their page),
# deals (the deal editor) and order lines (corrected by hand)
_SNAPSHOT_TABLES = ("customers", "deals", "orders")
# a kept row's parents this batch created stay too (no longer tied to the batch), and so
# do the kept deal's own stage history rows
_PARENTS = {"orders": (("customer_id", "customers"), ("product_id", "products")),
            "deals": (("customer_id", "customers"), ("product_id", "products"))}


def record_after_images(store: Store, batch_id: int) -> None:
    """Keep what this batch wrote (inside its transaction), so that undo can tell the
    owner's later hand edits from the import's own values."""
    rows = store.conn.execute("SELECT id, table_name, row_id, before_json FROM batch_changes "
                              "WHERE batch_id = ? AND action = 'update'", (batch_id,)
                              ).fetchall()
    for change_id, table, row_id, before in rows:
        values = json.loads(before)
        if REMOVED in values:  # a row the import removed: nothing of it to compare
            continue
        now = store.conn.execute(f"SELECT {', '.join(values)} FROM {table} WHERE rowid = ?",
                                 (row_id,)).fetchone()
        if now is not None:
            values[AFTER] = dict(zip(values, now, strict=True))
            store.conn.execute("UPDATE batch_changes SET before_json = ? WHERE id = ?",
                               (json.dumps(values), change_id))
    record_snapshots(store, batch_id, _SNAPSHOT_TABLES)  # (in SQL: import_snapshot_layouts)


def edited_since(store: Store, batch_id: int) -> list[tuple[str, int, str]]:
    """(table, id, name or title or '') of the rows this batch wrote that were changed
    since (by hand): undo leaves these as they are — customers, deals and order lines it
    created, and every row it updated. UndoRefusedError when an undo record cannot be
    read (a compact snapshot in a layout this version does not know)."""
    out = []
    for table, row_id, action, before in store.conn.execute(
            "SELECT table_name, row_id, action, before_json FROM batch_changes "
            "WHERE batch_id = ? ORDER BY id", (batch_id,)).fetchall():
        if before is None:
            continue
        try:
            values = snapshot_values(before)  # (a created row's: compact or an object)
        except UnknownLayoutError as exc:  # (written by a later custdesk: not guessed at)
            raise UndoRefusedError(
                f"import {batch_id} cannot be undone by this version of custdesk: {exc} "
                f"({table} {row_id}); use the version that made the import, or a later "
                "one") from None
        expected = values.get(AFTER) if action == "update" else values
        if not expected:
            continue
        now = store.conn.execute(f"SELECT {', '.join(expected)} FROM {table} "
                                 "WHERE rowid = ?", (row_id,)).fetchone()
        if now is not None and list(now) != list(expected.values()):
            label = {"customers": "name", "products": "name", "deals": "title"}.get(table)
            name = store.conn.execute(f"SELECT {label} FROM {table} WHERE rowid = ?",
                                      (row_id,)).fetchone()[0] if label else None
            out.append((table, row_id, str(name or "")))
    return out


def _kept_with_them(store: Store, batch_id: int,
                    edited: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """The rows this batch created that must stay because an edited row it created
    needs them: a kept order line's or deal's customer and product."""
    kept: set[tuple[str, int]] = set()
    for table, row_id in edited:
        for column, parent in _PARENTS.get(table, ()):
            row = store.conn.execute(
                f"SELECT p.id FROM {table} t JOIN {parent} p ON p.id = t.{column} "
                "WHERE t.rowid = ? AND p.batch_id = ?", (row_id, batch_id)).fetchone()
            if row is not None and (parent, row[0]) not in edited:
                kept.add((parent, int(row[0])))
    return kept


def _undo(store: Store, batch_id: int) -> dict[str, int]:
    edited = {(t, i) for t, i, _n in edited_since(store, batch_id)}
    for table, row_id in sorted(_kept_with_them(store, batch_id, edited)):
        store.conn.execute(f"UPDATE {table} SET batch_id = NULL WHERE rowid = ?", (row_id,))
    kept_deals = [i for t, i in edited if t == "deals"]
    for start in range(0, len(kept_deals), 900):  # a kept deal keeps its stage history
        chunk = kept_deals[start:start + 900]
        store.conn.execute("UPDATE deal_stage_history SET batch_id = NULL WHERE batch_id = ? "
                           f"AND deal_id IN ({', '.join('?' * len(chunk))})",
                           (batch_id, *chunk))
    changes = store.conn.execute(
        "SELECT table_name, row_id, action, before_json FROM batch_changes "
        "WHERE batch_id = ? ORDER BY id DESC", (batch_id,)).fetchall()
    result: dict[str, int] = {"restored": 0}
    if edited:
        result["kept_edited"] = len(edited)
    removed: list[tuple[str, dict[str, object]]] = []
    for table, row_id, action, before in changes:
        if action == "update" and REMOVED in (values := json.loads(before)):
            removed.append((table, values[REMOVED]))
        elif action == "update" and (table, row_id) not in edited:
            values.pop(AFTER, None)
            sets = ", ".join(f"{c} = ?" for c in values)
            store.conn.execute(f"UPDATE {table} SET {sets} WHERE rowid = ?",
                               (*values.values(), row_id))
            result["restored"] += 1
        elif action == "insert" and (table, row_id) in edited:  # the owner's now: kept
            store.conn.execute(f"UPDATE {table} SET batch_id = NULL WHERE rowid = ?",
                               (row_id,))
    for table in UNDO_ORDER:
        cursor = store.conn.execute(f"DELETE FROM {table} WHERE batch_id = ?", (batch_id,))
        if cursor.rowcount:
            result[table] = cursor.rowcount
    for table, row in reversed(removed):  # rows the import removed, back as they were
        store.conn.execute(f"INSERT INTO {table} ({', '.join(row)}) "
                           f"VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
        result["put_back"] = result.get("put_back", 0) + 1
    for table, row_id, action, before in changes:
        if action == "insert" and before is None:  # (a snapshot's row went with its batch)
            if table == "stages" and store.conn.execute(
                    "SELECT 1 FROM deals WHERE stage_id = ? LIMIT 1", (row_id,)).fetchone():
                continue  # a kept (edited) deal stands in this new stage: it stays
            store.conn.execute(f"DELETE FROM {table} WHERE rowid = ?", (row_id,))
            result[table] = result.get(table, 0) + 1
    store.conn.execute("DELETE FROM batch_changes WHERE batch_id = ?", (batch_id,))
    store.conn.execute("UPDATE import_batches SET undone_at = ? WHERE id = ?",
                       (datetime.now().isoformat(timespec="seconds"), batch_id))
    return result
