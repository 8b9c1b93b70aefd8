"""Breakdowns of the catalogue by segment, product, category, owner, month, reason.

Each group gets the metrics that make sense for it: customer and sales metrics by segment;
sales (and deal) metrics by product and category; deal metrics by owner; sales, new
customers, deals and feedback by month; lost customers and lost deals by reason/competitor.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from custdesk.domain.customer_state import CustomerState, bridge, classify
from custdesk.domain.metric_values import MetricValue, count, money, pct
from custdesk.domain.metrics_all import Inputs, assemble, spend_by_channel
from custdesk.domain.metrics_deals import DealTotals, deal_metrics, deal_metrics_from_totals
from custdesk.domain.metrics_feedback import FeedbackTotals, feedback_metrics
from custdesk.domain.metrics_sales import DiscountTotals, SalesTotals, sales_metrics
from custdesk.domain.periods import Period, month_key
from custdesk.domain.records import StageKind
from custdesk.domain.text import name_key
from custdesk.storage import queries
from custdesk.storage import queries_deals as qd
from custdesk.storage import queries_feedback as qf
from custdesk.storage import queries_records as rec
from custdesk.storage.database import Store

NONE_GROUP = "(none)"
Groups = dict[str, dict[str, MetricValue]]


def breakdown(store: Store, inputs: Inputs, period: Period, by: str, *,
              feedback: dict[tuple[str, str], FeedbackTotals] | None = None,
              deals: dict[tuple[str, str], DealTotals] | None = None,
              discounts: dict[str, DiscountTotals] | None = None) -> Groups:
    """group -> metric id -> value for one breakdown (`feedback`, `deals`, `discounts`:
    the period's feedback, deal and discount sums per segment, keyed as
    `queries_feedback.feedback_totals`, `queries_deals.deal_totals` and
    `queries.discount_totals` key them, when already summed)."""
    if by == "segment" and inputs.segment_tallies is not None:
        return _segments_from_tallies(store, inputs, period, feedback, deals, discounts)
    if by in ("month", "reason") and inputs.tally is not None:
        # summed in SQL: these two need each customer's state
        facts = queries.customer_facts(store, period)
        inputs = replace(inputs, states=classify(facts, period, inputs.settings.window_days))
    if by in _SQL_ONLY:
        return _BUILDERS[by](store, inputs, period)
    if by in _DEAL_GROUPS and not inputs.has_records:
        return _DEAL_GROUPS[by](store, inputs, period)
    if not inputs.has_records and (by != "segment" or inputs.segment_tallies is None):
        # these group the records in Python (the segment breakdown is summed in SQL)
        from custdesk.services.metrics_service import with_records

        inputs = with_records(store, inputs)
    return _BUILDERS[by](store, inputs, period)


def _by_segment(store: Store, inputs: Inputs, period: Period) -> Groups:
    if inputs.segment_tallies is not None:
        return _segments_from_tallies(store, inputs, period)
    members: dict[str, list[CustomerState]] = defaultdict(list)
    for st in inputs.states:
        members[st.facts.segment or NONE_GROUP].append(st)
    orders = queries.orders_count(store, period, by_segment=True)
    discounts = queries.discount_totals(store, period, by_segment=True)
    out: Groups = {}
    for g in sorted(members):
        ids = {st.facts.id for st in members[g]}
        sub = replace(
            inputs, states=members[g],
            orders=orders.get(g, 0), discount=discounts.get(g, DiscountTotals()),
            deals=[d for d in inputs.deals if d.deal.customer_id in ids],
            tickets=[t for t in inputs.tickets if t.customer_id in ids],
            surveys=[s for s in inputs.surveys if s.customer_id in ids])
        out[g] = assemble(sub, period, with_spend=False)
    return out


def _segments_from_tallies(store: Store, inputs: Inputs, period: Period,
                           feedback: dict[tuple[str, str], FeedbackTotals] | None = None,
                           deal_sums: dict[tuple[str, str], DealTotals] | None = None,
                           discounts: dict[str, DiscountTotals] | None = None
                           ) -> Groups:
    """The segment breakdown from the per-segment sums of the SQL path."""
    assert inputs.segment_tallies is not None
    orders = queries.orders_count(store, period, by_segment=True)
    if discounts is None:
        discounts = queries.discount_totals(store, period, by_segment=True)
    if not inputs.has_records:  # deals, tickets and surveys summed per segment in SQL
        if deal_sums is None:
            deal_sums = qd.deal_totals(store, [("", period)], by="segment")
        if feedback is None:
            feedback = qf.feedback_totals(store, [("", period)],
                                          inputs.settings.repeat_contact_days, by="segment")
        return {g: assemble(replace(
            inputs, orders=orders.get(g, 0), tally=inputs.segment_tallies[g],
            discount=discounts.get(g, DiscountTotals()),
            segment_tallies=None, deal_totals=deal_sums.get(("", g), DealTotals()),
            feedback_totals=feedback.get(("", g), FeedbackTotals())), period,
            with_spend=False) for g in sorted(inputs.segment_tallies)}
    seg = rec.record_segments(store)
    deals: defaultdict[str | None, list[Any]] = defaultdict(list)
    tickets: defaultdict[str | None, list[Any]] = defaultdict(list)
    surveys: defaultdict[str | None, list[Any]] = defaultdict(list)
    for d in inputs.deals:
        deals[seg.get(d.deal.customer_id or 0)].append(d)
    for t in inputs.tickets:
        tickets[seg.get(t.customer_id or 0)].append(t)
    for s in inputs.surveys:
        surveys[seg.get(s.customer_id or 0)].append(s)
    out: Groups = {}
    for g in sorted(inputs.segment_tallies):
        sub = replace(inputs, orders=orders.get(g, 0), deals=deals[g], tickets=tickets[g],
                      surveys=surveys[g], tally=inputs.segment_tallies[g],
                      segment_tallies=None, discount=discounts.get(g, DiscountTotals()))
        out[g] = assemble(sub, period, with_spend=False)
    return out


def _sales_groups(store: Store, period: Period, by: str) -> Groups:
    return {g: sales_metrics(t) for g, t in sorted(queries.sales_by(store, period, by).items())}


def _by_product(store: Store, inputs: Inputs, period: Period) -> Groups:
    out = _sales_groups(store, period, "product")
    names = rec.product_names(store)
    deals = defaultdict(list)
    for d in inputs.deals:
        deals[names.get(d.deal.product_id or -1, NONE_GROUP)].append(d)
    for g, items in deals.items():
        out.setdefault(g, {}).update(deal_metrics(items, period,
                                                  inputs.settings.deep_discount_pct))
    return out


def _deal_groups(store: Store, inputs: Inputs, period: Period, by: str) -> Groups:
    """Deal metrics per owner or product summed in SQL (`queries_deals.deal_totals`; every
    group holding a deal, as the records path lists them — tested equal)."""
    sums = qd.deal_totals(store, [("", period)], by=by)
    deep = inputs.settings.deep_discount_pct
    return {g: deal_metrics_from_totals(sums.get(("", g), DealTotals()), deep)
            for g in qd.group_names(store, by)}


def _product_sums(store: Store, inputs: Inputs, period: Period) -> Groups:
    out = _sales_groups(store, period, "product")
    for g, metrics in _deal_groups(store, inputs, period, "product").items():
        out.setdefault(g, {}).update(metrics)
    return out


def _owner_sums(store: Store, inputs: Inputs, period: Period) -> Groups:
    return _deal_groups(store, inputs, period, "owner")


def _by_category(store: Store, inputs: Inputs, period: Period) -> Groups:
    return _sales_groups(store, period, "category")


def _by_owner(store: Store, inputs: Inputs, period: Period) -> Groups:
    deals = defaultdict(list)
    for d in inputs.deals:
        deals[d.deal.owner or NONE_GROUP].append(d)
    return {g: deal_metrics(items, period, inputs.settings.deep_discount_pct)
            for g, items in sorted(deals.items())}


def _by_month(store: Store, inputs: Inputs, period: Period) -> Groups:
    out = _sales_groups(store, period, "month")
    new: defaultdict[str, int] = defaultdict(int)
    for st in inputs.states:
        f = st.facts
        if period.contains(f.acquired):
            new[month_key(f.acquired)] += 1
    s = inputs.settings
    for key in period.months():
        month = Period.month(key)
        sub = Period(max(month.start, period.start), min(month.end, period.end))
        group = out.setdefault(key, sales_metrics(SalesTotals()))
        group["customers_new"] = count(new.get(key, 0))
        group.update(deal_metrics(inputs.deals, sub, s.deep_discount_pct))
        group.update(feedback_metrics(inputs.tickets, inputs.surveys, sub,
                                      s.repeat_contact_days))
    return dict(sorted(out.items()))


def _by_reason(store: Store, inputs: Inputs, period: Period) -> Groups:
    b = bridge((st.facts for st in inputs.states), period, inputs.settings.window_days)
    out: Groups = defaultdict(dict)
    for reason, n in b.lost_by_reason.items():
        out[reason]["customers_lost"] = count(n)
    lost: defaultdict[str, int] = defaultdict(int)
    for d in inputs.deals:
        if d.kind is StageKind.LOST and period.contains(d.closed):
            lost[d.deal.lost_reason or "Not recorded"] += 1
    for reason, n in lost.items():
        out[reason]["deals_lost"] = count(n)
    return dict(sorted(out.items()))


def _by_competitor(store: Store, inputs: Inputs, period: Period) -> Groups:
    """Head to head: deals closed in the period against each competitor (deals name one on
    wins too), won, lost and win_rate_pct = won ÷ (won + lost) over those deals; competitor
    names merged by name key, the first spelling shown."""
    closed: dict[str, dict[StageKind, int]] = defaultdict(lambda: defaultdict(int))
    shown: dict[str, str] = {}
    for d in inputs.deals:
        if d.kind in (StageKind.WON, StageKind.LOST) and period.contains(d.closed):
            name = (d.deal.competitor or "").strip()
            key = name_key(name) if name else ""
            shown.setdefault(key, name or NONE_GROUP)
            closed[key][d.kind] += 1
    out: Groups = {}
    for key, kinds in closed.items():
        won, lost = kinds[StageKind.WON], kinds[StageKind.LOST]
        out[shown[key]] = {"deals_won": count(won), "deals_lost": count(lost),
                           "win_rate_pct": pct(won, won + lost, won + lost)}
    return dict(sorted(out.items()))


def _by_source(store: Store, inputs: Inputs, period: Period) -> Groups:
    """leads_new by the deal's source (sources merged by name key, first spelling shown)."""
    return {g: {"leads_new": count(n)}
            for g, n in sorted(qd.leads_by_source(store, period).items())}


