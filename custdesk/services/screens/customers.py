"""The Customers screen: every customer, and customers in and out of one period (Qt-free).

Tables: the customer list (totals up to the period's end), the bridge (start + new + won
back − lost = end) as waterfall steps, lost customers by reason, and referral, churn,
renewal and active by segment. Cards: the bridge counts and the customer rates against the
prior period. Series: the monthly renewal rate. The Customers tab draws exactly this, and
`custdesk screen customers --json` prints it.
"""

from __future__ import annotations

from typing import Any

from custdesk.domain.customer_state import Bridge
from custdesk.domain.metric_values import MetricValue
from custdesk.domain.periods import Period
from custdesk.services import metrics_service
from custdesk.services.screens import honest, labels
from custdesk.services.screens.labels import MONTHLY_RENEWAL
from custdesk.services.screens.model import Card, Screen, SeriesPoint
from custdesk.services.screens.today import monthly
from custdesk.storage import Store

NAME = "customers"

# the bridge's counts first (in the waterfall's order), then the rates the tab shows
CARDS: tuple[str, ...] = (
    "customers_start", "customers_new", "customers_won_back", "customers_lost",
    "customers_active", "customers_new_value", "customers_lost_value", "customers_lost_pct",
    "retention_rate_pct", "churn_rate_pct", "renewal_rate_pct", "referral_rate_pct", "cac",
    "new_first_order_avg",
)
# (metric, column header) of the by-segment table
SEGMENT_METRICS: tuple[tuple[str, str], ...] = tuple(
    (m, labels.label(m)) for m in ("referral_rate_pct", "churn_rate_pct", "renewal_rate_pct",
                            "customers_active"))
# the month-to-month renewal (labels.py), not the period's renewal rate of the cards
SERIES: tuple[str, ...] = (MONTHLY_RENEWAL.id,)


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True
          ) -> Screen:
    """Everything the Customers tab shows for `period` (the renewal trend too unless
    `with_series` is False); empty when the file holds no customers."""
    if metrics_service.data_span(store) is None:
        return Screen(NAME, period, label, empty=True)
    rows = metrics_service.customer_rows(store, period.end)
    if not rows:
        return Screen(NAME, period, label, empty=True)
    report = metrics_service.compute_metrics(store, period, by=("segment",))
    prior = metrics_service.compute_metrics(store, period.prior()).metrics
    bridge = metrics_service.customers_bridge(store, period)
    cards = {m: Card(m, report.metrics[m], prior.get(m)) for m in CARDS if m in report.metrics}
    segments = report.breakdowns.get("segment", {})
    why: dict[str, str] = {}
    if honest.referral_unknown(
            [cards["referral_rate_pct"].current if "referral_rate_pct" in cards else None,
             *(v.get("referral_rate_pct") for v in segments.values())],
            lambda: honest.sources_recorded(rows)):
        why["referral_rate_pct"] = honest.NO_SOURCES
    tables: dict[str, list[Any]] = {
        "customers": list(rows),
        "bridge": bridge_steps(bridge),
        "lost_by_reason": lost_by_reason(bridge),
        "segments": segment_rows(segments, blank=set(why)),
        **honest.why_table(why),
    }
    screen = honest.finish(Screen(NAME, period, label, cards=honest.blank_cards(cards, why),
                                  tables=tables))
    return screen.with_series(build_series(store, period)) if with_series else screen


def build_series(store: Store, period: Period) -> dict[str, list[SeriesPoint]]:
    """The month-to-month renewal for the 12 calendar months ending with `period.end`'s."""
    return monthly(store, SERIES, period.end)


def bridge_steps(bridge: Bridge) -> list[dict[str, Any]]:
    """The waterfall's steps: `customers` moved at each step, `kind` total/up/down, and the
    revenue that came in with the new and went out with the lost (`value`)."""
    return [
        {"step": "Start", "customers": bridge.start, "kind": "total", "value": None},
        {"step": "New", "customers": bridge.new, "kind": "up", "value": bridge.new_value},
        {"step": "Won back", "customers": bridge.won_back, "kind": "up", "value": None},
        {"step": "Lost", "customers": bridge.lost, "kind": "down", "value": bridge.lost_value},
        {"step": "End", "customers": bridge.end, "kind": "total", "value": None},
    ]


def lost_by_reason(bridge: Bridge) -> list[dict[str, Any]]:
    """Customers lost in the period per reason, most first (the bridge files one without a
    reason under "Not recorded" when marked lost, else "Lapsed")."""
    ranked = sorted(bridge.lost_by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"reason": reason, "customers": count} for reason, count in ranked]


def segment_rows(by_segment: dict[str, dict[str, MetricValue]],
                 blank: frozenset[str] | set[str] = frozenset()) -> list[dict[str, Any]]:
    """One row per segment: its referral, churn and renewal rates and active customers
    (None for the figures in `blank`: the file cannot support them)."""
    return [{"segment": segment,
             **{m: None if m in blank else getattr(values.get(m), "value", None)
                for m, _label in SEGMENT_METRICS}}
            for segment, values in sorted(by_segment.items())]
