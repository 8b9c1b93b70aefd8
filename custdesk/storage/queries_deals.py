"""Deal metrics and deal lists summed in SQL (issue 18): no deal is loaded as a record to
count it.

`deal_totals` applies `domain.metrics_deals`' rules (a deal's stage kind and probability,
its list amount, open as of a day, won/lost in a period) inside SQLite for any number of
periods and groups at once — one grouped query for a whole monthly series or a breakdown
— and returns `DealTotals`, which `deal_metrics_from_totals` turns into the catalogue's
values. `tests/test_metrics_sql_parity_kinds.py` checks them against the pure-Python
reference on random deals. The lists load as records only the deals they show.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from custdesk.domain.metrics_deals import DealTotals, merge_spellings, qualifying_stages
from custdesk.domain.periods import Period
from custdesk.domain.records import Deal, Stage, StageKind
from custdesk.domain.text import name_key
from custdesk.storage.database import Store
from custdesk.storage.queries_cache import cached
from custdesk.storage.queries_records import DEAL_COLUMNS, deal_from_row, has_table

# round(x) as Python rounds a float: half to even (SQLite's round() goes half away from 0)
_HALF_EVEN = """(CAST({x} AS INTEGER) + CASE
    WHEN {x} - CAST({x} AS INTEGER) > 0.5 THEN 1
    WHEN {x} - CAST({x} AS INTEGER) < -0.5 THEN -1
    WHEN abs({x} - CAST({x} AS INTEGER)) = 0.5 THEN CAST({x} AS INTEGER) % 2
    ELSE 0 END)"""

# group keys of the breakdowns (NULL: the deal belongs to no group of that breakdown)
GROUPS = {
    None: "''",
    "owner": "coalesce(nullif(d.owner, ''), '(none)')",
    "product": "coalesce(pr.name, '(none)')",
    "segment": "iif(c.id IS NULL, NULL, coalesce(nullif(c.segment, ''), '(none)'))",
}

# one row per deal, resolved: stage kind, effective probability, list amount, days
_RESOLVED = """
SELECT d.id AS id, {grp} AS grp, d.amount_e4 AS amount, k.kind AS kind,
  coalesce(d.probability, k.probability) AS prob,
  coalesce(d.list_amount_e4, pr.list_price_e4) AS list_e4,
  nullif(substr(d.created_on, 1, 10), '') AS created,
  nullif(substr(d.closed_on, 1, 10), '') AS closed,
  {weighted} AS weighted
FROM deals d JOIN stages k ON k.id = d.stage_id
LEFT JOIN products pr ON pr.id = d.product_id
LEFT JOIN customers c ON c.id = d.customer_id
{where}
"""
# only deals that can count in some period (`_FLAGS`' WHERE, for the earliest period's
# start): open ones, and those closed or created since — decided before the joins, so
# the many deals closed long ago are neither joined nor materialized
_CAN_COUNT_REFERENCE = """WHERE k.kind = 'open' OR nullif(substr(d.closed_on, 1, 10), '') >= :first
   OR nullif(substr(d.created_on, 1, 10), '') >= :first"""
# the same deals without a substr of each deal's two days (100k deals on a big file: 0.144 ->
# 0.132 s CPU): a text's first 10 characters are >= :first (a day, 10 characters) exactly
# when the text is, the characters past the 10th deciding nothing; a blank day stays out
# (:first is "" only without a period, when nothing is summed)
_CAN_COUNT = """WHERE k.kind = 'open' OR d.closed_on >= :first OR d.created_on >= :first"""

_PERIODS = """p(key, lo, hi) AS MATERIALIZED (SELECT value ->> 0, value ->> 1, value ->> 2
                            FROM json_each(:periods))"""

_FLAGS = """
SELECT p.key AS key, r.*,
  (r.created IS NULL OR r.created <= p.hi)
    AND (r.kind = 'open' OR (r.closed IS NOT NULL AND r.closed > p.hi)) AS is_open,
  r.kind = 'won' AND r.closed BETWEEN p.lo AND p.hi AS won,
  r.kind = 'lost' AND r.closed BETWEEN p.lo AND p.hi AS lost,
  r.created BETWEEN p.lo AND p.hi AS created_in
FROM p CROSS JOIN r
-- deals closed and created before the period count for nothing in it: skip them early
WHERE (r.kind = 'open' AND (r.created IS NULL OR r.created <= p.hi))
   OR r.closed >= p.lo OR r.created >= p.lo
