"""Monthly series of customer metrics in grouped SQL (issue 18): one query over the
months, not one catalogue (or one Python object per customer) per month.

`metrics_service.monthly_series` keeps the pure-Python path as the reference
(`customer_state.flows_over_periods`, facts counted per month);
`tests/test_perf_catalogue_series.py` checks these queries equal it on random files.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from custdesk.domain.periods import Period
from custdesk.storage.database import Store
from custdesk.storage.queries import FROM_CUSTOMER_LIST
from custdesk.storage.queries_summary import stats_source

# acquired(c) as `queries.customer_facts` dates it: acquired_on, else the first order,
# else the first won deal, else (customers sheet or by hand) the day it was entered. The
# won-deal seek runs only for the few customers with neither of the first two (coalesce
# stops at the first value): cheaper than grouping every won deal.
_ACQUIRED = f"""coalesce(nullif(substr(c.acquired_on, 1, 10), ''), substr(s.first_date, 1, 10),
  (SELECT substr(min(d.closed_on), 1, 10) FROM deals d JOIN stages k ON k.id = d.stage_id
   WHERE d.customer_id = c.id AND k.kind = 'won' AND d.closed_on IS NOT NULL),
  iif({FROM_CUSTOMER_LIST}, nullif(substr(c.created_on, 1, 10), ''), NULL))"""

_NEW_BY_DAY = f"""
SELECT acq, count(*) FROM (
  SELECT {_ACQUIRED} AS acq
  FROM customers c LEFT JOIN {{stats}} s ON s.customer_id = c.id)
