"""The whole catalogue for one period, assembled from its parts.

`assemble` is shared by both paths: the service feeds it facts aggregated in SQL, and
`catalogue_from_records` feeds it facts built in Python from records (small data and the
SQL-parity tests).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from custdesk.domain.customer_state import (
    CustomerState,
    FirstOrder,
    classify,
    facts_from_records,
    first_order_of,
    loss_day,
    lost_value_window,
    silent_loss_day,
)
from custdesk.domain.metric_values import MetricValue, count, money
from custdesk.domain.metrics_customers import (
    CustomerTally,
    tally_metrics,
    tally_states,
    went_silent,
)
from custdesk.domain.metrics_deals import (
    DealInfo,
    DealTotals,
    StageChangeRow,
    deal_metrics,
    deal_metrics_from_totals,
    leads_qualified,
    merge_spellings,
    resolve_deals,
)
from custdesk.domain.metrics_feedback import (
    FeedbackTotals,
    feedback_metrics,
    feedback_metrics_from_totals,
    ticket_day,
)
from custdesk.domain.metrics_sales import (
    DiscountTotals,
    discount_metric,
    discount_totals,
    sales_metrics,
    totals_of,
)
from custdesk.domain.periods import Period, day
from custdesk.domain.records import (
    DEFAULT_SETTINGS,
    DEFAULT_STAGES,
    Action,
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
    # for `states` (the tally path sums these in SQL): customers lost in the period
    # without a word, and the new customers' first orders
    silent_lost: frozenset[int] = frozenset()
    first_orders: Mapping[int, FirstOrder] = field(default_factory=dict)
    discount: DiscountTotals | None = None  # None in a group that is not split by it
    # whole-file figures (a breakdown's groups leave them out)
    leads_qualified: int | None = None  # None: no stage named Qualified
    actions: tuple[int, int] | None = None  # (open, overdue) as of `to`; None: no actions

    @property
    def has_records(self) -> bool:
        """False when deals, tickets and surveys come only as SQL sums (no records)."""
        return self.deal_totals is None and self.feedback_totals is None


def spend_in(spend: Sequence[Spend], period: Period) -> int | None:
    """Σ spend of the months the period touches; None when none was recorded."""
    months = set(period.months())
    rows = [s.amount_e4 for s in spend if s.month[:7] in months]
    return sum(rows) if rows else None


def spend_by_channel(spend: Sequence[Spend], period: Period) -> dict[str, int]:
    """`spend` per channel (e4) over the months the period touches; channels alike but for
    case, spaces and punctuation are one, shown as first spelled; blank = "(none)"."""
    months = set(period.months())
    return merge_spellings((s.channel, s.amount_e4) for s in spend if s.month[:7] in months)


def lost_days(states: Sequence[CustomerState], period: Period) -> dict[int, date]:
    """customer id -> loss day (`loss_day`) of each customer lost in the period; their lost
    value is their revenue in the W days up to their last order on or before it."""
    return {st.facts.id: loss_day(st.facts, period.end) for st in states if st.flow.lost}


def silent_days(states: Sequence[CustomerState], period: Period,
                window: int) -> dict[int, date]:
    """customer id -> `silent_loss_day` of each customer lost in the period."""
    return {st.facts.id: silent_loss_day(st.facts, period.end, window)
            for st in states if st.flow.lost}


def contact_days(tickets: Iterable[Ticket], surveys: Iterable[Survey]) -> dict[int, list[date]]:
    """customer id -> the days of their tickets (`ticket_day`) and surveys."""
    out: dict[int, list[date]] = defaultdict(list)
    for t in tickets:
        if (d := day(ticket_day(t))) is not None:
            out[t.customer_id].append(d)
    for s in surveys:
        if s.customer_id is not None and (d := day(s.date)) is not None:
            out[s.customer_id].append(d)
    return out


def action_counts(actions: Iterable[Action], as_of: date) -> tuple[int, int]:
    """(open, overdue) actions as of a day (`Action.open_on`, `Action.overdue_on`)."""
    d = as_of.isoformat()
    found = list(actions)
    return sum(a.open_on(d) for a in found), sum(a.overdue_on(d) for a in found)


def whole_file_metrics(inputs: Inputs) -> dict[str, MetricValue]:
    """spend, leads_qualified, actions_open, actions_overdue: never split by group."""
    q, acts = inputs.leads_qualified, inputs.actions
    return {
        "spend": money(inputs.spend_e4, None),
        "leads_qualified": count(q) if q is not None else MetricValue(None, 0),
        "actions_open": count(acts[0]) if acts is not None else MetricValue(None, 0),
        "actions_overdue": count(acts[1]) if acts is not None else MetricValue(None, 0),
    }


def assemble(inputs: Inputs, period: Period, *,
             with_spend: bool = True) -> dict[str, MetricValue]:
    """Every metric id of the catalogue for `period`; `with_spend=False` for a group of a
    breakdown (whole-file figures — spend, cac, leads_qualified, actions — left out, and
    discount_line_pct_avg only when the group's own sums are given)."""
    s = inputs.settings
    tally = inputs.tally
    if tally is None:
        tally = tally_states(inputs.states, period, inputs.lost_values_e4,
                             inputs.silent_lost, inputs.first_orders)
    out = tally_metrics(tally, inputs.spend_e4, with_cac=with_spend)
    out.update(sales_metrics(tally.sales(inputs.orders)))
    if inputs.discount is not None or with_spend:
        out["discount_line_pct_avg"] = discount_metric(inputs.discount or DiscountTotals())
    if with_spend:
        out.update(whole_file_metrics(inputs))
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
                           settings: Settings | None = None,
                           stage_changes: Sequence[StageChangeRow] = (),
                           actions: Sequence[Action] | None = None) -> dict[str, MetricValue]:
    """The pure-Python path: the whole catalogue straight from records (`stage_changes`
    oldest first; `actions` None: the file keeps no actions)."""
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
    silent = went_silent(silent_days(states, period, settings.window_days),
                         contact_days(tickets, surveys), settings.window_days)
    by_customer: dict[int, list[OrderLine]] = defaultdict(list)
    for o in orders:
        by_customer[o.customer_id].append(o)
    firsts = {st.facts.id: first for st in states if st.flow.new
              and (first := first_order_of(by_customer[st.facts.id], period.end)) is not None}
    inputs = Inputs(states, totals_of(in_period).orders, lost_values, spend_in(spend, period),
                    infos, tickets, surveys, settings, silent_lost=frozenset(silent),
                    first_orders=firsts, discount=discount_totals(orders, period),
                    leads_qualified=leads_qualified(deals, stage_changes, stages, period),
                    actions=None if actions is None else action_counts(actions, period.end))
    return assemble(inputs, period)
