"""Lost prospects analysis (issue 14): lost deals' reasons across product, segment, deal
size and owner, and head-to-head against each competitor (pure Python over resolved deals).

Reasons and competitors are matched like names (`text.name_key`; the first spelling seen,
by close date, is shown — METRICS.md "Matching"). A lost deal without a reason counts as
"Not recorded". Deal size bands are the quartiles of the amounts of the deals closed (won or
lost) in the period — so the bands fit any business's deal sizes; a deal without an amount
is in "(no amount)". Discounts are METRICS.md `discount_pct_avg`'s: (1 − amount ÷ list) ×
100 over won deals with a known list (list_amount, else the product's list price).
"""

from __future__ import annotations

import statistics
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from custdesk.domain.metrics_deals import DealInfo
from custdesk.domain.records import StageKind
from custdesk.domain.text import name_key as _name_key

NOT_RECORDED = "Not recorded"
NO_AMOUNT = "(no amount)"
NONE_GROUP = "(none)"
TOP_REASONS = 3  # reasons named per competitor
# reasons and competitors are a few dozen spellings over tens of thousands of deals: each
# spelling keyed once (bounded: a long-running window sees new spellings after imports)
name_key = lru_cache(maxsize=4096)(_name_key)


def _spellings(values: Iterable[str | None]) -> dict[str, str]:
    """name key -> the first spelling seen."""
    out: dict[str, str] = {}
    for v in values:
        key = name_key(v)
        if key and key not in out:
            out[key] = (v or "").strip()
    return out


def _by_close(deals: Iterable[DealInfo]) -> list[DealInfo]:
    return sorted(deals, key=lambda d: (d.deal.closed_on or "", d.deal.id or 0))


def band_edges(amounts_e4: Sequence[int]) -> list[int]:
    """The quartile cut points (e4) of the closed deals' amounts, repeated ones dropped:
    up to three edges; none under two amounts."""
    if len(amounts_e4) < 2:
        return []
    cuts = statistics.quantiles(sorted(amounts_e4), n=4, method="inclusive")
    return sorted({round(c) for c in cuts})


def _amount(e4: int) -> str:
    return f"{e4 / 10_000:,.0f}"


def band_labels(edges: Sequence[int]) -> list[str]:
    """"up to 1,200", "1,200–5,000", …, "over 12,000" (one band per interval); one band
    "any size" without edges."""
    if not edges:
        return ["any size"]
    # deals closed at no value (CRM exports record lost deals at 0) are a band of their own
    labels = [f"up to {_amount(edges[0])}" if edges[0] > 0 else "no value (0 or less)"]
    labels += [f"{_amount(a)}–{_amount(b)}" for a, b in zip(edges, edges[1:], strict=False)]
    return [*labels, f"over {_amount(edges[-1])}"]


def band_of(amount_e4: int | None, edges: Sequence[int],
            labels: Sequence[str] | None = None) -> str:
    """The label of the band an amount falls in (an edge belongs to the band below it);
    `labels`: `band_labels(edges)`, when the caller has them already."""
    if amount_e4 is None:
        return NO_AMOUNT
    return (labels or band_labels(edges))[bisect_left(edges, amount_e4)]


def reason_names(lost: Sequence[DealInfo]) -> dict[str, str]:
    """Lost reason name key -> its first spelling by close date (what `cross_tab` and
    `reason_values` show): worked out once, a screen passes it to each."""
    return _spellings(d.deal.lost_reason for d in _by_close(lost))


