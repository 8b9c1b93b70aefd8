"""The one entry point the UI and the CLI call for numbers (METRICS.md).

Conventions for every result here: money is float currency units (converted from exact e4
integers only when a value is made), percentages 0–100, `None` = cannot be computed ("—").
Heavy aggregation runs in SQL (`custdesk.storage.queries`); the definitions are the pure
functions of `custdesk.domain`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar

from custdesk.domain.customer_state import (
    Bridge,
    CustomerFacts,
    CustomerState,
    SeriesCustomer,
    bridge,
    classify,
    flows_over_periods,
)
from custdesk.domain.metric_catalogue import METRICS, MetricInfo
from custdesk.domain.metric_values import MetricValue, proportion
from custdesk.domain.metrics_all import (
    Inputs,
    Settings,
    assemble,
    lost_days,
    silent_days,
    spend_in,
)
from custdesk.domain.metrics_customers import CustomerTally, tally_metrics
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
from custdesk.domain.metrics_sales import DiscountTotals, SalesTotals, sales_metrics
from custdesk.domain.periods import Period, add_months, month_end, month_key
from custdesk.storage import (
    queries,
    queries_cache,
    queries_deal_months,
    queries_renewal_months,
    queries_series,
    queries_tally,
)
from custdesk.storage import queries_deals as qd
from custdesk.storage import queries_feedback as qf
from custdesk.storage import queries_lists as ql
from custdesk.storage import queries_records as rec
from custdesk.storage.beside import Once, beside, waited_on_failure
from custdesk.storage.database import Store
from custdesk.storage.queries_cache import cached, data_version
from custdesk.storage.repository import set_setting

T = TypeVar("T")

BREAKDOWNS = ("segment", "product", "category", "owner", "month", "reason", "competitor",
              "source", "channel")

__all__ = ["BREAKDOWNS", "METRICS", "MetricInfo", "MetricValue", "MetricsReport", "Period",
           "Bridge", "data_span", "compute_metrics", "compute_metrics_and_prior",
           "compute_metrics_and_prior_then",
           "monthly_series", "customers_bridge",
           "load_settings", "save_settings", "Settings", "load_inputs",
           "set_stage_probability", "set_reasons", "load_reasons"]


@dataclass(frozen=True)
class MetricsReport:
    period: Period
    metrics: dict[str, MetricValue]
    breakdowns: dict[str, dict[str, dict[str, MetricValue]]]


def load_settings(store: Store) -> Settings:
    """The business settings the rules use, from the settings table."""
    window, deep, repeat = rec.settings_values(store)
    return Settings(window, deep, repeat)


def save_settings(store: Store, settings: Settings) -> None:
    """Store the business settings (validated: positive windows, threshold 0–100)."""
    if settings.window_days < 1:
        raise ValueError("the activity window must be at least 1 day")
    if not 1 <= settings.repeat_contact_days <= 365:
        raise ValueError("the repeat-contact window is between 1 and 365 days")
    if not 0 <= settings.deep_discount_pct <= 100:
        raise ValueError("the deep-discount threshold is a percentage between 0 and 100")
    with store.transaction():
        for key, value in (("activity_window_days", settings.window_days),
                           ("deep_discount_pct", settings.deep_discount_pct),
                           ("repeat_contact_days", settings.repeat_contact_days)):
            set_setting(store, key, f"{value:g}")


set_stage_probability = rec.set_stage_probability
set_reasons = rec.set_reasons
load_reasons = rec.load_reasons


def load_deal_infos(store: Store) -> list[DealInfo]:
    return resolve_deals(rec.load_deals(store), rec.load_stages(store), rec.list_prices(store),
                         rec.customer_labels(store, with_deals=True))


def whole_file_inputs(store: Store, period: Period, discount: DiscountTotals | None = None
                      ) -> dict:
    """The `Inputs` fields summed over the whole file in SQL, not per customer: the order
    lines' discounts (`discount`: when the caller has them), leads qualified (stage
    history) and the actions as of `to`."""
    if discount is None:
        discount = queries.discount_totals(store, period).get("", DiscountTotals())
    return {"discount": discount,
            "leads_qualified": qd.leads_qualified(store, period),
            "actions": rec.action_counts(store, period.end.isoformat())}


def customer_extras(store: Store, states: Sequence[CustomerState], period: Period,
                    window: int) -> dict:
    """The per-customer `Inputs` fields of the facts path, in SQL: the customers lost in
    the period without a word, and the new customers' first orders."""
    new = [st.facts.id for st in states if st.flow.new]
    return {"silent_lost": frozenset(queries.silent_lost(
                store, silent_days(states, period, window), window)),
            "first_orders": queries.first_orders(store, new, period.end)}


