"""The Lost prospects screen: which deals did we lose, to whom, and why.

Cards: deals lost, their value, the win rate and the share of lost deals with a reason,
against the prior period (plus deals won and the win rate by value for the export). List:
`lost_deals`, the deals lost in the period, newest first. Tables: `by_reason` and
`by_competitor`, the lost deals counted per group with their share of all lost deals (the
two bar charts). No monthly series. Qt-free: the tab draws this, `custdesk screen lost`
prints it.
"""

from __future__ import annotations

from typing import Any

from custdesk.domain.periods import Period
from custdesk.services import metrics_service
from custdesk.services import pipeline_service as ps
from custdesk.services.screens import honest
from custdesk.services.screens.model import Screen
from custdesk.services.screens.pipeline import cards_of, deal_dict
from custdesk.storage import Store

NAME = "lost"
SHOWN = ("deals_lost", "lost_deals_value", "win_rate_pct", "lost_reason_share_pct")
CARD_IDS = (*SHOWN, "deals_won", "win_rate_value_pct")
LISTS = ("lost_deals",)
TABLES = ("by_reason", "by_competitor")
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
    """The Lost prospects screen for `period` (no monthly series: `with_series` is moot)."""
    if ps.deal_count(store) == 0:
        return empty(period, label)
    deals = ps.load_deals(store)  # once: every figure below reads the same deals
    settings = metrics_service.load_settings(store)
    current = {**ps.deal_figures(deals, period, settings), **ps.lost_figures(deals, period)}
    prior_period = period.prior()
    prior = {**ps.deal_figures(deals, prior_period, settings),
             **ps.lost_figures(deals, prior_period)}
    rows = ps.lost_deal_rows(deals, period)
    total = len(rows)
    return honest.finish(Screen(
        NAME, period, label, cards=cards_of(CARD_IDS, current, prior, {}),
        lists={"lost_deals": [deal_dict(r) for r in rows]},
        tables={"by_reason": group_rows(ps.lost_counts(deals, period, "reason"), "reason",
                                        total),
                "by_competitor": group_rows(ps.lost_counts(deals, period, "competitor"),
                                            "competitor", total)}))
