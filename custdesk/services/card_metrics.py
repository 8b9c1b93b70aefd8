"""A few catalogue figures computed alone: what a screen's cards show, not the whole
catalogue (issue 18: Today shows 8 cards, its catalogue pair summed every ticket, discount,
qualified lead and action of the file for both periods).

Each figure is the MetricValue `compute_metrics(store, period).metrics[id]` holds, made
from only the sums it reads, as `assemble` makes it: the customer tallies (kept per
period by `queries_tally`, shared with Growth and Why), the period's order count and spend
when a figure reads them, the deal sums, and the feedback sums — of the surveys alone
unless a figure of the tickets is asked for (those kept per period, shared with the
Feedback screen) (tests/test_perf_card_metrics.py: equal on random files of every kind).
Figures of the discounts and the whole file (qualified leads, actions) are refused: a
screen showing them asks for the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from typing import TypeVar

from custdesk.domain.metric_values import MetricValue
from custdesk.domain.metrics_all import Settings, spend_in
from custdesk.domain.metrics_customers import CustomerTally, tally_metrics
from custdesk.domain.metrics_deals import DealTotals, deal_metrics_from_totals
from custdesk.domain.metrics_feedback import FeedbackTotals, feedback_metrics_from_totals
from custdesk.domain.metrics_sales import SalesTotals, sales_metrics
from custdesk.domain.periods import Period
from custdesk.services.metrics_service import load_settings
from custdesk.storage import queries, queries_tally
from custdesk.storage import queries_deals as qd
from custdesk.storage import queries_feedback as qf
from custdesk.storage import queries_records as rec
from custdesk.storage import queries_why as qw
from custdesk.storage.beside import Once, beside, waited_on_failure
from custdesk.storage.database import Store

T = TypeVar("T")

TALLY_IDS = frozenset(tally_metrics(CustomerTally()))  # cac and ltv:cac read the spend too
SALES_IDS = frozenset(sales_metrics(SalesTotals()))
DEAL_IDS = frozenset(deal_metrics_from_totals(DealTotals(), 0))
# the feedback figures made of survey answers alone (the rest read the tickets)
SURVEY_IDS = frozenset(("nps", "enps", "mystery_shop_avg", "would_refer_pct"))
FEEDBACK_IDS = frozenset(feedback_metrics_from_totals(FeedbackTotals()))
# the tickets' figures that need their whole sums (the repeat-contact window, response and
# resolution hours); csat reads the surveys' answers and the tickets' csat count alone
_TICKET_IDS = FEEDBACK_IDS - SURVEY_IDS - {"csat_pct"}
# ids `assemble` sets after the tally and sales steps without deal or feedback sums
_REFUSED = frozenset(("discount_line_pct_avg", "spend", "leads_qualified", "actions_open",
                      "actions_overdue"))
SUPPORTED = (TALLY_IDS | SALES_IDS | DEAL_IDS | FEEDBACK_IDS) - _REFUSED
_ORDER_IDS = frozenset(("orders_count", "avg_order_value"))  # the period's distinct orders
_SPEND_IDS = frozenset(("cac", "ltv_cac_ratio"))

# the deal and survey sums of the periods asked for, per period key
_Sums = tuple[dict[tuple[str, str], DealTotals] | None,
              dict[tuple[str, str], FeedbackTotals] | None]


def card_figures(store: Store, period: Period, ids: Collection[str]
                 ) -> dict[str, MetricValue]:
    """id -> `compute_metrics(store, period).metrics[id]` for each of `ids` (SUPPORTED)."""
    wanted = _checked(ids)
    settings = load_settings(store)
    sums = _sums(store, period, wanted, settings, with_prior=False)
    return _figures(store, period, wanted, settings, sums, "now")


def card_figures_and_prior_then(store: Store, period: Period, ids: Collection[str],
                                then: Callable[[Store], T] | None = None
                                ) -> tuple[dict[str, MetricValue], dict[str, MetricValue],
                                           T | None]:
    """`card_figures` of `period` and of `period.prior()`, and `then(connection)` (None when
    not given). The prior's figures start at once on a second connection (its customer
    tallies: the longest part) and `then` runs there after them; this connection makes
    both periods' deal and survey sums first (one statement each), then its tallies."""
    wanted = _checked(ids)
    settings = load_settings(store)
    prior = period.prior()
    sums = Once(lambda s: _sums(s, period, wanted, settings, with_prior=True))

    def prior_part(twin: Store) -> tuple[dict[str, MetricValue], T | None]:
        _tally(twin, prior, wanted, settings)  # first: the sums are made meanwhile
        values = _figures(twin, prior, wanted, settings, sums(twin), "prior")
        return values, then(twin) if then is not None else None

    pending = beside(store, prior_part)
    with waited_on_failure(pending):
        now = _figures(store, period, wanted, settings, sums(store), "now")
    before, extra = pending.result()
    return now, before, extra


