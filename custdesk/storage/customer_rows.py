"""The customers table and the records that hang off it, as the customer dialog changes
them: read one, add, edit, mark lost, delete with history, merge two.

Delete and merge change order lines, so they rebuild those customers' rows of the order
summary in the same transaction (`queries_summary.kept_in_step`).
"""

from __future__ import annotations

from typing import Any

from custdesk.storage.queries_summary import kept_in_step
from custdesk.storage.store import Store

CHILD_TABLES = ("orders", "deals", "tickets", "surveys")


def customer_fields(store: Store, customer_id: int) -> dict[str, Any] | None:
    """The customer's stored columns, or None when there is no such customer."""
    cursor = store.conn.execute("SELECT * FROM customers WHERE id = ?", (customer_id,))
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def insert_customer(store: Store, values: dict[str, Any]) -> int:
    """Insert one customer (columns as given); returns its id."""
    columns = list(values)
    with store.transaction():
        cursor = store.conn.execute(
            f"INSERT INTO customers ({', '.join(columns)}) VALUES "
            f"({', '.join('?' for _ in columns)})", [values[c] for c in columns])
    return int(cursor.lastrowid or 0)


def update_customer_row(store: Store, customer_id: int, values: dict[str, Any]) -> None:
    assignments = ", ".join(f"{c} = ?" for c in values)
    with store.transaction():
        store.conn.execute(f"UPDATE customers SET {assignments} WHERE id = ?",
                           [*values.values(), customer_id])


def set_lost(store: Store, customer_id: int, on: str, reason: str) -> None:
    with store.transaction():
        store.conn.execute(
            "UPDATE customers SET status = 'lost', lost_on = ?, lost_reason = ? WHERE id = ?",
            (on, reason, customer_id))


def child_counts(store: Store, customer_id: int) -> dict[str, int]:
    """How many orders, deals, tickets and surveys belong to the customer."""
    return {t: store.conn.execute(f"SELECT count(*) FROM {t} WHERE customer_id = ?",
                                  (customer_id,)).fetchone()[0] for t in CHILD_TABLES}


def reason_names(store: Store) -> list[str]:
    """The shared list of lost reasons, in the owner's order."""
    return [r[0] for r in store.conn.execute("SELECT name FROM reasons ORDER BY position, id")]


def identity_rows(store: Store) -> list[tuple[int, str, str | None, str | None]]:
    """(id, name_key, email_key, company) of every customer, by id (duplicate search)."""
    return store.conn.execute(
        "SELECT id, name_key, email_key, company FROM customers ORDER BY id").fetchall()


def first_order_day(store: Store, customer_id: int) -> str | None:
    first = store.conn.execute("SELECT min(date) FROM orders WHERE customer_id = ?",
                               (customer_id,)).fetchone()[0]
    return None if first is None else str(first)


def delete_customer_rows(store: Store, customer_id: int) -> None:
    """Delete the customer and every record of theirs, in one transaction."""
    with kept_in_step(store, [customer_id]):
        for table in CHILD_TABLES:
            _forget_import_changes(store, table, f"SELECT id FROM {table} WHERE customer_id = ?",
                                   customer_id)
            store.conn.execute(f"DELETE FROM {table} WHERE customer_id = ?", (customer_id,))
        _forget_import_changes(store, "customers", "SELECT ?", customer_id)
        store.conn.execute("DELETE FROM customers WHERE id = ?", (customer_id,))


def move_records_and_delete(store: Store, keep_id: int, drop_id: int,
                            detach_from_batch: bool) -> None:
    """Merge's SQL: every record of `drop_id` moves to `keep_id`, `drop_id` is deleted;
    `detach_from_batch` clears the kept customer's import batch. Inside one transaction
    (the caller's, if it has one)."""
    with kept_in_step(store, [keep_id, drop_id]):
        for table in CHILD_TABLES:
            store.conn.execute(f"UPDATE {table} SET customer_id = ? WHERE customer_id = ?",
                               (keep_id, drop_id))
        _forget_import_changes(store, "customers", "SELECT ?", drop_id)
        store.conn.execute("DELETE FROM customers WHERE id = ?", (drop_id,))
        if detach_from_batch:
            store.conn.execute("UPDATE customers SET batch_id = NULL WHERE id = ?", (keep_id,))


def _forget_import_changes(store: Store, table: str, ids_sql: str, value: int) -> None:
    """Drop the undo records of rows about to be deleted.

    Ids are plain INTEGER PRIMARY KEYs, so SQLite gives a deleted last row's id to the
    next row inserted; an import undo would then write the deleted row's old values into
    that unrelated new row."""
    store.conn.execute(f"DELETE FROM batch_changes WHERE table_name = ? AND row_id IN ({ids_sql})",
                       (table, value))
