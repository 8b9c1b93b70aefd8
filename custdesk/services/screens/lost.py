"""The Lost prospects screen: which deals did we lose, to whom, and why.

Cards: deals lost, their value, the win rate and the share of lost deals with a reason,
against the prior period (plus deals won and the win rate by value for the export). List:
`lost_deals`, the deals lost in the period, newest first, with product, segment and the
reason detail text (what the tab's search box searches). Tables: `by_reason` (with the lost
value per reason) and `by_competitor`, the lost deals counted per group with their share of
all lost deals (the two bar charts); issue 14's analysis (`domain/deal_analysis`):
`cross_tabs` (reason × product, segment, deal size band, owner), `size_bands` (the
quartiles of the period's closed deal amounts), `head_to_head` (per competitor: won, lost,
values, win rate, top reasons, average discount) and `head_to_head_by_quarter` (the 8
quarters ending with the period's). No monthly series. Qt-free: the tab draws this,
`custdesk screen lost` prints it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

from custdesk.domain import deal_analysis as da
from custdesk.domain.gc_pause import collector_paused
from custdesk.domain.metric_values import MetricValue
from custdesk.domain.metrics_all import Settings
from custdesk.domain.metrics_deals import DealInfo, closed_in, resolve_deals
from custdesk.domain.periods import Period, add_months
from custdesk.domain.records import StageKind
from custdesk.services import metrics_service
from custdesk.services import pipeline_service as ps
from custdesk.services.screens import honest
from custdesk.services.screens.labels import deal_title
from custdesk.services.screens.model import Screen
from custdesk.services.screens.pipeline import cards_of, deal_dict
from custdesk.services.screens.reasons import quarter_start, trend_quarters
from custdesk.storage import Store
from custdesk.storage import queries_deals as qd
from custdesk.storage import queries_records as rec
from custdesk.storage import queries_why as qw
from custdesk.storage.beside import beside

NAME = "lost"
SHOWN = ("deals_lost", "lost_deals_value", "win_rate_pct", "lost_reason_share_pct")
CARD_IDS = (*SHOWN, "deals_won", "win_rate_value_pct")
LISTS = ("lost_deals",)
TABLES = ("by_reason", "by_competitor", "cross_tabs", "size_bands", "head_to_head",
          "head_to_head_by_quarter")
CROSS_DIMENSIONS = ("product", "segment", "size", "owner")
NO_WINS_NAMED = ("Head to head: no deal won in this period names a competitor, so every win "
                 "rate against a rival reads 0 %. Record who you beat on won deals too.")
NO_COMPETITOR = "None named"  # lost deals without a competitor: listed last, not a rival


def group_rows(counts: list[tuple[str | None, int]], key: str,
               total: int) -> list[dict[str, Any]]:
    """{key: group, "deals_lost": n, "share_pct": n ÷ all lost × 100, "named": bool}; a
    group without a name (no competitor) is labelled `NO_COMPETITOR` with named=False."""
    return [{key: NO_COMPETITOR if group is None else group, "deals_lost": n,
             "share_pct": n / total * 100 if total else None, "named": group is not None}
            for group, n in counts]


def empty(period: Period, label: str) -> Screen:
    """No deals in the file: the tab shows its import invitation; the keys stay."""
    return Screen.nothing(NAME, period, label, CARD_IDS, LISTS, TABLES)


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True) -> Screen:
    """The Lost prospects screen for `period` (no monthly series: `with_series` is moot).

    Only the deals closed in the period are loaded as records (the list and the tables);
    the cards' deal figures are the file's deal sums Today's catalogue keeps
    (`pipeline_service.figures_of`), the prior period's lost value and reason share from
    its lost deals summed per reason, the quarters' head-to-head from counts in SQL
    (`queries_deals.competitor_quarters`) — those three on the second core meanwhile.
    `build_from_records` is the reference."""
    if ps.deal_count(store) == 0:
        return empty(period, label)
    settings = metrics_service.load_settings(store)
    prior_period = period.prior()
    # the sums on the second core (storage/beside.py) while the period's deals load here
    sums = beside(store, lambda twin: (
        ps.figures_of(twin, {"now": period, "prior": prior_period}, settings),
        qd.lost_sums_by_reason(twin, prior_period),
        qd.competitor_quarters(twin, trend_period(period))))
    with collector_paused():  # 15k deals as records on a big file: no cycles to find
        deals = closed_deals(store, period.start, period.end)
        lost = closed_in(deals, period, StageKind.LOST)  # extras: for the lost deals' list
        extras = qw.deal_extras(store, [d.deal.id for d in lost if d.deal.id is not None])
        figures, prior_lost, (counts, firsts) = sums.result()
        current = {**_deal_cards(figures["now"]), **ps.lost_figures(deals, period)}
        prior = {**_deal_cards(figures["prior"]), **ps.lost_figures_by_reason(prior_lost)}
        quarters = rival_quarters(counts, firsts, trend_quarters(period.end))
        return screen_of(period, label, deals, extras, current, prior, quarters)


def build_from_records(store: Store, period: Period, label: str = "") -> Screen:
    """`build` with every figure from the deals closed since the prior period's or the
    trend's start loaded as records (the code before round 7): its reference."""
    if ps.deal_count(store) == 0:
        return empty(period, label)
    prior_period = period.prior()
    deals = closed_deals(store, min(prior_period.start, trend_period(period).start),
                         period.end)
    return from_deals(store, period, label, deals, qw.deal_extras(
        store, [d.deal.id for d in deals if d.deal.id is not None]))