LIMIT -1  -- not flattened: each flag is computed once per row, not once per use
"""

# the sums (kind 0) and, in the same statement (one pass over the deals), the won deals'
# discounts (kind 1: the deal's id and its discount in the first two sums); `weighted`
# rounded in `r` (every deal that can count, each period's open or not): the reference
_SUMS_REFERENCE = f"""
WITH {_PERIODS}, r AS MATERIALIZED ({{resolved}}), f AS MATERIALIZED ({_FLAGS})
SELECT 0, key, grp,
  sum(is_open), sum(is_open AND amount IS NOT NULL),
  sum(iif(is_open AND amount IS NOT NULL, amount, 0)),
  sum(iif(is_open AND amount IS NOT NULL, weighted, 0)),
  sum(won), sum(lost), sum(iif(won, coalesce(amount, 0), 0)),
  sum((won OR lost) AND amount IS NOT NULL),
  sum(iif((won OR lost) AND amount IS NOT NULL, amount, 0)),
  sum(iif(won AND created IS NOT NULL,
          CAST(julianday(closed) - julianday(created) AS INTEGER), 0)),
  sum(won AND created IS NOT NULL), sum(coalesce(created_in, 0))
FROM f WHERE grp IS NOT NULL GROUP BY key, grp
UNION ALL
SELECT 1, key, grp, id, (1 - CAST(amount AS REAL) / list_e4) * 100,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM f WHERE won AND grp IS NOT NULL AND amount IS NOT NULL AND list_e4 > 0
"""
# `_SUMS_REFERENCE` with `weighted` the unrounded amount x probability (`_WEIGHT`), rounded
# here for the open deals with an amount alone: the rounding (the float expression seven
# times) ran for every deal of `r`; the same float rounded the same way (big file, Today's
# pair: 19.5M -> 17.3M SQLite VM steps)
_OPEN_WEIGHTED = "sum(iif(is_open AND amount IS NOT NULL, weighted, 0))"
assert _SUMS_REFERENCE.count(_OPEN_WEIGHTED) == 1
_SUMS = _SUMS_REFERENCE.replace(
    _OPEN_WEIGHTED,
    f"sum(iif(is_open AND amount IS NOT NULL, {_HALF_EVEN.format(x='weighted')}, 0))")
_WEIGHT = "(d.amount_e4 * coalesce(d.probability, k.probability) / 100.0)"


def _payload(periods: Sequence[tuple[str, Period]]) -> str:
    return json.dumps([[k, p.start.isoformat(), p.end.isoformat()] for k, p in periods])


def deal_totals(store: Store, periods: Sequence[tuple[str, Period]], by: str | None = None
                ) -> dict[tuple[str, str], DealTotals]:
    """(period key, group) -> DealTotals, for every period (one grouped query, not one per
    period) and every group of `by` ("owner", "product", "segment"; None: one group "";
    "segment+total" / "owner+total": both, the whole file under "" beside the segments or
    owners, in one pass).
    Groups without deals are left out (their totals are `DealTotals()`).
    "segment+total", and the file's sums of one or two periods, are kept until the next
    write: the catalogue pair of Today, Customers and New asks for the same periods', and
    Pipeline's cards for the file's of the period and its prior (a copy is handed out)."""
    if by == "segment+total":
        return dict(cached(store, ("deal totals by segment+total", _payload(periods)),
                           lambda: _with_file_totals(*_deal_sums(store, periods,
                                                                 _SEGMENT_OR_NO_CUSTOMER)),
                           small=True))
    if by == "owner+total":  # every deal has an owner group: the file is their sum
        return _with_file_totals(*_deal_sums(store, periods, GROUPS["owner"]))
    if by is None and len(periods) <= 2:  # the catalogue pair's (Today): Pipeline's cards
        return dict(cached(store, ("deal totals", _payload(periods)),
                           lambda: _totals(store, periods, None), small=True))
    return _totals(store, periods, by)


def _totals(store: Store, periods: Sequence[tuple[str, Period]], by: str | None
            ) -> dict[tuple[str, str], DealTotals]:
    sums, discounts = _deal_sums(store, periods, GROUPS[by])
    return {at: DealTotals(*ints, discounts=tuple(  # type: ignore[misc, arg-type]
                x for _, x in sorted(discounts.get(at, ()))))  # by deal id
            for at, ints in sums.items()}


# per segment, and the deals of no known customer under the integer 0 (never equal to a
# segment: those are text), which count in the file's sums only
_SEGMENT_OR_NO_CUSTOMER = "iif(c.id IS NULL, 0, coalesce(nullif(c.segment, ''), '(none)'))"

_Sums = dict[tuple[str, str], list[int]]
_Discounts = dict[tuple[str, str], list[tuple[int, float]]]


def _deal_sums(store: Store, periods: Sequence[tuple[str, Period]], grp: str,
               reference: bool = False) -> tuple[_Sums, _Discounts]:
    """(period key, group) -> the `DealTotals` whole numbers, and -> the won deals'
    (deal id, discount %), from one statement grouping by the SQL expression `grp`
    (`reference`: `_SUMS_REFERENCE`, the weighted values rounded for every deal)."""
    can_count = _CAN_COUNT_REFERENCE if reference else _CAN_COUNT
    resolved = _RESOLVED.format(grp=grp, where=can_count,
                                weighted=_HALF_EVEN.format(x=_WEIGHT) if reference
                                else _WEIGHT)
    params = {"periods": _payload(periods),
              "first": min(p.start for _, p in periods).isoformat() if periods else ""}
    discounts: _Discounts = {}
    sums: _Sums = {}
    for kind, key, g, *row in store.conn.execute(
            (_SUMS_REFERENCE if reference else _SUMS).format(resolved=resolved), params):
        if kind:
            discounts.setdefault((key, g), []).append((row[0], row[1]))
        else:
            sums[(key, g)] = [int(v or 0) for v in row]
    return sums, discounts


def _with_file_totals(sums: _Sums, discounts: _Discounts) -> dict[tuple[str, str], DealTotals]:
    """The segments' DealTotals (group 0, no known customer, left out) and per period key
    the whole file's under "": their whole numbers added, their discounts by deal id —
    what grouping every deal under "" gives, without a second pass over the deals."""
    file_sums: _Sums = {}
    file_discounts: _Discounts = {}
    for (key, g), ints in sums.items():
        total = file_sums.setdefault((key, ""), [0] * len(ints))
        for i, v in enumerate(ints):
            total[i] += v
        file_discounts.setdefault((key, ""), []).extend(discounts.get((key, g), ()))
    out = {at: DealTotals(*ints, discounts=tuple(  # type: ignore[misc, arg-type]
               x for _, x in sorted(file_discounts[at]))) for at, ints in file_sums.items()}
    out.update({at: DealTotals(*ints, discounts=tuple(  # type: ignore[misc, arg-type]
                    x for _, x in sorted(discounts.get(at, ()))))
                for at, ints in sums.items() if at[1] != 0})
    return out


def period_totals(store: Store, period: Period) -> DealTotals:
    """The whole file's DealTotals for one period."""
    return deal_totals(store, [("", period)]).get(("", ""), DealTotals())


