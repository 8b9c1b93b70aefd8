"""A deal's stage history and the deal editor's reads and writes, in SQL.

Every stage change made in the app or by an import is one `deal_stage_history` row with its
date (METRICS.md `leads_qualified`: a deal without history entered its current stage on
created_on). Writes run inside the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from custdesk.storage.rows import update_columns
from custdesk.storage.store import Store

# the deal columns the editor reads and writes (stage by id)
DEAL_EDIT_COLUMNS = ("customer_id", "title", "product_id", "stage_id", "amount_e4",
                     "list_amount_e4", "probability", "owner", "source", "created_on",
                     "expected_close", "closed_on", "lost_reason", "win_reason",
                     "competitor", "next_step", "next_step_on", "needs_me", "special_terms",
                     "last_activity_on", "ref")


def record_stage_change(store: Store, deal_id: int, from_stage_id: int | None,
                        stage_id: int, changed_on: str, note: str | None = None,
                        batch_id: int | None = None) -> int:
    cursor = store.conn.execute(
        "INSERT INTO deal_stage_history(deal_id, from_stage_id, stage_id, changed_on, note, "
        "batch_id) VALUES (?, ?, ?, ?, ?, ?)",
        (deal_id, from_stage_id, stage_id, changed_on, note, batch_id))
    return int(cursor.lastrowid or 0)


def stage_history(store: Store, deal_id: int) -> list[dict[str, Any]]:
    """The deal's stage changes, oldest first: changed_on, from_stage, stage, note."""
    rows = store.conn.execute(
        "SELECT h.id, h.changed_on, f.name, s.name, h.note FROM deal_stage_history h "
        "JOIN stages s ON s.id = h.stage_id LEFT JOIN stages f ON f.id = h.from_stage_id "
        "WHERE h.deal_id = ? ORDER BY h.changed_on, h.id", (deal_id,)).fetchall()
    return [{"id": i, "changed_on": on, "from_stage": f, "stage": s, "note": n}
            for i, on, f, s, n in rows]


def all_stage_changes(store: Store) -> list[tuple[int, str, str]]:
    """(deal id, stage name, changed_on) of every recorded change, oldest first."""
    return [tuple(r) for r in store.conn.execute(
        "SELECT h.deal_id, s.name, h.changed_on FROM deal_stage_history h "
        "JOIN stages s ON s.id = h.stage_id ORDER BY h.changed_on, h.id")]


def deal_values(store: Store, deal_id: int) -> dict[str, Any] | None:
    """The editable columns of one deal, with its stage's name and kind."""
    row = store.conn.execute(
        f"SELECT {', '.join('d.' + c for c in DEAL_EDIT_COLUMNS)}, s.name, s.kind, "
        "s.probability, c.name FROM deals d JOIN stages s ON s.id = d.stage_id "
        "LEFT JOIN customers c ON c.id = d.customer_id WHERE d.id = ?", (deal_id,)).fetchone()
    if row is None:
        return None
    out = dict(zip(DEAL_EDIT_COLUMNS, row, strict=False))
    n = len(DEAL_EDIT_COLUMNS)
    out.update(id=deal_id, stage=row[n], stage_kind=row[n + 1],
               stage_probability=row[n + 2], customer_name=row[n + 3])
    return out


def update_deal(store: Store, deal_id: int, values: dict[str, Any]) -> None:
    update_columns(store, "deals", deal_id, values, DEAL_EDIT_COLUMNS, "deal")


def insert_deal(store: Store, values: dict[str, Any]) -> int:
    unknown = set(values) - set(DEAL_EDIT_COLUMNS)
    if unknown:
        raise ValueError(f"deals have no editable column {', '.join(sorted(unknown))}")
    cursor = store.conn.execute(
        f"INSERT INTO deals ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
        tuple(values.values()))
    return int(cursor.lastrowid or 0)


def delete_deal(store: Store, deal_id: int) -> None:
    """The deal (its history goes with it; its actions and interactions stay, unlinked);
    an import's undo record of it is dropped (its id may be given to a new row)."""
    store.conn.execute("DELETE FROM batch_changes WHERE table_name = 'deals' AND row_id = ?",
                       (deal_id,))
    store.conn.execute("DELETE FROM deals WHERE id = ?", (deal_id,))


def stages_catalogue(store: Store) -> list[tuple[int, str, str, float]]:
    """(id, name, kind, default probability) of every stage, in board order."""
    return [tuple(r) for r in store.conn.execute(
        "SELECT id, name, kind, probability FROM stages ORDER BY position, id")]


def reason_names(store: Store) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT name FROM reasons ORDER BY position, id")]


def deal_interactions(store: Store, deal_id: int) -> list[dict[str, Any]]:
    rows = store.conn.execute("SELECT id, date, kind, note FROM interactions "
                              "WHERE deal_id = ? ORDER BY date, id", (deal_id,)).fetchall()
    return [{"id": i, "date": d, "kind": k, "note": n} for i, d, k, n in rows]
