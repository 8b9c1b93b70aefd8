"""The Pipeline screen's lists and funnel from the open deals' rows
(`queries_deals.open_deal_rows`, one statement): each open deal's row made once, in one
pass, every list and the flags derived from it — no deal loaded as a record, resolved or
turned into a `DealRow` (on the big file 18.6k open deals were built two or three times).

The rules are `domain.lists`' (`hot`, `stale`, `slipped`: METRICS.md "Lists the owner
works from") on the rows' ISO day texts, and `pipeline_service.open_by_stage`'s; the
records path (`pipeline.build_from_records`) stays their reference
(tests/test_perf_pipeline_rows.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import fields
from datetime import date, timedelta
from operator import itemgetter
from typing import Any

from custdesk.domain import lists as rules
from custdesk.domain.metric_values import MetricValue, count, proportion
from custdesk.domain.records import StageKind
from custdesk.domain.text import name_key
from custdesk.services import metrics_service  # noqa: F401  first: it completes metrics_lists
from custdesk.services.metrics_lists import DealRow
from custdesk.services.pipeline_service import NONE_GROUP, StageTotal
from custdesk.services.screens.labels import deal_title
from custdesk.storage import queries_deals as qd
from custdesk.storage.repository import load_stages

_DEAL_FIELDS = tuple(f.name for f in fields(DealRow))
assert len(_DEAL_FIELDS) == qd.ROW_FIELDS  # the rows' first figures are DealRow's fields
_BY_DAY_THEN_ID = itemgetter(0, 1)


def row_title(r: tuple) -> str:
    """The deal's name in a list or on a card (`labels.deal_title`): its title, else its
    reference (the row has it in the title's place), else "deal with ACCOUNT"."""
    title = r[1]
    return title if title and title.strip() else deal_title(title, r[2], r[0])


def open_lists(rows: list[tuple], as_of: date) -> dict[str, list[dict[str, Any]]]:
    """The screen's four lists from the open deals' rows (already biggest weighted value
    first, then by id): "open_deals" (every row, with its flags "hot", "stale",
    "slipped"), "hot" (same order), "stale" (quietest first) and "slipped" (longest
    overdue first), those three without flags; ties keep the id order."""
    stale_before = (as_of - timedelta(days=rules.STALE_DAYS)).isoformat()
    slipped_before = (as_of - timedelta(days=rules.SLIPPED_DAYS)).isoformat()
    today = as_of.isoformat()
    soon = (as_of + timedelta(days=rules.HOT_CLOSE_DAYS)).isoformat()
    hot_probability = rules.HOT_PROBABILITY
    opened: list[dict[str, Any]] = []
    hot: list[dict[str, Any]] = []
    stale: list[tuple[str, int, dict[str, Any]]] = []
    slipped: list[tuple[str, int, dict[str, Any]]] = []
    for r in rows:
        row = dict(zip(_DEAL_FIELDS, r, strict=False))  # (stops at the fields' end)
        title = r[1]
        if not (title and title.strip()):
            row["title"] = deal_title(title, r[2], r[0])
        weighted = r[qd.ROW_WEIGHTED]
        row["weighted"] = None if weighted is None else weighted / 10_000
        touched, close = r[qd.ROW_TOUCHED], r[qd.ROW_CLOSE]
        is_stale = touched is not None and touched < stale_before
        is_slipped = close is not None and close < slipped_before
        flags = []
        if not is_stale and not is_slipped and (
                r[5] >= hot_probability or (close is not None and today <= close <= soon)):
            flags.append("hot")
            hot.append(dict(row))
        if is_stale:
            flags.append("stale")
            stale.append((touched, r[0], dict(row)))
        if is_slipped:
            flags.append("slipped")
            slipped.append((close, r[0], dict(row)))
        row["flags"] = flags
        opened.append(row)
    stale.sort(key=_BY_DAY_THEN_ID)
    slipped.sort(key=_BY_DAY_THEN_ID)
    return {"open_deals": opened, "hot": hot, "stale": [x[2] for x in stale],
            "slipped": [x[2] for x in slipped]}


def stage_totals(store: Any, rows: list[tuple]) -> list[StageTotal]:
    """`pipeline_service.open_by_stage` from the open deals' rows: per open stage of the
    catalogue in its order (empty ones with zeros), then any other stage an open deal
    carries (one closed after the period's end) in the order of its first deal by id."""
    names = [s.name for s in load_stages(store) if s.kind is StageKind.OPEN]
    keys = {name_key(n): n for n in names}
    catalogue = set(names)
    sums: dict[str, list[int]] = {n: [0, 0, 0, 0] for n in names}
    first_id: dict[str, int] = {}  # a group not in the catalogue -> its smallest deal id
    group_of: dict[str, str] = {}  # stage name -> its group, worked out once per spelling
    for r in rows:
        stage = r[3]
        group = group_of.get(stage)
        if group is None:
            group = group_of[stage] = keys.get(name_key(stage), stage)
        got = sums.get(group)
        if got is None:
            got = sums[group] = [0, 0, 0, 0]
        if group not in catalogue and r[0] < first_id.get(group, r[0] + 1):
            first_id[group] = r[0]
        amount = r[qd.ROW_AMOUNT_E4]
        got[0] += 1
        if amount is None:
            got[3] += 1
        else:
            got[1] += amount
            got[2] += r[qd.ROW_WEIGHTED]
    order = [*dict.fromkeys(names), *sorted(first_id, key=first_id.__getitem__)]
    return [StageTotal(g, sums[g][0], sums[g][1] / 10_000, sums[g][2] / 10_000, sums[g][3])
            for g in order]


def closed_sums(closed: list[tuple[str, str, str, int, int, int]]
                ) -> dict[str, tuple[int, int, int]]:
    """`queries_deals.closed_stage_sums` (the board's won and lost stages: per stage name
    key, deals, Σ amount e4, Σ weighted e4) from `queries_deals.closed_by_stage_and_owner`."""
    out: dict[str, list[int]] = {}
    for name, _kind, _owner, n, value, weighted in closed:
        sums = out.setdefault(name_key(name), [0, 0, 0])
        sums[0] += n
        sums[1] += value
        sums[2] += weighted
    return {k: (n, value, weighted) for k, (n, value, weighted) in out.items()}


def owner_figures(rows: list[tuple], closed: list[tuple[str, str, str, int, int, int]],
                  owners: list[str]) -> dict[str, dict[str, MetricValue]]:
    """What the owners' table reads of `pipeline_service.owners_of` — deals open at the
    period's end, won and lost in it, the win rate — per owner group (`owners`:
    `queries_deals.group_names(store, "owner")`, sorted), from the open deals' rows and
    `queries_deals.closed_by_stage_and_owner`, not another pass over every deal."""
    opened = Counter(r[8] or NONE_GROUP for r in rows)  # as GROUPS["owner"]: blank = none
    decided: dict[str, Counter[str]] = defaultdict(Counter)
    for _name, kind, owner, n, _value, _weighted in closed:
        decided[owner][kind] += n
    out = {}
    for owner in owners:
        won, lost = decided[owner]["won"], decided[owner]["lost"]
        out[owner] = {"deals_open": count(opened[owner]), "deals_won": count(won),
                      "deals_lost": count(lost), "win_rate_pct": proportion(won, won + lost)}
    return out
