"""SQL for the growth screen's revenue movements and product mix (issue 17).

Revenue movements ("MRR movements" for a business without subscriptions): each customer's
revenue in the prior period (p) and in the period (c), summed per customer in one grouped
query, then classified in SQL:
- p ≤ 0 and c > 0: **new** when acquired (acquired_on, else first order) on or after the
  period's start, else **returning** (bought before the prior period, not in it);
- p > 0 and c ≤ 0: **lost**;
- otherwise by comparison: **expansion** (c > p), **contraction** (c < p), **steady**
  (c = p to the cent: the tolerance is 0, so that the waterfall needs no "drift" step).
Each group's change is Σ (c − p); so prior + new + returning + expansion + contraction +
lost (the last two negative) = current revenue exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from custdesk.domain.periods import Period
from custdesk.storage.store import Store

MOVES = ("new", "returning", "expansion", "steady", "contraction", "lost")


@dataclass(frozen=True, slots=True)
class Movement:
    move: str
    customers: int
    prior_e4: int
    current_e4: int

    @property
    def change_e4(self) -> int:
        return self.current_e4 - self.prior_e4


_MOVES_SQL = """
WITH per AS (
  SELECT o.customer_id AS cid,
         sum(CASE WHEN o.date >= :lo THEN o.revenue_e4 ELSE 0 END) AS now_e4,
         sum(CASE WHEN o.date < :lo THEN o.revenue_e4 ELSE 0 END) AS before_e4
  FROM orders o WHERE o.date BETWEEN :plo AND :hi GROUP BY o.customer_id),
kind AS (
  SELECT per.*, CASE
    WHEN before_e4 <= 0 AND now_e4 > 0 THEN
      CASE WHEN coalesce(nullif(substr(c.acquired_on, 1, 10), ''),
                         (SELECT min(x.date) FROM orders x WHERE x.customer_id = per.cid))
                >= :lo THEN 'new' ELSE 'returning' END
    WHEN before_e4 > 0 AND now_e4 <= 0 THEN 'lost'
    WHEN now_e4 > before_e4 THEN 'expansion'
    WHEN now_e4 < before_e4 THEN 'contraction'
    ELSE 'steady' END AS move
  FROM per JOIN customers c ON c.id = per.cid)
