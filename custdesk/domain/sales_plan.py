"""The monthly sales plan of METRICS.md: from a revenue target to the leads needed."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PlanMonth:
    """One month of the plan with every input shown (money in currency units)."""

    month: str
    target: float
    recent_monthly_revenue: float | None  # existing customers, mean of the 3 months before
    retention_12m_pct: float | None  # retention_rate_pct of the trailing 12 months
    baseline: float | None  # recent × (retention ÷ 100)^(1/12)
    gap: float | None  # max(0, target − baseline)
    first_90_day_revenue: float | None  # mean, customers acquired in the trailing 12 months
    new_customers_needed: int | None
    lead_conversion_pct: float | None  # trailing 12 months
    leads_needed: int | None


def plan_month(month: str, target_e4: int, recent_monthly_e4: float | None,
               retention_pct: float | None, first_90_e4: float | None,
               lead_conversion_pct: float | None) -> PlanMonth:
    """Apply the plan formulas; an unknown input leaves what depends on it unknown."""
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
            new_needed = math.ceil(round(gap / first_90, 9))
    leads = None
    if new_needed is not None:
        if new_needed == 0:
            leads = 0
        elif lead_conversion_pct:
            leads = math.ceil(round(new_needed / (lead_conversion_pct / 100), 9))
    return PlanMonth(month, target, recent, retention_pct, baseline, gap, first_90,
                     new_needed, lead_conversion_pct, leads)