def load_inputs(store: Store, period: Period, settings: Settings | None = None,
                facts: Sequence[CustomerFacts] | None = None, *,
                records: bool = True) -> Inputs:
    """Everything `assemble` needs for `period`, with order lines aggregated in SQL; with
    `records=False` deals, tickets and surveys come as SQL sums too (no records)."""
    settings = settings or load_settings(store)
    facts = facts if facts is not None else queries.customer_facts(store, period)
    states = classify(facts, period, settings.window_days)
    extras = {**customer_extras(store, states, period, settings.window_days),
              **whole_file_inputs(store, period)}
    if not records:
        return Inputs(states, queries.orders_count(store, period).get("", 0),
                      queries.lost_values(store, lost_days(states, period),
                                          settings.window_days),
                      spend_in(rec.load_spend(store), period), (), (), (), settings,
                      deal_totals=qd.period_totals(store, period),
                      feedback_totals=qf.period_totals(store, period,
                                                       settings.repeat_contact_days),
                      **extras)
    return Inputs(states, queries.orders_count(store, period).get("", 0),
                  queries.lost_values(store, lost_days(states, period), settings.window_days),
                  spend_in(rec.load_spend(store), period), load_deal_infos(store),
                  rec.load_tickets(store), rec.load_surveys(store), settings, **extras)


def tally_inputs(store: Store, period: Period, settings: Settings | None = None, *,
                 feedback: FeedbackTotals | None = None,
                 deals: DealTotals | None = None,
                 discount: DiscountTotals | None = None,
                 whole: dict | None = None) -> Inputs | None:
    """The same inputs with the customers summed per segment in SQL (`Inputs.tally`), no
    per-customer objects; None for periods the summary cannot serve (orders after `to`).
    `feedback`, `deals`, `discount`, `whole` (`whole_file_inputs`): the period's sums when
    the caller has them."""
    settings = settings or load_settings(store)
    tallies = queries_tally.customer_tallies(store, period, settings.window_days)
    if tallies is None:
        return None
    # deals, tickets and surveys summed in SQL too (no records: `Inputs.has_records`)
    return Inputs((), queries.orders_count(store, period).get("", 0), {},
                  spend_in(rec.load_spend(store), period), (), (), (), settings,
                  tally=sum(tallies.values(), CustomerTally()), segment_tallies=tallies,
                  deal_totals=deals if deals is not None else qd.period_totals(store, period),
                  feedback_totals=feedback if feedback is not None else qf.period_totals(
                      store, period, settings.repeat_contact_days),
                  **(whole if whole is not None else whole_file_inputs(store, period, discount)))


def with_records(store: Store, inputs: Inputs) -> Inputs:
    """The inputs with deals, tickets and surveys loaded as records (breakdowns that
    group them in Python); unchanged when they already hold them."""
    if inputs.has_records:
        return inputs
    return replace(inputs, deals=load_deal_infos(store), tickets=rec.load_tickets(store),
                   surveys=rec.load_surveys(store), deal_totals=None, feedback_totals=None)


def data_span(store: Store) -> Period | None:
    """The whole span of the data (the default period); None when the database is empty."""
    return queries.data_span(store)


