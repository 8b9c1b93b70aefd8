"""The plan screen: METRICS.md's monthly sales plan, every input shown.

Table `plan`: one row per month with a whole-business revenue target: the period's months
(past ones with what actually happened against target and plan), the current month (the
period's end, or today when that is earlier) and the three after it. Formulas and windows
are `domain.sales_plan`; the sums are `margins_service.sales_plan`.
Table `by_line`: the same plan per product line (a product or a category with revenue
targets), from `margins_service.line_plan`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from custdesk.domain.periods import Period, month_key
from custdesk.domain.sales_plan import PlanMonth
from custdesk.services import margins_service as mg
from custdesk.services.screens.model import Screen
from custdesk.storage import Store
from custdesk.storage.queries_records import load_line_targets, load_targets

NAME = "plan"


def is_empty(store: Store) -> bool:
    """No revenue targets, for the business or a product line: nothing to plan against
    (targets for another metric do not make a plan)."""
    return not load_targets(store) and not load_line_targets(store)


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True,
          today: date | None = None) -> Screen:
    """The plan for `period` (it has no monthly series; `with_series` is accepted for the
    shared builder signature). `today` pins the clock for tests."""
    if is_empty(store):
        return Screen(NAME, period, label, empty=True)
    as_of = mg.plan_day(period, today)
    wanted = mg.plan_months(period, as_of)
    months = mg.sales_plan(store, wanted, as_of)
    lines = mg.line_plan(store, wanted, as_of)
    notes = [f"Plan as of {as_of.isoformat()}: {month_key(as_of)} and later months use the "
             f"3 complete months before {month_key(as_of)} (a month that has not ended never "
             "counts as zero revenue)."]
    if not months:
        notes.append("No revenue targets for these months — import targets.")
    if lines:
        notes.append("By product line: the line's own revenue and new buyers; retention and "
                     "lead conversion are the business's.")
    return Screen(NAME, period, label,
                  tables={"plan": [plan_row(m) for m in months],
                          "by_line": [{"line": m.line, **plan_row(m)} for m in lines]},
                  notes=tuple(notes))


def plan_row(m: PlanMonth) -> dict[str, Any]:
    """One plan month as a plain row: inputs, results, the owner's target and the actuals."""
    return {
        "month": m.month, "status": m.status, "revenue_target": m.target,
        "baseline_from": m.baseline_from, "baseline_to": m.baseline_to,
        "existing_monthly_revenue": m.recent_monthly_revenue,
        "retention_12m_pct": m.retention_12m_pct, "baseline": m.baseline, "gap": m.gap,
        "first_90_day_revenue": m.first_90_day_revenue,
        "new_customers_needed": m.new_customers_needed,
        "lead_conversion_pct": m.lead_conversion_pct, "leads_needed": m.leads_needed,
        "new_customers_target": m.new_customers_target,
        "actual_revenue": m.actual_revenue, "actual_new_customers": m.actual_new_customers,
        "actual_days": m.actual_days,
        # both sides come from exact cents: round away the float error of the subtraction
        "revenue_vs_target": (None if m.actual_revenue is None
                              else round(m.actual_revenue - m.target, 2)),
    }
