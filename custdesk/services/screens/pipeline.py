"""The Pipeline screen: which prospects are hot, which deals went quiet, who wins.

Cards: the catalogue's deal metrics for the period against the prior period. Lists: the
deals open at the period's end (each with its flags "hot", "stale", "slipped"), and the hot,
stale and slipped deals on their own. Tables: open deals by stage (the funnel) and the win
rate by owner; the board (`pipeline_board.py`: a column per open stage, its top cards).
No monthly series. Qt-free: the tab draws this, `custdesk screen pipeline`
prints it.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from operator import attrgetter
from typing import Any

from custdesk.domain.gc_pause import collector_paused
from custdesk.domain.metric_values import MetricValue
from custdesk.domain.periods import Period
from custdesk.domain.text import name_key
from custdesk.services import deals_service as ds
from custdesk.services import metrics_service
from custdesk.services import pipeline_service as ps
from custdesk.services.metrics_lists import DealRow
from custdesk.services.screens import honest, pipeline_rows
from custdesk.services.screens.labels import deal_title
from custdesk.services.screens.model import Card, Screen
from custdesk.services.screens.pipeline_board import board_of, board_of_rows
from custdesk.services.screens.targets import with_targets
from custdesk.storage import Store
from custdesk.storage import queries_deals as qd
from custdesk.storage.beside import beside

NAME = "pipeline"
# The cards the tab shows, in its order, then the other key figures (export, JSON).
SHOWN = ("deals_open", "pipeline_value", "pipeline_weighted_value", "win_rate_pct",
         "sales_cycle_days_avg", "discount_pct_avg", "lead_conversion_pct")
CARD_IDS = (*SHOWN, "deals_won", "deals_lost", "win_rate_value_pct",
            "deep_discount_share_pct", "deals_open_unvalued")
# A card's small second figure: deals without an amount, the share of deep discounts.
EXTRAS = {"deals_open": "deals_open_unvalued", "discount_pct_avg": "deep_discount_share_pct"}
LISTS = ("open_deals", "hot", "stale", "slipped")
FLAGS = ("hot", "stale", "slipped")  # the lists that flag an open deal, in flag order
TABLES = ("by_stage", "by_owner", "board")


def cards_of(ids: tuple[str, ...], current: dict[str, MetricValue],
             prior: dict[str, MetricValue], extras: dict[str, str]) -> dict[str, Card]:
    """One card per metric id, with its prior value and its small second figure."""
    out = {}
    for m in ids:
        extra = extras.get(m)
        out[m] = Card(m, current.get(m), prior.get(m), extra=extra,
                      extra_value=current.get(extra) if extra else None,
                      info=ps.OWN_METRICS.get(m))
    return out


_DEAL_FIELDS = tuple(f.name for f in fields(DealRow))
_DEAL_VALUES = attrgetter(*_DEAL_FIELDS)  # every field in one C call (49k open deals)


def deal_dict(row: DealRow, **more: Any) -> dict[str, Any]:
    """A deal row as a plain dict (money in currency units, dates as ISO text); a deal
    without a title or reference is called "deal with ACCOUNT" (labels.deal_title).
    Shallow (every field is a scalar): `asdict`'s deep copy took 3 s for 20k open deals."""
    out = dict(zip(_DEAL_FIELDS, _DEAL_VALUES(row), strict=True))
    out.update(more)
    out["title"] = deal_title(row.title, row.customer, row.id)
    return out


def used_stages(stages: list[dict[str, Any]], seen: set[str]) -> list[dict[str, Any]]:
    """The by-stage rows without the default stages no deal of the file has ever been in
    (`seen`: name keys of the stages deals are in; a CRM with its own stage names would
    otherwise show a row of empty catalogue stages); a used stage that is empty in this
    period stays, so the funnel keeps its shape."""
    return [s for s in stages if s["deals"] or name_key(s["stage"]) in seen]


def owner_rows(owners: dict[str, dict[str, MetricValue]]) -> list[dict[str, Any]]:
    """One row per owner: open at the end, won and lost in the period, the win rate with
    its 95 % (Wilson) range — small teams have small samples."""
    def v(values: dict[str, MetricValue], metric: str) -> float | None:
        value = values.get(metric)
        return None if value is None else value.value

    rows = []
    for owner, values in owners.items():
        rate = values.get("win_rate_pct")
        rows.append({"owner": owner, "open": v(values, "deals_open"),
                     "won": v(values, "deals_won"), "lost": v(values, "deals_lost"),
                     "win_rate": v(values, "win_rate_pct"),
                     "win_rate_low": rate.low if rate else None,
                     "win_rate_high": rate.high if rate else None})
    return rows