_OPEN_AT = """(nullif(substr(d.created_on, 1, 10), '') IS NULL
               OR substr(d.created_on, 1, 10) <= :day)
  AND (s.kind = 'open' OR (nullif(substr(d.closed_on, 1, 10), '') IS NOT NULL
                           AND substr(d.closed_on, 1, 10) > :day))"""


def open_deals(store: Store, as_of: date) -> list[Deal]:
    """The deals open as of a day (`metrics_deals.is_open_at`), as records, by id: the only
    deals the hot/stale/slipped lists can show."""
    sql = (f"SELECT {DEAL_COLUMNS} FROM deals d JOIN stages s ON s.id = d.stage_id "
           f"WHERE {_OPEN_AT} ORDER BY d.id")
    return [deal_from_row(r) for r in store.conn.execute(sql, {"day": as_of.isoformat()})]


# The Pipeline screen's open deals as rows (`open_deal_rows`): what its lists show, in
# `metrics_lists.DealRow`'s field order (title: the deal's, else its reference; money in
# currency units), then what the board, the by-stage table and the lists' rules need.
# One flat statement: a CTE computing the weighted value once was slower (0.35 vs 0.15 s
# on the big file: its 18k wide rows materialized).
_OPEN_ROWS = f"""
SELECT d.id, coalesce(nullif(d.title, ''), d.ref), c.name, s.name, d.amount_e4 / 10000.0,
  coalesce(d.probability, s.probability),
  {_HALF_EVEN.format(x="(d.amount_e4 * coalesce(d.probability, s.probability) / 100.0)")}
    AS weighted_e4,
  d.expected_close, d.owner, d.created_on, d.closed_on, d.last_activity_on, d.lost_reason,
  d.competitor, d.next_step,
  s.kind, d.amount_e4, d.customer_id, d.next_step_on, d.needs_me, d.special_terms,
  coalesce(nullif(substr(d.last_activity_on, 1, 10), ''),
           nullif(substr(d.created_on, 1, 10), '')),
  nullif(substr(d.expected_close, 1, 10), '')
FROM deals d JOIN stages s ON s.id = d.stage_id
LEFT JOIN customers c ON c.id = d.customer_id
WHERE {_OPEN_AT}
ORDER BY coalesce(weighted_e4, 0) DESC, d.id
"""
# where each figure sits in a row of `open_deal_rows`: the first 15 are DealRow's fields,
# but the weighted value (ROW_WEIGHTED) is in ten-thousandths, as ROW_AMOUNT_E4
ROW_FIELDS, ROW_WEIGHTED = 15, 6
(ROW_KIND, ROW_AMOUNT_E4, ROW_CUSTOMER_ID, ROW_NEXT_STEP_ON, ROW_NEEDS_ME, ROW_SPECIAL_TERMS,
 ROW_TOUCHED, ROW_CLOSE) = range(15, 23)


