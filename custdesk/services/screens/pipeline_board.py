"""The pipeline board's data: the deals open at the period's end, one column per open stage
in the catalogue's order, each with its top cards by weighted value, and the won and lost
stages as drop targets.

A column carries every deal's count and value but only its first `CARDS_PER_COLUMN` cards
("and N more"): 20k open deals would otherwise be 20k widgets. Qt-free — part of the
Pipeline screen, so `custdesk screen pipeline --json` prints exactly what the board draws.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from custdesk.domain.metrics_deals import DealInfo, closed_in, is_open_at
from custdesk.domain.periods import Period
from custdesk.domain.records import StageKind
from custdesk.domain.text import name_key
from custdesk.services.screens.labels import deal_title
from custdesk.storage import queries_deals as qd

# 50 cards per column: a column of a 1366×768 window shows about 6, so 50 is more than any
# owner scrolls through, and 6 open stages × 50 cards draw in well under a second.
CARDS_PER_COLUMN = 50


def card(d: DealInfo, day: str) -> dict[str, Any]:
    """One card: what the owner reads on it. `overdue`: the next step was due before the
    period's end (the same rule as `actions_overdue`: due on the day itself is not late)."""
    x = d.deal
    title = x.title or x.ref
    return {
        "id": x.id, "title": deal_title(title, d.customer_name, x.id),
        "customer": d.customer_name, "customer_id": x.customer_id,
        "amount": None if x.amount_e4 is None else x.amount_e4 / 10_000,
        "probability": d.probability,
        "weighted": None if d.weighted_e4 is None else d.weighted_e4 / 10_000,
        "expected_close": x.expected_close, "owner": x.owner,
        "next_step": x.next_step, "next_step_on": x.next_step_on,
        "needs_me": bool(x.needs_me), "special_terms": x.special_terms,
        "overdue": bool(x.next_step_on and x.next_step_on[:10] < day),
    }


def on_board(d: DealInfo, period: Period) -> bool:
    """Open at the period's end and still open now: a deal won or lost since cannot be
    moved, so the board leaves it out (the table and the cards still count it)."""
    return d.kind is StageKind.OPEN and is_open_at(d, period.end)


# a won or lost stage's drop target: (deals closed there in the period, Σ amount e4,
# Σ weighted e4), by the stage's name key
ClosedSums = dict[str, tuple[int, int, int]]


def closed_sums(deals: Sequence[DealInfo], period: Period) -> ClosedSums:
    """`ClosedSums` of the deals closed won or lost in the period, from resolved deals (the
    reference of `queries_deals.closed_stage_sums`, which sums them in SQL)."""
    out: dict[str, list[int]] = {}
    for closing in (StageKind.WON, StageKind.LOST):
        for d in closed_in(deals, period, closing):
            sums = out.setdefault(name_key(d.deal.stage), [0, 0, 0])
            sums[0] += 1
            sums[1] += d.deal.amount_e4 or 0
            sums[2] += d.weighted_e4 or 0
    return {k: (n, value, weighted) for k, (n, value, weighted) in out.items()}


def board(stages: Sequence[tuple[int, str, str, float]], deals: Sequence[DealInfo],
          period: Period, per_column: int = CARDS_PER_COLUMN) -> list[dict[str, Any]]:
    """One row per stage of the catalogue (id, name, kind, probability), in its order, then
    any stage name open deals carry that the catalogue lacks (no id: nothing can be dropped
    there). An open stage's row holds its deals open at the period's end (count, value,
    weighted, the top `per_column` cards by weighted value, then by id; `more`); a won or
    lost stage's row is a drop target with the deals closed there in the period (no cards)."""
    return board_of(stages, deals, closed_sums(deals, period), period, per_column)


