"""SQL for the sales plan by product line and the growth screen (acquisition by source,
spend by channel, LTV per customer).

Names are matched like METRICS.md says (case, spaces and punctuation ignored): SQL returns
the spellings, `domain.text.name_key` compares them in the service. A product line is a set
of product ids (a product by name) or of category spellings (an order line's category, else
its product's).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date

from custdesk.storage.store import Store

_LINE = """(o.product_id IN (SELECT value FROM json_each(:pids))
            OR coalesce(o.category, p.category) IN (SELECT value FROM json_each(:cats)))"""


def products_by_name(store: Store) -> list[tuple[int, str, str | None]]:
    """(id, name, category) of every product."""
    return [(int(i), str(n), c) for i, n, c in store.conn.execute(
        "SELECT id, name, category FROM products ORDER BY id")]


def category_spellings(store: Store) -> list[str]:
    """Every category spelling order lines and products carry."""
    return [c for (c,) in store.conn.execute(
        "SELECT category FROM orders WHERE category IS NOT NULL UNION "
        "SELECT category FROM products WHERE category IS NOT NULL")]


def _line(pids: Iterable[int], cats: Iterable[str]) -> dict[str, str]:
    return {"pids": json.dumps(sorted(set(pids))), "cats": json.dumps(sorted(set(cats)))}


def line_revenue_between(store: Store, lo: date, hi: date, pids: Iterable[int],
                         cats: Iterable[str]) -> dict[int, int]:
    """customer id -> Σ revenue_e4 of the line's order lines dated lo..hi."""
    sql = f"""SELECT o.customer_id, sum(o.revenue_e4)
              FROM orders o LEFT JOIN products p ON p.id = o.product_id
              WHERE o.date BETWEEN :lo AND :hi AND {_LINE} GROUP BY o.customer_id"""
    return {int(c): int(t or 0) for c, t in store.conn.execute(
        sql, {"lo": lo.isoformat(), "hi": hi.isoformat(), **_line(pids, cats)})}


def line_revenue_in_windows(store: Store, windows: dict[int, tuple[date, date]],
                            pids: Iterable[int], cats: Iterable[str]) -> dict[int, int]:
    """customer id -> Σ revenue_e4 of the line's order lines within their own window
    (customers who bought nothing of the line are absent)."""
    if not windows:
        return {}
    payload = json.dumps([[cid, lo.isoformat(), hi.isoformat()]
                          for cid, (lo, hi) in windows.items()])
    sql = f"""SELECT w.value ->> 0 AS cid, sum(o.revenue_e4)
              FROM json_each(:w) AS w CROSS JOIN orders o
              LEFT JOIN products p ON p.id = o.product_id
              WHERE o.customer_id = w.value ->> 0
                AND o.date BETWEEN w.value ->> 1 AND w.value ->> 2 AND {_LINE}
              GROUP BY cid"""
    return {int(c): int(t or 0) for c, t in store.conn.execute(
        sql, {"w": payload, **_line(pids, cats)})}


# ----- growth: what a new customer brings in their first year ---------------------------------
def sales_in_windows(store: Store, windows: dict[int, tuple[date, date]]
                     ) -> dict[int, tuple[int, int]]:
    """customer id -> (Σ revenue_e4, Σ gross profit_e4) of their lines within their own
    lo..hi window (profit: revenue − cost, the revenue where the cost is unknown — the LTV
    rule of METRICS.md); customers without such lines are absent."""
    if not windows:
        return {}
    payload = json.dumps([[cid, lo.isoformat(), hi.isoformat()]
                          for cid, (lo, hi) in windows.items()])
    sql = """SELECT w.value ->> 0 AS cid, sum(o.revenue_e4),
                    sum(o.revenue_e4 - coalesce(o.cost_e4, 0))
             FROM json_each(?) AS w CROSS JOIN orders o
             WHERE o.customer_id = w.value ->> 0
               AND o.date BETWEEN w.value ->> 1 AND w.value ->> 2
             GROUP BY cid"""
    return {int(c): (int(r or 0), int(p or 0))
            for c, r, p in store.conn.execute(sql, (payload,))}

