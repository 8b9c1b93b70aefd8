"""What the Margins tab needs beyond `metrics_service`: product targets beside actual margins,
the profit share of each profitability group, the movement table as a matrix, and the
months the sales plan looks at.

Every figure is built from `metrics_service` results or the same storage queries it uses;
nothing here redefines a metric. Money is float currency units, percentages 0–100.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from custdesk.domain.customer_state import classify
from custdesk.domain.metric_values import MetricValue
from custdesk.domain.metrics_customers import customer_metrics
from custdesk.domain.metrics_deals import deal_metrics
from custdesk.domain.metrics_sales import SalesTotals, sales_metrics
from custdesk.domain.periods import MonthSlot, Period, add_months, month_key, trailing_months
from custdesk.domain.sales_plan import (
    BASELINE_MONTHS,
    FIRST_DAYS,
    PlanMonth,
    plan_month,
    plan_windows,
)
from custdesk.domain.text import name_key
from custdesk.services import metrics_service as ms
from custdesk.storage import queries
from custdesk.storage import queries_growth as qg
from custdesk.storage import queries_lists as ql
from custdesk.storage import queries_profit_groups as qpg
from custdesk.storage import queries_records as rec
from custdesk.storage.database import Store

GROUPS = ("A", "B", "C", "D")
PLAN_AHEAD = 3  # the plan shows the current month and the three after it


@dataclass(frozen=True, slots=True)
class SalesRow:
    """One product, category or segment with its sales figures (and a product's target)."""

    name: str
    revenue: float | None
    gross_profit: float | None
    margin_pct: float | None
    orders: float | None
    target_margin_pct: float | None = None
    below_target: bool = False
    margin_gap_pts: float | None = None  # actual − target, in points


@dataclass(frozen=True, slots=True)
class GroupRow:
    """A profitability group: its customers and their share of the period's gross profit."""

    group: str
    customers: int
    gross_profit: float
    profit_share_pct: float | None  # of the positive profit of all groups


def _value(values: dict[str, MetricValue], metric: str) -> float | None:
    v = values.get(metric)
    return None if v is None else v.value


def product_targets(store: Store) -> dict[str, float | None]:
    """product name -> target_margin_pct (the owner's business case), None when not set."""
    return rec.product_target_margins(store)


def sales_rows(groups: dict[str, dict[str, MetricValue]],
               targets: dict[str, float | None] | None = None) -> list[SalesRow]:
    """Rows of a breakdown, biggest revenue first; with `targets`, each product's target
    margin beside its actual one (below target when actual < target)."""
    out = []
    for name, values in groups.items():
        revenue = _value(values, "revenue")
        if revenue is None and _value(values, "gross_profit") is None:
            continue  # a group with deals only (products sold through the pipeline)
        margin = _value(values, "gross_margin_pct")
        target = (targets or {}).get(name)
        gap = None if margin is None or target is None else margin - target
        out.append(SalesRow(name, revenue, _value(values, "gross_profit"), margin,
                            _value(values, "orders_count"), target,
                            gap is not None and gap < 0, gap))
    return sorted(out, key=lambda r: (-(r.revenue or 0), r.name))


def revenue_rows(revenue_e4: dict[str, int]) -> list[dict[str, object]]:
    """Each product's name and revenue as its sales row has them (the revenue figure of
    `sales_metrics`), from the revenue alone (`queries.revenue_by_product`)."""
    return [{"name": name, "revenue": sales_metrics(SalesTotals(rev))["revenue"].value}
            for name, rev in revenue_e4.items()]


def group_rows(store: Store, period: Period,
               groups: dict[int, str] | None = None) -> list[GroupRow]:
    """Customers and gross profit per group A–D for the period (`groups` from
    `metrics_service.profitability_groups`, fetched when not given)."""
    groups = groups if groups is not None else ms.profitability_groups(store, period)
    # the members' gross profit over the period's costed lines, summed in SQL (what
    # CustomerFacts.gross_profit_e4 holds, without one facts object per customer)
    profit = {cid: p for cid, p in ql.gross_profit_between(store, period.start,
                                                            period.end).items()
              if cid in groups}
    positive = sum(p for p in profit.values() if p > 0)
    out = []
    for g in GROUPS:
        members = [cid for cid, grp in groups.items() if grp == g]
        total = sum(profit.get(cid, 0) for cid in members)
        share = total / positive * 100 if positive and g != "D" else None
        out.append(GroupRow(g, len(members), total / 10_000, share))
    return out


def groups_and_movement(store: Store, period: Period
                        ) -> tuple[list[GroupRow], dict[tuple[str, str], int]]:
    """`group_rows(store, period)` and `metrics_service.group_movement(store, period)` (the
    reference, tests/test_perf_profit_groups.py) from one statement: the groups counted in
    SQL (`queries_profit_groups`), not each customer's profit of each period read into
    Python (the period's three times over) and ranked there."""
    found = qpg.group_moves(store, period)
    out = []
    for g in GROUPS:
        members = sum(n for (_was, now), n in found.moves.items() if now == g)
        total = found.profit_e4.get(g, 0)
        positive = found.positive_e4
        share = total / positive * 100 if positive and g != "D" else None
        out.append(GroupRow(g, members, total / 10_000, share))
    return out, found.moves


def movement_rows(movement: dict[tuple[str, str], int]) -> list[dict[str, object]]:
    """The movement table as rows "from" (A–D, new) × columns A–D and lost, with totals:
    a row's total is the customers in that prior group (or new), the "Total" row's cells
    the customers in each current group (or lost)."""
    columns = (*GROUPS, "lost")
    rows: list[dict[str, object]] = []
    for source in (*GROUPS, "new"):
        row: dict[str, object] = {"from": source}
        for target in columns:
            row[target] = movement.get((source, target), 0)
        row["total"] = sum(int(row[c]) for c in columns)  # type: ignore[call-overload]
        rows.append(row)
    total: dict[str, object] = {"from": "Total"}
    for c in (*columns, "total"):
        total[c] = sum(int(r[c]) for r in rows)  # type: ignore[call-overload]
    rows.append(total)
    return rows


def plan_months(period: Period, as_of: date, ahead: int = PLAN_AHEAD) -> list[str]:
    """"YYYY-MM" of the months the plan shows: the period's months (past ones show their
    actuals) and the current month with the `ahead` months after it."""
    current = date(as_of.year, as_of.month, 1)
    coming = [month_key(add_months(current, i)) for i in range(ahead + 1)]
    return sorted(set(period.months()) | set(coming))


def plan_day(period: Period, today: date | None = None) -> date:
    """The day the plan stands on: the period's end, or today when that is earlier (a month
    after today has not happened, whatever range was asked for)."""
    return min(period.end, today or date.today())


class _Trailing:
    """The plan's trailing-12-month inputs (retention, new customers' mean first-90-day
    revenue, lead conversion) per window, each computed once; `acquired` fills as windows
    are read (customer id -> acquisition day)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = ms.load_settings(store)
        self.deals = ms.load_deal_infos(store)
        self.acquired: dict[int, date] = {}
        self._inputs: dict[Period, tuple[float | None, float | None, float | None]] = {}

    def inputs(self, trailing: Period) -> tuple[float | None, float | None, float | None]:
        if trailing not in self._inputs:  # future months share the current month's
            store = self.store
            facts = queries.customer_facts(store, trailing)
            self.acquired.update((f.id, f.acquired) for f in facts if f.acquired is not None)
            states = classify(facts, trailing, self.settings.window_days)
            retention = customer_metrics(states, trailing, {}, with_cac=False)[
                "retention_rate_pct"].value
            newcomers = {f.id: (f.acquired, f.acquired + timedelta(days=FIRST_DAYS - 1))
                         for f in facts if trailing.contains(f.acquired)}
            first90 = queries.revenue_in_windows(store, newcomers)
            mean90 = (sum(first90.get(c, 0) for c in newcomers) / len(newcomers)
                      if newcomers else None)
            conv = deal_metrics(self.deals, trailing, self.settings.deep_discount_pct)[
                "lead_conversion_pct"].value
            self._inputs[trailing] = (retention, mean90, conv)
        return self._inputs[trailing]


def sales_plan(store: Store, months: Sequence[str], as_of: date) -> list[PlanMonth]:
    """METRICS.md's monthly sales plan as of `as_of` for each of `months` that has a revenue
    target (others are skipped), each input shown, actuals beside the past and current ones.

    The windows come from `domain.sales_plan.plan_windows`; sums are the storage queries the
    metrics use, so retention and conversion are the catalogue's own."""
    targets = {t.month: t for t in rec.load_targets(store)}
    wanted = [m for m in sorted(months) if m in targets]
    if not wanted:
        return []
    trailing = _Trailing(store)
    acquired = trailing.acquired  # filled as the trailing windows are read
    baselines: dict[Period, dict[int, int]] = {}

    first_start = Period.month(wanted[0]).start
    actual = (queries.sales_by(store, Period(first_start, as_of), "month")
              if first_start <= as_of else {})
    out = []
    for key in wanted:
        windows = plan_windows(key, as_of)
        retention, mean90, conv = trailing.inputs(windows.trailing)
        if windows.baseline not in baselines:
            baselines[windows.baseline] = ql.revenue_between(
                store, windows.baseline.start, windows.baseline.end)
        month = Period.month(key)
        existing_e4 = sum(v for cid, v in baselines[windows.baseline].items()
                          if cid in acquired and acquired[cid] < month.start)
        seen = Period(month.start, min(month.end, as_of)) if month.start <= as_of else None
        new_count = (None if seen is None else
                     sum(1 for d in acquired.values() if seen.contains(d)))
        totals = actual.get(key)
        target = targets[key]
        out.append(plan_month(
            key, target.revenue_target_e4, existing_e4 / BASELINE_MONTHS, retention, mean90,
            conv, windows=windows, new_customers_target=target.new_customers_target,
            actual_revenue_e4=totals.revenue_e4 if totals is not None else 0,
            actual_new_customers=new_count, actual_days=seen.days() if seen else None))
    return out


@dataclass(frozen=True, slots=True)
class Line:
    """A product line of the targets sheet: a product (by name) or a category, with the
    product ids and category spellings its order lines carry (matched like names)."""

    label: str  # "Product: Desk" / "Category: Furniture"
    product_ids: tuple[int, ...]
    categories: tuple[str, ...]


def resolve_line(store: Store, product: str | None, category: str | None) -> Line:
    """The order lines a line target covers: a product's ids by name key; a category's
    spellings (an order line's own category, else its product's) by name key."""
    if product:
        key = name_key(product)
        ids = tuple(i for i, name, _cat in qg.products_by_name(store) if name_key(name) == key)
        return Line(f"Product: {product}", ids, ())
    key = name_key(category)
    cats = tuple(c for c in qg.category_spellings(store) if name_key(c) == key)
    return Line(f"Category: {category}", (), cats)


def line_plan(store: Store, months: Sequence[str], as_of: date) -> list[PlanMonth]:
    """METRICS.md's monthly sales plan for each product line with a revenue target in
    `months`, by line then month. Each line is planned like the business, on the line's
    own revenue:

    - baseline = the line's mean monthly revenue over the 3 base months from customers
      acquired before the month × (the business's 12-month retention ÷ 100)^(1/12);
    - new customers needed = ⌈gap ÷ mean first-90-day line revenue of the customers acquired
      in the trailing 12 months who bought the line in their first 90 days⌉ (a new customer
      who never buys the line does not close its gap);
    - leads needed = ⌈new ÷ the business's lead conversion⌉ (deals rarely name a product);
    - actuals: the line's revenue in the month, and customers acquired in the month who
      bought the line in it."""
    wanted = set(months)
    targets = [t for t in rec.load_line_targets(store) if t.month in wanted]
    if not targets:
        return []
    trailing = _Trailing(store)
    out = []
    lines: dict[tuple[str | None, str | None], Line] = {}
    for t in sorted(targets, key=lambda t: (t.product or "", t.category or "", t.month)):
        line = lines.setdefault((t.product, t.category),
                                resolve_line(store, t.product, t.category))
        windows = plan_windows(t.month, as_of)
        retention, _mean90, conv = trailing.inputs(windows.trailing)
        acquired = trailing.acquired
        month = Period.month(t.month)
        recent = qg.line_revenue_between(store, windows.baseline.start, windows.baseline.end,
                                         line.product_ids, line.categories)
        existing_e4 = sum(v for cid, v in recent.items()
                          if cid in acquired and acquired[cid] < month.start)
        newcomers = {cid: (d, d + timedelta(days=FIRST_DAYS - 1))
                     for cid, d in acquired.items() if windows.trailing.contains(d)}
        first90 = qg.line_revenue_in_windows(store, newcomers, line.product_ids,
                                             line.categories)
        buyers = [v for v in first90.values() if v > 0]
        mean90 = sum(buyers) / len(buyers) if buyers else None
        seen = Period(month.start, min(month.end, as_of)) if month.start <= as_of else None
        actual_e4 = new_count = None
        if seen is not None:
            bought = qg.line_revenue_between(store, seen.start, seen.end, line.product_ids,
                                             line.categories)
            actual_e4 = sum(bought.values())
            new_count = sum(1 for cid, d in acquired.items()
                            if seen.contains(d) and bought.get(cid, 0) > 0)
        planned = plan_month(
            t.month, t.revenue_target_e4, existing_e4 / BASELINE_MONTHS,
            retention, mean90, conv, windows=windows,
            new_customers_target=t.new_customers_target, actual_revenue_e4=actual_e4,
            actual_new_customers=new_count, actual_days=seen.days() if seen else None)
        out.append(dataclasses.replace(planned, line=line.label))
    return out


def monthly_sales(store: Store, end: date,
                  months: int = 12) -> list[tuple[MonthSlot, dict[str, MetricValue]]]:
    """Revenue, gross profit, margin, orders and order value for each of the `months`
    calendar months up to `end` (the last one partial unless `end` ends it), from one
    grouped query instead of one query per metric."""
    slots = trailing_months(end, months)
    totals = queries.sales_by(store, Period(slots[0].start, end), "month")
    return [(slot, sales_metrics(totals.get(slot.key, SalesTotals()))) for slot in slots]
