"""The owner's targets on the KPI cards: one target per card for a period (Qt-free).

Targets are kept per month (METRICS.md `targets`: month + metric + target; the whole
business's revenue and new-customer targets count as targets of `revenue` and
`customers_new` — an explicit `metric` row for the same month wins). A period spans whole
and partial months, so each metric's period target is made from its monthly targets by
the way the metric adds up:

- **flows** (summed over the period: revenue, profit, new/lost customers, orders, spend,
  complaints, leads, deals won/lost): Σ over the months the period touches of the month's
  target × the share of the month's days inside the period — "this month so far" (10 of 31
  days) gets 10/31 of the month's target. Every touched month must have a target, else
  there is none (a sum missing a month would be a target too low).
- **levels as of the period's end** (active customers, open deals, pipeline, open actions):
  the target of the month holding the period's last day.
- **rates, averages and medians** (everything else: retention, NPS, margins, response
  hours, …): the mean of the touched months' targets weighted by their days inside the
  period, over the months that have one.

`with_targets(cards, store, period)` fills `Card.target`; each screen builder calls it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from custdesk.domain.periods import Period, month_end, month_slots
from custdesk.services.screens.model import Card
from custdesk.storage import Store
from custdesk.storage.queries_records import load_metric_targets, load_targets

FLOWS = frozenset({
    "revenue", "gross_profit", "customers_new", "customers_new_value", "customers_lost",
    "customers_lost_value", "customers_won_back", "orders_count", "spend",
    "complaints_count", "leads_new", "leads_qualified", "deals_won", "deals_lost"})
LEVELS = frozenset({
    "customers_total", "customers_active", "contacts_undated", "deals_open",
    "deals_open_unvalued", "pipeline_value", "pipeline_weighted_value", "actions_open",
    "actions_overdue"})

MonthlyTargets = Mapping[tuple[str, str], float]  # (YYYY-MM, metric id) -> target


def how(metric: str) -> str:
    """"sum", "end" or "mean": how `metric`'s monthly targets make a period's target."""
    return "sum" if metric in FLOWS else "end" if metric in LEVELS else "mean"


def period_target(targets: MonthlyTargets, metric: str, period: Period) -> float | None:
    """`metric`'s target for `period` from its monthly targets (module docstring)."""
    slots = month_slots(period.start, period.end)
    rule = how(metric)
    if rule == "end":
        return targets.get((slots[-1].key, metric))
    shares = []  # (target, share of the month inside the period, days inside)
    for slot in slots:
        first = slot.start.replace(day=1)
        whole = (month_end(first) - first).days + 1
        shares.append((targets.get((slot.key, metric)), slot.days() / whole, slot.days()))
    if rule == "sum":
        if any(t is None for t, _share, _days in shares):
            return None
        return sum(t * share for t, share, _days in shares if t is not None)
    known = [(t, days) for t, _share, days in shares if t is not None]
    if not known:
        return None
    return sum(t * days for t, days in known) / sum(days for _t, days in known)


def monthly_targets(store: Store) -> dict[tuple[str, str], float]:
    """(month, metric) -> the whole business's target: revenue and new-customer targets of
    the sales plan first, metric rows over them."""
    out: dict[tuple[str, str], float] = {}
    for t in load_targets(store):
        out[(t.month, "revenue")] = t.revenue_target_e4 / 10_000
        if t.new_customers_target is not None:
            out[(t.month, "customers_new")] = float(t.new_customers_target)
    out.update(load_metric_targets(store))
    return out


def with_targets(cards: dict[str, Card], store: Store, period: Period,
                 targets: MonthlyTargets | None = None) -> dict[str, Card]:
    """`cards` with each card's `target` for `period` (None where the owner set none).
    A card whose metric has no monthly target at all is returned unchanged."""
    targets = monthly_targets(store) if targets is None else targets
    metrics = {m for _month, m in targets}
    return {k: (dataclasses.replace(c, target=period_target(targets, c.metric, period))
                if c.metric in metrics else c)
            for k, c in cards.items()}


def on_track(value: float | None, target: float | None,
             higher_is_better: bool | None) -> bool | None:
    """True when `value` meets `target` in the metric's direction (equal is on track);
    None when either is unknown or the metric has no good direction."""
    if value is None or target is None or higher_is_better is None:
        return None
    return value >= target if higher_is_better else value <= target
