"""The Customers screen's figures without a catalogue of its own (Qt-free; issue 18).

The tab shows customer cards for the period and the prior period, and per segment four
customer figures (referral, churn and renewal rate, active customers). Every one is a
`tally_metrics` figure of the customer tallies (kept per period: Today's cards sum the
same ones): the cards from `card_metrics` (spend for cac), the segments' as the
catalogue's segment breakdown makes them (`metrics_breakdowns._segments_from_tallies`:
`tally_metrics` of each segment's tally). The catalogue pair with the segment breakdown
summed every ticket, deal and discount of both periods per segment besides, ~1 s of CPU
on a big file that no figure here reads. tests/test_perf_customers_figures.py: equal to
`compute_metrics_and_prior(by=("segment",))`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from custdesk.domain.metric_values import MetricValue
from custdesk.domain.metrics_customers import tally_metrics
from custdesk.domain.periods import Period
from custdesk.services import card_metrics, metrics_service
from custdesk.storage import Store, queries_tally

# the figures the Customers tab shows per segment (`customers.SEGMENT_METRICS`' ids)
SEGMENT_IDS: tuple[str, ...] = ("referral_rate_pct", "churn_rate_pct", "renewal_rate_pct",
                                "customers_active")

# (the period's figures, the prior period's, segment -> the segment's figures)
Figures = tuple[dict[str, MetricValue], dict[str, MetricValue],
                dict[str, dict[str, MetricValue]]]


def cards_and_segments(store: Store, period: Period, ids: Collection[str],
                       then: Callable[[Store], object] | None = None) -> Figures:
    """id -> value of each of `ids` (customer figures) for the period and the prior period
    (as `compute_metrics_and_prior` gives them), and `segment_figures`; `then(connection)`
    on the prior's connection once its figures are made (card_figures_and_prior_then)."""
    now, before, _ = card_metrics.card_figures_and_prior_then(store, period, ids, then)
    return now, before, segment_figures(store, period)


def segment_figures(store: Store, period: Period,
                    ids: tuple[str, ...] = SEGMENT_IDS) -> dict[str, dict[str, MetricValue]]:
    """segment -> metric id -> value of the catalogue's segment breakdown, for the customer
    metrics `ids` only, from the period's customer tallies (kept per period)."""
    window = metrics_service.load_settings(store).window_days
    tallies = queries_tally.customer_tallies(store, period, window) or {}
    out = {}
    for segment in sorted(tallies):
        values = tally_metrics(tallies[segment], with_cac=False)
        out[segment] = {m: values[m] for m in ids}
    return out