def _deal_cards(figures: dict[str, MetricValue]) -> dict[str, MetricValue]:
    return {m: figures[m] for m in CARD_IDS if m in figures}


def closed_deals(store: Store, start: date, end: date) -> list[DealInfo]:
    """The deals closed won or lost start..end, resolved (stage, list amount, customer
    name and segment) — only these: every figure of the screen is about closed deals."""
    deals = qw.closed_deals(store, start, end)
    return resolve_deals(deals, rec.load_stages(store), rec.list_prices(store),
                         qd.customer_labels_of(store, deals))


def from_deals(store: Store, period: Period, label: str, deals: list[DealInfo],
               extras: dict[int, qw.DealExtra]) -> Screen:
    """The screen from resolved deals: every deal of the file (the reference) or just the
    deals closed from the prior period's or the trend's start to the period's end (the
    cards — deals won and lost, win rates, lost value, reason share — and every table
    count only those)."""
    settings = metrics_service.load_settings(store)
    current = closed_figures(deals, period, settings)
    prior = closed_figures(deals, period.prior(), settings)
    # every figure below filters by the period (or the trend) again: filter once, so the
    # rules below walk the period's deals, not the 30k of two years on a big file
    trend = trend_period(period)  # (not within the period: a longer one starts earlier)
    in_trend = [d for d in deals if trend.contains(d.closed)]
    quarters = da.head_to_head_quarters([*closed_in(in_trend, trend, StageKind.WON),
                                         *closed_in(in_trend, trend, StageKind.LOST)],
                                        trend_quarters(period.end))
    return screen_of(period, label, [d for d in deals if period.contains(d.closed)], extras,
                     current, prior, quarters, rows_of=reference_lost_rows)


def screen_of(period: Period, label: str, deals: list[DealInfo],
              extras: dict[int, qw.DealExtra], current: dict[str, MetricValue],
              prior: dict[str, MetricValue], quarters: list[dict[str, Any]],
              rows_of: Callable[[list[DealInfo], Period, dict[int, qw.DealExtra]],
                                list[dict[str, Any]]] | None = None) -> Screen:
    """The screen from the deals closed in the period (resolved), their extras (at least
    the lost ones'), the cards' figures and the quarters' head-to-head table (`rows_of`:
    the list's rows from the period's deals, `lost_rows` by default)."""
    lost = closed_in(deals, period, StageKind.LOST)
    total = len(lost)
    by_reason = group_rows(ps.lost_counts(deals, period, "reason"), "reason", total)
    reasons = da.reason_names(lost)  # the reasons' spellings, once for every table
    values = da.reason_values(lost, reasons)
    for r in by_reason:
        r["value"] = values.get(r["reason"], 0.0)
    lost_list = (lost_rows(lost, extras) if rows_of is None
                 else rows_of(deals, period, extras))
    tables = {**period_tables(deals, period, extras, reasons),
              "head_to_head_by_quarter": quarters}
    notes = (NO_WINS_NAMED,) if tables["head_to_head"] and not any(
        r["won"] for r in tables["head_to_head"]) else ()
    return honest.finish(Screen(
        NAME, period, label, cards=cards_of(CARD_IDS, current, prior, {}),
        lists={"lost_deals": lost_list},
        tables={"by_reason": by_reason,
                "by_competitor": group_rows(ps.lost_counts(deals, period, "competitor"),
                                            "competitor", total),
                **tables}, notes=notes))


def closed_figures(deals: list[DealInfo], period: Period, settings: Settings
                   ) -> dict[str, MetricValue]:
    """The cards' figures: the catalogue's deal metrics (`deal_metrics`) of the deals
    closed in the period — all that deals won and lost and the win rates count — and the
    lost deals' value and reason share."""
    closed = [d for d in deals if period.contains(d.closed)]
    figures = ps.deal_figures(closed, period, settings)
    return {**{m: figures[m] for m in CARD_IDS if m in figures},
            **ps.lost_figures(closed, period)}


def trend_period(period: Period) -> Period:
    """The quarters of the head-to-head trend: the 8 ending with the period's."""
    quarters = trend_quarters(period.end)
    return Period(add_months(quarter_start(period.end), -3 * (len(quarters) - 1)),
                  period.end)


