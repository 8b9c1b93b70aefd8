"""The records the owner keeps in the app (m005) as the importer matches them: onboarding
steps, snoozes, detractor follow-ups, product cases, strategic reviews and scorecard
follow-ups. None of these tables has a batch_id column: an import inserts their rows one by
one and lists each in `batch_changes` (`import_writes.insert_unbatched`), so undo deletes
them by rowid; an update is recorded with its previous values like any other kind's.
"""

from __future__ import annotations

from typing import Any

from custdesk.domain.text import name_key
from custdesk.storage.store import Store

# table -> (its key columns, the columns an import writes besides them)
OWNER_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "onboarding_steps": (("customer_id", "step"), ("due_on", "done_on", "note")),
    "customer_snoozes": (("customer_id",), ("until", "note", "set_on")),
    "detractor_followups": (("customer_id",), ("state", "changed_on", "note")),
    "product_cases": (("product_id",), ("expected_volume", "expected_price_e4",
                                        "expected_margin_pct", "investment_e4", "start_on")),
    "strategic_reviews": (("id",), ("reviewed_on", "market", "services", "customer_needs",
                                    "external", "competition", "decisions", "created_at")),
    "scorecard_followups": (("question_id",), ("target_score", "action_id")),
}


def stored_rows(store: Store, table: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Key -> {'rowid': ..., column: value} of every row of an owner table. An onboarding
    step's key holds its name's `name_key` (the file may spell it otherwise)."""
    keys, columns = OWNER_TABLES[table]
    cursor = store.conn.execute(
        f"SELECT rowid, {', '.join((*keys, *columns))} FROM {table} ORDER BY rowid")
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for rowid, *values in cursor:
        key = tuple(values[:len(keys)])
        if table == "onboarding_steps":
            key = (key[0], name_key(key[1]))
        out.setdefault(key, {"rowid": rowid, **dict(zip((*keys, *columns), values,
                                                        strict=True))})
    return out


def action_titles(store: Store) -> list[tuple[int, str | None, str, str]]:
    """(id, line_key, title, created_on) of every action, oldest first: a scorecard
    follow-up names its action by line key or title."""
    return [(int(i), line, title, created) for i, line, title, created in store.conn.execute(
        "SELECT id, line_key, title, created_on FROM actions ORDER BY id")]
