"""Duplicate customers in SQL: the candidate pairs, and what a merge needs to be undone.

`candidate_pairs` finds pairs by index joins (same `email_key`, same `name_key`) and, for
"similar names", pairs sharing the first three letters of their name key within blocks of at
most `max_block` customers, with lengths at most 3 apart; the caller scores those. Company
names are compared by `name_key` (registered on the connection as `custdesk_name_key`).

A merge moves a customer's records; `snapshot_merge` records which rows moved and the two
customer rows so `undo_merge` can put them back exactly (`customers_service` keeps that
record in the `settings` table, written in the merge's own transaction).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from custdesk.domain.text import name_key
from custdesk.storage.queries_summary import kept_in_step
from custdesk.storage.store import Store

# every table whose rows belong to a customer (a merge moves them all: actions and
# interactions would otherwise lose their customer, ON DELETE SET NULL)
OWNED_TABLES = ("orders", "deals", "tickets", "surveys", "actions", "interactions")


@dataclass(frozen=True, slots=True)
class Candidate:
    """Two customers (a < b) and which of their keys agree."""

    a: int
    b: int
    same_email: bool
    same_name: bool
    same_company: bool  # both have a company and its name key is the same
    both_companies: bool  # both have a company (the same or not)
    name_a: str  # name keys, for scoring similar names
    name_b: str


def _register(conn: sqlite3.Connection) -> None:
    conn.create_function("custdesk_name_key", 1,
                         lambda v: name_key(v) if isinstance(v, str) and v.strip() else None,
                         deterministic=True)


_PAIRS = """
WITH blocks AS (
    SELECT id, name_key, substr(name_key, 1, 3) AS prefix,
           count(*) OVER (PARTITION BY substr(name_key, 1, 3)) AS size
    FROM customers WHERE length(name_key) >= 4
),
pairs(a, b) AS (
    SELECT x.id, y.id FROM customers x JOIN customers y
        ON y.email_key = x.email_key AND y.id > x.id
        WHERE x.email_key IS NOT NULL AND x.email_key <> ''
    UNION
    SELECT x.id, y.id FROM customers x JOIN customers y
        ON y.name_key = x.name_key AND y.id > x.id
        WHERE x.name_key <> ''
    UNION
    SELECT x.id, y.id FROM blocks x JOIN blocks y
        ON y.prefix = x.prefix AND y.id > x.id AND y.name_key <> x.name_key
        AND abs(length(y.name_key) - length(x.name_key)) <= 3
        WHERE x.size <= :max_block
),
keyed AS (
    SELECT id, name_key, email_key, custdesk_name_key(company) AS company_key FROM customers
    WHERE id IN (SELECT a FROM pairs UNION SELECT b FROM pairs)
)
SELECT p.a, p.b,
       coalesce(ka.email_key <> '' AND ka.email_key = kb.email_key, 0),
       ka.name_key = kb.name_key,
       coalesce(ka.company_key = kb.company_key, 0),
       ka.company_key IS NOT NULL AND kb.company_key IS NOT NULL,
       ka.name_key, kb.name_key
