"""SQL for the growth screen's costs (issue 17): operating costs by month and category, and
the inputs of cost-to-serve per customer group (segment): support contacts, deliveries
(orders), discounts given, revenue and gross profit — plus buying customers and gross
profit per group and month.

Support contacts = Σ contacts of the tickets opened in the period (1 where blank, as
`contacts_per_issue`); deliveries = orders (distinct order_ref; a line without one is its
own order, as `orders_count`); gross profit over lines with a known cost (`gross_profit`).
"""

from __future__ import annotations

from dataclasses import dataclass

from custdesk.domain.periods import Period
from custdesk.storage.store import Store

SEGMENT = "coalesce(nullif(trim(c.segment), ''), '(none)')"


def _span(period: Period) -> dict[str, str]:
    return {"lo": period.start.isoformat(), "hi": period.end.isoformat()}


def costs_by_month(store: Store, period: Period) -> list[tuple[str, str, int]]:
    """(month 'YYYY-MM', category or '(none)', Σ amount_e4) for the months the period
    touches."""
    sql = """
    SELECT substr(month, 1, 7), coalesce(nullif(trim(category), ''), '(none)'),
           sum(amount_e4)
    FROM costs WHERE substr(month, 1, 7) BETWEEN :mlo AND :mhi GROUP BY 1, 2 ORDER BY 1, 3 DESC"""
    return [(str(m), str(c), int(a)) for m, c, a in store.conn.execute(
        sql, {"mlo": period.start.isoformat()[:7], "mhi": period.end.isoformat()[:7]})]


@dataclass(frozen=True, slots=True)
class GroupServe:
    segment: str
    customers: int  # with an order in the period
    orders: int
    revenue_e4: int
    gross_profit_e4: int
    contacts: int
    discount_e4: float


def serve_by_segment(store: Store, period: Period) -> list[GroupServe]:
    """Per segment: buying customers, orders, revenue, gross profit, support contacts and
    discounts given in the period."""
    sales = f"""
    SELECT {SEGMENT}, count(DISTINCT o.customer_id),
           count(DISTINCT o.order_ref) + sum(o.order_ref IS NULL), sum(o.revenue_e4),
           sum(CASE WHEN o.cost_e4 IS NOT NULL THEN o.revenue_e4 - o.cost_e4 ELSE 0 END),
           sum(CASE WHEN o.discount IS NOT NULL AND o.discount < 1
                    THEN o.revenue_e4 * o.discount / (1.0 - o.discount) ELSE 0 END)
    FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.date BETWEEN :lo AND :hi GROUP BY 1"""
    contacts = f"""
    SELECT {SEGMENT}, sum(coalesce(t.contacts, 1))
    FROM tickets t JOIN customers c ON c.id = t.customer_id
    WHERE substr(t.opened_at, 1, 10) BETWEEN :lo AND :hi GROUP BY 1"""
    by_contacts = {str(g): int(n or 0) for g, n in store.conn.execute(contacts, _span(period))}
    out = {str(g): GroupServe(str(g), int(k), int(o), int(r or 0), int(p or 0),
                              by_contacts.get(str(g), 0), float(d or 0))
           for g, k, o, r, p, d in store.conn.execute(sales, _span(period))}
    for g, n in by_contacts.items():
        out.setdefault(g, GroupServe(g, 0, 0, 0, 0, n, 0.0))
    return sorted(out.values(), key=lambda s: s.segment.lower())


def segment_months(store: Store, period: Period) -> list[tuple[str, str, int, int, int]]:
    """(month, segment, buying customers, revenue_e4, gross_profit_e4) per month and
    segment of the period."""
    sql = f"""
    SELECT printf('%04d-%02d', o.month / 100, o.month % 100), {SEGMENT},
           count(DISTINCT o.customer_id), sum(o.revenue_e4),
           sum(CASE WHEN o.cost_e4 IS NOT NULL THEN o.revenue_e4 - o.cost_e4 ELSE 0 END)
    FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.date BETWEEN :lo AND :hi GROUP BY 1, 2 ORDER BY 1, 2"""
    return [(str(m), str(s), int(k), int(r or 0), int(p or 0))
            for m, s, k, r, p in store.conn.execute(sql, _span(period))]