def board_of(stages: Sequence[tuple[int, str, str, float]], deals: Sequence[DealInfo],
             closed: ClosedSums, period: Period, per_column: int = CARDS_PER_COLUMN
             ) -> list[dict[str, Any]]:
    """`board` from the deals open at the period's end (any others are left out) and the
    won and lost stages' sums (`ClosedSums`): the closed deals need no records."""
    day = period.end.isoformat()
    columns: dict[str, dict[str, Any]] = {}
    for sid, name, kind, _p in stages:
        columns[name_key(name)] = {"stage_id": sid, "stage": name, "kind": kind, "deals": []}
    for d in deals:
        if on_board(d, period):
            key = name_key(d.deal.stage)
            columns.setdefault(key, {"stage_id": None, "stage": d.deal.stage, "kind": "open",
                                     "deals": []})
            columns[key]["deals"].append(d)
    out = []
    for key, column in columns.items():
        items: list[DealInfo] = column.pop("deals")
        is_open = column["kind"] == "open"
        # a won or lost stage (a drop target) adds its closed deals' sums and shows no cards
        n, value, weighted = (0, 0, 0) if is_open else closed.get(key, (0, 0, 0))
        items.sort(key=lambda d: (-(d.weighted_e4 or 0), d.deal.id or 0))
        shown = items[:per_column] if is_open else []
        out.append({**column, "count": n + len(items),
                    "value": (value + sum(d.deal.amount_e4 or 0 for d in items)) / 10_000,
                    "weighted": (weighted + sum(d.weighted_e4 or 0 for d in items)) / 10_000,
                    "cards": [card(d, day) for d in shown],
                    "more": len(items) - len(shown) if is_open else 0})
    return out


def card_of_row(r: tuple, day: str, title: str) -> dict[str, Any]:
    """`card` from an open deal's row (`queries_deals.open_deal_rows`) and its name."""
    next_on = r[qd.ROW_NEXT_STEP_ON]
    weighted = r[qd.ROW_WEIGHTED]
    return {
        "id": r[0], "title": title, "customer": r[2], "customer_id": r[qd.ROW_CUSTOMER_ID],
        "amount": r[4], "probability": r[5],
        "weighted": None if weighted is None else weighted / 10_000,
        "expected_close": r[7], "owner": r[8], "next_step": r[14], "next_step_on": next_on,
        "needs_me": bool(r[qd.ROW_NEEDS_ME]), "special_terms": r[qd.ROW_SPECIAL_TERMS],
        "overdue": bool(next_on and next_on[:10] < day),
    }


def board_of_rows(stages: Sequence[tuple[int, str, str, float]], rows: Sequence[tuple],
                  closed: ClosedSums, period: Period, title: Callable[[tuple], str],
                  per_column: int = CARDS_PER_COLUMN) -> list[dict[str, Any]]:
    """`board_of` from the open deals' rows (`queries_deals.open_deal_rows`: biggest
    weighted value first, then by id — the cards' order, so a column's first rows are its
    cards); `title`: a row's name. A stage the catalogue lacks is named by its first deal
    by id and comes in that deal's order, as `board_of` meets them."""
    day = period.end.isoformat()
    columns: dict[str, dict[str, Any]] = {}
    for sid, name, kind, _p in stages:
        columns[name_key(name)] = {"stage_id": sid, "stage": name, "kind": kind}
    keys: dict[str, str] = {}  # stage name -> its name key, once per spelling
    # name key -> [deals, Σ amount e4, Σ weighted e4, the first rows, (first id, name)]
    held: dict[str, list[Any]] = {}
    at_kind, still_open = qd.ROW_KIND, StageKind.OPEN.value
    for r in rows:
        if r[at_kind] != still_open:  # won or lost since: not on the board
            continue
        stage = r[3]
        key = keys.get(stage)
        if key is None:
            key = keys[stage] = name_key(stage)
        got = held.get(key)
        if got is None:
            got = held[key] = [0, 0, 0, [], (r[0], stage)]
        got[0] += 1
        got[1] += r[qd.ROW_AMOUNT_E4] or 0
        got[2] += r[qd.ROW_WEIGHTED] or 0
        if len(got[3]) < per_column:
            got[3].append(r)
        if r[0] < got[4][0]:
            got[4] = (r[0], stage)
    for key in sorted((k for k in held if k not in columns), key=lambda k: held[k][4]):
        columns[key] = {"stage_id": None, "stage": held[key][4][1], "kind": "open"}
    out = []
    for key, column in columns.items():
        is_open = column["kind"] == "open"
        n, value, weighted = (0, 0, 0) if is_open else closed.get(key, (0, 0, 0))
        count, amounts, weights, first, _ = held.get(key, (0, 0, 0, [], None))
        shown: list[tuple] = first if is_open else []
        out.append({**column, "count": n + count, "value": (value + amounts) / 10_000,
                    "weighted": (weighted + weights) / 10_000,
                    "cards": [card_of_row(r, day, title(r)) for r in shown],
                    "more": count - len(shown) if is_open else 0})
    return out
