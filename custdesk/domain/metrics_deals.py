"""Pipeline and deal metrics of METRICS.md: open deals, pipeline, win rate, cycle, discount."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from custdesk.domain.metric_values import MetricValue, count, mean, money, pct, proportion
from custdesk.domain.periods import Period, day
from custdesk.domain.records import NEW_STAGE_PROBABILITY, Deal, Stage, StageKind
from custdesk.domain.text import name_key

_UNSET: Any = object()  # a DealInfo figure not worked out yet


@dataclass(frozen=True, slots=True)
class DealInfo:
    """A deal with its stage resolved: kind, effective probability, known list amount."""

    deal: Deal
    kind: StageKind
    probability: float  # the deal's own, else its stage's (0..100)
    list_e4: int | None  # list_amount, else the product's list price
    customer_name: str | None = None
    segment: str | None = None
    # the three figures below, each worked out on first use and kept: a screen's rules ask
    # a deal for them again and again (300k+ times for 30k deals on a big file)
    _created: Any = field(default=_UNSET, init=False, repr=False, compare=False)
    _closed: Any = field(default=_UNSET, init=False, repr=False, compare=False)
    _weighted: Any = field(default=_UNSET, init=False, repr=False, compare=False)

    @property
    def created(self) -> date | None:
        got = self._created
        if got is _UNSET:
            got = day(self.deal.created_on)
            object.__setattr__(self, "_created", got)
        return got

    @property
    def closed(self) -> date | None:
        got = self._closed
        if got is _UNSET:
            got = day(self.deal.closed_on)
            object.__setattr__(self, "_closed", got)
        return got

    @property
    def weighted_e4(self) -> int | None:
        got = self._weighted
        if got is _UNSET:
            amount = self.deal.amount_e4
            got = None if amount is None else round(amount * self.probability / 100)
            object.__setattr__(self, "_weighted", got)
        return got

    @property
    def discount_pct(self) -> float | None:
        """(1 − amount ÷ list) × 100, None when either is unknown (or list ≤ 0)."""
        if self.deal.amount_e4 is None or not self.list_e4 or self.list_e4 <= 0:
            return None
        return (1 - self.deal.amount_e4 / self.list_e4) * 100


def resolve_deals(deals: Iterable[Deal], stages: Sequence[Stage],
                  list_prices_e4: dict[int, int | None],
                  customers: dict[int, tuple[str, str | None]] | None = None) -> list[DealInfo]:
    """Attach stage kind/probability, list amount, customer name and segment to deals."""
    by_key = {name_key(s.name): s for s in stages}
    keys: dict[str, str] = {}  # each distinct stage spelling keyed once, not once per deal
    out = []
    for d in deals:
        key = keys.get(d.stage)
        if key is None:
            key = keys[d.stage] = name_key(d.stage)
        stage = by_key.get(key)
        kind = stage.kind if stage else StageKind.OPEN
        default = stage.probability if stage else NEW_STAGE_PROBABILITY
        listed = d.list_amount_e4
        if listed is None and d.product_id is not None:
            listed = list_prices_e4.get(d.product_id)
        name, segment = (customers or {}).get(d.customer_id or -1, (None, None))
        out.append(DealInfo(d, kind, d.probability if d.probability is not None else default,
                            listed, name, segment))
    return out


def is_open_at(d: DealInfo, when: date) -> bool:
    """Created by `when` (or undated) and not closed by then."""
    created = d.created
    if created is not None and created > when:
        return False
    if d.kind is StageKind.OPEN:
        return True
    closed = d.closed
    return closed is not None and closed > when


def closed_in(deals: Iterable[DealInfo], period: Period, kind: StageKind) -> list[DealInfo]:
    return [d for d in deals if d.kind is kind and period.contains(d.closed)]


def deal_metrics(deals: Sequence[DealInfo], period: Period,
                 deep_discount_pct: float) -> dict[str, MetricValue]:
    """Every deal metric for `period`: the reference sums (`deal_totals`) turned into
    values — one definition of each rule, which the SQL sums are tested against."""
    return deal_metrics_from_totals(deal_totals(deals, period), deep_discount_pct)


@dataclass(frozen=True, slots=True)
class DealTotals:
    """The sums every deal metric of one period is made of (`deal_metrics_from_totals`).

    Summed in SQL by `custdesk.storage.queries_deals` (tested equal to `deal_totals`, the
    pure-Python reference over resolved deals). `discounts` are the won deals' discount
    percentages, kept as values so their mean is the same `fmean` as `deal_metrics`'."""

    open: int = 0
    open_valued: int = 0
    pipeline_e4: int = 0
    weighted_e4: int = 0
    won: int = 0
    lost: int = 0
    won_e4: int = 0
    closed_valued: int = 0
    closed_e4: int = 0
    cycle_days: int = 0  # Σ days from creation to close of the won deals with both dates
    cycles: int = 0
    created: int = 0
    discounts: tuple[float, ...] = ()


