"""SQL aggregations for the metrics (the big-data path).

Order lines are never loaded as Python objects here: they are aggregated per customer or
per group inside SQLite, and the results handed to the pure-Python definitions in
`custdesk.domain`. `tests/test_metrics_sql_parity.py` checks these against the records path.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from custdesk.domain.customer_state import CustomerFacts, acquired_date
from custdesk.domain.metrics_sales import SalesTotals
from custdesk.domain.periods import Period, day
from custdesk.domain.records import Customer
from custdesk.storage.database import Store

_FACTS_SQL = """
WITH o AS (
  SELECT customer_id,
    min(date) AS first_order,
    max(CASE WHEN date <= :before THEN date END) AS last_before,
    max(CASE WHEN date <= :end THEN date END) AS last_at_end,
    max(CASE WHEN date <= :year_before THEN date END) AS last_before_year,
    sum(CASE WHEN date BETWEEN :start AND :end THEN revenue_e4 ELSE 0 END) AS revenue,
    sum(CASE WHEN date BETWEEN :start AND :end THEN coalesce(cost_e4, 0) ELSE 0 END) AS cost,
    sum(CASE WHEN date BETWEEN :start AND :end AND cost_e4 IS NOT NULL
        THEN revenue_e4 ELSE 0 END) AS revenue_costed,
    sum(date BETWEEN :start AND :end) AS lines,
    sum(date BETWEEN :start AND :end AND cost_e4 IS NOT NULL) AS costed_lines,
    count(DISTINCT CASE WHEN date BETWEEN :start AND :end THEN order_ref END)
      + sum(date BETWEEN :start AND :end AND order_ref IS NULL) AS orders,
    max(date BETWEEN :prior_start AND :before) AS ordered_prior,
    count(DISTINCT CASE WHEN date <= :end THEN coalesce(order_ref, 'd' || date) END)
      AS orders_to_date,
    sum(CASE WHEN date <= :end THEN revenue_e4 - coalesce(cost_e4, 0) ELSE 0 END)
      AS profit_to_date,
    sum(CASE WHEN date BETWEEN :year_start AND :end
        THEN revenue_e4 - coalesce(cost_e4, 0) ELSE 0 END) AS profit_year
  FROM orders GROUP BY customer_id
)
SELECT c.id, c.segment, c.source, c.referred_by, c.status, c.lost_on, c.lost_reason,
       c.acquired_on, c.created_on, o.*