def compute_metrics(store: Store, period: Period, by: Sequence[str] = ()) -> MetricsReport:
    """Every metric of the catalogue for `period`, plus the requested breakdowns.

    Kept until the next write (`queries_cache`, among the small results). `custdesk
    metrics` and the screens' reference builds ask for it; a screen showing a few figures
    asks `card_metrics` for them alone (Today, Customers, New, Scorecard's evidence): the
    whole catalogue sums every ticket, discount, qualified lead and action of the file
    besides."""
    _check_breakdowns(by)
    return _copy(cached(store, ("catalogue", period, tuple(by)),
                        lambda: _catalogue(store, period, by, load_settings(store)),
                        small=True))


def _copy(report: MetricsReport) -> MetricsReport:
    """The report with dicts of its own (the cached one is shared; values are frozen)."""
    return MetricsReport(report.period, dict(report.metrics),
                         {b: {g: dict(values) for g, values in groups.items()}
                          for b, groups in report.breakdowns.items()})


def compute_metrics_and_prior(store: Store, period: Period, by: Sequence[str] = ()
                              ) -> tuple[MetricsReport, MetricsReport]:
    """`compute_metrics(store, period, by)` and `compute_metrics(store, period.prior())`
    — the cards and their comparison — with both periods' feedback and deal sums from one
    statement each (the tickets read and their repeat window run once, the deals resolved
    once) instead of one per period (tests/test_perf_catalogue_one_pass.py: equal)."""
    now, prior, _ = compute_metrics_and_prior_then(store, period, by)
    return now, prior


def compute_metrics_and_prior_then(store: Store, period: Period, by: Sequence[str] = (),
                                   then: Callable[[Store], T] | None = None
                                   ) -> tuple[MetricsReport, MetricsReport, T | None]:
    """`compute_metrics_and_prior`, and `then(connection)` (None when not given): run on
    the prior period's second connection once its catalogue is done, so a screen's own
    part that would wait for a core behind its lists runs on the core the prior frees
    (Today's trends, in `today.build_reference`); on `store` when the pair is kept from an
    earlier call."""
    _check_breakdowns(by)
    done: list[T | None] = []

    def compute() -> tuple[MetricsReport, MetricsReport]:
        now, prior, extra = _catalogue_and_prior(store, period, by, then)
        done.append(extra)
        return now, prior

    now, prior = cached(store, ("catalogue and prior", period, tuple(by)), compute,
                        small=True)
    extra = done[0] if done else then(store) if then is not None else None
    return _copy(now), _copy(prior), extra


class _SumsOnce:
    """Both periods' feedback and deal sums, computed once by whichever connection asks
    first (the other waits for them): the prior period's catalogue starts at once on its
    own connection and asks only after its customer tallies, by when the caller's
    connection has them."""

    def __init__(self, periods: list[tuple[str, Period]], repeat_days: int,
                 grouping: str | None) -> None:
        self._once = Once(lambda store: (
            qf.feedback_totals(store, periods, repeat_days, by=grouping),
            qd.deal_totals(store, periods, by=grouping)))

    def __call__(self, store: Store) -> tuple[dict, dict]:
        return self._once(store)

    def of(self, store: Store, key: str) -> _Sums:
        """The sums of the period named `key` ("now", "prior") per ("", group)."""
        feedback, deals = self(store)
        return ({("", g): v for (k, g), v in feedback.items() if k == key},
                {("", g): v for (k, g), v in deals.items() if k == key})