WHERE acq BETWEEN :lo AND :hi GROUP BY acq
"""


def new_customers(store: Store, periods: Sequence[tuple[str, Period]]) -> dict[str, int]:
    """period key -> customers acquired in it (METRICS.md `customers_new`), for every
    period at once: customers counted per acquisition day in SQL, the days summed into
    the periods here (a few hundred rows, not one per customer)."""
    if not periods:
        return {}
    lo = min(p.start for _, p in periods).isoformat()
    hi = max(p.end for _, p in periods).isoformat()
    by_day = store.conn.execute(_NEW_BY_DAY.format(stats=stats_source(store)),
                                {"lo": lo, "hi": hi}).fetchall()
    out = {}
    for key, p in periods:
        a, b = p.start.isoformat(), p.end.isoformat()
        out[key] = sum(n for d, n in by_day if a <= d <= b)
    return out


# Revenue per calendar month: the whole months from the month index (an index range read
# in month order: no sort, no order line read), the last month from the date index up to
# the end's day (a line at a time of day on the end day sorts after it and is left out, as
# `queries.sales_by` leaves it out). Big file, 12 months: 0.16 s (sales_by's every sum,
# its distinct orders over the whole order-reference index) -> 0.02 s.
_REVENUE_BY_MONTH = """
SELECT month, sum(revenue_e4) FROM orders WHERE month BETWEEN :first AND :whole GROUP BY month
UNION ALL
SELECT :last, sum(revenue_e4) FROM orders WHERE date BETWEEN :start AND :end
"""


def revenue_by_month(store: Store, periods: Sequence[tuple[str, Period]]) -> dict[str, int]:
    """"YYYY-MM" -> Σ revenue_e4 of the lines of each period, for calendar months back to
    back (`metrics_service._month_periods`: each a whole month but the last, which ends on
    the series' end); a month without lines is left out. `queries.sales_by(..., "month")`'s
    revenue, the reference (tests/test_perf_trends.py)."""
    if not periods:
        return {}
    *whole, (_, last) = periods
    if any(p.start.day != 1 or key != p.start.strftime("%Y-%m") for key, p in periods) or \
            any((p.end + timedelta(days=1)).day != 1 for _, p in whole) or \
            (last.end.year, last.end.month) != (last.start.year, last.start.month) or \
            any(a.end + timedelta(days=1) != b.start for (_, a), (_, b) in zip(
                periods, periods[1:], strict=False)):
        raise ValueError("revenue_by_month needs calendar months, the last one cut or whole")
    first = periods[0][1].start
    params = {"first": first.year * 100 + first.month,
              "whole": (last.start.year * 100 + last.start.month) - 1 if whole else 0,
              "last": last.start.year * 100 + last.start.month,
              "start": last.start.isoformat(), "end": last.end.isoformat()}
    out = {}
    for month, revenue in store.conn.execute(_REVENUE_BY_MONTH, params):
        if revenue is not None:
            out[f"{month // 100:04d}-{month % 100:02d}"] = int(revenue)
    return out


# ---- the month bridge: start, new, won back, end, lost, retained per month -------------

# One row per customer with its state at each boundary day d0..dn (the day before the
# first period, then each period's end): active (a), marked lost (g), lapsed (p). The last
# order on or before d0 comes from the summary (an index seek only for customers whose
# history straddles d0); on or before a later dk, from one grouped pass over the span's
# order days. Columns are generated per boundary: the periods' count is small (12 months).
_STATES = """
WITH base AS MATERIALIZED (  -- with the last order by d0 in the same pass: no CTE to index
  SELECT c.id AS cid, coalesce(ACQUIRED, '9999-12-31') AS acq,
    nullif(substr(c.lost_on, 1, 10), '') AS lost_on,
    coalesce(c.status = 'lost', 0) AS marked,
    CASE WHEN s.last_date <= :d0 THEN s.last_date WHEN s.first_date > :d0 THEN NULL
         ELSE (SELECT max(o.date) FROM orders o WHERE o.customer_id = s.customer_id
               AND o.date <= :d0) END AS l0
  FROM customers c LEFT JOIN {stats} s ON s.customer_id = c.id),
span AS MATERIALIZED (  -- over each customer's order days, not every line: the date
  -- index gives them distinct in one pass, a third as many rows to take the maxima of
  SELECT customer_id AS cid, {span_cols}
  FROM (SELECT DISTINCT date, customer_id FROM orders WHERE date > :d0 AND date <= :dn)
  GROUP BY customer_id),
cust AS NOT MATERIALIZED (  -- read once, by play
  SELECT b.*, x.x{n} AS span_last, {last_cols}
  FROM base b LEFT JOIN span x ON x.cid = b.cid),
-- left out: customers never active at any boundary and not acquired in the span (no part
-- in any count): acquired after it, or by d0 but marked lost by d0 or lapsed at d0 with
-- no order since (a lapse only deepens while no order comes)
play AS MATERIALIZED (
  SELECT * FROM cust WHERE acq <= :dn AND NOT (acq <= :d0 AND (
    coalesce(lost_on <= :d0, marked) OR (span_last IS NULL AND coalesce(l0 < :w0, 0))))),
st AS MATERIALIZED (
  SELECT acq, {state_cols} FROM play)
SELECT {sums} FROM st
""".replace("ACQUIRED", _ACQUIRED)


def _bridge_sql(n: int, stats: str) -> str:
    """The statement for boundaries d0..dn (n periods)."""
    span_cols = ", ".join(f"max(iif(date <= :d{k}, date, NULL)) AS x{k}"
                          for k in range(1, n + 1))
    last_cols = ", ".join(f"coalesce(x.x{k}, b.l0) AS l{k}" for k in range(1, n + 1))
    state_cols = ", ".join(
        f"coalesce(lost_on <= :d{k}, marked) AS g{k}, "
        f"coalesce(l{k} < :w{k}, 0) AS p{k}, "
        f"acq <= :d{k} AND NOT coalesce(lost_on <= :d{k}, marked) "
        f"AND NOT coalesce(l{k} < :w{k}, 0) AS a{k}" for k in range(n + 1))
    sums = []
    for k in range(1, n + 1):
        b = k - 1
        new = f"(acq > :d{b} AND acq <= :d{k})"
        won_back = f"(a{k} AND acq <= :d{b} AND NOT g{b} AND p{b})"
        sums += [f"sum(a{b})", f"sum({new})", f"sum({won_back})", f"sum(a{k})",
                 f"sum((a{b} OR {new} OR {won_back}) AND NOT a{k})", f"sum(a{b} AND a{k})"]
    return _STATES.format(stats=stats, n=n, span_cols=span_cols, last_cols=last_cols,
                          state_cols=state_cols, sums=", ".join(sums))


# The same customers' states grouped by what decides them: how many boundaries their
# acquisition has reached (acq <= dk holds from some k on), how many their loss mark has
# (lost_on <= dk, or the status alone for every k), and the boundaries where they had
# lapsed (a bit each). A few thousand groups instead of the ~40 state columns and ~70 sums
# per customer of `_bridge_sql` (the reference, tests/test_perf_month_flows.py):
# the bridge's counts are added up per group in Python.
def _grouped_sql(n: int, stats: str) -> str:
    reached = " + ".join(f"(acq <= :d{k})" for k in range(n + 1))
    marked = " + ".join(f"coalesce(lost_on <= :d{k}, marked)" for k in range(n + 1))
    lapsed = " + ".join(f"(coalesce(l{k} < :w{k}, 0) << {k})" for k in range(n + 1))
    # play read once here (by the grouping): not stored first
    sql = _bridge_sql(n, stats).replace("play AS MATERIALIZED (", "play AS NOT MATERIALIZED (")
    tail = sql.index("st AS MATERIALIZED (")
    return (sql[:tail] + f"st AS (SELECT {reached} AS r, {marked} AS g, {lapsed} AS p "
            "FROM play)\nSELECT r, g, p, count(*) FROM st GROUP BY r, g, p\n")


# The same groups from two order days per customer: the last order by d0 (l0) and the
# first order in the span (f). When the window is at least the span (`_ends_decide`), an
# order inside the span keeps its customer from lapsing at every boundary from it on
# (dk - window <= d0 < the order), so a customer lapses only from l0 + window until f: one
# run of lapse bits, its ends found by a binary search over the sorted boundaries
# (`_rank`), not a column per boundary from every order day of the span.
# Big file, 12 months: 35.0M -> 11.7M SQLite VM steps, 0.37 -> 0.13 s.
_ENDS = """
WITH base AS MATERIALIZED (
  SELECT coalesce(ACQUIRED, '9999-12-31') AS acq,
    nullif(substr(c.lost_on, 1, 10), '') AS lost_on,
    coalesce(c.status = 'lost', 0) AS marked,
    CASE WHEN s.last_date IS NULL THEN NULL WHEN s.last_date <= :d0 THEN s.last_date
         WHEN s.first_date > :d0 THEN NULL
         ELSE (SELECT max(o.date) FROM orders o WHERE o.customer_id = c.id
               AND o.date <= :d0) END AS l0,
    CASE WHEN s.last_date IS NULL OR s.last_date <= :d0 OR s.first_date > :dn THEN NULL
         WHEN s.first_date > :d0 THEN s.first_date
         ELSE (SELECT min(o.date) FROM orders o WHERE o.customer_id = c.id
               AND o.date > :d0) END AS f0
  FROM customers c LEFT JOIN {stats} s ON s.customer_id = c.id),
play AS (  -- as `_STATES`' play (f: the span's first order, none after dn)
  SELECT acq, lost_on, marked, l0, iif(f0 <= :dn, f0, NULL) AS f
  FROM base WHERE acq <= :dn AND NOT (acq <= :d0 AND (coalesce(lost_on <= :d0, marked)
    OR (NOT coalesce(f0 <= :dn, 0) AND coalesce(l0 < :w0, 0)))))
