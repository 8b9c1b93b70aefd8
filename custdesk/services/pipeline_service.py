"""The deal figures the Pipeline and Lost screens need, from one load of the deals.

A screen loads the resolved deals once (`load_deals`, the same `metrics_service` loader the
metric catalogue uses) and passes them to every function here, instead of each list and
figure reloading them. The rules are the domain's (`deal_metrics`, `is_open_at`,
`closed_in`, `lists.hot`/`stale`/`slipped`, `lost_reason_share`), so the screens and the metric
catalogue cannot disagree. Money is float currency units, like every metrics result.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from custdesk.domain import lists
from custdesk.domain.metric_catalogue import MetricInfo
from custdesk.domain.metric_values import MetricValue, money, proportion
from custdesk.domain.metrics_all import Settings
from custdesk.domain.metrics_deals import (
    DealInfo,
    DealTotals,
    closed_in,
    deal_metrics,
    deal_metrics_from_totals,
    is_open_at,
    resolve_deals,
)
from custdesk.domain.periods import Period
from custdesk.domain.records import StageKind
from custdesk.domain.scorecard import lost_reason_share
from custdesk.domain.text import name_key
from custdesk.services import metrics_service  # first: it completes metrics_lists' import
from custdesk.services.metrics_lists import DealRow, deal_row
from custdesk.storage import queries_deals as qd
from custdesk.storage import queries_records as rec
from custdesk.storage import queries_why as qw
from custdesk.storage.database import Store
from custdesk.storage.queries_cache import cached
from custdesk.storage.repository import load_stages, table_counts

__all__ = ["StageTotal", "load_deals", "deal_figures", "by_owner", "open_deals",
           "screen_deals", "open_screen_deals", "figures_of", "owners_of",
           "figures_and_owners", "stages_in_use",
           "hot_deals", "stale_deals", "slipped_deals", "open_by_stage", "lost_figures",
           "lost_figures_by_reason",
           "lost_deal_rows", "lost_counts", "deal_count", "LOST_VALUE", "REASON_SHARE",
           "OWN_METRICS", "NONE_GROUP", "NOT_RECORDED"]

NONE_GROUP = "(none)"  # the owner breakdown's name for deals without an owner
NOT_RECORDED = "Not recorded"  # lost deals without a reason

LOST_VALUE = MetricInfo(
    "lost_deals_value", "Lost value", "money", False,
    "What the deals lost in the period were worth (deals without an amount add nothing).",
    "Σ amount of deals closed as lost in the period")
REASON_SHARE = MetricInfo(
    "lost_reason_share_pct", "Lost with a reason", "pct", True,
    "Share of the deals lost in the period whose lost reason is filled in: without reasons "
    "you cannot learn why you lose. The 95 % range shown is the Wilson score interval.",
    "lost deals with a reason ÷ deals lost in the period × 100")
# The two figures above are not in the metric catalogue; screens and tabs look them up here.
OWN_METRICS = {LOST_VALUE.id: LOST_VALUE, REASON_SHARE.id: REASON_SHARE}


@dataclass(frozen=True, slots=True)
class StageTotal:
    """Open deals of one stage as of the period's end."""

    stage: str
    deals: int
    value: float  # Σ amount (deals without one add nothing)
    weighted: float  # Σ amount × probability
    unvalued: int  # deals without an amount


def load_deals(store: Store) -> list[DealInfo]:
    """Every deal, resolved (stage kind, probability, customer name): load once per screen.

    Kept per store until the next write (`queries_cache`): a screen asking twice (Today's
    hot and lost lists) reads and resolves the deals once. Callers must not change it."""
    return cached(store, ("deal_infos",), lambda: metrics_service.load_deal_infos(store))


def deal_figures(deals: Sequence[DealInfo], period: Period,
                 settings: Settings) -> dict[str, MetricValue]:
    """The catalogue's deal metrics for `period` (what `compute_metrics` returns for them),
    without computing the customer and sales metrics these screens do not show."""
    return deal_metrics(deals, period, settings.deep_discount_pct)


def by_owner(deals: Sequence[DealInfo], period: Period,
             settings: Settings) -> dict[str, dict[str, MetricValue]]:
    """owner -> deal metrics, like `compute_metrics(by=("owner",))`; no owner: "(none)"."""
    groups: dict[str, list[DealInfo]] = defaultdict(list)
    for d in deals:
        groups[d.deal.owner or NONE_GROUP].append(d)
    return {g: deal_figures(items, period, settings) for g, items in sorted(groups.items())}