SELECT move, count(*), sum(before_e4), sum(now_e4) FROM kind GROUP BY move
"""


def revenue_movements(store: Store, period: Period) -> dict[str, Movement]:
    """move -> customers and their prior/current revenue (every move of MOVES present)."""
    prior = period.prior()
    rows = store.conn.execute(_MOVES_SQL, {"lo": period.start.isoformat(),
                                           "hi": period.end.isoformat(),
                                           "plo": prior.start.isoformat()})
    found = {m: Movement(m, int(n), int(p or 0), int(c or 0)) for m, n, p, c in rows}
    return {m: found.get(m, Movement(m, 0, 0, 0)) for m in MOVES}


def top_products_by_month(store: Store, period: Period, top: int
                          ) -> list[tuple[str, str, int]]:
    """(month 'YYYY-MM', product or 'Other', revenue_e4): the period's `top` products by
    revenue (ties: the lower id), every other line (and lines without a product) as
    'Other'. One grouped scan per month and product (a few hundred rows), the top products
    picked from its sums in Python (two scans took 0.57 s on the big file's year)."""
    span = {"lo": period.start.isoformat(), "hi": period.end.isoformat()}
    cells = [(int(m), None if p is None else int(p), int(r or 0)) for m, p, r in
             store.conn.execute("SELECT o.month, o.product_id, sum(o.revenue_e4) FROM orders o "
                                "WHERE o.date BETWEEN :lo AND :hi GROUP BY 1, 2", span)]
    totals: dict[int, int] = {}
    for _m, pid, rev in cells:
        if pid is not None:
            totals[pid] = totals.get(pid, 0) + rev
    ids = sorted(totals, key=lambda pid: (-totals[pid], pid))[:top]
    names = {int(i): str(n) for i, n in store.conn.execute(
        "SELECT id, name FROM products WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),))}
    sums: dict[tuple[int, str], int] = {}
    for m, pid, rev in cells:
        key = (m, names.get(pid, "Other") if pid in ids else "Other")
        sums[key] = sums.get(key, 0) + rev
    out = [(f"{m // 100:04d}-{m % 100:02d}", name, r) for (m, name), r in sums.items()]
    return sorted(out, key=lambda x: (x[0], -x[2]))


def top_products_by_month_sql(store: Store, period: Period, top: int
                              ) -> list[tuple[str, str, int]]:
    """The same in two SQL scans (the top ids, then grouped): the reference."""
    span = {"lo": period.start.isoformat(), "hi": period.end.isoformat()}
    ids = [int(i) for (i,) in store.conn.execute(
        "SELECT o.product_id FROM orders o WHERE o.date BETWEEN :lo AND :hi "
        "AND o.product_id IS NOT NULL GROUP BY o.product_id "
        "ORDER BY sum(o.revenue_e4) DESC, o.product_id LIMIT :top", {**span, "top": top})]
    names = {int(i): str(n) for i, n in store.conn.execute(
        "SELECT id, name FROM products WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),))}
    rows = store.conn.execute(
        "SELECT o.month, CASE WHEN o.product_id IN (SELECT value FROM json_each(:ids)) "
        "THEN o.product_id END, sum(o.revenue_e4) FROM orders o "
        "WHERE o.date BETWEEN :lo AND :hi GROUP BY 1, 2", {**span, "ids": json.dumps(ids)})
    out = [(f"{m // 100:04d}-{m % 100:02d}", names.get(pid, "Other") if pid else "Other",
            int(r or 0)) for m, pid, r in rows]
    return sorted(out, key=lambda x: (x[0], -x[2]))


@dataclass(frozen=True, slots=True)
class StoppedProduct:
    customer_id: int
    customer: str
    product: str
    prior_revenue_e4: int
    last_bought: str
    last_order: str


def stopped_buying(store: Store, period: Period, window_days: int, limit: int = 200
                   ) -> tuple[list[StoppedProduct], int]:
    """Customers who bought a product in the prior period and not in this one, still
    active as of the period's end (not lost by status or date, last order within the
    activity window): the biggest prior revenue first (at most `limit`), and how many."""
    prior = period.prior()
    # one grouped pass over both periods' lines (a pair with a line in this period drops
    # out in HAVING) instead of a NOT EXISTS look-up per pair; each pair's customer's last
    # order looked up once (0.83 s -> 0.6 s on the big file's year)
    sql = """
    WITH b AS (SELECT o.customer_id, o.product_id,
                      sum(iif(o.date BETWEEN :plo AND :phi, o.revenue_e4, 0)) AS rev,
                      max(iif(o.date BETWEEN :plo AND :phi, o.date, NULL)) AS last
               FROM orders o WHERE o.date BETWEEN :plo AND :hi AND o.product_id IS NOT NULL
               GROUP BY o.customer_id, o.product_id
               HAVING sum(o.date BETWEEN :plo AND :phi) > 0
                  AND sum(o.date BETWEEN :lo AND :hi) = 0),
    s AS MATERIALIZED (
          SELECT b.*, (SELECT max(x.date) FROM orders x WHERE x.customer_id = b.customer_id
                       AND x.date <= :hi) AS last_any
          FROM b)
    SELECT s.customer_id, c.name, p.name, s.rev, s.last, s.last_any, count(*) OVER ()
    FROM s JOIN customers c ON c.id = s.customer_id JOIN products p ON p.id = s.product_id
    WHERE coalesce(c.status, 'active') <> 'lost'
      AND (nullif(c.lost_on, '') IS NULL OR substr(c.lost_on, 1, 10) > :hi)
      AND julianday(:hi) - julianday(s.last_any) <= :window
    ORDER BY s.rev DESC, c.name, p.name LIMIT :limit"""
    rows = store.conn.execute(sql, {
        "plo": prior.start.isoformat(), "phi": prior.end.isoformat(),
        "lo": period.start.isoformat(), "hi": period.end.isoformat(),
        "window": window_days, "limit": limit}).fetchall()
    total = int(rows[0][6]) if rows else 0
    return [StoppedProduct(int(r[0]), str(r[1]), str(r[2]), int(r[3] or 0), str(r[4]),
                           str(r[5])) for r in rows], total


def products_per_customer(store: Store, period: Period, cap: int = 5) -> dict[int, int]:
    """distinct products bought in the period (cap = "cap or more") -> customers."""
    sql = """
    SELECT min(k, :cap), count(*) FROM (
      SELECT count(DISTINCT o.product_id) AS k FROM orders o
      WHERE o.date BETWEEN :lo AND :hi AND o.product_id IS NOT NULL GROUP BY o.customer_id)
    GROUP BY 1 ORDER BY 1"""
    return {int(k): int(n) for k, n in store.conn.execute(
        sql, {"lo": period.start.isoformat(), "hi": period.end.isoformat(), "cap": cap})}
