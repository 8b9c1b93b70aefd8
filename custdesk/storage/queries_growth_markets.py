"""SQL for the growth screen's markets (issue 17) and `metrics --by country|region|city`:
sales by the order line's ship-to country, region or city (else the customer's); by
segment × source; buying customers and revenue per segment and quarter (penetration).

Place names are grouped as written (trimmed); blanks are '(none)'.
"""

from __future__ import annotations

from custdesk.domain.metrics_sales import SalesTotals
from custdesk.domain.periods import Period
from custdesk.storage.store import Store

PLACE = {level: f"coalesce(nullif(trim(o.{level}), ''), nullif(trim(c.{level}), ''), '(none)')"
         for level in ("country", "region", "city")}
_SEGMENT = "coalesce(nullif(trim(c.segment), ''), '(none)')"
_SOURCE = "coalesce(nullif(trim(c.source), ''), '(none)')"


def _span(period: Period) -> dict[str, str]:
    return {"lo": period.start.isoformat(), "hi": period.end.isoformat()}


def sales_by_place(store: Store, period: Period, level: str
                   ) -> dict[str, tuple[SalesTotals, int]]:
    """place -> (the sales sums of `metrics_sales.sales_metrics`, buying customers)."""
    sql = f"""
    SELECT {PLACE[level]}, sum(o.revenue_e4), sum(coalesce(o.cost_e4, 0)),
           sum(CASE WHEN o.cost_e4 IS NOT NULL THEN o.revenue_e4 ELSE 0 END),
           count(*), sum(o.cost_e4 IS NOT NULL),
           count(DISTINCT o.order_ref) + sum(o.order_ref IS NULL),
           count(DISTINCT o.customer_id)
    FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.date BETWEEN :lo AND :hi GROUP BY 1"""
    return {str(g): (SalesTotals(*(int(v or 0) for v in sums[:6])), int(sums[6]))
            for g, *sums in store.conn.execute(sql, _span(period))}


def segment_source(store: Store, period: Period) -> list[tuple[str, str, int, int]]:
    """(segment, source, buying customers, revenue_e4) of the period."""
    sql = f"""
    SELECT {_SEGMENT}, {_SOURCE}, count(DISTINCT o.customer_id), sum(o.revenue_e4)
    FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.date BETWEEN :lo AND :hi GROUP BY 1, 2 ORDER BY 4 DESC"""
    return [(str(a), str(b), int(k), int(r or 0))
            for a, b, k, r in store.conn.execute(sql, _span(period))]


def segment_quarters(store: Store, period: Period) -> list[tuple[str, str, int, int]]:
    """(quarter 'YYYY-Qn', segment, buying customers, revenue_e4) per quarter of the
    period (a quarter cut by the period counts only its days inside). A customer has one
    segment, so a quarter's buyers are the sum over its segments."""
    quarter = "printf('%04d-Q%d', o.month / 100, (o.month % 100 + 2) / 3)"
    sql = f"""
    SELECT {quarter}, {_SEGMENT}, count(DISTINCT o.customer_id), sum(o.revenue_e4)
    FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.date BETWEEN :lo AND :hi GROUP BY 1, 2 ORDER BY 1, 2"""
    return [(str(q), str(s), int(k), int(r or 0))
            for q, s, k, r in store.conn.execute(sql, _span(period))]


def places_by_customer(store: Store, period: Period
                       ) -> list[tuple[str, str, str, int, SalesTotals]]:
    """(country, region, city, customer id, their sales sums there) for the period: one
    scan for all three levels (the screen adds them up per level; a customer's places are
    counted once per level)."""
    sql = f"""
    SELECT {PLACE['country']}, {PLACE['region']}, {PLACE['city']}, o.customer_id,
           sum(o.revenue_e4), sum(coalesce(o.cost_e4, 0)),
           sum(CASE WHEN o.cost_e4 IS NOT NULL THEN o.revenue_e4 ELSE 0 END),
           count(*), sum(o.cost_e4 IS NOT NULL),
           count(DISTINCT o.order_ref) + sum(o.order_ref IS NULL)
    FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.date BETWEEN :lo AND :hi GROUP BY 1, 2, 3, 4"""
    return [(str(a), str(b), str(c), int(k), SalesTotals(*(int(v or 0) for v in sums)))
            for a, b, c, k, *sums in store.conn.execute(sql, _span(period))]