def _catalogue_and_prior(store: Store, period: Period, by: Sequence[str],
                         then: Callable[[Store], T] | None = None
                         ) -> tuple[MetricsReport, MetricsReport, T | None]:
    version = data_version(store)  # what the reports are computed from (see the seeds)
    settings = load_settings(store)
    prior = period.prior()
    grouping = "segment+total" if "segment" in by else None
    sums = _SumsOnce([("now", period), ("prior", prior)], settings.repeat_contact_days,
                     grouping)

    def prior_part(twin: Store) -> tuple[MetricsReport, T | None]:
        report = _catalogue(twin, prior, (), settings, lambda: sums.of(twin, "prior"))
        return report, then(twin) if then is not None else None

    # the prior period's catalogue on a second connection from the start (storage/beside.py)
    # while the sums (its own ask for them after its tallies) and this period's are made here
    pending = beside(store, prior_part)
    with waited_on_failure(pending):
        sums(store)
        now = _catalogue(store, period, by, settings, sums.of(store, "now"))
    before, extra = pending.result()
    # the same reports under compute_metrics' keys: a later call asking for one of them
    # alone finds it instead of computing it again
    # (never when another connection wrote meanwhile: they may hold figures of both states)
    queries_cache.seed(store, ("catalogue", period, tuple(by)), now, version, small=True)
    queries_cache.seed(store, ("catalogue", prior, ()), before, version, small=True)
    return now, before, extra


# the period's feedback and deal sums per ("", group), the file's under ("", "")
_Sums = tuple[dict[tuple[str, str], FeedbackTotals], dict[tuple[str, str], DealTotals]]


def _check_breakdowns(by: Sequence[str]) -> None:
    unknown = [b for b in by if b not in BREAKDOWNS]
    if unknown:
        raise ValueError(f"cannot break down by {unknown[0]!r}; "
                         f"choose from {', '.join(BREAKDOWNS)}")


def _catalogue(store: Store, period: Period, by: Sequence[str], settings: Settings,
               sums: _Sums | Callable[[], _Sums] | None = None) -> MetricsReport:
    """`compute_metrics`, given the period's feedback and deal sums when the caller has
    them (per segment too when `by` has the segment breakdown), or a call giving them:
    made after the customer tallies."""
    from custdesk.services.metrics_breakdowns import breakdown

    segments = "segment" in by
    # the parts that need nothing of each other on second connections (storage/beside.py)
    # while the customer tallies are summed here: the feedback and deal sums, and the
    # whole file's (discounts, qualified leads, actions)
    side = None if sums is not None else beside(
        store, lambda twin: _feedback_and_deals(twin, period, settings, segments))
    whole = beside(store, lambda twin: _whole_file(twin, period, segments))
    with waited_on_failure(side, whole):
        queries_tally.customer_tallies(store, period, settings.window_days)  # kept below
        if callable(sums):
            sums = sums()
        plain: tuple[FeedbackTotals, DealTotals] | None = None
        if side is not None:
            grouped, plain = side.result()
            if grouped is not None:
                sums = grouped
    feedback, deal_sums = sums if sums is not None else (None, None)
    discounts, whole_inputs = whole.result()
    inputs = (tally_inputs(store, period, settings,
                           feedback=(feedback.get(("", ""), FeedbackTotals())
                                     if feedback is not None
                                     else plain[0] if plain is not None else None),
                           deals=(deal_sums.get(("", ""), DealTotals())
                                  if deal_sums is not None
                                  else plain[1] if plain is not None else None),
                           whole=whole_inputs)
              or load_inputs(store, period, settings, records=False))
    metrics = assemble(inputs, period)
    return MetricsReport(period, metrics, {b: breakdown(store, inputs, period, b,
                                                        feedback=feedback, deals=deal_sums,
                                                        discounts=discounts)
                                           for b in by})


def _feedback_and_deals(store: Store, period: Period, settings: Settings, segments: bool
                        ) -> tuple[_Sums | None, tuple[FeedbackTotals, DealTotals] | None]:
    """The period's feedback and deal sums: with the segment breakdown the file's and each
    segment's from one pass over the tickets and surveys (the repeat-contact window runs
    once) and one over the deals (first); else the file's alone (second)."""
    if segments:
        return ((qf.feedback_totals(store, [("", period)], settings.repeat_contact_days,
                                    by="segment+total"),
                 qd.deal_totals(store, [("", period)], by="segment+total")), None)
    return None, (qf.period_totals(store, period, settings.repeat_contact_days),
                  qd.period_totals(store, period))


