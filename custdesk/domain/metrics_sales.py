"""Revenue, gross profit, margin, orders and average order value (METRICS.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from custdesk.domain.customer_state import CustomerFacts
from custdesk.domain.metric_values import MetricValue, money, pct
from custdesk.domain.periods import Period
from custdesk.domain.records import OrderLine


@dataclass(frozen=True, slots=True)
class SalesTotals:
    """Σ over some order lines (money in e4)."""

    revenue_e4: int = 0
    cost_e4: int = 0  # known costs only
    revenue_costed_e4: int = 0  # revenue of the lines with a known cost
    lines: int = 0
    costed_lines: int = 0
    orders: int = 0

    def __add__(self, other: SalesTotals) -> SalesTotals:
        return SalesTotals(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(),
                                                   strict=True)))

    def as_tuple(self) -> tuple[int, ...]:
        return (self.revenue_e4, self.cost_e4, self.revenue_costed_e4, self.lines,
                self.costed_lines, self.orders)


def totals_from_facts(facts: Iterable[CustomerFacts], orders: int) -> SalesTotals:
    """Period sales of these customers; `orders` = their distinct orders in the period
    (counted over lines, since one order_ref can appear under several customers)."""
    rev = cost = costed_rev = lines = costed = 0
    for f in facts:
        rev += f.revenue_e4
        cost += f.cost_e4
        costed_rev += f.revenue_costed_e4
        lines += f.lines
        costed += f.costed_lines
    return SalesTotals(rev, cost, costed_rev, lines, costed, orders)


def sales_metrics(t: SalesTotals) -> dict[str, MetricValue]:
    """revenue, gross_profit, gross_margin_pct, orders_count, avg_order_value.

    With no line at all, revenue is a true 0 (nothing sold) but margin and the average
    order value cannot be computed; gross profit is unknown when no line has a cost.
    """
    gross = t.revenue_costed_e4 - t.cost_e4
    has_cost = t.costed_lines > 0
    return {
        "revenue": money(t.revenue_e4, None),
        "gross_profit": money(gross if has_cost else None, None),
        "gross_margin_pct": pct(gross, t.revenue_costed_e4, t.costed_lines)
        if has_cost else MetricValue(None, 0),
        "orders_count": MetricValue(float(t.orders), None),
        "avg_order_value": MetricValue(t.revenue_e4 / t.orders / 10_000, t.orders)
        if t.orders else MetricValue(None, 0),
    }


def group_totals(orders: Iterable[OrderLine], period: Period,
                 key: Callable[[OrderLine], str | None]) -> dict[str, SalesTotals]:
    """Pure-Python grouping of order lines in the period (the SQL path's check)."""
    acc: dict[str, list[OrderLine]] = defaultdict(list)
    for o in orders:
        if period.contains(date.fromisoformat(o.date)):
            acc[key(o) or "(none)"].append(o)
    return {group: totals_of(lines) for group, lines in acc.items()}


def totals_of(lines: list[OrderLine]) -> SalesTotals:
    """Σ over the given lines; orders = distinct order_ref + lines without one."""
    costed = [o for o in lines if o.cost_e4 is not None]
    refs = {o.order_ref for o in lines if o.order_ref is not None}
    return SalesTotals(
        revenue_e4=sum(o.revenue_e4 for o in lines),
        cost_e4=sum(o.cost_e4 or 0 for o in costed),
        revenue_costed_e4=sum(o.revenue_e4 for o in costed),
        lines=len(lines), costed_lines=len(costed),
        orders=len(refs) + sum(1 for o in lines if o.order_ref is None))


@dataclass(frozen=True, slots=True)
class DiscountTotals:
    """`discount_line_pct_avg`'s sums over order lines with a known discount d < 1 (a
    fraction of the line's list amount): list = revenue ÷ (1 − d), discount amount =
    list − revenue = revenue × d ÷ (1 − d). Money in e4, as floats (a list amount is rarely
    a whole number of e4). Summed in SQL by `storage.queries.discount_totals`."""

    discount_e4: float = 0.0
    list_e4: float = 0.0
    lines: int = 0


def discount_totals(lines: Iterable[OrderLine], period: Period) -> DiscountTotals:
    """The reference sums over the period's lines (100 % discounts have no list amount)."""
    disc = listed = 0.0
    n = 0
    for o in lines:
        d = o.discount
        if d is None or d >= 1 or not period.contains(date.fromisoformat(o.date[:10])):
            continue
        disc += o.revenue_e4 * d / (1.0 - d)
        listed += o.revenue_e4 / (1.0 - d)
        n += 1
    return DiscountTotals(disc, listed, n)


def discount_metric(t: DiscountTotals) -> MetricValue:
    """Σ discount ÷ Σ list × 100; null without a line with a known discount (or a zero
    list total)."""
    if not t.lines:
        return MetricValue(None, 0)
    return pct(t.discount_e4, t.list_e4, t.lines)
