"""Interactions in SQL: the log of calls, meetings, e-mails and visits with a customer or a
deal. Writes run inside the caller's transaction (`services/interactions_service.py` opens
it)."""

from __future__ import annotations

from typing import Any

from custdesk.domain.records import Interaction
from custdesk.storage.store import Store

COLUMNS = ("date", "customer_id", "deal_id", "kind", "note")


def _interaction(row: Any) -> Interaction:
    return Interaction(**dict(zip(("id", *COLUMNS), row, strict=True)))


def insert_interaction(store: Store, i: Interaction) -> int:
    cursor = store.conn.execute(
        f"INSERT INTO interactions ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?)",
        tuple(getattr(i, c) for c in COLUMNS))
    return int(cursor.lastrowid or 0)


def delete_interaction(store: Store, interaction_id: int) -> None:
    store.conn.execute("DELETE FROM interactions WHERE id = ?", (interaction_id,))


def list_interactions(store: Store, *, customer_id: int | None = None,
                      deal_id: int | None = None) -> list[Interaction]:
    """Newest first; each given filter narrows the list."""
    clauses, params = [], []
    for column, value in (("customer_id", customer_id), ("deal_id", deal_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = store.conn.execute(f"SELECT id, {', '.join(COLUMNS)} FROM interactions{where} "
                              "ORDER BY date DESC, id DESC", params).fetchall()
    return [_interaction(r) for r in rows]


def deal_customer_id(store: Store, deal_id: int) -> int | None:
    row = store.conn.execute("SELECT customer_id FROM deals WHERE id = ?", (deal_id,)).fetchone()
    return None if row is None else row[0]


def exists(store: Store, table: str, row_id: int) -> bool:
    if table not in ("customers", "deals"):
        raise ValueError(table)
    return store.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?",
                              (row_id,)).fetchone() is not None