def open_deal_rows(store: Store, as_of: date) -> list[tuple]:
    """The deals open as of a day (`metrics_deals.is_open_at`), biggest weighted value
    first (then by id), one tuple each (`ROW_*`: where each figure sits; ROW_TOUCHED: the
    last activity's day, else the creation day; ROW_CLOSE: the expected close's day) — no
    deal loaded as a record."""
    return store.conn.execute(_OPEN_ROWS, {"day": as_of.isoformat()}).fetchall()


def lost_deals(store: Store, period: Period) -> list[Deal]:
    """The deals closed as lost in the period, as records, by id."""
    sql = (f"SELECT {DEAL_COLUMNS} FROM deals d JOIN stages s ON s.id = d.stage_id "
           "WHERE s.kind = 'lost' AND nullif(substr(d.closed_on, 1, 10), '') "
           "BETWEEN :lo AND :hi ORDER BY d.id")
    return [deal_from_row(r) for r in store.conn.execute(
        sql, {"lo": period.start.isoformat(), "hi": period.end.isoformat()})]


def lost_sums_by_reason(store: Store, period: Period
                        ) -> list[tuple[str | None, int, int, int]]:
    """The deals closed as lost in the period per lost reason as written: (reason, deals,
    deals with an amount, Σ amount e4) — all the Lost screen's prior-period lost value and
    reason share need, in a few rows (a part on a second connection fetching thousands of
    rows would wait for the interpreter at each one while the screen's Python runs)."""
    return [(reason, n, valued, int(total or 0)) for reason, n, valued, total in
            store.conn.execute(
                "SELECT d.lost_reason, count(*), count(d.amount_e4), sum(d.amount_e4) "
                "FROM deals d JOIN stages s ON s.id = d.stage_id "
                "WHERE s.kind = 'lost' AND nullif(substr(d.closed_on, 1, 10), '') "
                "BETWEEN :lo AND :hi GROUP BY d.lost_reason",
                {"lo": period.start.isoformat(), "hi": period.end.isoformat()})]


# the deals closed won or lost in a period naming a competitor: per competitor (as
# spelled), stage kind and quarter of the close ("2025-Q3"), how many (kind 0); and per
# spelling its first deal by close then id (kind 1: closed_on, id)
_RIVAL_QUARTERS = """
WITH t AS MATERIALIZED (
  SELECT d.id, d.competitor, d.closed_on, s.kind,
    substr(d.closed_on, 1, 4) || '-Q' || ((CAST(substr(d.closed_on, 6, 2) AS INTEGER) + 2) / 3)
      AS quarter
  FROM deals d JOIN stages s ON s.id = d.stage_id
  WHERE s.kind IN ('won', 'lost') AND d.competitor IS NOT NULL
    AND nullif(substr(d.closed_on, 1, 10), '') BETWEEN :lo AND :hi)
SELECT 0, competitor, kind, quarter, count(*) FROM t GROUP BY competitor, kind, quarter
UNION ALL
SELECT 1, competitor, closed_on, id, NULL FROM (
  SELECT competitor, closed_on, id,
    row_number() OVER (PARTITION BY competitor ORDER BY closed_on, id) AS rn FROM t)
WHERE rn = 1
"""