FROM customers c LEFT JOIN o ON o.customer_id = c.id
ORDER BY c.id
"""

_FIRST_WON_SQL = """
SELECT d.customer_id, min(d.closed_on) FROM deals d JOIN stages s ON s.id = d.stage_id
WHERE s.kind = 'won' AND d.customer_id IS NOT NULL AND d.closed_on IS NOT NULL
GROUP BY d.customer_id
"""


def period_params(period: Period) -> dict[str, str]:
    prior = period.prior()
    return {
        "start": period.start.isoformat(), "end": period.end.isoformat(),
        "before": period.day_before().isoformat(), "prior_start": prior.start.isoformat(),
        "year_before": (period.end - timedelta(days=365)).isoformat(),
        "year_start": Period.trailing_year(period.end).start.isoformat(),
    }


def first_won_dates(store: Store) -> dict[int, date]:
    return {cid: date.fromisoformat(d[:10]) for cid, d in store.conn.execute(_FIRST_WON_SQL)}


def customer_facts(store: Store, period: Period) -> list[CustomerFacts]:
    """One CustomerFacts per customer, aggregated in SQL (one pass over the order lines)."""
    first_won = first_won_dates(store)
    cursor = store.conn.execute(_FACTS_SQL, period_params(period))
    names = [col[0] for col in cursor.description]
    out = []
    for values in cursor:
        r = dict(zip(names, values, strict=True))
        first = day(r["first_order"])
        stub = Customer(name="", acquired_on=r["acquired_on"], created_on=r["created_on"])
        out.append(CustomerFacts(
            id=r["id"], acquired=acquired_date(stub, first, first_won.get(r["id"])),
            segment=r["segment"], source=r["source"], referred_by=r["referred_by"],
            status=r["status"], lost_on=day(r["lost_on"]), lost_reason=r["lost_reason"],
            first_order=first, last_before=day(r["last_before"]),
            last_at_end=day(r["last_at_end"]), last_before_year=day(r["last_before_year"]),
            revenue_e4=r["revenue"] or 0, cost_e4=r["cost"] or 0,
            revenue_costed_e4=r["revenue_costed"] or 0, lines=r["lines"] or 0,
            costed_lines=r["costed_lines"] or 0, orders=r["orders"] or 0,
            ordered_prior=bool(r["ordered_prior"]), orders_to_date=r["orders_to_date"] or 0,
            profit_to_date_e4=r["profit_to_date"] or 0, profit_year_e4=r["profit_year"] or 0))
    return out


def revenue_in_windows(store: Store, windows: dict[int, tuple[date, date]]) -> dict[int, int]:
    """customer id -> Σ revenue_e4 of their lines within their own [lo, hi] window."""
    if not windows:
        return {}
    payload = json.dumps([[cid, lo.isoformat(), hi.isoformat()]
                          for cid, (lo, hi) in windows.items()])
    # CROSS JOIN keeps the small window list outside, so each customer is an index seek
    sql = """
    SELECT w.value ->> 0 AS cid, sum(o.revenue_e4)
    FROM json_each(?) AS w CROSS JOIN orders o
    WHERE o.customer_id = w.value ->> 0 AND o.date BETWEEN w.value ->> 1 AND w.value ->> 2
    GROUP BY cid
    """
    return {int(cid): int(total or 0) for cid, total in store.conn.execute(sql, (payload,))}


_GROUP_EXPR = {
    "product": "coalesce(p.name, '(none)')",
    "category": "coalesce(o.category, p.category, '(none)')",
    "month": "printf('%04d-%02d', o.month / 100, o.month % 100)",
}


def sales_by(store: Store, period: Period, by: str) -> dict[str, SalesTotals]:
    """Period sales grouped by product, category or month, in SQL."""
    expr = _GROUP_EXPR[by]
    sql = f"""
    SELECT {expr} AS grp, sum(o.revenue_e4), sum(coalesce(o.cost_e4, 0)),
           sum(CASE WHEN o.cost_e4 IS NOT NULL THEN o.revenue_e4 ELSE 0 END),
           count(*), sum(o.cost_e4 IS NOT NULL),
           count(DISTINCT o.order_ref) + sum(o.order_ref IS NULL)
    FROM orders o LEFT JOIN products p ON p.id = o.product_id
    WHERE o.date BETWEEN ? AND ?
    GROUP BY grp
    """
    rows = store.conn.execute(sql, (period.start.isoformat(), period.end.isoformat()))
    return {grp: SalesTotals(*(int(v or 0) for v in rest)) for grp, *rest in rows}


def data_span(store: Store) -> Period | None:
    """First to last dated record of any kind; None for an empty database."""
    sql = """
    SELECT min(lo), max(hi) FROM (
      SELECT min(date) lo, max(date) hi FROM orders
      UNION ALL SELECT min(coalesce(created_on, closed_on)), max(coalesce(closed_on, created_on))
        FROM deals
      UNION ALL SELECT min(substr(coalesce(opened_at, first_response_at, resolved_at), 1, 10)),
                       max(substr(coalesce(resolved_at, first_response_at, opened_at), 1, 10))
        FROM tickets
      UNION ALL SELECT min(date), max(date) FROM surveys
      UNION ALL SELECT min(acquired_on), max(coalesce(lost_on, acquired_on)) FROM customers
    )"""
    lo, hi = store.conn.execute(sql).fetchone()
    if lo is None or hi is None:  # customers without any date (e.g. Telco): the import day
        lo, hi = store.conn.execute("SELECT min(created_on), max(created_on) FROM customers"
                                    ).fetchone()
    if lo is None or hi is None:
        return None
    return Period(date.fromisoformat(lo[:10]), date.fromisoformat(hi[:10]))