SELECT {reached} AS r, {marked} AS g, {lapsed} AS p, count(*) FROM play GROUP BY r, g, p
""".replace("ACQUIRED", _ACQUIRED)


def rank(expr: str, tests: Sequence[tuple[str, str]]) -> str:
    """How many of `tests` (parameter name, operator) hold as `:name op expr`, for tests
    sorted so that each one holding means every one before it holds (boundaries in
    ascending order): a nested CASE halving the range (4 comparisons for 13 boundaries,
    not 13). `expr` is a column: it is named once per level."""
    def level(lo: int, hi: int) -> str:
        if lo == hi:
            return str(lo)
        mid = (lo + hi) // 2
        name, op = tests[mid]
        return (f"CASE WHEN :{name} {op} {expr} THEN {level(mid + 1, hi)} "
                f"ELSE {level(lo, mid)} END")
    return level(0, len(tests))


def _rank(expr: str, names: Sequence[str], op: str) -> str:
    """`rank` of one operator over the parameters `names` (sorted ascending)."""
    return rank(expr, [(name, op) for name in names])


def _ends_sql(n: int, stats: str) -> str:
    """`_grouped_sql`'s (reached, marked, lapsed bits) groups from `_ENDS` (n periods)."""
    d = [f"d{k}" for k in range(n + 1)]
    w = [f"w{k}" for k in range(n + 1)]
    reached = f"{n + 1} - ({_rank('acq', d, '<')})"
    marked = f"iif(lost_on IS NULL, marked * {n + 1}, {n + 1} - ({_rank('lost_on', d, '<')}))"
    # lapsed at boundary k: l0 < wk (bits from the first wk after l0 on), and no order of
    # the span by dk (bits up to the last dk before f; all when there is none)
    until = f"iif(f IS NULL, {1 << (n + 1)}, 1 << ({_rank('f', d, '<')}))"
    lapsed = f"iif(l0 IS NULL, 0, max(0, {until} - (1 << ({_rank('l0', w, '<=')}))))"
    return _ENDS.format(stats=stats, reached=reached, marked=marked, lapsed=lapsed)


