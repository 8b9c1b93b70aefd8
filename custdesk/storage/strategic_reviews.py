"""Strategic reviews (m005 `strategic_reviews`): one dated row per review, the five headings
and the decisions as free text. Writes run inside the caller's transaction
(`services/strategic_review_service.py` opens it)."""

from __future__ import annotations

from typing import Any

from custdesk.storage.store import Store

FIELDS = ("reviewed_on", "market", "services", "customer_needs", "external", "competition",
          "decisions")


def review_rows(store: Store) -> list[dict[str, Any]]:
    """Every review, oldest first (by date, then id)."""
    cursor = store.conn.execute(
        f"SELECT id, {', '.join(FIELDS)}, created_at FROM strategic_reviews "
        "ORDER BY reviewed_on, id")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def insert_review(store: Store, values: dict[str, Any], created_at: str) -> int:
    cursor = store.conn.execute(
        f"INSERT INTO strategic_reviews({', '.join(FIELDS)}, created_at) "
        f"VALUES ({', '.join('?' for _ in FIELDS)}, ?)",
        [*(values.get(f) for f in FIELDS), created_at])
    return int(cursor.lastrowid or 0)


def update_review(store: Store, review_id: int, values: dict[str, Any]) -> bool:
    """Rewrite every field of review `review_id`; False when there is no such review."""
    cursor = store.conn.execute(
        f"UPDATE strategic_reviews SET {', '.join(f'{f} = ?' for f in FIELDS)} WHERE id = ?",
        [*(values.get(f) for f in FIELDS), review_id])
    return cursor.rowcount > 0


def delete_review(store: Store, review_id: int) -> bool:
    return store.conn.execute("DELETE FROM strategic_reviews WHERE id = ?",
                              (review_id,)).rowcount > 0