def competitor_quarters(store: Store, period: Period
                        ) -> tuple[list[tuple[str, str, str, int]], list[tuple[str, str, int]]]:
    """The deals closed won or lost in the period that name a competitor, counted without
    loading them: ([(competitor as spelled, "won" or "lost", quarter "2025-Q3", deals)],
    [(competitor as spelled, closed_on, id) of its first deal by close, then id])."""
    counts: list[tuple[str, str, str, int]] = []
    firsts: list[tuple[str, str, int]] = []
    for part, rival, a, b, n in store.conn.execute(
            _RIVAL_QUARTERS, {"lo": period.start.isoformat(), "hi": period.end.isoformat()}):
        if part:
            firsts.append((rival, a, b))
        else:
            counts.append((rival, a, b, n))
    return counts, firsts


def closed_stage_sums(store: Store, period: Period) -> dict[str, tuple[int, int, int]]:
    """The pipeline board's won and lost stages (`pipeline_board.ClosedSums`): per stage
    name key, the deals closed there in the period, Σ amount e4 and Σ weighted e4 (amount ×
    the deal's probability, else its stage's, rounded as Python rounds) — summed in SQL,
    no deal loaded (`pipeline_board.closed_sums` is the reference)."""
    weighted = _HALF_EVEN.format(x="(d.amount_e4 * coalesce(d.probability, s.probability) "
                                   "/ 100.0)")
    sql = f"""SELECT s.name, count(*), sum(coalesce(d.amount_e4, 0)),
                     sum(iif(d.amount_e4 IS NULL, 0, {weighted}))
              FROM deals d JOIN stages s ON s.id = d.stage_id
              WHERE s.kind IN ('won', 'lost')
                AND nullif(substr(d.closed_on, 1, 10), '') BETWEEN :lo AND :hi
              GROUP BY s.id"""
    out: dict[str, list[int]] = {}
    for name, n, value, weighted_e4 in store.conn.execute(
            sql, {"lo": period.start.isoformat(), "hi": period.end.isoformat()}):
        sums = out.setdefault(name_key(name), [0, 0, 0])
        sums[0] += n
        sums[1] += int(value or 0)
        sums[2] += int(weighted_e4 or 0)
    return {k: (n, value, weighted_e4) for k, (n, value, weighted_e4) in out.items()}


def closed_by_stage_and_owner(store: Store, period: Period
                              ) -> list[tuple[str, str, str, int, int, int]]:
    """The deals closed won or lost in the period, per stage and owner group (as
    `GROUPS["owner"]`): (stage name, stage kind, owner group, deals, Σ amount e4, Σ
    weighted e4) — `closed_stage_sums` and the owners' won and lost counts from one pass."""
    weighted = _HALF_EVEN.format(x="(d.amount_e4 * coalesce(d.probability, s.probability) "
                                   "/ 100.0)")
    sql = f"""SELECT s.name, s.kind, {GROUPS["owner"]}, count(*),
                     sum(coalesce(d.amount_e4, 0)), sum(iif(d.amount_e4 IS NULL, 0, {weighted}))
              FROM deals d JOIN stages s ON s.id = d.stage_id
              WHERE s.kind IN ('won', 'lost')
                AND nullif(substr(d.closed_on, 1, 10), '') BETWEEN :lo AND :hi
              GROUP BY s.id, 3"""
    return [(name, kind, owner, n, int(value or 0), int(weighted_e4 or 0))
            for name, kind, owner, n, value, weighted_e4 in store.conn.execute(
                sql, {"lo": period.start.isoformat(), "hi": period.end.isoformat()})]


def stage_names_in_use(store: Store) -> list[str]:
    """The names of the stages at least one deal is in (index seeks, no deal scan)."""
    return [n for (n,) in store.conn.execute(
        "SELECT s.name FROM stages s WHERE EXISTS "
        "(SELECT 1 FROM deals d WHERE d.stage_id = s.id) ORDER BY s.id")]