FROM pairs p JOIN keyed ka ON ka.id = p.a JOIN keyed kb ON kb.id = p.b
ORDER BY p.a, p.b
"""


def candidate_pairs(store: Store, max_block: int = 200) -> list[Candidate]:
    """Every pair of customers with the same e-mail key, the same name key, or name keys
    close enough to compare (same first three letters, a block of at most `max_block`)."""
    _register(store.conn)
    return [Candidate(int(r[0]), int(r[1]), bool(r[2]), bool(r[3]), bool(r[4]), bool(r[5]),
                      str(r[6]), str(r[7]))
            for r in store.conn.execute(_PAIRS, {"max_block": max_block})]


def existing_ids(store: Store, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    marks = ", ".join("?" for _ in ids)
    return {r[0] for r in store.conn.execute(
        f"SELECT id FROM customers WHERE id IN ({marks})", ids)}


def _row(store: Store, customer_id: int) -> dict[str, Any] | None:
    cursor = store.conn.execute("SELECT * FROM customers WHERE id = ?", (customer_id,))
    row = cursor.fetchone()
    return None if row is None else dict(zip([d[0] for d in cursor.description], row,
                                             strict=True))


def snapshot_merge(store: Store, keep_id: int, drop_id: int) -> dict[str, Any]:
    """Before merging `drop_id` into `keep_id`: both rows, the ids of `drop_id`'s records
    and its import-undo entries (JSON-ready)."""
    moved = {t: [r[0] for r in store.conn.execute(
        f"SELECT id FROM {t} WHERE customer_id = ? ORDER BY id", (drop_id,))]
        for t in OWNED_TABLES}
    changes = [list(r) for r in store.conn.execute(
        "SELECT id, batch_id, table_name, row_id, action, before_json FROM batch_changes "
        "WHERE table_name = 'customers' AND row_id = ?", (drop_id,))]
    return {"keep": keep_id, "drop": drop_id, "keep_before": _row(store, keep_id),
            "drop_row": _row(store, drop_id), "moved": moved, "batch_changes": changes}


def move_extra_records(store: Store, keep_id: int, drop_id: int) -> None:
    """Actions and interactions follow the merged customer (the other tables are moved by
    `customer_rows.move_records_and_delete`)."""
    for table in ("actions", "interactions"):
        store.conn.execute(f"UPDATE {table} SET customer_id = ? WHERE customer_id = ?",
                           (keep_id, drop_id))


def customer_row(store: Store, customer_id: int) -> dict[str, Any] | None:
    """The customer's stored columns, or None."""
    return _row(store, customer_id)


def undo_merge(store: Store, entry: dict[str, Any]) -> list[str]:
    """Put one merge back: the removed customer returns with its id, its records move back
    from the kept one, the kept customer's fields changed by the merge (and not edited
    since) return to their old values. Returns notes on what could not be put back.
    Runs inside the caller's transaction (or its own)."""
    keep_id, drop_id = int(entry["keep"]), int(entry["drop"])
    drop_row: dict[str, Any] = entry["drop_row"]
    notes: list[str] = []
    with kept_in_step(store, [keep_id, drop_id]):
        columns = list(drop_row)
        store.conn.execute(
            f"INSERT INTO customers ({', '.join(columns)}) VALUES "
            f"({', '.join('?' for _ in columns)})", [drop_row[c] for c in columns])
        for table, ids in entry["moved"].items():
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                cursor = store.conn.execute(
                    f"UPDATE {table} SET customer_id = ? WHERE customer_id = ? "
                    f"AND id IN ({marks})", [drop_id, keep_id, *chunk])
                missing = len(chunk) - cursor.rowcount
                if missing:
                    notes.append(f"{missing} {table} of {drop_row.get('name')} were changed "
                                 "or deleted since the merge and stay as they are")
        store.conn.executemany(
            "INSERT INTO batch_changes (id, batch_id, table_name, row_id, action, before_json) "
            "SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM batch_changes WHERE id = ?)"
            " AND EXISTS (SELECT 1 FROM import_batches WHERE id = ?)",
            [(*c, c[0], c[1]) for c in entry["batch_changes"]])
        before: dict[str, Any] | None = entry.get("keep_before")
        after: dict[str, Any] | None = entry.get("keep_after")
        now = _row(store, keep_id)
        if before and after and now:
            back = {c: before[c] for c in before
                    if c != "id" and before[c] != after.get(c) and now.get(c) == after.get(c)}
            edited = [c for c in before
                      if c != "id" and before[c] != after.get(c) and now.get(c) != after.get(c)]
            if back:
                store.conn.execute(
                    f"UPDATE customers SET {', '.join(f'{c} = ?' for c in back)} WHERE id = ?",
                    [*back.values(), keep_id])
            if edited:
                notes.append(f"{now.get('name')}: {', '.join(edited)} edited since the merge, "
                             "kept as edited")
    return notes


UNDO_KEY = "last_merge_undo"  # settings key holding the last merge (batch) as JSON


def save_undo_record(store: Store, text: str) -> None:
    store.conn.execute("INSERT INTO settings(key, value) VALUES (?, ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (UNDO_KEY, text))


def load_undo_record(store: Store) -> str | None:
    row = store.conn.execute("SELECT value FROM settings WHERE key = ?", (UNDO_KEY,)).fetchone()
    return None if row is None else str(row[0])


def clear_undo_record(store: Store) -> None:
    store.conn.execute("DELETE FROM settings WHERE key = ?", (UNDO_KEY,))
