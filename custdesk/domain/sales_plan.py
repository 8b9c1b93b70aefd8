"""The monthly sales plan of METRICS.md: from a revenue target to the leads needed.

Which months feed a month's plan (`plan_windows`) is part of the rule: the 3 complete months
before the month, or before the current month when that is earlier — a month that has not
ended never counts as zero revenue (issue 11 item 2: on 1 Dec, March's baseline was
December's one day ÷ 3). The trailing 12 months of retention, new customers' first 90 days
and lead conversion end at the same reference month, for the same reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from custdesk.domain.periods import Period, add_months, month_key

BASELINE_MONTHS = 3
TRAILING_MONTHS = 12
FIRST_DAYS = 90  # a new customer's first-90-day revenue


@dataclass(frozen=True, slots=True)
class PlanWindows:
    """The ranges one month's plan reads, and where the month stands as of the plan's day."""

    month: str
    status: str  # "past" (before the current month), "current" or "future"
    baseline: Period  # the 3 complete months the baseline averages
    trailing: Period  # the 12 complete months of retention, first-90-day revenue, conversion


def month_status(month: str, as_of: date) -> str:
    """"past", "current" or "future": where `month` ("YYYY-MM") stands against the month
    holding `as_of` (the current month: the period's end, or today when that is earlier)."""
    current = month_key(as_of)
    return "past" if month < current else "current" if month == current else "future"


def plan_windows(month: str, as_of: date) -> PlanWindows:
    """The baseline and trailing ranges of `month`'s plan as of `as_of`: they end before the
    month or before the current month, whichever is earlier."""
    reference = min(Period.month(month).start, date(as_of.year, as_of.month, 1))
    before = reference - timedelta(days=1)
    return PlanWindows(month, month_status(month, as_of),
                       Period(add_months(reference, -BASELINE_MONTHS), before),
                       Period(add_months(reference, -TRAILING_MONTHS), before))


@dataclass(frozen=True, slots=True)
class PlanMonth:
    """One month of the plan with every input shown (money in currency units).

    The last fields put the owner's own target and, once the month has begun, what actually
    happened beside the computed need; a future month's actuals are None."""

    month: str
    target: float
    recent_monthly_revenue: float | None  # customers acquired before the month: 3-month mean
    retention_12m_pct: float | None  # retention_rate_pct of the trailing 12 months
    baseline: float | None  # recent × (retention ÷ 100)^(1/12)
    gap: float | None  # max(0, target − baseline)
    first_90_day_revenue: float | None  # mean, customers acquired in the trailing 12 months
    new_customers_needed: int | None
    lead_conversion_pct: float | None  # trailing 12 months
    leads_needed: int | None
    new_customers_target: int | None = None  # the owner's own figure (targets sheet)
    status: str = "future"
    baseline_from: str | None = None  # "YYYY-MM" of the first and last baseline month
    baseline_to: str | None = None
    actual_revenue: float | None = None  # the month so far when current
    actual_new_customers: int | None = None
    actual_days: int | None = None  # days of the month the actuals cover
    line: str = ""  # a product line's plan: "Product: Desk" / "Category: Furniture"


def _ceil(x: float) -> int:
    # round first: 3.0000000001 from float error must not become 4
    return math.ceil(round(x, 9))


def plan_month(month: str, target_e4: int, recent_monthly_e4: float | None,
               retention_pct: float | None, first_90_e4: float | None,
               lead_conversion_pct: float | None, *, windows: PlanWindows | None = None,
               new_customers_target: int | None = None, actual_revenue_e4: int | None = None,
               actual_new_customers: int | None = None,
               actual_days: int | None = None) -> PlanMonth:
    """Apply the plan formulas; an unknown input leaves what depends on it unknown.

    `windows` (from `plan_windows`) names the baseline months; actuals are kept only for a
    month that has begun (never for a future one)."""
    target = target_e4 / 10_000
    recent = None if recent_monthly_e4 is None else recent_monthly_e4 / 10_000
    baseline = gap = None
    if recent is not None and retention_pct is not None:
        baseline = recent * (max(0.0, retention_pct) / 100) ** (1 / 12)
        gap = max(0.0, target - baseline)
    first_90 = None if first_90_e4 is None else first_90_e4 / 10_000
    new_needed = None
    if gap is not None:
        if gap == 0:
            new_needed = 0
        elif first_90 is not None and first_90 > 0:
            new_needed = _ceil(gap / first_90)
    leads = None
    if new_needed is not None:
        if new_needed == 0:
            leads = 0
        elif lead_conversion_pct:
            leads = _ceil(new_needed / (lead_conversion_pct / 100))
    status = windows.status if windows is not None else "future"
    begun = status != "future"
    return PlanMonth(
        month, target, recent, retention_pct, baseline, gap, first_90, new_needed,
        lead_conversion_pct, leads, new_customers_target, status,
        month_key(windows.baseline.start) if windows else None,
        month_key(windows.baseline.end) if windows else None,
        actual_revenue_e4 / 10_000 if begun and actual_revenue_e4 is not None else None,
        actual_new_customers if begun else None, actual_days if begun else None)