def deal_totals(deals: Sequence[DealInfo], period: Period) -> DealTotals:
    """The reference sums of one period over resolved deals (METRICS.md's deal rules,
    written once): open as of `to`, won/lost closed in the period, leads created in it."""
    open_ = [d for d in deals if is_open_at(d, period.end)]
    valued = [d for d in open_ if d.deal.amount_e4 is not None]
    won = closed_in(deals, period, StageKind.WON)
    lost = closed_in(deals, period, StageKind.LOST)
    closed_valued = [d for d in won + lost if d.deal.amount_e4 is not None]
    cycles = [(d.closed - d.created).days for d in won
              if d.closed is not None and d.created is not None]
    return DealTotals(
        len(open_), len(valued), sum(d.deal.amount_e4 or 0 for d in valued),
        sum(d.weighted_e4 or 0 for d in valued), len(won), len(lost),
        sum(d.deal.amount_e4 or 0 for d in won), len(closed_valued),
        sum(d.deal.amount_e4 or 0 for d in closed_valued), sum(cycles), len(cycles),
        sum(1 for d in deals if period.contains(d.created)),
        tuple(x for x in (d.discount_pct for d in won) if x is not None))


def deal_metrics_from_totals(t: DealTotals, deep_discount_pct: float
                             ) -> dict[str, MetricValue]:
    """Every deal metric from its sums (SQL's or `deal_totals`')."""
    deep = sum(1 for x in t.discounts if x >= deep_discount_pct - 1e-9)
    return {
        "deals_open": count(t.open),
        "deals_open_unvalued": count(t.open - t.open_valued),
        "pipeline_value": money(t.pipeline_e4, t.open_valued),
        "pipeline_weighted_value": money(t.weighted_e4, t.open_valued),
        "deals_won": count(t.won),
        "deals_lost": count(t.lost),
        "win_rate_pct": proportion(t.won, t.won + t.lost),
        "win_rate_value_pct": pct(t.won_e4, t.closed_e4, t.closed_valued),
        # fmean of whole days = their exact sum / n (what mean() returns)
        "sales_cycle_days_avg": MetricValue(t.cycle_days / t.cycles if t.cycles else None,
                                            t.cycles),
        "discount_pct_avg": mean(t.discounts),
        "deep_discount_share_pct": proportion(deep, len(t.discounts)),
        "lead_conversion_pct": pct(t.won, t.created, t.created),
        "leads_new": count(t.created),
    }


# ---- leads_qualified: from the deals' stage history ---------------------------------------

QUALIFIED = "qualified"  # name key of the stage from which a lead counts as qualified


def qualifying_stages(stages: Sequence[Stage]) -> frozenset[str] | None:
    """Name keys of Qualified and the later stages of the catalogue (by position), lost
    stages excepted (losing a lead does not qualify it); None without a stage named
    Qualified."""
    mark = next((s for s in stages if name_key(s.name) == QUALIFIED), None)
    if mark is None:
        return None
    return frozenset(name_key(s.name) for s in stages
                     if s.position >= mark.position and s.kind is not StageKind.LOST)


# (deal id, from stage or None, stage, changed_on) of one recorded stage change
StageChangeRow = tuple[int, str | None, str, str]


def qualified_on(created_on: str | None, current_stage: str,
                 changes: Sequence[tuple[str | None, str, str]],
                 qualifying: frozenset[str]) -> list[date]:
    """The days a deal entered the qualifying stages from outside them (or was created in
    one). Its stages in order: the one it was created in (the first change's from stage,
    or — no history — its current stage) on created_on, then each change (from stage,
    stage, changed_on) oldest first. A step with an unknown day still sets the stage the
    next step moves from."""
    steps: list[tuple[str | None, str]] = []
    initial = changes[0][0] if changes else current_stage
    if initial is not None:
        steps.append((created_on, initial))
    steps += [(on, stage) for _, stage, on in changes]
    out, inside = [], False
    for on, stage in steps:
        now = name_key(stage) in qualifying
        if now and not inside and (d := day(on)) is not None:
            out.append(d)
        inside = now
    return out


def leads_qualified(deals: Iterable[Deal], changes: Iterable[StageChangeRow],
                    stages: Sequence[Stage], period: Period) -> int | None:
    """Deals that entered Qualified or a later stage during the period (METRICS.md
    `leads_qualified`); `changes` oldest first (changed_on, then record order). None
    without a Qualified stage. `storage.queries_deals.leads_qualified` is the SQL path."""
    qualifying = qualifying_stages(stages)
    if qualifying is None:
        return None
    history: dict[int, list[tuple[str | None, str, str]]] = defaultdict(list)
    for deal_id, from_stage, stage, on in changes:
        history[deal_id].append((from_stage, stage, on))
    return sum(1 for d in deals if any(
        period.contains(x) for x in qualified_on(d.created_on, d.stage,
                                                 history.get(d.id or -1, []), qualifying)))


def leads_by_source(deals: Iterable[Deal], period: Period) -> dict[str, int]:
    """`leads_new` per deal source (deals in record order): sources alike but for case,
    spaces and punctuation are one, shown as first spelled; blank = "(none)"."""
    merged = merge_spellings((d.source, int(period.contains(day(d.created_on))))
                             for d in deals)
    return {label: n for label, n in merged.items() if n}


def merge_spellings(rows: Iterable[tuple[str | None, int]]) -> dict[str, int]:
    """(spelling, count) rows in first-seen order -> count per name key under its first
    spelling (blank = "(none)"): the SQL path's `leads_by_source` / spend by channel."""
    out: dict[str, int] = {}
    shown: dict[str, str] = {}
    for text, n in rows:
        key = name_key(text)
        label = shown.setdefault(key, (text or "").strip() if key else "(none)")
        out[label] = out.get(label, 0) + n
    return out