def customer_labels_of(store: Store, deals: Sequence[Deal]
                       ) -> dict[int, tuple[str, str | None]]:
    """customer id -> (name, segment) of these deals' customers only."""
    ids = sorted({d.customer_id for d in deals if d.customer_id is not None})
    return {cid: (name, seg) for cid, name, seg in store.conn.execute(
        "SELECT id, name, segment FROM customers WHERE id IN "
        "(SELECT value FROM json_each(?))", (json.dumps(ids),))}


# leads_qualified (`metrics_deals.leads_qualified`): each deal's stages in order — the one
# it was created in on created_on (the first change's from stage, or its current stage
# without history), then every recorded change (changed_on, then id) — and the steps that
# move into the qualifying stages from outside them
# Only deals with a step dated in the period can enter a qualifying stage in it: the
# window functions run over those deals' histories, not the whole file's (a deal's steps
# are numbered within the deal, so leaving other deals out changes none of its numbers).
# Each change is a step from the stage before it: the previous change's (lag), or for the
# first change the creation step's (its from stage; none: outside). The creation step
# itself enters when its stage qualifies. One window pass over the changes, no union of
# steps sorted again. (`changed_on >= :lo` before the day's test: the same rows, cheaper.)
_HISTORY = """WITH cand AS MATERIALIZED (
  SELECT id FROM deals
  WHERE (created_on >= :lo AND substr(created_on, 1, 10) <= :hi)
     OR id IN (SELECT deal_id FROM deal_stage_history WHERE changed_on >= :lo
               AND nullif(substr(changed_on, 1, 10), '') BETWEEN :lo AND :hi)),
q(id) AS MATERIALIZED (SELECT value FROM json_each(:qualifying)),
h AS (
  SELECT x.deal_id, x.from_stage_id, x.stage_id, nullif(substr(x.changed_on, 1, 10), '')
    AS day, lag(x.stage_id) OVER w AS prev
  FROM deal_stage_history x
  WHERE x.deal_id IN (SELECT id FROM cand)
  WINDOW w AS (PARTITION BY x.deal_id ORDER BY x.changed_on, x.id))
SELECT count(DISTINCT deal_id) FROM h
WHERE (stage_id IN q AND NOT coalesce(coalesce(prev, from_stage_id) IN q, 0)
       AND day BETWEEN :lo AND :hi)
   OR (prev IS NULL AND from_stage_id IN q AND (
       SELECT nullif(substr(d.created_on, 1, 10), '') FROM deals d WHERE d.id = h.deal_id)
       BETWEEN :lo AND :hi)
"""
# `_HISTORY` as it was: every change joined to its deal's wide row for the creation day,
# which only a deal's first change reads (the candidates above are deals that exist, as
# the join kept; the creation day looked up for first changes alone: big file's year
# 0.135 -> 0.119 s CPU); kept as its reference (tests/test_perf_leads_created_day.py).
# Above also: a deal's creation day compared whole against :lo (a day, 10 characters:
# the text is >= it exactly when its first 10 characters are), and a deal's first change
# known by having no change before it (`prev`: stage_id is never NULL), not by numbering
# the changes (0.119 -> ~0.11 s)
_HISTORY_JOINED = """WITH cand AS MATERIALIZED (
  SELECT deal_id FROM deal_stage_history
  WHERE changed_on >= :lo AND nullif(substr(changed_on, 1, 10), '') BETWEEN :lo AND :hi
  UNION SELECT id FROM deals WHERE nullif(substr(created_on, 1, 10), '') BETWEEN :lo AND :hi),
q(id) AS MATERIALIZED (SELECT value FROM json_each(:qualifying)),
h AS (
  SELECT x.deal_id, x.from_stage_id, x.stage_id, nullif(substr(x.changed_on, 1, 10), '')
    AS day, nullif(substr(d.created_on, 1, 10), '') AS created,
    row_number() OVER w AS rn, lag(x.stage_id) OVER w AS prev
  FROM deal_stage_history x JOIN deals d ON d.id = x.deal_id
  WHERE x.deal_id IN cand
  WINDOW w AS (PARTITION BY x.deal_id ORDER BY x.changed_on, x.id))
SELECT count(DISTINCT deal_id) FROM h
WHERE (stage_id IN q AND NOT coalesce(iif(rn = 1, from_stage_id, prev) IN q, 0)
       AND day BETWEEN :lo AND :hi)
   OR (rn = 1 AND from_stage_id IN q AND created BETWEEN :lo AND :hi)
"""
# the same count by the steps spelled out (creation step, then every change; the lag over
# them), the statement `_HISTORY_JOINED` replaced: kept as its reference (tests)
_HISTORY_BY_STEPS = """WITH cand AS MATERIALIZED (
  SELECT deal_id FROM deal_stage_history
  WHERE nullif(substr(changed_on, 1, 10), '') BETWEEN :lo AND :hi
  UNION SELECT id FROM deals WHERE nullif(substr(created_on, 1, 10), '') BETWEEN :lo AND :hi),
h AS MATERIALIZED (
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
  FROM steps WHERE stage IS NOT NULL)
SELECT count(DISTINCT deal) FROM (
  SELECT deal, day, inside, lag(inside, 1, 0) OVER (PARTITION BY deal ORDER BY rn) AS before
  FROM marked)
WHERE inside AND NOT before AND day BETWEEN :lo AND :hi
"""
# deals without history: created in a qualifying stage within the period
_NO_HISTORY_REFERENCE = """
SELECT count(*) FROM deals d
WHERE d.stage_id IN (SELECT value FROM json_each(:qualifying))
  AND nullif(substr(d.created_on, 1, 10), '') BETWEEN :lo AND :hi {without}
"""
# the same count from one plain scan of the deals, the day tested first (`created_on >=
# :lo` is `substr(created_on, 1, 10) >= :lo`: :lo is a day, 10 characters): the stage
# index found every deal of a qualifying stage (43k of the big file's 100k) and read its
# row for the day (0.027 -> 0.013 s CPU)
_NO_HISTORY = """
SELECT count(*) FROM deals d NOT INDEXED
WHERE d.created_on >= :lo AND substr(d.created_on, 1, 10) <= :hi
  AND d.stage_id IN (SELECT value FROM json_each(:qualifying)) {without}
"""
_WITHOUT = "AND NOT EXISTS (SELECT 1 FROM deal_stage_history x WHERE x.deal_id = d.id)"