def cross_tab(lost: Sequence[DealInfo], dimension: str,
              group_of: Callable[[DealInfo], str | None],
              names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Lost deals per (group, reason): deals, value, share of the group's lost deals (%);
    groups with most lost deals first, reasons most first then by name (`names`:
    `reason_names(lost)`, when the caller has it)."""
    names = reason_names(lost) if names is None else names
    cells: dict[tuple[str, str], list[DealInfo]] = defaultdict(list)
    groups: Counter[str] = Counter()
    for d in lost:
        group = (group_of(d) or "").strip() or NONE_GROUP
        reason = names.get(name_key(d.deal.lost_reason), NOT_RECORDED)
        cells[(group, reason)].append(d)
        groups[group] += 1
    rows: list[dict[str, Any]] = [
        {"dimension": dimension, "group": g, "reason": r, "deals_lost": len(ds),
         "value": sum(d.deal.amount_e4 or 0 for d in ds) / 10_000,
         "share_pct": len(ds) / groups[g] * 100}
        for (g, r), ds in cells.items()]
    rows.sort(key=lambda r: (-groups[r["group"]], r["group"], -r["deals_lost"], r["reason"]))
    return rows


def reason_values(lost: Sequence[DealInfo], names: dict[str, str] | None = None
                  ) -> dict[str, float]:
    """reason (first spelling; blank = Not recorded) -> Σ amount of its lost deals
    (`names`: `reason_names(lost)`, when the caller has it)."""
    names = reason_names(lost) if names is None else names
    out: dict[str, float] = defaultdict(float)
    for d in lost:
        out[names.get(name_key(d.deal.lost_reason), NOT_RECORDED)] += (d.deal.amount_e4 or 0
                                                                        ) / 10_000
    return dict(out)


def _top(values: Iterable[str | None], names: dict[str, str]) -> str:
    """"Price 3, Timing 1": the most given reasons (blank ones left out)."""
    counts = Counter(names[k] for v in values if (k := name_key(v)) in names)
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS]
    return ", ".join(f"{r} {n}" for r, n in top)


def head_to_head(closed: Sequence[DealInfo]) -> list[dict[str, Any]]:
    """Per named competitor, over the deals closed won or lost against them: won, lost,
    values, win rate (won ÷ (won + lost) × 100), top lost and win reasons, average discount
    of the won deals with a known list (and how many); most deals first, then by name."""
    ordered = _by_close(closed)
    rivals = _spellings(d.deal.competitor for d in ordered)
    lost_names = _spellings(d.deal.lost_reason for d in ordered)
    win_names = _spellings(d.deal.win_reason for d in ordered)
    groups: dict[str, list[DealInfo]] = defaultdict(list)
    for d in ordered:
        key = name_key(d.deal.competitor)
        if key:
            groups[rivals[key]].append(d)
    rows: list[dict[str, Any]] = []
    for rival, ds in groups.items():
        won = [d for d in ds if d.kind is StageKind.WON]
        lost = [d for d in ds if d.kind is StageKind.LOST]
        discounts = [x for x in (d.discount_pct for d in won) if x is not None]
        rows.append({
            "competitor": rival, "deals": len(ds), "won": len(won), "lost": len(lost),
            "won_value": sum(d.deal.amount_e4 or 0 for d in won) / 10_000,
            "lost_value": sum(d.deal.amount_e4 or 0 for d in lost) / 10_000,
            "win_rate_pct": len(won) / len(ds) * 100,
            "lost_reasons": _top((d.deal.lost_reason for d in lost), lost_names),
            "win_reasons": _top((d.deal.win_reason for d in won), win_names),
            "discount_pct_avg": statistics.fmean(discounts) if discounts else None,
            "discount_n": len(discounts)})
    rows.sort(key=lambda r: (-r["deals"], r["competitor"].lower()))
    return rows


def quarter_of(d: date) -> str:
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def head_to_head_quarters(closed: Sequence[DealInfo], quarters: Sequence[tuple[str, bool]]
                          ) -> list[dict[str, Any]]:
    """Per named competitor and quarter (every quarter listed): won, lost, win rate (None
    without deals), partial (the quarter is not over)."""
    rivals = _spellings(d.deal.competitor for d in _by_close(closed))
    cells: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    for d in closed:
        key = name_key(d.deal.competitor)
        if key and d.closed is not None:
            cells[(rivals[key], quarter_of(d.closed))][d.kind.value] += 1
            totals[rivals[key]] += 1
    return quarter_rows(cells, totals, quarters)


def quarter_rows(cells: dict[tuple[str, str], Counter[str]], totals: Counter[str],
                 quarters: Sequence[tuple[str, bool]]) -> list[dict[str, Any]]:
    """The head-to-head rows from won/lost counts per (competitor, quarter): competitors by
    deals then name, every quarter listed (also for deals counted in SQL: screens/lost)."""
    rows = []
    for rival in sorted(totals, key=lambda r: (-totals[r], r.lower())):
        for q, partial in quarters:
            c = cells.get((rival, q), Counter())
            n = c["won"] + c["lost"]
            rows.append({"competitor": rival, "quarter": q, "won": c["won"], "lost": c["lost"],
                         "win_rate_pct": c["won"] / n * 100 if n else None,
                         "partial": partial})
    return rows
