"""The whole catalogue for one period, assembled from its parts.

`assemble` is shared by both paths: the service feeds it facts aggregated in SQL, and
`catalogue_from_records` feeds it facts built in Python from records (small data and the
SQL-parity tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from custdesk.domain.customer_state import (
    CustomerState,
    classify,
    facts_from_records,
    loss_day,
    lost_value_window,
)
from custdesk.domain.metric_values import MetricValue
from custdesk.domain.metrics_customers import CustomerTally, tally_metrics, tally_states
from custdesk.domain.metrics_deals import (
    DealInfo,
    DealTotals,
    deal_metrics,
    deal_metrics_from_totals,
    resolve_deals,
)
from custdesk.domain.metrics_feedback import (
    FeedbackTotals,
    feedback_metrics,
    feedback_metrics_from_totals,
)
from custdesk.domain.metrics_sales import sales_metrics, totals_of
from custdesk.domain.periods import Period
from custdesk.domain.records import (
    DEFAULT_SETTINGS,
    DEFAULT_STAGES,
    Customer,
    Deal,
    OrderLine,
    Product,
    Spend,
    Stage,
    StageKind,
    Survey,
    Ticket,
)


@dataclass(frozen=True, slots=True)
class Settings:
    """The business settings the rules use (stored in the settings table)."""

    window_days: int = int(DEFAULT_SETTINGS["activity_window_days"])
    deep_discount_pct: float = float(DEFAULT_SETTINGS["deep_discount_pct"])
    repeat_contact_days: int = int(DEFAULT_SETTINGS["repeat_contact_days"])


@dataclass(frozen=True, slots=True)
class Inputs:
    """Everything one period's catalogue needs; order lines are already aggregated into
    the customers' facts and `orders` (distinct orders in the period).

    `tally`, when given, replaces `states` and `lost_values_e4` for the customer and sales
    metrics (the SQL path sums customers in the database; `states` is then empty)."""

    states: Sequence[CustomerState]
    orders: int
    lost_values_e4: dict[int, int]
    spend_e4: int | None  # None: no spend recorded for the period's months
    deals: Sequence[DealInfo]
    tickets: Sequence[Ticket]
    surveys: Sequence[Survey]
    settings: Settings = field(default_factory=Settings)
    tally: CustomerTally | None = None
    segment_tallies: dict[str, CustomerTally] | None = None  # with `tally`: its parts
    # when given (the SQL path), these replace `deals` / `tickets` + `surveys`
    deal_totals: DealTotals | None = None
    feedback_totals: FeedbackTotals | None = None

    @property
    def has_records(self) -> bool:
        """False when deals, tickets and surveys come only as SQL sums (no records)."""
        return self.deal_totals is None and self.feedback_totals is None


def spend_in(spend: Sequence[Spend], period: Period) -> int | None:
    """Σ spend of the months the period touches; None when none was recorded."""
    months = set(period.months())
    rows = [s.amount_e4 for s in spend if s.month[:7] in months]
    return sum(rows) if rows else None


def lost_days(states: Sequence[CustomerState], period: Period) -> dict[int, date]:
    """customer id -> loss day (`loss_day`) of each customer lost in the period; their lost
    value is their revenue in the W days up to their last order on or before it."""
    return {st.facts.id: loss_day(st.facts, period.end) for st in states if st.flow.lost}


def assemble(inputs: Inputs, period: Period, *,
             with_spend: bool = True) -> dict[str, MetricValue]:
    """Every metric id of the catalogue for `period`."""
    s = inputs.settings
    tally = inputs.tally
    if tally is None:
        tally = tally_states(inputs.states, period, inputs.lost_values_e4)
    out = tally_metrics(tally, inputs.spend_e4, with_cac=with_spend)
    out.update(sales_metrics(tally.sales(inputs.orders)))
    if inputs.deal_totals is not None:
        out.update(deal_metrics_from_totals(inputs.deal_totals, s.deep_discount_pct))
    else:
        out.update(deal_metrics(inputs.deals, period, s.deep_discount_pct))
    if inputs.feedback_totals is not None:
        out.update(feedback_metrics_from_totals(inputs.feedback_totals))
    else:
        out.update(feedback_metrics(inputs.tickets, inputs.surveys, period,
                                    s.repeat_contact_days))
    return out


def first_won_from(deals: Sequence[DealInfo]) -> dict[int, date]:
    first: dict[int, date] = {}
    for d in deals:
        cid, closed = d.deal.customer_id, d.closed
        if d.kind is StageKind.WON and cid is not None and closed is not None:
            first[cid] = min(first.get(cid, closed), closed)
    return first


def catalogue_from_records(period: Period, *, customers: Sequence[Customer] = (),
                           orders: Sequence[OrderLine] = (), deals: Sequence[Deal] = (),
                           tickets: Sequence[Ticket] = (), surveys: Sequence[Survey] = (),
                           spend: Sequence[Spend] = (), products: Sequence[Product] = (),
                           stages: Sequence[Stage] = DEFAULT_STAGES,
                           settings: Settings | None = None) -> dict[str, MetricValue]:
    """The pure-Python path: the whole catalogue straight from records."""
    settings = settings or Settings()
    prices = {p.id: p.list_price_e4 for p in products if p.id is not None}
    infos = resolve_deals(deals, stages, prices)
    facts = facts_from_records(customers, orders, first_won_from(infos), period)
    states = classify(facts, period, settings.window_days)
    lost_values = {}
    for cid, until in lost_days(states, period).items():
        own = [o for o in orders if o.customer_id == cid]
        last = max((d for o in own if (d := date.fromisoformat(o.date[:10])) <= until),
                   default=None)
        span = lost_value_window(last, settings.window_days)
        if span is not None:
            lost_values[cid] = sum(o.revenue_e4 for o in own
                                   if span[0].isoformat() <= o.date[:10] <= span[1].isoformat())
    in_period = [o for o in orders if period.start.isoformat() <= o.date[:10]
                 <= period.end.isoformat()]
    inputs = Inputs(states, totals_of(in_period).orders, lost_values, spend_in(spend, period),
                    infos, tickets, surveys, settings)
    return assemble(inputs, period)
