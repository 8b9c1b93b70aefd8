"""The Reasons screen (issue 14): the "why" behind the numbers, one panel per question.

Six panels (`domain/reason_questions.PANELS`): why they chose us, why they stay, why they
would not refer us, why they left, why we lost deals, why we won deals. Each panel: its
reasons in the period with answers, share of the panel's answers and value; the same by
customer segment and by acquisition source (a deal's own source first); and quarter by
quarter over the 8 quarters ending with the period's, a reason's share flagged when it moves
by more than 10 points from one quarter to the next (both quarters with answers; a partial
last quarter is marked). Card: `would_refer_pct` (and by segment in a table, with the "why
not" panel beside it on the tab). Counted in SQL (`storage/queries_reasons.py`); the Reasons
tab draws exactly this and `custdesk screen reasons --json` prints it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from custdesk.domain.metric_values import SMALL_SAMPLE, MetricValue, proportion
from custdesk.domain.periods import Period, add_months
from custdesk.domain.reason_questions import PANELS
from custdesk.services import metrics_service as ms
from custdesk.services.screens import honest
from custdesk.services.screens.model import Card, Screen
from custdesk.storage import Store
from custdesk.storage import queries_reasons as qr
from custdesk.storage.repository import table_counts

NAME = "reasons"
CARDS = ("would_refer_pct",)
TREND_QUARTERS = 8
SHIFT_POINTS = 10.0  # a reason's share moving by more than this (points) is flagged
NOTHING_IN_PERIOD = ("No reason is recorded in this period: choose a longer period (e.g. "
                     "All time), or import surveys with a reason (and the question asked), "
                     "lost customers with a lost reason, or closed deals with win/lost "
                     "reasons.")
WHAT_TO_IMPORT = {
    "chose_us": "surveys with a question column (e.g. “Why did you choose us?”) and a reason",
    "stay": "surveys with a question column (e.g. “Why do you stay with us?”) and a reason",
    "not_refer": "customer surveys with would refer (yes/no) and a reason",
    "left": "customers with a lost date and a lost reason",
    "deal_lost": "deals closed lost with a lost reason",
    "deal_won": "deals closed won with a win reason",
}


def quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def quarter_key(d: date) -> str:
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def trend_quarters(end: date, count: int = TREND_QUARTERS) -> list[tuple[str, bool]]:
    """(key "2026-Q3", partial) of the `count` quarters ending with `end`'s; the last one is
    partial unless `end` is its last day."""
    first = add_months(quarter_start(end), -3 * (count - 1))
    out = []
    for i in range(count):
        start = add_months(first, 3 * i)
        out.append((quarter_key(start), add_months(start, 3) - timedelta(days=1) > end))
    return out


def is_empty(store: Store) -> bool:
    counts = table_counts(store)
    return counts["surveys"] == 0 and counts["deals"] == 0 and counts["customers"] == 0


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True
          ) -> Screen:
    """The reasons panels for `period` (no monthly series: the trend is by quarter)."""
    del with_series  # the quarter table is part of the screen itself
    if is_empty(store):
        return Screen(NAME, period, label, empty=True)
    now, by_segment = would_refer(store, period)
    cards = {m: Card(m, now, would_refer(store, period.prior())[0]) for m in CARDS}
    tables = reason_tables(store, period, by_segment)
    notes = () if tables["reasons"] else (NOTHING_IN_PERIOD,)
    return honest.finish(Screen(NAME, period, label, cards=cards, tables=tables,
                                notes=notes))


def would_refer(store: Store, period: Period) -> tuple[MetricValue, dict[str, MetricValue]]:
    """`would_refer_pct` of the period and by segment — what `compute_metrics(period,
    by=("segment",))` gives for it (tested equal), without the rest of the catalogue."""
    counts = qr.would_refer_counts(store, period.start, period.end)
    yes, n = sum(c[0] for c in counts.values()), sum(c[1] for c in counts.values())
    return proportion(yes, n), {seg: proportion(*c) for seg, c in counts.items()
                                if seg is not None}


def reason_counts(store: Store, period: Period) -> list[qr.ReasonCount]:
    """The period's reasons counted per panel, overall, by segment and source, and by
    quarter over the trend's quarters (`queries_reasons.reason_counts`)."""
    window = ms.load_settings(store).window_days
    trend_start = quarter_start(add_months(quarter_start(period.end),
                                           -3 * (TREND_QUARTERS - 1)))
    return qr.reason_counts(store, period.start, period.end, trend_start, window)


