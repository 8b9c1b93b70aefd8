"""The whole business's metric targets (month + metric + target) as the owner edits them.

Revenue and new-customer targets of the sales plan and product-line targets are other rows
of the same `targets` table; these functions never touch them. Writes run inside the
caller's transaction (`services/targets_service.py` opens it).
"""

from __future__ import annotations

from collections.abc import Iterable

from custdesk.storage.store import Store

_WHOLE_METRIC = "metric IS NOT NULL AND product IS NULL AND category IS NULL"


def metric_target_rows(store: Store) -> list[tuple[int, str, str, float]]:
    """(id, month, metric, target) of every whole-business metric target, by month."""
    return [(int(i), str(m), str(k), float(t)) for i, m, k, t in store.conn.execute(
        f"SELECT id, month, metric, target FROM targets WHERE {_WHOLE_METRIC} "
        "ORDER BY month, metric, id")]


def delete_metric_targets(store: Store, ids: Iterable[int]) -> int:
    """Delete these metric targets (only whole-business metric rows); how many went."""
    cursor = store.conn.executemany(
        f"DELETE FROM targets WHERE id = ? AND {_WHOLE_METRIC}", [(i,) for i in ids])
    return max(cursor.rowcount, 0)


def update_metric_targets(store: Store, rows: Iterable[tuple[int, str, str, float]]) -> None:
    """Rewrite month, metric and target of existing rows by id."""
    store.conn.executemany(
        f"UPDATE targets SET month = ?, metric = ?, target = ? WHERE id = ? AND {_WHOLE_METRIC}",
        [(month, metric, target, i) for i, month, metric, target in rows])


def insert_metric_targets(store: Store, rows: Iterable[tuple[str, str, float]]) -> None:
    store.conn.executemany(
        "INSERT INTO targets(month, metric, target) VALUES (?, ?, ?)", list(rows))
