"""Product business cases (m005 `product_cases`, one per product) and the sums of a
product's order lines by month that the case is measured against. Writes run inside the
caller's transaction (`services/business_case_service.py` opens it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from custdesk.storage.store import Store

CASE_FIELDS = ("expected_volume", "expected_price_e4", "expected_margin_pct", "investment_e4",
               "start_on")


def case_rows(store: Store) -> list[dict[str, Any]]:
    """Every product (by name) with its case fields (None where no case is kept)."""
    cursor = store.conn.execute(
        "SELECT p.id AS product_id, p.name AS name, "
        + ", ".join(f"c.{f} AS {f}" for f in CASE_FIELDS)
        + " FROM products p LEFT JOIN product_cases c ON c.product_id = p.id "
        "ORDER BY p.name COLLATE NOCASE, p.id")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def replace_cases(store: Store, rows: Iterable[dict[str, Any]]) -> None:
    """Write these cases (keyed by product_id); a product not given keeps its case, a row
    whose fields are all empty deletes the product's case."""
    keep, drop = [], []
    for row in rows:
        values = [row.get(f) for f in CASE_FIELDS]
        if all(v is None for v in values):
            drop.append((row["product_id"],))
        else:
            keep.append((row["product_id"], *values))
    store.conn.executemany("DELETE FROM product_cases WHERE product_id = ?", drop)
    store.conn.executemany(
        f"INSERT INTO product_cases(product_id, {', '.join(CASE_FIELDS)}) "
        f"VALUES (?, {', '.join('?' for _ in CASE_FIELDS)}) "
        "ON CONFLICT(product_id) DO UPDATE SET "
        + ", ".join(f"{f} = excluded.{f}" for f in CASE_FIELDS), keep)


def product_month_sums(store: Store, start: str, end: str
                       ) -> dict[int, list[tuple[int, float, int, int, int]]]:
    """product_id -> [(month yyyymm, quantity, revenue_e4, costed revenue_e4, profit_e4)]
    over order lines dated start..end, months in order. A line without a quantity counts
    1 unit; profit and costed revenue only over lines with a known cost."""
    out: dict[int, list[tuple[int, float, int, int, int]]] = {}
    for pid, month, qty, rev, costed, profit in store.conn.execute(
            "SELECT product_id, month, SUM(coalesce(quantity, 1)), SUM(revenue_e4), "
            "SUM(CASE WHEN cost_e4 IS NOT NULL THEN revenue_e4 ELSE 0 END), "
            "SUM(CASE WHEN cost_e4 IS NOT NULL THEN revenue_e4 - cost_e4 ELSE 0 END) "
            "FROM orders WHERE product_id IS NOT NULL AND date BETWEEN ? AND ? "
            "GROUP BY product_id, month ORDER BY product_id, month", (start, end)):
        out.setdefault(int(pid), []).append(
            (int(month), float(qty or 0), int(rev or 0), int(costed or 0), int(profit or 0)))
    return out