def _whole_file(store: Store, period: Period, segments: bool
                ) -> tuple[dict[str, DiscountTotals] | None, dict]:
    """(the discount sums of the file and each segment — one pass over the period's lines
    — with the segment breakdown, else None; `whole_file_inputs`)."""
    discounts = queries.discount_totals_with_total(store, period) if segments else None
    if segments:
        # kept: the breakdown finds the count by segment, and `tally_inputs` the file's
        # once the lanes meet (made there, it ran alone on one core while the other waited)
        queries.orders_counts(store, period)
    return discounts, whole_file_inputs(
        store, period, None if discounts is None else discounts.get("", DiscountTotals()))


def feedback_figures(store: Store, period: Period) -> dict[str, MetricValue]:
    """The catalogue's feedback metrics for `period` (what `compute_metrics` returns for
    them) from the feedback sums alone: a screen showing only these skips the customer,
    deal and whole-file sums of a whole catalogue."""
    repeat_days = load_settings(store).repeat_contact_days
    return feedback_metrics_from_totals(cached(
        store, ("feedback sums", period, repeat_days),
        lambda: qf.period_totals(store, period, repeat_days), small=True))


def feedback_report(store: Store, period: Period) -> MetricsReport:
    """`compute_metrics(store, period, by=("segment",))` cut to what the Feedback screen
    reads: the feedback metrics, and per segment its customer metrics (new customers,
    referral rate …) and feedback metrics — from the customer tallies and one pass of
    feedback sums, without the deal, discount, order-count and whole-file sums of a whole
    catalogue (tests/test_perf_catalogue_margins.py: equal)."""
    version = data_version(store)  # what the prior sums are computed from (the seed)
    settings = load_settings(store)
    tallies = queries_tally.customer_tallies(store, period, settings.window_days)
    assert tallies is not None  # any period is served (see customer_tallies)
    # the prior period's file sums from the same statement (the tickets read and their
    # repeat window run once), kept for `feedback_figures`: the screen's cards compare
    # with them
    repeat_days = settings.repeat_contact_days
    prior = period.prior()
    sums = qf.feedback_totals(store, [("", period), ("prior", prior)], repeat_days,
                              by="segment+total")
    queries_cache.seed(store, ("feedback sums", prior, repeat_days),
                       sums.get(("prior", ""), FeedbackTotals()), version, small=True)
    spend = spend_in(rec.load_spend(store), period)  # as a breakdown's groups get it
    groups = {}
    for g in sorted(tallies):
        values = {m: v for m, v in tally_metrics(tallies[g], spend, with_cac=False).items()
                  if m in _CUSTOMER_SALES_IDS}
        values.update(feedback_metrics_from_totals(sums.get(("", g), FeedbackTotals())))
        groups[g] = values
    return MetricsReport(period, feedback_metrics_from_totals(
        sums.get(("", ""), FeedbackTotals())), {"segment": groups})


def sales_report(store: Store, period: Period, ids: Sequence[str],
                 by: Sequence[str] = ()) -> MetricsReport:
    """`compute_metrics(store, period, by)` cut to customer and sales metric `ids` and the
    sales figures of the breakdowns (revenue, gross profit, margin, orders by segment,
    product or category): the customer tallies, order counts, spend and sales groups
    alone — none of the deal, ticket, survey or whole-file sums a whole catalogue adds,
    which these figures never read (tests/test_perf_catalogue_margins.py: equal)."""
    unknown = [m for m in ids if m not in _CUSTOMER_SALES_IDS]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a customer or sales metric")
    unknown = [b for b in by if b not in ("segment", "product", "category")]
    if unknown:
        raise ValueError(f"no sales breakdown by {unknown[0]!r}")
    settings = load_settings(store)
    tallies = queries_tally.customer_tallies(store, period, settings.window_days)
    assert tallies is not None  # any period is served (see customer_tallies)
    tally = sum(tallies.values(), CustomerTally())
    # assemble's first two steps, the only ones that set these ids
    values = tally_metrics(tally, spend_in(rec.load_spend(store), period))
    values.update(sales_metrics(tally.sales(queries.orders_count(store, period).get("", 0))))
    groups: dict[str, dict[str, dict[str, MetricValue]]] = {}
    for b in by:
        if b == "segment":
            orders = queries.orders_count(store, period, by_segment=True)
            groups[b] = {g: sales_metrics(tallies[g].sales(orders.get(g, 0)))
                         for g in sorted(tallies)}
        else:
            groups[b] = sales_groups(store, period, b)
    return MetricsReport(period, {m: values[m] for m in ids}, groups)


