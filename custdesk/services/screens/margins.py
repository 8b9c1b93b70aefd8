"""The margins screen: where the money is made, and who makes it.

Cards (revenue, profit, margin, order value, lifetime value, acquisition cost) against the
prior period; tables of sales by product (beside its target margin — the business case —
with its revenue against the prior period and `behind_case` when it trails the case — its
target margin, or the business case entered for it: `cases` table),
category and segment;
profitability groups A–D and the movement between them; monthly revenue, profit and margin
for the 12 months to the period's end (the last month marked partial when it is cut).
The sales plan drawn in the same tab is its own screen (`plan.py`).
"""

from __future__ import annotations

import dataclasses

from custdesk.domain.periods import Period
from custdesk.services import business_case_service as cases
from custdesk.services import margins_service as mg
from custdesk.services import metrics_service as ms
from custdesk.services.screens import honest, plan
from custdesk.services.screens.model import MIN_COMPARE_DAYS, Card, Screen, SeriesPoint
from custdesk.services.screens.targets import with_targets
from custdesk.storage import Store, queries
from custdesk.storage.beside import beside, waited_on_failure
from custdesk.storage.repository import table_counts

NAME = "margins"
CARDS = ("revenue", "gross_profit", "gross_margin_pct", "avg_order_value",
         "ltv_historical_avg", "ltv_predictive", "cac", "ltv_cac_ratio")
BREAKDOWNS = ("segment", "product", "category")
SERIES = ("revenue", "gross_profit", "gross_margin_pct", "orders_count")
TREND_MONTHS = 12
# a product with a target margin whose revenue fell by this much or more against the prior
# period is behind its business case, as is one whose margin is below its target
REVENUE_FALL_PCT = 10.0


def is_empty(store: Store) -> bool:
    """No order lines: nothing for margins to show."""
    return table_counts(store)["orders"] == 0


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True) -> Screen:
    """The margins screen for `period` (series too unless `with_series` is False)."""
    if is_empty(store):
        return Screen(NAME, period, label, empty=True)
    # only customer and sales figures are shown: no deal, ticket or survey sums.
    # Beside this period's cards and sales by segment and product, on second connections
    # (two cores, storage/beside.py): its sales by category with the prior period's cards
    # and product revenue (all its product rows give), and the groups A–D with the
    # movement from the prior period's, then the monthly series (their own month sums:
    # nothing kept by Today gives them, and the lane is the shortest)
    compare = period.days() >= MIN_COMPARE_DAYS
    prior_period = period.prior()
    pending = beside(store, lambda twin: (
        ms.sales_groups(twin, period, "category"), ms.sales_report(twin, prior_period, CARDS),
        queries.revenue_by_product(twin, prior_period) if compare else {}))
    pending_groups = beside(store, lambda twin: (
        mg.groups_and_movement(twin, period),
        build_series(twin, period) if with_series else None))
    with waited_on_failure(pending, pending_groups):
        report = ms.sales_report(store, period, CARDS, by=("segment", "product"))
        by_category, prior_report, prior_revenue = pending.result()
        (groups, movement), series = pending_groups.result()
    prior = prior_report.metrics
    b = report.breakdowns
    cards = with_targets({m: Card(m, report.metrics.get(m), prior.get(m)) for m in CARDS},
                         store, period)
    tables = {
        "by_product": behind_case(
            _rows(mg.sales_rows(b["product"], mg.product_targets(store))),
            mg.revenue_rows(prior_revenue), compare=compare),
        "by_category": _rows(mg.sales_rows(by_category)),
        "by_segment": _rows(mg.sales_rows(b["segment"])),
        "groups": _rows(groups),
        "movement": mg.movement_rows(movement),
    }
    case_results = [dataclasses.asdict(c) for c in cases.results(store, period.end)]
    tables["cases"] = case_results
    tables["by_product"] = with_cases(tables["by_product"], case_results)
    screen = honest.finish(Screen(NAME, period, label, cards=cards, tables=tables))
    return screen.with_series(series) if series is not None else screen


def build_series(store: Store, period: Period) -> dict[str, list[SeriesPoint]]:
    """Revenue, gross profit, margin and orders by calendar month, 12 months to the
    period's end, one grouped query; a month cut by the period's end is partial."""
    months = mg.monthly_sales(store, period.end, TREND_MONTHS)
    return {metric: [SeriesPoint.of(slot, values[metric].value) for slot, values in months]
            for metric in SERIES}


def _rows(items: list) -> list[dict]:
    """Dataclass rows as plain dicts (what the tab's tables and the JSON take)."""
    return [dataclasses.asdict(item) for item in items]


def with_cases(rows: list[dict], case_results: list[dict]) -> list[dict]:
    """Product rows with their business case (`services/business_case_service.py`, as of
    the period's end): `has_case`, and `behind_case`/`behind_why` extended by the case's
    own flags (volume or revenue behind pro rata, margin below the expected one)."""
    by_name = {c["name"]: c for c in case_results}
    out = []
    for row in rows:
        case = by_name.get(row["name"])
        if case is None:
            out.append({**row, "has_case": False})
            continue
        why = "; ".join(w for w in (row.get("behind_why"), case["behind_why"]) if w)
        out.append({**row, "has_case": True, "behind_case": bool(why), "behind_why": why})
    return out


def behind_case(rows: list[dict], prior_rows: list[dict], *, compare: bool = True
                ) -> list[dict]:
    """Product rows with the prior period's revenue, the change in %, and `behind_case`
    (+ `behind_why`): a product with a target margin (its business case) whose margin is
    below it, or whose revenue fell REVENUE_FALL_PCT % or more against the prior period.
    `compare` False (a period under a week): no revenue trend."""
    before = {r["name"]: r["revenue"] for r in prior_rows}
    out = []
    for row in rows:
        prior = before.get(row["name"]) if compare else None
        change = (None if not prior or row["revenue"] is None
                  else (row["revenue"] - prior) / prior * 100)
        why = []
        if row["target_margin_pct"] is not None:
            if row["below_target"]:
                why.append(f"margin {abs(row['margin_gap_pts']):.1f} pts below target")
            if change is not None and change <= -REVENUE_FALL_PCT:
                why.append(f"revenue down {abs(change):.0f} % on the period before")
        out.append({**row, "prior_revenue": prior, "revenue_change_pct": change,
                    "behind_case": bool(why), "behind_why": "; ".join(why)})
    return out


def build_tab(store: Store, period: Period, label: str = "", *, with_series: bool = True
              ) -> Screen:
    """What the Margins tab draws (and `custdesk screen margins` prints): this screen with
    the plan screen's tables and notes beside it; empty only when both are (a file with
    targets but no sales still shows its plan)."""
    sales = build(store, period, label, with_series=with_series)
    ahead = plan.build(store, period, label)
    return dataclasses.replace(
        sales, tables={**sales.tables, "plan": ahead.tables.get("plan", []),
                       "by_line": ahead.tables.get("by_line", [])},
        notes=sales.notes + ahead.notes, empty=sales.empty and ahead.empty)
