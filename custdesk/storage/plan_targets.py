"""The sales plan's targets as the owner edits them: a month's revenue target and optional
new-customer target, for the whole business or one product line (a product by name, or a
category). Metric targets are other rows of the same `targets` table (`storage/targets.py`);
these functions never touch them. Writes run inside the caller's transaction
(`services/targets_service.py` opens it)."""

from __future__ import annotations

from collections.abc import Iterable

from custdesk.storage.store import Store

_PLAN = "metric IS NULL"
PlanTuple = tuple[int, str, str | None, str | None, int, int | None]


def plan_target_rows(store: Store) -> list[PlanTuple]:
    """(id, month, product, category, revenue_target_e4, new_customers_target) by month,
    whole-business rows first."""
    return [(int(i), str(m), p, c, int(r), None if n is None else int(n))
            for i, m, p, c, r, n in store.conn.execute(
                "SELECT id, month, product, category, revenue_target_e4, new_customers_target "
                f"FROM targets WHERE {_PLAN} "
                "ORDER BY month, product IS NOT NULL OR category IS NOT NULL, "
                "coalesce(product, category), id")]


def delete_plan_targets(store: Store, ids: Iterable[int]) -> None:
    store.conn.executemany(f"DELETE FROM targets WHERE id = ? AND {_PLAN}",
                           [(i,) for i in ids])


def update_plan_targets(store: Store, rows: Iterable[PlanTuple]) -> None:
    """Rewrite existing plan rows by id."""
    store.conn.executemany(
        "UPDATE targets SET month = ?, product = ?, category = ?, revenue_target_e4 = ?, "
        f"new_customers_target = ? WHERE id = ? AND {_PLAN}",
        [(m, p, c, r, n, i) for i, m, p, c, r, n in rows])


def insert_plan_targets(store: Store, rows: Iterable[tuple[str, str | None, str | None, int,
                                                           int | None]]) -> None:
    store.conn.executemany(
        "INSERT INTO targets(month, product, category, revenue_target_e4, "
        "new_customers_target) VALUES (?, ?, ?, ?, ?)", list(rows))