def card_figures_then(store: Store, period: Period, ids: Collection[str],
                      then: Callable[[Store], T] | None = None
                      ) -> tuple[dict[str, MetricValue], T | None]:
    """`card_figures` of `period` alone, its customer tallies (the longest part) on a second
    connection while this one makes the deal and survey sums and then `then(store)` (None
    when not given): the first stage of a screen drawn in two (Today's cards). What it
    computes is kept as `card_figures_and_prior_then` asks for it, so the whole screen
    after it sums none of it again."""
    wanted = _checked(ids)
    settings = load_settings(store)
    tally = beside(store, lambda twin: _tally(twin, period, wanted, settings))
    with waited_on_failure(tally):
        sums = _sums(store, period, wanted, settings, with_prior=True)
        extra = then(store) if then is not None else None
    tally.result()  # kept: `_figures` reads it from memory
    return _figures(store, period, wanted, settings, sums, "now"), extra


def _checked(ids: Collection[str]) -> frozenset[str]:
    unknown = sorted(set(ids) - SUPPORTED)
    if unknown:
        raise ValueError(f"{unknown[0]!r} needs the whole catalogue (compute_metrics)")
    return frozenset(ids)


def _sums(store: Store, period: Period, wanted: frozenset[str], settings: Settings, *,
          with_prior: bool) -> _Sums:
    """The deal sums and feedback sums (the surveys' alone, with the tickets' csat answers
    when csat is wanted, unless another figure of the tickets is) of `period` ("now") and
    its prior ("prior"), each only when a figure reads them. The sums are kept until the
    next write, so they are asked for as others ask: the deal and survey sums of the pair
    even `with_prior` False (Today's, Pipeline's and Lost's deal pair; Today's survey pair:
    one statement for both periods, found when kept), the tickets' per period (the
    Feedback and Why screens')."""
    pair = [("now", period), ("prior", period.prior())]
    deals = qd.deal_totals(store, pair) if wanted & DEAL_IDS else None
    repeat_days = settings.repeat_contact_days
    feedback = None
    if wanted & _TICKET_IDS:
        feedback = qf.feedback_totals(store, pair if with_prior else pair[:1], repeat_days)
    elif wanted & FEEDBACK_IDS:
        feedback = qf.feedback_totals(store, pair, repeat_days, tickets=False)
        if "csat_pct" in wanted:  # the tickets' csat answers counted beside the surveys'
            for key, p in pair if with_prior else pair[:1]:
                good, n = qw.ticket_csat(store, p.start, p.end)
                survey = feedback.get((key, ""), FeedbackTotals())
                feedback[(key, "")] = replace(survey, csat_good=survey.csat_good + good,
                                              csat_n=survey.csat_n + n)
    return deals, feedback


def _tally(store: Store, period: Period, wanted: frozenset[str], settings: Settings
           ) -> CustomerTally | None:
    if not wanted & (TALLY_IDS | SALES_IDS):
        return None
    tallies = queries_tally.customer_tallies(store, period, settings.window_days)
    assert tallies is not None  # any period is served (see customer_tallies)
    return sum(tallies.values(), CustomerTally())


def _figures(store: Store, period: Period, wanted: frozenset[str], settings: Settings,
             sums: _Sums, key: str) -> dict[str, MetricValue]:
    """The figures of `wanted`, each from the step of `assemble` that sets it last
    (feedback, then deals, then sales, then the customer tally)."""
    deals, feedback = sums
    out: dict[str, MetricValue] = {}
    tally = _tally(store, period, wanted, settings)
    if tally is not None:
        spend = (spend_in(rec.load_spend(store), period) if wanted & _SPEND_IDS else None)
        out.update(tally_metrics(tally, spend))
        orders = (queries.orders_count(store, period).get("", 0) if wanted & _ORDER_IDS
                  else 0)
        out.update(sales_metrics(tally.sales(orders)))
    if deals is not None:
        out.update(deal_metrics_from_totals(deals.get((key, ""), DealTotals()),
                                            settings.deep_discount_pct))
    if feedback is not None:
        out.update(feedback_metrics_from_totals(feedback.get((key, ""), FeedbackTotals())))
    return {m: out[m] for m in sorted(wanted)}