def screen_deals(store: Store, period: Period) -> list[DealInfo]:
    """The deals the Pipeline screen's lists and board can show, resolved, by id: those
    open at the period's end and those closed won or lost in it — selected in SQL, so a
    big file's other deals are never loaded (every rule here filters to these anyway)."""
    deals = sorted(qd.open_deals(store, period.end)
                   + qw.closed_deals(store, period.start, period.end),
                   key=lambda d: d.id or 0)
    return resolve_deals(deals, rec.load_stages(store), rec.list_prices(store),
                         qd.customer_labels_of(store, deals))


def open_screen_deals(store: Store, period: Period) -> list[DealInfo]:
    """The deals open at the period's end, resolved, by id: `screen_deals` without the
    deals closed in the period — the board takes those as sums
    (`queries_deals.closed_stage_sums`) and every list keeps open deals only."""
    deals = qd.open_deals(store, period.end)
    return resolve_deals(deals, rec.load_stages(store), rec.list_prices(store),
                         qd.customer_labels_of(store, deals))


def figures_of(store: Store, periods: dict[str, Period],
               settings: Settings) -> dict[str, dict[str, MetricValue]]:
    """`deal_figures` over every deal of the file for each period, summed in SQL in one
    grouped query (`queries_deals.deal_totals`, tested equal to the Python rules)."""
    sums = qd.deal_totals(store, list(periods.items()))
    return {key: deal_metrics_from_totals(sums.get((key, ""), DealTotals()),
                                          settings.deep_discount_pct) for key in periods}


def owners_of(store: Store, period: Period,
              settings: Settings) -> dict[str, dict[str, MetricValue]]:
    """`by_owner` over every deal of the file, summed in SQL: each owner holding a deal,
    sorted; one without deals touching the period gets the empty sums' figures."""
    sums = qd.deal_totals(store, [("", period)], by="owner")
    return {g: deal_metrics_from_totals(sums.get(("", g), DealTotals()),
                                        settings.deep_discount_pct)
            for g in qd.group_names(store, "owner")}


def figures_and_owners(store: Store, periods: dict[str, Period], owners_key: str,
                       settings: Settings
                       ) -> tuple[dict[str, dict[str, MetricValue]],
                                  dict[str, dict[str, MetricValue]]]:
    """(`figures_of(periods)`, `owners_of(periods[owners_key])`) from one pass over the
    deals: the owners' sums of every period, the file's their sum (every deal has an
    owner group), instead of a second statement for the owners."""
    sums = qd.deal_totals(store, list(periods.items()), by="owner+total")
    deep = settings.deep_discount_pct
    figures = {key: deal_metrics_from_totals(sums.get((key, ""), DealTotals()), deep)
               for key in periods}
    owners = {g: deal_metrics_from_totals(sums.get((owners_key, g), DealTotals()), deep)
              for g in qd.group_names(store, "owner")}
    return figures, owners


def stages_in_use(store: Store) -> set[str]:
    """Name keys of the stages any deal of the file is in."""
    return {name_key(n) for n in qd.stage_names_in_use(store) if n}


def _named(d: DealInfo) -> DealRow:
    """The deal's row; a deal without a title is named by its reference (CRM exports such
    as Maven's pipeline have only an opportunity id)."""
    row = deal_row(d)
    return row if row.title else replace(row, title=d.deal.ref)


Named = Callable[[DealInfo], DealRow]


def named_once() -> Named:
    """`_named`, each deal's row made once: one screen lists an open deal up to four times
    (open, hot, stale, slipped: 49k rows for 18k open deals on the big file)."""
    made: dict[int, tuple[DealInfo, DealRow]] = {}

    def named(d: DealInfo) -> DealRow:
        got = made.get(id(d))
        if got is None:  # the deal is kept with its row: its id cannot be reused meanwhile
            got = made[id(d)] = (d, _named(d))
        return got[1]
    return named


def _open(deals: Sequence[DealInfo], period: Period) -> list[DealInfo]:
    return [d for d in deals if is_open_at(d, period.end)]


def open_at_end(deals: Sequence[DealInfo], period: Period) -> list[DealInfo]:
    """The deals open as of the period's end, in their order: every list below gives the
    same rows from these as from all the screen's deals (each keeps only open deals)."""
    return _open(deals, period)


def open_deals(deals: Sequence[DealInfo], period: Period, named: Named = _named
               ) -> list[DealRow]:
    """Deals open as of the period's end (the `deals_open` metric's deals), biggest
    weighted value first."""
    rows = sorted(_open(deals, period), key=lambda d: (-(d.weighted_e4 or 0), d.deal.id or 0))
    return [named(d) for d in rows]


