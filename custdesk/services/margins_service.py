"""What the Margins tab needs beyond `metrics_service`: product targets beside actual margins,
the profit share of each profitability group, the movement table as a matrix, and the
months the sales plan looks at.

Every figure is built from `metrics_service` results or the same storage queries it uses;
nothing here redefines a metric. Money is float currency units, percentages 0–100.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from custdesk.domain.metric_values import MetricValue
from custdesk.domain.metrics_sales import SalesTotals, sales_metrics
from custdesk.domain.periods import Period, add_months, month_key
from custdesk.services import metrics_service as ms
from custdesk.storage import queries
from custdesk.storage.database import Store

GROUPS = ("A", "B", "C", "D")
PLAN_MONTHS = 4  # the month of the period's end and the three after it


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
    return {name: target for name, target in store.conn.execute(
        "SELECT name, target_margin_pct FROM products")}


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


def group_rows(store: Store, period: Period,
               groups: dict[int, str] | None = None) -> list[GroupRow]:
    """Customers and gross profit per group A–D for the period (`groups` from
    `metrics_service.profitability_groups`, fetched when not given)."""
    groups = groups if groups is not None else ms.profitability_groups(store, period)
    profit = {f.id: f.gross_profit_e4 for f in queries.customer_facts(store, period)
              if f.id in groups}
    positive = sum(p for p in profit.values() if p > 0)
    out = []
    for g in GROUPS:
        members = [cid for cid, grp in groups.items() if grp == g]
        total = sum(profit.get(cid, 0) for cid in members)
        share = total / positive * 100 if positive and g != "D" else None
        out.append(GroupRow(g, len(members), total / 10_000, share))
    return out


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


def plan_months(end: date, months: int = PLAN_MONTHS) -> list[str]:
    """"YYYY-MM" of the month holding `end` and the following ones (the plan's horizon)."""
    first = date(end.year, end.month, 1)
    return [month_key(add_months(first, i)) for i in range(months)]


def sales_plan_ahead(store: Store, end: date, months: int = PLAN_MONTHS) -> list[ms.PlanMonth]:
    """`metrics_service.sales_plan` for the coming months that have a revenue target."""
    return ms.sales_plan(store, plan_months(end, months))


def monthly_sales(store: Store, end: date,
                  months: int = 12) -> list[tuple[str, dict[str, MetricValue]]]:
    """Revenue, gross profit, margin, orders and order value for each of the `months` months
    up to `end` (the last month cut at `end`): what `monthly_series` gives for one sales
    metric, for all of them from one grouped query instead of one query per metric."""
    first = date(end.year, end.month, 1)
    keys = [month_key(add_months(first, -back)) for back in range(months - 1, -1, -1)]
    totals = queries.sales_by(store, Period(add_months(first, -(months - 1)), end), "month")
    return [(key, sales_metrics(totals.get(key, SalesTotals()))) for key in keys]
