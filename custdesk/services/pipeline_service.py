"""What the Pipeline and Lost prospects tabs need beyond `metrics_service`.

The open-deals list, open deals by stage, lost value and the share of lost deals with a
reason. Each is built from the same resolved deals (`metrics_service.load_deal_infos`) and
domain rules (`is_open_at`, `lost_reason_share`) as the metrics, so the tabs and the
metric catalogue cannot disagree. Money is float currency units, like every metrics result.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from custdesk.domain.metric_catalogue import MetricInfo
from custdesk.domain.metric_values import MetricValue, money, proportion
from custdesk.domain.metrics_deals import DealInfo, closed_in, is_open_at
from custdesk.domain.periods import Period
from custdesk.domain.records import StageKind
from custdesk.domain.scorecard import lost_reason_share
from custdesk.domain.text import name_key
from custdesk.services import metrics_service  # first: it completes metrics_lists' import
from custdesk.services.metrics_lists import DealRow, deal_row
from custdesk.storage.database import Store
from custdesk.storage.repository import load_stages, table_counts

__all__ = ["StageTotal", "open_deals", "open_by_stage", "lost_figures", "LOST_VALUE",
           "REASON_SHARE", "deal_count",
           "lost_deal_rows"]

LOST_VALUE = MetricInfo(
    "lost_deals_value", "Lost value", "money", False,
    "What the deals lost in the period were worth (deals without an amount add nothing).",
    "Σ amount of deals closed as lost in the period")
REASON_SHARE = MetricInfo(
    "lost_reason_share_pct", "Lost with a reason", "pct", True,
    "Share of the deals lost in the period whose lost reason is filled in: without reasons "
    "you cannot learn why you lose. The 95 % range shown is the Wilson score interval.",
    "lost deals with a reason ÷ deals lost in the period × 100")


@dataclass(frozen=True, slots=True)
class StageTotal:
    """Open deals of one stage as of the period's end."""

    stage: str
    deals: int
    value: float  # Σ amount (deals without one add nothing)
    weighted: float  # Σ amount × probability
    unvalued: int  # deals without an amount


def _open(deals: list[DealInfo], period: Period) -> list[DealInfo]:
    return [d for d in deals if is_open_at(d, period.end)]


def _named(d: DealInfo) -> DealRow:
    """The deal's row; a deal without a title is named by its reference (CRM exports such
    as Maven's pipeline have only an opportunity id)."""
    row = deal_row(d)
    return row if row.title else replace(row, title=d.deal.ref)


def open_deals(store: Store, period: Period) -> list[DealRow]:
    """Deals open as of the period's end (the `deals_open` metric's deals), biggest
    weighted value first."""
    rows = sorted(_open(metrics_service.load_deal_infos(store), period),
                  key=lambda d: (-(d.weighted_e4 or 0), d.deal.id or 0))
    return [_named(d) for d in rows]


def lost_deal_rows(store: Store, period: Period) -> list[DealRow]:
    """`metrics_service.lost_deals` (deals lost in the period, newest first), untitled deals
    named by their reference as in `open_deals`."""
    refs = {d.deal.id: d.deal.ref for d in metrics_service.load_deal_infos(store)
            if not d.deal.title}
    return [r if r.title else replace(r, title=refs.get(r.id))
            for r in metrics_service.lost_deals(store, period)]


def open_by_stage(store: Store, period: Period) -> list[StageTotal]:
    """Open deals per stage in the catalogue's order (imported stages not in it last).

    A deal counts under its current stage, also when it was closed after the period's end
    (it was open then); every stage of the catalogue that can hold open deals is listed,
    empty ones with zeros, so the funnel keeps its shape.
    """
    open_ = _open(metrics_service.load_deal_infos(store), period)
    names = [s.name for s in load_stages(store) if s.kind is StageKind.OPEN]
    keys = {name_key(n): n for n in names}
    groups: dict[str, list[DealInfo]] = {n: [] for n in names}
    for d in open_:
        groups.setdefault(keys.get(name_key(d.deal.stage), d.deal.stage), []).append(d)
    return [StageTotal(stage, len(items),
                       sum(d.deal.amount_e4 or 0 for d in items) / 10_000,
                       sum(d.weighted_e4 or 0 for d in items) / 10_000,
                       sum(1 for d in items if d.deal.amount_e4 is None))
            for stage, items in groups.items()]


def lost_figures(store: Store, period: Period) -> dict[str, MetricValue]:
    """`lost_deals_value` and `lost_reason_share_pct` (with n and interval) for the period."""
    lost = closed_in(metrics_service.load_deal_infos(store), period, StageKind.LOST)
    valued = [d.deal.amount_e4 for d in lost if d.deal.amount_e4 is not None]
    k, n = lost_reason_share(d.deal.lost_reason for d in lost)
    return {LOST_VALUE.id: money(sum(valued), len(valued)),
            REASON_SHARE.id: proportion(k, n)}


def deal_count(store: Store) -> int:
    """How many deals the file holds (0: the deal tabs show their import invitation)."""
    return table_counts(store).get("deals", 0)
