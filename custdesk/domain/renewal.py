"""What "renewed" means: the owner's rule (Business settings), in plain words and as a pure
reference of the rule the SQL applies (`storage/queries_loyalty.py`, `queries_cohorts`).

- "period" (default, METRICS.md `renewal_rate_pct`): a customer with an order in the prior
  period is due; renewed when they also ordered in the period.
- "days": N days after a customer's last order before the period (L) they are due to order
  again; due when L + N is on or after the period's first day; renewed by an order from the
  period's first day up to L + N (or the period's end); not renewed when L + N has passed
  by the end with no such order (a later deadline is not due yet).
- "contract": customers whose contract_end falls in the period are due; renewed by an order
  from 30 days before the contract end up to the period's end (the next term's order).
  A contract end the owner moved past the period makes the customer due later instead —
  the file keeps no history of that field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from custdesk.domain.periods import Period

RULES = ("period", "days", "contract")
DEFAULT_RULE = "period"
DEFAULT_DAYS = 90
CONTRACT_LEAD_DAYS = 30


@dataclass(frozen=True)
class RenewalRule:
    kind: str = DEFAULT_RULE
    days: int = DEFAULT_DAYS  # for "days"

    def describe(self) -> str:
        if self.kind == "days":
            return f"re-ordered within {self.days} days of their previous order"
        if self.kind == "contract":
            return ("ordered again by the end of the period when their contract ended in "
                    f"it (from {CONTRACT_LEAD_DAYS} days before the end)")
        return "ordered in the period after ordering in the period before"


def rule_from_settings(settings: Mapping[str, str]) -> RenewalRule:
    """The owner's rule from the settings table (unknown or bad values: the default)."""
    kind = settings.get("renewal_rule", DEFAULT_RULE)
    try:
        days = int(settings.get("renewal_days", str(DEFAULT_DAYS)))
    except ValueError:
        days = DEFAULT_DAYS
    return RenewalRule(kind if kind in RULES else DEFAULT_RULE, max(1, days))


def renewal_status(rule: RenewalRule, period: Period, order_days: Iterable[date],
                   contract_end: date | None = None) -> bool | None:
    """True renewed, False due but not renewed, None not due in `period` — for one
    customer's order days (the pure reference of the SQL)."""
    days = sorted(set(order_days))
    inside = [d for d in days if period.contains(d)]
    if rule.kind == "period":
        prior = period.prior()
        return bool(inside) if any(prior.contains(d) for d in days) else None
    if rule.kind == "contract":
        if contract_end is None or not period.contains(contract_end):
            return None
        lead = contract_end - timedelta(days=CONTRACT_LEAD_DAYS)
        return any(lead <= d <= period.end for d in days)
    before = [d for d in days if d < period.start]
    if not before:
        return None
    deadline = before[-1] + timedelta(days=rule.days)
    if deadline < period.start:
        return None
    if any(d <= deadline for d in inside):
        return True
    return False if deadline <= period.end else None