def _by_channel(store: Store, inputs: Inputs, period: Period) -> Groups:
    """spend by channel, for the months the period touches (as `spend`)."""
    return {g: {"spend": money(e4, None)}
            for g, e4 in sorted(spend_by_channel(rec.load_spend(store), period).items())}


_BUILDERS = {"segment": _by_segment, "product": _by_product, "category": _by_category,
             "owner": _by_owner, "month": _by_month, "reason": _by_reason,
             "competitor": _by_competitor, "source": _by_source, "channel": _by_channel}
# need no per-customer state nor records
_SQL_ONLY = frozenset(("source", "channel", "category"))
# deal breakdowns summed in SQL when the inputs hold no records (the records path else)
_DEAL_GROUPS = {"product": _product_sums, "owner": _owner_sums}


# ----- breakdowns `custdesk metrics --by` adds beside the catalogue's (issue 17) ----------
# They need no records nor customer states: each is summed in SQL for the period alone.
# country / region / city: revenue, gross_profit, gross_margin_pct, orders_count,
#   avg_order_value by the order line's ship-to place, else the customer's;
# campaign: customers_new and customers_new_value (customers' campaign; acquired =
#   acquired_on, else first order), leads_new and deals_won (deals' campaign);
# question: nps, csat_pct, would_refer_pct over customer surveys and questionnaires by the
#   question asked (tickets carry no question, so csat_pct here is the surveys' only).
EXTRA_BREAKDOWNS = ("country", "region", "city", "campaign", "question")