def hot_deals(deals: Sequence[DealInfo], period: Period, named: Named = _named
              ) -> list[DealRow]:
    """The hot prospects as of the period's end (`domain.lists.hot`), by weighted value."""
    return [named(d) for d in lists.hot(deals, period.end)]


def stale_deals(deals: Sequence[DealInfo], period: Period, named: Named = _named
                ) -> list[DealRow]:
    """Open deals without activity for 30 days (`domain.lists.stale`), quietest first."""
    return [named(d) for d in lists.stale(deals, period.end)]


def slipped_deals(deals: Sequence[DealInfo], period: Period, named: Named = _named
                  ) -> list[DealRow]:
    """Open deals expected to close more than 30 days before the period's end
    (`domain.lists.slipped`), longest overdue first."""
    return [named(d) for d in lists.slipped(deals, period.end)]


def open_by_stage(store: Store, deals: Sequence[DealInfo], period: Period) -> list[StageTotal]:
    """Open deals per stage in the catalogue's order (imported stages not in it last).

    A deal counts under its current stage, also when it was closed after the period's end
    (it was open then); every stage of the catalogue that can hold open deals is listed,
    empty ones with zeros, so the funnel keeps its shape.
    """
    names = [s.name for s in load_stages(store) if s.kind is StageKind.OPEN]
    keys = {name_key(n): n for n in names}
    groups: dict[str, list[DealInfo]] = {n: [] for n in names}
    for d in _open(deals, period):
        groups.setdefault(keys.get(name_key(d.deal.stage), d.deal.stage), []).append(d)
    return [StageTotal(stage, len(items),
                       sum(d.deal.amount_e4 or 0 for d in items) / 10_000,
                       sum(d.weighted_e4 or 0 for d in items) / 10_000,
                       sum(1 for d in items if d.deal.amount_e4 is None))
            for stage, items in groups.items()]


def _lost(deals: Sequence[DealInfo], period: Period) -> list[DealInfo]:
    return closed_in(deals, period, StageKind.LOST)


def lost_figures(deals: Sequence[DealInfo], period: Period) -> dict[str, MetricValue]:
    """`lost_deals_value` and `lost_reason_share_pct` (with n and interval) for the period."""
    lost = _lost(deals, period)
    valued = [d.deal.amount_e4 for d in lost if d.deal.amount_e4 is not None]
    k, n = lost_reason_share(d.deal.lost_reason for d in lost)
    return {LOST_VALUE.id: money(sum(valued), len(valued)), REASON_SHARE.id: proportion(k, n)}


def lost_figures_by_reason(sums: Sequence[tuple[str | None, int, int, int]]
                           ) -> dict[str, MetricValue]:
    """`lost_figures` from the lost deals summed per reason as written
    (`queries_deals.lost_sums_by_reason`: reason, deals, deals with an amount, Σ amount
    e4); a reason counts as given by `lost_reason_share`'s rule, once per spelling."""
    k = n = valued = total = 0
    for reason, deals, with_amount, amount_e4 in sums:
        n += deals
        k += deals * lost_reason_share([reason])[0]
        valued += with_amount
        total += amount_e4
    return {LOST_VALUE.id: money(total, valued), REASON_SHARE.id: proportion(k, n)}


def lost_deal_rows(deals: Sequence[DealInfo], period: Period) -> list[DealRow]:
    """Deals closed as lost in the period, newest first (as `metrics_service.lost_deals`),
    untitled deals named by their reference."""
    by_id = sorted(_lost(deals, period), key=lambda d: d.deal.id or 0)
    # a stable sort keeps same-day deals in id order, as the metrics list does
    return [_named(d) for d in sorted(by_id, key=lambda d: d.deal.closed_on or "",
                                      reverse=True)]


def lost_counts(deals: Sequence[DealInfo], period: Period,
                by: str) -> list[tuple[str | None, int]]:
    """(reason or competitor, deals lost in the period), most first then by name.

    `by` is "reason" (a blank reason counts as "Not recorded", a group like any other) or
    "competitor" (a blank one is None and goes last: "nobody named" is not a rival)."""
    field = {"reason": "lost_reason", "competitor": "competitor"}[by]
    counts: Counter[str | None] = Counter()
    for d in _lost(deals, period):
        text = (getattr(d.deal, field) or "").strip() or None
        counts[NOT_RECORDED if text is None and by == "reason" else text] += 1
    named = sorted(((g, n) for g, n in counts.items() if g is not None),
                   key=lambda gn: (-gn[1], gn[0] or ""))
    return named + ([(None, counts[None])] if counts.get(None) else [])


def deal_count(store: Store) -> int:
    """How many deals the file holds (0: the deal screens are empty)."""
    return table_counts(store).get("deals", 0)
