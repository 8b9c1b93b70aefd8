"""Rows typed in the app rather than imported: a survey answer, a support contact, a new
deal's customer found by name. Writes run inside the caller's
transaction (one edit = one transaction).
"""

from __future__ import annotations

from typing import Any

from custdesk.storage.store import Store

SURVEY_COLUMNS = ("date", "customer_id", "kind", "question", "nps", "csat", "score",
                  "would_refer", "reason", "comment")
TICKET_COLUMNS = ("customer_id", "opened_at", "first_response_at", "resolved_at", "topic",
                  "channel", "status", "is_complaint", "contacts", "csat")


def _insert(store: Store, table: str, allowed: tuple[str, ...], values: dict[str, Any]) -> int:
    unknown = set(values) - set(allowed)
    if unknown:  # column names never come from outside the code
        raise ValueError(f"{table} has no column {', '.join(sorted(unknown))} here")
    cursor = store.conn.execute(
        f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
        tuple(values.values()))
    return int(cursor.lastrowid or 0)


def insert_survey(store: Store, values: dict[str, Any]) -> int:
    return _insert(store, "surveys", SURVEY_COLUMNS, values)


def insert_ticket(store: Store, values: dict[str, Any]) -> int:
    return _insert(store, "tickets", TICKET_COLUMNS, values)


def customer_by_key(store: Store, ref: str, email_key: str | None, name_key: str
                    ) -> int | None:
    """A customer by reference, else e-mail, else name key (METRICS.md matching)."""
    for sql, value in (("SELECT id FROM customers WHERE ref = ? ORDER BY id", ref),
                       ("SELECT id FROM customers WHERE email_key = ? ORDER BY id", email_key),
                       ("SELECT id FROM customers WHERE name_key = ? ORDER BY id", name_key)):
        if value:
            row = store.conn.execute(sql, (value,)).fetchone()
            if row is not None:
                return int(row[0])
    return None


def customer_names(store: Store, limit: int = 50_000) -> list[str]:
    """Customer names for a form's completer, alphabetical."""
    return [r[0] for r in store.conn.execute(
        "SELECT name FROM customers WHERE name IS NOT NULL ORDER BY name LIMIT ?", (limit,))]