def extra_breakdown(store: Store, period: Period, by: str) -> Groups:
    """group -> metric id -> value for one of EXTRA_BREAKDOWNS."""
    if by in ("country", "region", "city"):
        from custdesk.storage.queries_growth_markets import sales_by_place

        return {g: sales_metrics(t) for g, (t, _k) in
                sorted(sales_by_place(store, period, by).items())}
    if by == "campaign":
        return _by_campaign(store, period)
    if by == "question":
        return _by_question(store, period)
    raise ValueError(f"cannot break down by {by!r}; choose from {', '.join(EXTRA_BREAKDOWNS)}")


def _by_campaign(store: Store, period: Period) -> Groups:
    from custdesk.domain.text import name_key
    from custdesk.storage import queries_growth_groups as qgg

    shown: dict[str, str] = {}
    sums: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for spelling, n, revenue in qgg.campaign_customers(store, period):
        group = sums[shown.setdefault(name_key(spelling), spelling.strip())]
        group[0] += n
        group[1] += revenue
    for spelling, created, won in qgg.campaign_deals(store, period):
        group = sums[shown.setdefault(name_key(spelling), spelling.strip())]
        group[2] += created
        group[3] += won
    return {g: {"customers_new": count(n), "customers_new_value": money(r, n),
                "leads_new": count(c), "deals_won": count(w)}
            for g, (n, r, c, w) in sorted(sums.items())}


def _by_question(store: Store, period: Period) -> Groups:
    from custdesk.domain.metric_values import nps, proportion
    from custdesk.storage import queries_growth_groups as qgg

    out: Groups = {}
    for question, t in qgg.question_counts(store, period).items():
        # nps from its three counts (a promoter 10, a passive 7, a detractor 0)
        scores = [10] * t.promoters + [7] * t.passives + [0] * t.detractors
        out[question or "(not recorded)"] = {
            "nps": nps(scores), "csat_pct": proportion(t.csat_good, t.csat_answers),
            "would_refer_pct": proportion(t.refer_yes, t.refer_answers)}
    return dict(sorted(out.items()))