def leads_qualified(store: Store, period: Period) -> int | None:
    """Deals that entered Qualified or a later stage (not lost) during the period, by their
    stage history (`metrics_deals.leads_qualified`, tested equal); None without a stage
    named Qualified. Kept until the next write (every catalogue of the period asks)."""
    return cached(store, ("leads qualified", period), lambda: _leads_qualified(store, period),
                  small=True)


def _leads_qualified(store: Store, period: Period) -> int | None:
    """`leads_qualified`, computed."""
    stages = [(i, Stage(name, StageKind(kind), prob, pos)) for i, name, kind, prob, pos in
              store.conn.execute("SELECT id, name, kind, probability, position FROM stages "
                                 "ORDER BY position, id")]
    qualifying = qualifying_stages([s for _, s in stages])
    if qualifying is None:
        return None
    ids = [i for i, s in stages if name_key(s.name) in qualifying]
    params = {"qualifying": json.dumps(ids), "lo": period.start.isoformat(),
              "hi": period.end.isoformat()}
    history = has_table(store, "deal_stage_history")  # older files: no deal has history
    found = store.conn.execute(_NO_HISTORY.format(without=_WITHOUT if history else ""),
                               params).fetchone()[0]
    if history:
        found += store.conn.execute(_HISTORY, params).fetchone()[0]
    return int(found or 0)


def leads_by_source(store: Store, period: Period) -> dict[str, int]:
    """`leads_new` per deal source (`metrics_deals.leads_by_source`, tested equal)."""
    rows = store.conn.execute(
        "SELECT source, sum(coalesce(nullif(substr(created_on, 1, 10), '') BETWEEN ? AND ?, "
        "0)) FROM deals GROUP BY source ORDER BY min(id)",
        (period.start.isoformat(), period.end.isoformat()))
    return {label: n for label, n in merge_spellings(
        (src, int(k or 0)) for src, k in rows).items() if n}


def group_names(store: Store, by: str) -> list[str]:
    """Every group of `by` ("owner", "product") that holds a deal (resolved as in
    `deal_totals`): a breakdown lists each, also when none of its deals touch the period."""
    sql = (f"SELECT DISTINCT {GROUPS[by]} FROM deals d JOIN stages k ON k.id = d.stage_id "
           "LEFT JOIN products pr ON pr.id = d.product_id "
           "LEFT JOIN customers c ON c.id = d.customer_id")
    return sorted(g for (g,) in store.conn.execute(sql) if g is not None)
