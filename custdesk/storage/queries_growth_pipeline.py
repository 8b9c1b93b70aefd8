"""SQL for the growth screen's pipeline trends (issue 17): leads per month and source, the
stage-to-stage funnel of the period's leads, and the open pipeline at each month end
rebuilt from the deals' stage history.

Funnel: the deals created in the period; each reached the furthest open stage it was ever
in (its stage history — both sides of every change — and its current stage; a deal without
history is in its current stage since created_on, METRICS.md), and a won deal reached every
open stage. Every created deal at least entered the first open stage (a deal lost without
history is known to have started, not how far it got). Stages are ordered by (position, id),
the owner's stage order; open stages no deal has ever been in are left out.

Open at a month end D: created on or before D, and its stage as of D is open — the stage
of its last change dated on or before D; before its first change, the stage that change
moved from (or open, when not recorded); a deal without history is in its current stage,
and a won or lost one was open until its closed_on. Amounts are today's (amounts have no
history).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from custdesk.domain.metrics_deals import DealTotals, qualifying_stages
from custdesk.domain.periods import Period
from custdesk.domain.records import Stage, StageKind
from custdesk.domain.text import name_key
from custdesk.storage.store import Store


def leads_by_month_source(store: Store, period: Period) -> list[tuple[str, str | None, int]]:
    """(month 'YYYY-MM', source spelling, deals created) for the period, in id order of
    the first deal of each spelling (merge alike names in the service)."""
    sql = """
    SELECT substr(created_on, 1, 7), source, count(*) FROM deals
    WHERE substr(created_on, 1, 10) BETWEEN ? AND ?
    GROUP BY 1, 2 ORDER BY 1, min(id)"""
    return [(str(m), s, int(n)) for m, s, n in store.conn.execute(
        sql, (period.start.isoformat(), period.end.isoformat()))]


def leads_created(store: Store, periods: Sequence[Period]) -> list[int]:
    """`leads_new` of each period: the deals created in it (by created_on's day), every
    deal whatever its stage — one scan of the deals for all the periods."""
    if not periods:
        return []
    sums = ", ".join(f"coalesce(sum(day BETWEEN :lo{i} AND :hi{i}), 0)"
                     for i in range(len(periods)))
    params = {f"{end}{i}": getattr(p, field).isoformat() for i, p in enumerate(periods)
              for end, field in (("lo", "start"), ("hi", "end"))}
    row = store.conn.execute(
        f"SELECT {sums} FROM (SELECT nullif(substr(created_on, 1, 10), '') AS day "
        "FROM deals)", params).fetchone()
    return [int(n) for n in row]


_FUNNEL = """
WITH ord AS (SELECT id, name, kind, row_number() OVER (ORDER BY position, id) AS rk
             FROM stages),
cohort AS (SELECT d.id, d.stage_id FROM deals d
           WHERE substr(d.created_on, 1, 10) BETWEEN :lo AND :hi),
seen AS (SELECT id AS deal, stage_id AS stage FROM cohort
         UNION SELECT h.deal_id, h.stage_id FROM deal_stage_history h
               JOIN cohort c ON c.id = h.deal_id
         UNION SELECT h.deal_id, h.from_stage_id FROM deal_stage_history h
               JOIN cohort c ON c.id = h.deal_id WHERE h.from_stage_id IS NOT NULL),
reach AS (SELECT s.deal, max(CASE WHEN o.kind = 'open' THEN o.rk END) AS top,
                 max(o.kind = 'won') AS won
          FROM seen s JOIN ord o ON o.id = s.stage GROUP BY s.deal),
used AS (SELECT o.* FROM ord o WHERE o.kind = 'open' AND (
            EXISTS (SELECT 1 FROM deals d WHERE d.stage_id = o.id)
            OR EXISTS (SELECT 1 FROM deal_stage_history h
                       WHERE h.stage_id = o.id OR h.from_stage_id = o.id))),
first_open AS (SELECT min(rk) AS rk FROM used)
SELECT o.name, (SELECT count(*) FROM reach r
                WHERE r.won OR coalesce(r.top, (SELECT rk FROM first_open)) >= o.rk)
FROM used o
UNION ALL SELECT 'Won', (SELECT count(*) FROM reach WHERE won)
"""


# the deals with a step dated in the range or created in it (the two statements below)
_CANDIDATES = """
WITH cand AS MATERIALIZED (
  SELECT deal_id FROM deal_stage_history
  WHERE nullif(substr(changed_on, 1, 10), '') BETWEEN :lo AND :hi
  UNION SELECT id FROM deals WHERE nullif(substr(created_on, 1, 10), '') BETWEEN :lo AND :hi),
"""


# leads_qualified per month in one query (`queries_deals.leads_qualified`'s steps: the deal's
# created stage on created_on, then each change; a step into the qualifying stages from
# outside them, or a deal created in one without history) — tested equal month by month
# Only deals with a step dated in the period (or created in it) can enter a qualifying
# stage in it: the window functions run over those deals' histories alone (a deal's steps
# are numbered within the deal, so leaving other deals out changes none of its numbers —
# as `queries_deals.leads_qualified` does).
_ENTRIES_BY_STEPS = _CANDIDATES + """h AS MATERIALIZED (
  SELECT x.deal_id, x.from_stage_id, x.stage_id,
    nullif(substr(x.changed_on, 1, 10), '') AS day,
    row_number() OVER (PARTITION BY x.deal_id ORDER BY x.changed_on, x.id) AS rn
  FROM deal_stage_history x JOIN deals d ON d.id = x.deal_id
  WHERE x.deal_id IN cand),
steps AS (
  SELECT f.deal_id AS deal, 0 AS rn, nullif(substr(d.created_on, 1, 10), '') AS day,
    f.from_stage_id AS stage
  FROM h f JOIN deals d ON d.id = f.deal_id WHERE f.rn = 1
  UNION ALL SELECT deal_id, rn, day, stage_id FROM h),
marked AS (
  SELECT deal, rn, day, stage IN (SELECT value FROM json_each(:qualifying)) AS inside
  FROM steps WHERE stage IS NOT NULL),
entries AS (
  SELECT deal, day FROM (
    SELECT deal, day, inside, lag(inside, 1, 0) OVER (PARTITION BY deal ORDER BY rn) AS before
    FROM marked)
  WHERE inside AND NOT before AND day BETWEEN :lo AND :hi
  UNION ALL
  SELECT d.id, substr(d.created_on, 1, 10) FROM deals d
  WHERE d.stage_id IN (SELECT value FROM json_each(:qualifying))
    AND nullif(substr(d.created_on, 1, 10), '') BETWEEN :lo AND :hi
    AND NOT EXISTS (SELECT 1 FROM deal_stage_history x WHERE x.deal_id = d.id))
"""
# The same entries in one window pass over the histories, already in the index's order
# (deal, changed_on, id): each change's stage before it is the previous change's stage,
# or, for a deal's first change, the stage it moved from — the created step, itself an
# entry when that stage qualifies and the deal was created in the range. A change's stage
# is never NULL (NOT NULL): the previous step with a stage is the previous change, so the
# steps need no second numbering and sort (`_ENTRIES_BY_STEPS`, kept as the reference:
# 0.38 -> 0.2 s on the big file's two years).
_ENTRIES = _CANDIDATES + """h AS MATERIALIZED (
  SELECT x.deal_id, x.from_stage_id, x.stage_id,
    nullif(substr(x.changed_on, 1, 10), '') AS day,
    row_number() OVER w AS rn, lag(x.stage_id, 1, x.from_stage_id) OVER w AS before
  FROM deal_stage_history x JOIN deals d ON d.id = x.deal_id
  WHERE x.deal_id IN cand
  WINDOW w AS (PARTITION BY x.deal_id ORDER BY x.changed_on, x.id)),
q(id) AS (SELECT value FROM json_each(:qualifying)),
entries AS (
  SELECT deal_id AS deal, day FROM h
  WHERE stage_id IN q AND NOT coalesce(before IN q, 0) AND day BETWEEN :lo AND :hi
  UNION ALL
  SELECT f.deal_id, nullif(substr(d.created_on, 1, 10), '')
  FROM h f JOIN deals d ON d.id = f.deal_id
  WHERE f.rn = 1 AND f.from_stage_id IN q
    AND nullif(substr(d.created_on, 1, 10), '') BETWEEN :lo AND :hi
  UNION ALL
  SELECT d.id, substr(d.created_on, 1, 10) FROM deals d
  WHERE d.stage_id IN q
    AND nullif(substr(d.created_on, 1, 10), '') BETWEEN :lo AND :hi
    AND NOT EXISTS (SELECT 1 FROM deal_stage_history x WHERE x.deal_id = d.id))
"""
_MONTHS = """
SELECT substr(e.day, 1, 7), d.source, count(DISTINCT e.deal)
FROM entries e JOIN deals d ON d.id = e.deal GROUP BY 1, 2 ORDER BY 1, min(e.deal)
"""
_QUALIFIED_MONTHS = _ENTRIES + _MONTHS
_QUALIFIED_MONTHS_BY_STEPS = _ENTRIES_BY_STEPS + _MONTHS


def _qualifying_ids(store: Store) -> list[int] | None:
    """The ids of Qualified and the later stages (lost ones excepted); None without a
    stage named Qualified."""
    stages = [(i, Stage(name, StageKind(kind), prob, pos)) for i, name, kind, prob, pos in
              store.conn.execute("SELECT id, name, kind, probability, position FROM stages "
                                 "ORDER BY position, id")]
    qualifying = qualifying_stages([st for _, st in stages])
    if qualifying is None:
        return None
    return [i for i, st in stages if name_key(st.name) in qualifying]


def leads_qualified(store: Store, periods: Sequence[Period], *, by_steps: bool = False
                    ) -> list[int] | None:
    """`leads_qualified` of each period (`queries_deals.leads_qualified`, tested equal) from
    one pass over the deals with a step in any of them — the growth cards' period and prior
    period (0.50 → 0.35 s on the big file); None without a stage named Qualified.
    `by_steps`: the reference statement (`_ENTRIES_BY_STEPS`)."""
    ids = _qualifying_ids(store)
    if ids is None:
        return None
    if not periods:
        return []
    counts = ", ".join(f"count(DISTINCT iif(day BETWEEN :lo{i} AND :hi{i}, deal, NULL))"
                       for i in range(len(periods)))
    params = {f"{end}{i}": getattr(p, field).isoformat() for i, p in enumerate(periods)
              for end, field in (("lo", "start"), ("hi", "end"))}
    entries = _ENTRIES_BY_STEPS if by_steps else _ENTRIES
    row = store.conn.execute(entries + f"SELECT {counts} FROM entries", {
        **params, "qualifying": json.dumps(ids),
        "lo": min(p.start for p in periods).isoformat(),
        "hi": max(p.end for p in periods).isoformat()}).fetchone()
    return [int(n) for n in row]


def qualified_by_month(store: Store, period: Period) -> dict[str, int] | None:
    """month 'YYYY-MM' -> `leads_qualified` of that month within the period (months with
    none left out); None without a stage named Qualified."""
    rows = qualified_by_month_source(store, period)
    if rows is None:
        return None
    out: dict[str, int] = {}
    for month, _source, n in rows:  # a deal has one source: the months' sums are exact
        out[month] = out.get(month, 0) + n
    return out


def qualified_by_month_source(store: Store, period: Period, *, by_steps: bool = False
                              ) -> list[tuple[str, str | None, int]] | None:
    """(month, the deal's source spelling, `leads_qualified`) within the period; None
    without a stage named Qualified. `by_steps`: the reference statement."""
    ids = _qualifying_ids(store)
    if ids is None:
        return None
    rows = store.conn.execute(_QUALIFIED_MONTHS_BY_STEPS if by_steps else _QUALIFIED_MONTHS, {
        "qualifying": json.dumps(ids), "lo": period.start.isoformat(),
        "hi": period.end.isoformat()})
    return [(str(m), src, int(n)) for m, src, n in rows]


def funnel(store: Store, period: Period) -> list[tuple[str, int]]:
    """(open stage in order, deals of the period that reached it) ..., then ('Won', n)."""
    return [(str(n), int(k)) for n, k in store.conn.execute(
        _FUNNEL, {"lo": period.start.isoformat(), "hi": period.end.isoformat()})]


# each deal's stage over day ranges [lo, hi): before its first change the stage it moved
# from (NULL: not recorded, taken as open), then each change until the next (the last of a
# day wins); without history its current stage from created_on (a won/lost one: open, stage
# unknown, until closed_on). One join of these ranges with the month ends, no per-day
# lookups (measured on 100k deals × 13 month ends: 6.0 s with correlated subqueries). Only
# the ranges that hold a month end are joined with the deals (`near`: joining ten years of
# ranges first took 2.5-3.0 s on the big file under load, this 1.7-2.0 s).
# `keep`: a deal whose last change (by changed_on, then id) is dated before the first
# month end and moved it into a won or lost stage is closed at every month end of the
# span (its earlier ranges all end by that change): its history is left out of the window
# functions (on the big file's year 33k of 100k deals stay: 2.1 s -> 1.2 s). A tie on the
# last changed_on keeps the deal (which of the tied rows is last is then the id's call).
# `_OPEN_AT_ALL` (every deal's history, every near range joined with the month ends) is the
# reference it is tested equal to.
_KEEP = """keep AS MATERIALIZED (
  SELECT l.deal_id FROM (SELECT deal_id, max(changed_on) AS mx, stage_id AS st
                         FROM deal_stage_history GROUP BY deal_id) l
  JOIN stages k ON k.id = l.st
  WHERE substr(l.mx, 1, 10) >= :first OR k.kind = 'open'
     OR (SELECT count(*) FROM deal_stage_history x
         WHERE x.deal_id = l.deal_id AND x.changed_on = l.mx) > 1),"""
_OPEN_AT_SQL = """
WITH ends AS (SELECT value AS day FROM json_each(:ends)), {keep}
h AS (SELECT deal_id, from_stage_id, stage_id, substr(changed_on, 1, 10) AS day,
             row_number() OVER w AS rn,
             lead(substr(changed_on, 1, 10), 1, '9999-12-31') OVER w AS next
      FROM deal_stage_history {only}
      WINDOW w AS (PARTITION BY deal_id ORDER BY changed_on, id)),
iv AS (
  SELECT deal_id AS deal, day AS lo, next AS hi, stage_id AS stage, 0 AS unknown FROM h
  UNION ALL
  SELECT h.deal_id, substr(d.created_on, 1, 10), h.day, h.from_stage_id,
         h.from_stage_id IS NULL
  FROM h JOIN deals d ON d.id = h.deal_id WHERE h.rn = 1
  UNION ALL
  SELECT d.id, substr(d.created_on, 1, 10),
         CASE WHEN k.kind = 'open' THEN '9999-12-31'
              ELSE coalesce(nullif(substr(d.closed_on, 1, 10), ''),
                            substr(d.created_on, 1, 10)) END,
         CASE WHEN k.kind = 'open' THEN d.stage_id END, k.kind <> 'open'
  FROM deals d JOIN stages k ON k.id = d.stage_id
  WHERE NOT EXISTS (SELECT 1 FROM deal_stage_history x WHERE x.deal_id = d.id)),{near}"""
# the reference's last step: every range near the span joined with the month ends, then
# with its deal and stage
_NEAR_THEN_DEALS = """
near AS MATERIALIZED (SELECT * FROM iv WHERE iv.hi > :first AND iv.lo <= :last)
SELECT e.day, count(*), sum(d.amount_e4), count(d.amount_e4)
FROM near iv JOIN ends e ON iv.lo <= e.day AND e.day < iv.hi
     JOIN deals d ON d.id = iv.deal
     LEFT JOIN stages k ON k.id = iv.stage
WHERE (iv.unknown OR k.kind = 'open') AND substr(d.created_on, 1, 10) <= e.day
GROUP BY e.day
"""
# Only the open (or unknown) ranges near the span, each with its deal's created day and
# amount looked up once, are joined with the month ends: not every near range, then its
# deal and stage once per month end it holds (322k pairs on the big file's year:
# 0.65 -> 0.55 s with `keep`).
_OPEN_NEAR = """
near AS MATERIALIZED (
  SELECT iv.lo, iv.hi, substr(d.created_on, 1, 10) AS made, d.amount_e4 AS amount
  FROM iv JOIN deals d ON d.id = iv.deal LEFT JOIN stages k ON k.id = iv.stage
  WHERE iv.hi > :first AND iv.lo <= :last AND (iv.unknown OR k.kind = 'open'))
SELECT e.day, count(*), sum(iv.amount), count(iv.amount)
FROM near iv JOIN ends e ON iv.lo <= e.day AND e.day < iv.hi AND iv.made <= e.day
GROUP BY e.day
"""
_OPEN_AT = _OPEN_AT_SQL.format(keep=_KEEP, only="WHERE deal_id IN keep", near=_OPEN_NEAR)
_OPEN_AT_ALL = _OPEN_AT_SQL.format(keep="", only="", near=_NEAR_THEN_DEALS)


def open_pipeline_at(store: Store, days: Sequence[date], *, every_deal: bool = False
                     ) -> dict[str, tuple[int, int, int]]:
    """ISO day -> (open deals, Σ amount_e4, deals with an amount) as of each day (module
    docstring); days with no open deal are left out. `every_deal`: the reference query
    over every deal's history."""
    if not days:
        return {}
    rows = store.conn.execute(_OPEN_AT_ALL if every_deal else _OPEN_AT, {
        "ends": json.dumps([d.isoformat() for d in days]),
        "first": min(days).isoformat(), "last": max(days).isoformat()})
    return {str(d): (int(n), int(a or 0), int(k)) for d, n, a, k in rows}


# ----- won and lost deals per month (the Pipeline page's `deal_months`) -----------------------
# The deals closed won or lost in the period, per calendar month of their close: the sums
# `queries_deals.deal_totals` makes for each month's slot (the same rules: stage kind, list
# amount = list_amount else the product's list price, cycle = whole days from creation to
# close, discount = 1 − amount ÷ list) — from the closed deals alone, not the cross join of
# every open or recent deal with every month (0.55 → 0.1 s on the big file's year).
_CLOSED_BY_MONTH = """
SELECT substr(closed, 1, 7) AS month, id, kind,
  iif(kind = 'won' AND created IS NOT NULL,
      CAST(julianday(closed) - julianday(created) AS INTEGER), NULL) AS cycle,
  iif(kind = 'won' AND amount IS NOT NULL AND list_e4 > 0,
      (1 - CAST(amount AS REAL) / list_e4) * 100, NULL) AS discount
FROM (SELECT d.id AS id, k.kind AS kind, d.amount_e4 AS amount,
        coalesce(d.list_amount_e4, pr.list_price_e4) AS list_e4,
        nullif(substr(d.created_on, 1, 10), '') AS created,
        nullif(substr(d.closed_on, 1, 10), '') AS closed
      FROM deals d JOIN stages k ON k.id = d.stage_id
      LEFT JOIN products pr ON pr.id = d.product_id
      WHERE k.kind IN ('won', 'lost'))
WHERE closed BETWEEN :lo AND :hi
ORDER BY id
"""


def closed_by_month(store: Store, period: Period) -> dict[str, DealTotals]:
    """month 'YYYY-MM' -> DealTotals of the deals closed won or lost in that month within
    the period (won, lost, cycle days and count, the won deals' discounts by deal id; the
    other sums 0). Months without a closed deal are left out."""
    acc: dict[str, list[Any]] = {}
    for month, _id, kind, cycle, discount in store.conn.execute(
            _CLOSED_BY_MONTH, {"lo": period.start.isoformat(), "hi": period.end.isoformat()}):
        got = acc.setdefault(month, [0, 0, 0, 0, []])
        if kind == "won":
            got[0] += 1
            if cycle is not None:
                got[2] += int(cycle)
                got[3] += 1
            if discount is not None:
                got[4].append(float(discount))
        else:
            got[1] += 1
    return {m: DealTotals(won=w, lost=lo, cycle_days=days, cycles=n, discounts=tuple(x))
            for m, (w, lo, days, n, x) in acc.items()}