def sales_groups(store: Store, period: Period, by: str) -> dict[str, dict[str, MetricValue]]:
    """The sales figures per product or category (`sales_report`'s breakdown `by`), by
    name: a screen can ask for one breakdown on a second connection."""
    return {g: sales_metrics(t) for g, t in sorted(queries.sales_by(store, period, by).items())}


def customers_bridge(store: Store, period: Period) -> Bridge:
    """start + new + won back − lost = end, lost by reason, and the money in and out."""
    settings = load_settings(store)
    by_reason = queries_tally.customer_tallies(store, period, settings.window_days,
                                               by="lost_reason")
    if by_reason is not None:  # summed in SQL (tested equal to `bridge` below)
        t = sum(by_reason.values(), CustomerTally())
        return Bridge(t.start, t.new, t.won_back, t.lost, t.end,
                      {r: g.lost for r, g in by_reason.items() if r and g.lost},
                      t.new_e4 / 10_000, t.lost_e4 / 10_000)
    facts = queries.customer_facts(store, period)
    days = lost_days(classify(facts, period, settings.window_days), period)
    return bridge(facts, period, settings.window_days,
                  queries.lost_values(store, days, settings.window_days))


def _month_periods(months: int, end: date) -> list[tuple[str, Period]]:
    first = date(end.year, end.month, 1)
    out = []
    for back in range(months - 1, -1, -1):
        start = add_months(first, -back)
        out.append((month_key(start), Period(start, min(month_end(start), end))))
    return out


_SALES_IDS = frozenset(sales_metrics(SalesTotals()))
# ids `assemble` takes from the customer tally and the sales sums alone (ids a later step
# of `assemble` sets — discount, whole-file, deal, feedback — left out)
_CUSTOMER_SALES_IDS = (frozenset(tally_metrics(CustomerTally())) | _SALES_IDS) - frozenset(
    ("discount_line_pct_avg", "spend", "leads_qualified", "actions_open", "actions_overdue",
     *deal_metrics_from_totals(DealTotals(), 0), *feedback_metrics_from_totals(
         FeedbackTotals())))
# customer metrics made only of the bridge counts: one pass over months (flows_over_periods)
_SURVEY_IDS = frozenset(("nps", "enps", "mystery_shop_avg", "would_refer_pct"))  # no ticket
_FLOW_IDS = frozenset(("customers_start", "customers_active", "customers_won_back",
                       "customers_lost", "retention_rate_pct", "churn_rate_pct"))


def _series_customers(store: Store, end: date) -> list[SeriesCustomer]:
    """Each customer's acquisition, loss marks and order days up to `end` (ordinals)."""
    facts = ql.customer_states(store, end)
    ordinal: dict[str, int] = {}
    days = {cid: [ordinal.get(d) or ordinal.setdefault(d, date.fromisoformat(d).toordinal())
                  for d in texts] for cid, texts in ql.order_day_texts(store, end)}
    return [SeriesCustomer(f.acquired.toordinal(),
                           f.lost_on.toordinal() if f.lost_on is not None else None,
                           f.status == "lost", days.get(f.id, ())) for f in facts]