def _ends_decide(periods: Sequence[Period], window: int) -> bool:
    """Whether `_ends_sql` holds: the window at least the span (d0, dn], so that no order
    inside it is before a boundary's dk - window (12 months and the usual 365-day window:
    always; a 366-day span of a leap year, 90 days: the grouped statement)."""
    first, last = periods[0].day_before(), periods[-1].end
    return last.toordinal() - first.toordinal() <= window


_MAX_BITS = 62  # lapse bits 0..n in a signed 64-bit integer


def _group_flows(n: int, groups: Sequence[tuple[int, int, int, int]]) -> list[list[int]]:
    """`_bridge_sql`'s sums from (reached, marked, lapsed bits, customers) groups: at
    boundary k a group is acquired when k >= n + 1 - reached, marked lost when
    k >= n + 1 - marked, lapsed when bit k is set."""
    out = [[0] * 6 for _ in range(n)]
    for reached, marked, lapsed, count in groups:
        acq = [k >= n + 1 - reached for k in range(n + 1)]
        gone = [k >= n + 1 - marked for k in range(n + 1)]
        late = [bool(lapsed >> k & 1) for k in range(n + 1)]
        active = [acq[k] and not gone[k] and not late[k] for k in range(n + 1)]
        for k in range(1, n + 1):
            b = k - 1
            new = not acq[b] and acq[k]
            won_back = active[k] and acq[b] and not gone[b] and late[b]
            row = out[b]
            row[0] += count * active[b]
            row[1] += count * new
            row[2] += count * won_back
            row[3] += count * active[k]
            row[4] += count * ((active[b] or new or won_back) and not active[k])
            row[5] += count * (active[b] and active[k])
    return out


def month_flows(store: Store, periods: Sequence[Period], window: int) -> list[list[int]]:
    """[start, new, won_back, end, lost, retained] per period (`flows_over_periods`' rules
    and order) for back-to-back periods (each starting the day after the one before
    ends), in one statement (`_ends_sql` when the window is at least the span, else
    `_grouped_sql`: 0.52 -> 0.35 -> 0.13 s on the big file's 12 months)."""
    if len(periods) >= _MAX_BITS:  # the lapse bits would not fit in an SQLite integer
        return month_flows_reference(store, periods, window)
    params = _flow_params(periods, window)
    if params is None:
        return []
    statement = _ends_sql if _ends_decide(periods, window) else _grouped_sql
    rows = store.conn.execute(statement(len(periods), stats_source(store)), params)
    return _group_flows(len(periods), [(int(r), int(g), int(p), int(c))
                                       for r, g, p, c in rows])


def month_flows_reference(store: Store, periods: Sequence[Period], window: int
                          ) -> list[list[int]]:
    """`month_flows` summed per customer in SQL (`_bridge_sql`)."""
    params = _flow_params(periods, window)
    if params is None:
        return []
    row = store.conn.execute(_bridge_sql(len(periods), stats_source(store)), params).fetchone()
    sums = [int(v or 0) for v in row]
    return [sums[6 * i:6 * i + 6] for i in range(len(periods))]


def _flow_params(periods: Sequence[Period], window: int) -> dict[str, str] | None:
    """The boundaries d0..dn and their lapse days w0..wn; None for no period."""
    if not periods:
        return None
    for a, b in zip(periods, periods[1:], strict=False):
        if a.end.toordinal() + 1 != b.start.toordinal():
            raise ValueError("month_flows needs back-to-back periods")
    bounds = [periods[0].day_before()] + [p.end for p in periods]
    params = {f"d{k}": d.isoformat() for k, d in enumerate(bounds)}
    params |= {f"w{k}": (d - timedelta(days=window)).isoformat() for k, d in enumerate(bounds)}
    params["dn"] = bounds[-1].isoformat()
    return params