def empty(period: Period, label: str) -> Screen:
    """No deals in the file: the tab shows its import invitation; the keys stay."""
    return Screen.nothing(NAME, period, label, CARD_IDS, LISTS, TABLES)


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True) -> Screen:
    """The Pipeline screen for `period` (it has no monthly series: `with_series` is moot).

    Each open deal is one row of one statement (`queries_deals.open_deal_rows`), made into
    its list row once (`pipeline_rows`); the cards are the file's deal sums Today's
    catalogue keeps (`figures_of`); the owners' table counts the same rows and the deals
    closed in the period, read on the second core meanwhile (`storage/beside.py`) with the
    board's won and lost stages. `build_from_records` is the reference (same screen)."""
    if ps.deal_count(store) == 0:
        return empty(period, label)
    settings = metrics_service.load_settings(store)
    # on the second core (storage/beside.py) while the rows are made here: the cards'
    # sums (normally kept by Today's catalogue), the owners' names, the closed deals
    sums = beside(store, lambda twin: (
        ps.figures_of(twin, {"now": period, "prior": period.prior()}, settings),
        qd.group_names(twin, "owner"), qd.closed_by_stage_and_owner(twin, period)))
    with collector_paused():  # 18k rows and 50k dicts on a big file: no cycles to find
        rows = qd.open_deal_rows(store, period.end)
        lists = pipeline_rows.open_lists(rows, period.end)
        stages = used_stages([asdict(s) for s in pipeline_rows.stage_totals(store, rows)],
                             ps.stages_in_use(store))
        figures, names, closed = sums.result()
        columns = board_of_rows(ds.stages(store), rows, pipeline_rows.closed_sums(closed),
                                period, pipeline_rows.row_title)
        owners = pipeline_rows.owner_figures(rows, closed, names)
    return honest.finish(Screen(
        NAME, period, label, lists=dict(lists),
        cards=with_targets(cards_of(CARD_IDS, figures["now"], figures["prior"], EXTRAS),
                           store, period),
        tables={"by_stage": stages,
                "by_owner": owner_rows(owners),
                "board": columns}))


def build_from_records(store: Store, period: Period, label: str = "") -> Screen:
    """`build` from the open deals loaded and resolved as records, each list by
    `domain.lists`' rules (the code before round 7): the reference of the row path."""
    if ps.deal_count(store) == 0:
        return empty(period, label)
    # the lists and the board: only the deals open at the end (the board's won and lost
    # stages: the deals closed there summed in SQL); the cards and the owners' table:
    # every deal, summed in SQL
    deals = ps.open_screen_deals(store, period)
    settings = metrics_service.load_settings(store)
    figures, owners = ps.figures_and_owners(store, {"now": period, "prior": period.prior()},
                                            "now", settings)
    current, prior = figures["now"], figures["prior"]
    # the lists keep open deals only: filtered once, each deal's row made once
    opened, named = ps.open_at_end(deals, period), ps.named_once()
    flagged = {"hot": ps.hot_deals(opened, period, named),
               "stale": ps.stale_deals(opened, period, named),
               "slipped": ps.slipped_deals(opened, period, named)}
    ids = {name: {r.id for r in rows} for name, rows in flagged.items()}
    # each open deal's dict made once: the flagged lists copy it (their rows are the same
    # row objects, `named`'s), not rebuild it — 49k rows for 18k open deals on a big file
    made: dict[int, dict[str, Any]] = {}
    open_rows = []
    for r in ps.open_deals(opened, period, named):
        row = made[id(r)] = deal_dict(r)
        open_rows.append({**row, "flags": [f for f in FLAGS if r.id in ids[f]]})
    lists: dict[str, list[Any]] = {"open_deals": open_rows}
    lists.update({name: [dict(made[id(r)]) if id(r) in made else deal_dict(r) for r in rows]
                  for name, rows in flagged.items()})
    stages = used_stages([asdict(s) for s in ps.open_by_stage(store, opened, period)],
                         ps.stages_in_use(store))
    columns = board_of(ds.stages(store), deals, qd.closed_stage_sums(store, period), period)
    return honest.finish(Screen(
        NAME, period, label, lists=lists,
        cards=with_targets(cards_of(CARD_IDS, current, prior, EXTRAS), store, period),
        tables={"by_stage": stages,
                "by_owner": owner_rows(owners),
                "board": columns}))