def monthly_series(store: Store, metric_id: str, months: int,
                   end: date) -> list[tuple[str, float | None]]:
    """("YYYY-MM", value) for the `months` months ending with end's month (sparklines).

    Each month is computed as the period "that month" (the last one up to `end`).
    Sales, deals, feedback, renewals, new customers and the bridge's counts come from one
    grouped query each (`monthly_series_reference` keeps the Python path for the last
    two, and revenue from every sales sum: here the month index's revenue alone); other
    customer metrics need each month's own catalogue.
    """
    if metric_id not in METRICS:
        raise ValueError(f"unknown metric {metric_id!r}")
    periods = _month_periods(months, end)
    span = Period(periods[0][1].start, end)
    settings = load_settings(store)
    if metric_id == "revenue":  # the revenue alone: the month index, no sort
        revenue = queries_series.revenue_by_month(store, periods)
        return [(key, sales_metrics(SalesTotals(revenue_e4=revenue.get(key, 0)))
                 [metric_id].value) for key, _ in periods]
    if metric_id in _SALES_IDS:
        return _sales_series(store, metric_id, periods, span)
    probe = Period(end, end)
    if metric_id in deal_metrics([], probe, 0):  # one grouped query over the months
        deal_sums = _deal_series(store, periods, decided=metric_id in _DECIDED_DEAL_IDS)
        return [(key, deal_metrics_from_totals(deal_sums.get((key, ""), DealTotals()),
                                               settings.deep_discount_pct)[metric_id].value)
                for key, _ in periods]
    if metric_id in feedback_metrics([], [], probe, 0):
        sums = qf.feedback_totals(store, periods, settings.repeat_contact_days,
                                  tickets=metric_id not in _SURVEY_IDS)
        return [(key, feedback_metrics_from_totals(sums.get((key, ""), FeedbackTotals()))
                 [metric_id].value) for key, _ in periods]
    if metric_id == "renewal_rate_pct":
        renewals = queries_renewal_months.renewals_by_month(store, periods)
        return [(key, proportion(*renewals.get(key, (0, 0))).value) for key, _ in periods]
    if metric_id == "customers_new":  # counted per acquisition day in SQL
        new = queries_series.new_customers(store, periods)
        return [(key, float(new.get(key, 0))) for key, _ in periods]
    if metric_id in _FLOW_IDS:  # the month bridge in one statement
        counts = queries_series.month_flows(store, [p for _, p in periods],
                                            settings.window_days)
        return _flow_values(metric_id, periods, counts)
    return _catalogue_per_month(store, metric_id, periods, settings)


def _sales_series(store: Store, metric_id: str, periods: Sequence[tuple[str, Period]],
                  span: Period) -> list[tuple[str, float | None]]:
    """A sales figure per month from every sales sum of the months (`queries.sales_by`,
    kept: Margins' trends read the same months)."""
    sales = queries.sales_by(store, span, "month")
    return [(key, sales_metrics(sales.get(key, SalesTotals()))[metric_id].value)
            for key, _ in periods]


# The last monthly deal sums per store, until the next write: Today draws two deal series
# (win rate, discount) of the same months, one grouped query. One slot of its own, not the
# shared per-store cache, whose few entries hold the big per-customer results.
_deal_series_lock = threading.Lock()
_deal_series_last: weakref.WeakKeyDictionary[Store, tuple[object, dict]] = (
    weakref.WeakKeyDictionary())


# deal metrics made of the decided deals' sums alone (`queries_deal_months.DECIDED_FIELDS`):
# their series skip the open deals, which `deal_totals` resolves once per month
_DECIDED_DEAL_IDS = frozenset(("deals_won", "deals_lost", "win_rate_pct", "win_rate_value_pct",
                               "discount_pct_avg", "deep_discount_share_pct"))


def _deal_series(store: Store, periods: list[tuple[str, Period]], *, decided: bool = False
                 ) -> dict[tuple[str, str], DealTotals]:
    """The months' deal sums: `decided` only the won and lost deals' (the other fields 0)."""
    key = (tuple(periods), decided, data_version(store))
    with _deal_series_lock:
        found = _deal_series_last.get(store)
    if found is not None and found[0] == key:
        return found[1]
    sums = (queries_deal_months.decided_totals(store, periods) if decided
            else qd.deal_totals(store, periods))
    if data_version(store) == key[2]:  # nothing written meanwhile
        with _deal_series_lock:
            _deal_series_last[store] = (key, sums)
    return sums


