"""Actions in SQL: insert, update, read (with their customer's and deal's names), the
natural key an import matches on, and the deals an imported action may point at.

Writes run inside the caller's transaction (`services/actions_service.py` opens it).
"""

from __future__ import annotations

from typing import Any

from custdesk.domain.records import Action, ActionStatus
from custdesk.domain.text import name_key
from custdesk.storage.rows import update_columns
from custdesk.storage.store import Store

ACTION_COLUMNS = ("title", "customer_id", "deal_id", "survey_id", "ticket_id", "signal",
                  "issue", "cause", "owner", "due_on", "status", "outcome", "created_on",
                  "done_on")
# what the import updates on an action it finds by its natural key
ACTION_IMPORT_COLUMNS = ("title", "customer_id", "deal_id", "issue", "cause", "owner",
                         "due_on", "status", "outcome", "created_on", "done_on")


def action_row(a: Action) -> dict[str, Any]:
    row = {c: getattr(a, c) for c in ACTION_COLUMNS}
    row["status"] = ActionStatus(a.status).value
    row["id"] = a.id
    return row


def _action(row: Any) -> Action:
    values = dict(zip(("id", *ACTION_COLUMNS), row, strict=True))
    values["status"] = ActionStatus(values["status"])
    return Action(**values)


def insert_action(store: Store, a: Action) -> int:
    row = action_row(a)
    if row["id"] is None:
        row.pop("id")
    cursor = store.conn.execute(
        f"INSERT INTO actions ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
        tuple(row.values()))
    return int(cursor.lastrowid or 0)


def insert_actions(store: Store, actions: list[Action]) -> None:
    for a in actions:
        insert_action(store, a)


def update_action(store: Store, action_id: int, values: dict[str, Any]) -> None:
    update_columns(store, "actions", action_id, values, ACTION_COLUMNS, "action")


def get_action(store: Store, action_id: int) -> Action | None:
    row = store.conn.execute(f"SELECT id, {', '.join(ACTION_COLUMNS)} FROM actions "
                             "WHERE id = ?", (action_id,)).fetchone()
    return None if row is None else _action(row)


def list_actions(store: Store, *, status: str | None = None, customer_id: int | None = None,
                 deal_id: int | None = None, owner: str | None = None,
                 due_by: str | None = None, signal: str | None = None) -> list[Action]:
    """Actions by due date (undated last), then id; each filter narrows the list."""
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (("status", status), ("customer_id", customer_id),
                          ("deal_id", deal_id), ("signal", signal)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if due_by is not None:
        clauses.append("due_on <= ?")
        params.append(due_by)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = store.conn.execute(
        f"SELECT id, {', '.join(ACTION_COLUMNS)} FROM actions{where} "
        "ORDER BY due_on IS NULL, due_on, id", params).fetchall()
    found = [_action(r) for r in rows]
    if owner is not None:  # owners match like names (case, spaces ignored)
        found = [a for a in found if name_key(a.owner) == name_key(owner)]
    return found


def actions_in_force(store: Store, day: str) -> list[Action]:
    """Every action created on or before `day` (the open/overdue rules are in the domain)."""
    rows = store.conn.execute(f"SELECT id, {', '.join(ACTION_COLUMNS)} FROM actions "
                              "WHERE created_on <= ? ORDER BY due_on IS NULL, due_on, id",
                              (day,)).fetchall()
    return [_action(r) for r in rows]


def action_labels(store: Store) -> tuple[dict[int, str], dict[int, str]]:
    """({customer id: name}, {deal id: title or ref}) of the customers and deals that
    actions point at (what a list shows beside each action)."""
    customers = dict(store.conn.execute(
        "SELECT id, name FROM customers WHERE id IN "
        "(SELECT customer_id FROM actions WHERE customer_id IS NOT NULL)").fetchall())
    deals = {i: t or r or f"Deal {i}" for i, t, r in store.conn.execute(
        "SELECT id, title, ref FROM deals WHERE id IN "
        "(SELECT deal_id FROM actions WHERE deal_id IS NOT NULL)")}
    return customers, deals


def count_actions(store: Store) -> int:
    return int(store.conn.execute("SELECT count(*) FROM actions").fetchone()[0])


# ---- for the import ---------------------------------------------------------------------

def action_keys(store: Store) -> dict[tuple[str, int | None, str], tuple[Any, ...]]:
    """(title name key, customer id, created_on) -> (id, *ACTION_IMPORT_COLUMNS) of every
    action: an imported action with the same title, customer and creation day is the same
    action (its status, outcome... are updated)."""
    out: dict[tuple[str, int | None, str], tuple[Any, ...]] = {}
    for row in store.conn.execute(f"SELECT id, {', '.join(ACTION_IMPORT_COLUMNS)} "
                                  "FROM actions ORDER BY id"):
        out.setdefault((name_key(row[1]), row[2], row[10]), tuple(row))
    return out


def deal_keys(store: Store) -> list[tuple[int, str | None, str, int | None]]:
    """(id, ref, title name key, customer id) of every deal, by id."""
    return [(i, ref, name_key(title), customer) for i, ref, title, customer in
            store.conn.execute("SELECT id, ref, title, customer_id FROM deals ORDER BY id")]


def deal_customer_id(store: Store, deal_id: int) -> int | None:
    row = store.conn.execute("SELECT customer_id FROM deals WHERE id = ?", (deal_id,)).fetchone()
    return None if row is None else row[0]
