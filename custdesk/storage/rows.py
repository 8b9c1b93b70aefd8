"""Editing one row from the app: only the columns the caller allows, one statement."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from custdesk.storage.store import Store


def update_columns(store: Store, table: str, row_id: int, values: dict[str, Any],
                   allowed: Collection[str], noun: str) -> None:
    """Set `values` on row `row_id` of `table` (every key must be in `allowed`: column names
    never come from outside the code). KeyError when the row does not exist; `noun` names
    the record in messages ("action", "deal")."""
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"a {noun} has no editable column {', '.join(sorted(unknown))}")
    if not values:
        return
    sets = ", ".join(f"{column} = ?" for column in values)
    cursor = store.conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?",
                                (*values.values(), row_id))
    if cursor.rowcount != 1:
        raise KeyError(f"there is no {noun} {row_id}")