def _flow_values(metric_id: str, periods: Sequence[tuple[str, Period]],
                 counts: Sequence[Sequence[int]]) -> list[tuple[str, float | None]]:
    return [(key, tally_metrics(CustomerTally(start=c[0], new=c[1], won_back=c[2],
                                              end=c[3], lost=c[4], retained=c[5]),
                                with_cac=False)[metric_id].value)
            for (key, _), c in zip(periods, counts, strict=True)]


def monthly_series_reference(store: Store, metric_id: str, months: int,
                             end: date) -> list[tuple[str, float | None]]:
    """`monthly_series` the slow way, kept as the reference its SQL is tested against:
    revenue from every sales sum of the months, new customers counted from the span's
    facts, the bridge walked per customer in Python (`flows_over_periods`); other metrics
    as `monthly_series`."""
    periods = _month_periods(months, end)
    settings = load_settings(store)
    if metric_id == "revenue":
        return _sales_series(store, metric_id, periods, Period(periods[0][1].start, end))
    if metric_id == "customers_new":
        facts = queries.customer_facts(store, Period(periods[0][1].start, end))
        return [(key, float(sum(1 for f in facts if p.contains(f.acquired))))
                for key, p in periods]
    if metric_id in _FLOW_IDS:
        counts = flows_over_periods(_series_customers(store, end), [p for _, p in periods],
                                    settings.window_days)
        return _flow_values(metric_id, periods, counts)
    return monthly_series(store, metric_id, months, end)


def _catalogue_per_month(store: Store, metric_id: str, periods: Sequence[tuple[str, Period]],
                         settings: Settings) -> list[tuple[str, float | None]]:
    """A customer metric no grouped query serves yet: each month's own catalogue."""
    spend = rec.load_spend(store)
    out = []
    for key, period in periods:
        states = classify(queries.customer_facts(store, period), period, settings.window_days)
        lost = (queries.lost_values(store, lost_days(states, period), settings.window_days)
                if metric_id.startswith("customers_lost") else {})
        extras = (customer_extras(store, states, period, settings.window_days)
                  if metric_id in _EXTRA_CUSTOMER_IDS else {})
        if metric_id in _WHOLE_FILE_IDS:
            extras.update(whole_file_inputs(store, period))
        # deal and feedback metrics were answered above: none of their records needed
        inputs = Inputs(states, queries.orders_count(store, period).get("", 0), lost,
                        spend_in(spend, period), (), (), (), settings, **extras)
        out.append((key, assemble(inputs, period)[metric_id].value))
    return out


_EXTRA_CUSTOMER_IDS = frozenset(("lost_silent_pct", "new_first_order_avg",
                                 "new_repeat_90d_pct"))
_WHOLE_FILE_IDS = frozenset(("discount_line_pct_avg", "leads_qualified", "actions_open",
                             "actions_overdue"))


# The lists live in their own module (size); imported last because they use the loaders
# above. Callers import everything from here.
from custdesk.domain.sales_plan import PlanMonth  # noqa: E402
from custdesk.services.metrics_lists import (  # noqa: E402
    AtRisk,
    CustomerRow,
    CustomerStory,
    DealRow,
    Detractor,
    at_risk,
    customer_rows,
    customer_story,
    detractors,
    group_movement,
    hot_prospects,
    lost_deals,
    nps_recent_days,
    profitability_groups,
    slipped_deals,
    stale_deals,
)

__all__ += ["AtRisk", "CustomerRow", "CustomerStory", "DealRow", "Detractor", "PlanMonth",
            "at_risk", "customer_rows", "customer_story", "detractors", "group_movement",
            "hot_prospects", "lost_deals", "profitability_groups", "stale_deals",
            "slipped_deals", "nps_recent_days"]
