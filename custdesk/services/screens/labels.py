"""One name per number: the label and explanation of every figure a screen shows (Qt-free).

Catalogue metrics (METRICS.md) take their label from `domain/metric_catalogue.py`, on
cards, trends, tables, printouts and exports alike. A figure of a screen's own (not in the
catalogue) gets its own, distinct name and explanation here — never a catalogue label, so
one name never carries two meanings ("Renewal rate" 87.5 % over a year beside "Renewal
rate" 24.8 % month on month).
"""

from __future__ import annotations

from custdesk.domain.metric_catalogue import METRICS, MetricInfo
from custdesk.services import pipeline_service

# The renewal rate of each calendar month against the month before: the catalogue's
# definition applied to one-month periods, a much lower number than the period's.
MONTHLY_RENEWAL = MetricInfo(
    "renewal_rate_monthly_pct", "Month-to-month renewal", "pct", True,
    "Of the customers who ordered in the month before, the share who ordered again in the "
    "month. Lower than the Renewal rate of a longer period: a customer who orders every "
    "two months renews over a year but not from one month to the next.",
    "customers ordering in both the month before and the month ÷ customers ordering in the "
    "month before × 100")

OWN: dict[str, MetricInfo] = {
    MONTHLY_RENEWAL.id: MONTHLY_RENEWAL,
    **pipeline_service.OWN_METRICS,
}
# a series of a screen's own -> the catalogue metric computed for each of its months
SERIES_METRIC: dict[str, str] = {MONTHLY_RENEWAL.id: "renewal_rate_pct"}


def info(figure: str) -> MetricInfo:
    """The label, unit and explanation of a figure id (catalogue or a screen's own)."""
    found = OWN.get(figure) or METRICS.get(figure)
    if found is None:
        raise KeyError(f"no label for figure {figure!r}")
    return found


def label(figure: str) -> str:
    return info(figure).label


def series_metric(series_id: str) -> str:
    """The catalogue metric a monthly series computes for each month."""
    return SERIES_METRIC.get(series_id, series_id)


def deal_title(title: str | None, customer: str | None, deal_id: int | None) -> str:
    """What a deal row is called: its title (else its reference, filled in by the pipeline
    service), else "deal with ACCOUNT", else "deal #12" — never a blank cell."""
    if title and title.strip():
        return title
    if customer and customer.strip():
        return f"deal with {customer}"
    return f"deal #{deal_id}" if deal_id is not None else "deal without a name"