def lost_rows(lost: list[DealInfo], extras: dict[int, qw.DealExtra]) -> list[dict[str, Any]]:
    """The list: the lost deals newest first (same day: by id), each as
    `pipeline.deal_dict` of its `pipeline_service.lost_deal_rows` row, then its product,
    customer segment and reason detail — made straight from the deal, without the row in
    between (9k on a big file)."""
    by_id = sorted(lost, key=lambda d: d.deal.id or 0)
    out = []
    for d in sorted(by_id, key=lambda d: d.deal.closed_on or "", reverse=True):
        x = d.deal
        amount, weighted = x.amount_e4, d.weighted_e4
        extra = extras.get(x.id) if x.id is not None else None
        out.append({
            "id": x.id, "title": deal_title(x.title or x.ref, d.customer_name, x.id),
            "customer": d.customer_name, "stage": x.stage,
            "amount": None if amount is None else amount / 10_000,
            "probability": d.probability,
            "weighted": None if weighted is None else weighted / 10_000,
            "expected_close": x.expected_close, "owner": x.owner, "created_on": x.created_on,
            "closed_on": x.closed_on, "last_activity_on": x.last_activity_on,
            "lost_reason": x.lost_reason, "competitor": x.competitor, "next_step": x.next_step,
            "product": extra.product if extra else None, "segment": d.segment,
            "reason_detail": extra.reason_detail if extra else None})
    return out


def reference_lost_rows(deals: list[DealInfo], period: Period,
                        extras: dict[int, qw.DealExtra]) -> list[dict[str, Any]]:
    """`lost_rows` by way of `pipeline_service.lost_deal_rows` and `pipeline.deal_dict` (the
    code before round 7): its reference."""
    segments = {d.deal.id: d.segment for d in deals}

    def more(deal_id: int | None) -> dict[str, Any]:
        extra = extras.get(deal_id) if deal_id is not None else None
        return {"product": extra.product if extra else None,
                "segment": segments.get(deal_id),
                "reason_detail": extra.reason_detail if extra else None}

    return [deal_dict(r, **more(r.id)) for r in ps.lost_deal_rows(deals, period)]


def analysis(deals: list[DealInfo], period: Period, extras: dict[int, qw.DealExtra],
             trend_deals: list[DealInfo] | None = None,
             reasons: dict[str, str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The lost deals' cross-tabs and the head-to-head tables for `period` (`trend_deals`:
    the deals for the quarters' table, when not `deals`; `reasons`: `da.reason_names` of
    the period's lost deals, when the caller has it)."""
    quarters = trend_quarters(period.end)
    trend = trend_period(period)
    pool = deals if trend_deals is None else trend_deals
    in_trend = [*closed_in(pool, trend, StageKind.WON), *closed_in(pool, trend,
                                                                  StageKind.LOST)]
    return {**period_tables(deals, period, extras, reasons),
            "head_to_head_by_quarter": da.head_to_head_quarters(in_trend, quarters)}


def period_tables(deals: list[DealInfo], period: Period, extras: dict[int, qw.DealExtra],
                  reasons: dict[str, str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """`analysis` without the quarters' table: the cross-tabs, the size bands and the
    head-to-head of the deals closed in the period."""
    lost = closed_in(deals, period, StageKind.LOST)
    reasons = da.reason_names(lost) if reasons is None else reasons
    closed = [*closed_in(deals, period, StageKind.WON), *lost]
    edges = da.band_edges([d.deal.amount_e4 for d in closed if d.deal.amount_e4 is not None])

    def product(d: DealInfo) -> str | None:
        extra = extras.get(d.deal.id) if d.deal.id is not None else None
        return extra.product if extra else None

    bands = da.band_labels(edges)
    groups = {"product": product, "segment": lambda d: d.segment,
              "size": lambda d: da.band_of(d.deal.amount_e4, edges, bands),
              "owner": lambda d: d.deal.owner}
    cross = [row for dim in CROSS_DIMENSIONS
             for row in da.cross_tab(lost, dim, groups[dim], reasons)]
    in_band = Counter(da.band_of(d.deal.amount_e4, edges, bands) for d in closed)
    size_bands = [{"band": label, "up_to": edges[i] / 10_000 if i < len(edges) else None,
                   "closed_deals": in_band[label]}
                  for i, label in enumerate(bands)]
    return {"cross_tabs": cross, "size_bands": size_bands,
            "head_to_head": da.head_to_head(closed)}


def rival_quarters(counts: list[tuple[str, str, str, int]], firsts: list[tuple[str, str, int]],
                   quarters: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    """`deal_analysis.head_to_head_quarters` from the trend's deals counted in SQL
    (`queries_deals.competitor_quarters`): each competitor named by the spelling of its
    first deal by close then id, as `_spellings` picks it; the rows built as there."""
    first: dict[str, tuple[str, int, str]] = {}
    for rival, closed_on, deal_id in firsts:
        key = da.name_key(rival)
        if key and (key not in first or (closed_on, deal_id) < first[key][:2]):
            first[key] = (closed_on, deal_id, rival)
    rivals = {key: spelled.strip() for key, (_c, _i, spelled) in first.items()}
    cells: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    for rival, kind, quarter, n in counts:
        key = da.name_key(rival)
        if key:
            cells[(rivals[key], quarter)][kind] += n
            totals[rivals[key]] += n
    return da.quarter_rows(cells, totals, quarters)