def reason_tables(store: Store, period: Period, refer_by_segment: dict[str, MetricValue],
                  counts: list[qr.ReasonCount] | None = None) -> dict[str, list[Any]]:
    """The reasons tables of `period` (`refer_by_segment`: `would_refer_pct` by segment;
    `counts`: the period's `reason_counts` when the caller has them)."""
    quarters = trend_quarters(period.end)
    counts = reason_counts(store, period) if counts is None else counts
    tables: dict[str, list[Any]] = {
        "panels": [],
        "reasons": reason_rows(counts, "all"),
        "by_segment": reason_rows(counts, "segment"),
        "by_source": reason_rows(counts, "source"),
        "by_quarter": quarter_rows(counts, quarters),
        "would_refer_by_segment": [
            {"segment": seg, "would_refer_pct": v.value, "n": v.n}
            for seg, v in sorted(refer_by_segment.items()) if v.n],
    }
    tables["panels"] = panel_rows(tables["reasons"], tables["by_quarter"])
    return tables


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole * 100


def reason_rows(counts: list[qr.ReasonCount], dimension: str) -> list[dict[str, Any]]:
    """One row per (panel, group, reason) of `dimension`: answers, share of the group's
    answers in that panel (%), value; panels in their order, most answers first."""
    rows = [c for c in counts if c.dimension == dimension]
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for c in rows:
        totals[(c.panel, c.group)] += c.answers
    order = {p.id: i for i, p in enumerate(PANELS)}
    rows.sort(key=lambda c: (order[c.panel], c.group, -c.answers, c.reason.lower()))
    group_key = {"all": None, "segment": "segment", "source": "source"}[dimension]
    out = []
    for c in rows:
        row: dict[str, Any] = {"panel": c.panel}
        if group_key is not None:
            row[group_key] = c.group
        row.update(reason=c.reason, answers=c.answers,
                   share_pct=_share(c.answers, totals[(c.panel, c.group)]),
                   value=round(c.value_e4 / 10_000, 2))
        out.append(row)
    return out


def quarter_rows(counts: list[qr.ReasonCount], quarters: list[tuple[str, bool]]
                 ) -> list[dict[str, Any]]:
    """Every reason seen in a panel over the quarters, for each quarter: answers, share of
    the panel's answers that quarter (None when the panel has none), change in points from
    the quarter before, and `shifted` when that change is more than SHIFT_POINTS;
    `small_sample` when either quarter's panel has fewer than SMALL_SAMPLE answers (one
    answer then moves a share by several points)."""
    keys = [k for k, _ in quarters]
    partial = dict(quarters)
    found: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    shown: dict[tuple[str, str], str] = {}
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for c in counts:
        if c.dimension != "quarter" or c.group not in partial:
            continue
        found[(c.panel, c.key)][c.group] = c.answers
        shown.setdefault((c.panel, c.key), c.reason)
        totals[(c.panel, c.group)] += c.answers
    order = {p.id: i for i, p in enumerate(PANELS)}
    out = []
    for (panel, key), by_q in sorted(found.items(), key=lambda kv: (
            order[kv[0][0]], -sum(kv[1].values()), shown[kv[0]].lower())):
        before: float | None = None
        before_n = 0
        for q in keys:
            n = by_q.get(q, 0)
            share = _share(n, totals[(panel, q)])
            change = None if share is None or before is None else share - before
            out.append({"panel": panel, "reason": shown[(panel, key)], "quarter": q,
                        "answers": n, "share_pct": share, "change_pts": change,
                        "shifted": change is not None and abs(change) > SHIFT_POINTS,
                        "small_sample": change is not None and min(
                            before_n, totals[(panel, q)]) < SMALL_SAMPLE,
                        "partial": partial[q]})
            if share is not None:
                before, before_n = share, totals[(panel, q)]
    return out


def panel_rows(reasons: list[dict[str, Any]], by_quarter: list[dict[str, Any]]
               ) -> list[dict[str, Any]]:
    """One row per panel, every panel listed: label, where its reasons come from, answers
    and value in the period, distinct reasons, shifts flagged in its quarter table, and
    (when it has no answer) what to import."""
    out = []
    for p in PANELS:
        mine = [r for r in reasons if r["panel"] == p.id]
        shifts = sum(1 for r in by_quarter if r["panel"] == p.id and r["shifted"])
        out.append({"panel": p.id, "label": p.label, "source": p.source,
                    "answers": sum(r["answers"] for r in mine),
                    "value": round(sum(r["value"] for r in mine), 2), "reasons": len(mine),
                    "top_reason": mine[0]["reason"] if mine else None,
                    "shifts": shifts,
                    "missing": None if mine else WHAT_TO_IMPORT[p.id]})
    return out
