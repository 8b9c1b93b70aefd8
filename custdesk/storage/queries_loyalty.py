"""SQL for the Loyalty and New screens (issue 15): the cohort table by months since
acquisition (share active and revenue retained), purchase habits, renewals under the
owner's rule, revenue by NPS group and the new customers' first 90 days.

Acquisition and activity follow METRICS.md ("Customer state"), as `queries_cohorts` does.
Each function is one statement grouped in SQLite: at 100k customers / 1M lines nothing
per line comes into Python (`benchmarks/bench_cohorts.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from custdesk.domain.periods import Period
from custdesk.storage.database import Store
from custdesk.storage.queries_cohorts import _ACQ
from custdesk.storage.queries_lists import (
    FIRST_KEY,
    FIRST_KEY_VALUE,
    FLAGS_SQL,
    GroupSums,
    LoyaltyGroups,
    flag_params,
)
from custdesk.storage.queries_reasons import _register
from custdesk.storage.queries_summary import stats_source

# a distinct order: its order_ref, else its day (METRICS.md orders_count / repeat)
_ORDER_KEY = "coalesce(o.order_ref, 'd' || o.date)"
_MONTH_NO = "(CAST(substr({d}, 1, 4) AS INTEGER) * 12 + CAST(substr({d}, 6, 2) AS INTEGER))"

_COHORT_SQL = """
WITH RECURSIVE k(m) AS (SELECT 0 UNION ALL SELECT m + 1 FROM k WHERE m < :max_k),
a AS (
  SELECT c.id AS cid, {acq} AS acq, nullif(substr(c.lost_on, 1, 10), '') AS lost_on,
    coalesce(c.status = 'lost', 0) AS status_lost, s.first_date AS first_on,
    s.last_date AS last_on
  FROM customers c LEFT JOIN {stats} s ON s.customer_id = c.id),
h AS MATERIALIZED (
  SELECT cid, acq, lost_on, status_lost, first_on, last_on, {acq_month} AS am,
    date(first_on, :w_fwd) AS first_until, date(last_on, :w_fwd) AS last_until,
    iif(:by = 'month', substr(acq, 1, 7),
        substr(acq, 1, 4) || '-Q' || ((CAST(substr(acq, 6, 2) AS INTEGER) + 2) / 3)) AS cohort
  FROM a WHERE acq BETWEEN :lo AND :end),
n AS MATERIALIZED (SELECT cohort, count(*) AS n, max(acq) AS last_acq FROM h GROUP BY cohort),
-- the last month every customer of the cohort has reached: later cells are not shown
r AS MATERIALIZED (
  SELECT n.cohort, max(k.m) AS max_k FROM n CROSS JOIN k
  WHERE date(n.last_acq, '+' || k.m || ' months') <= :end GROUP BY n.cohort),
-- each acquisition day's cell days, once per day rather than once per customer (a few
-- hundred days for tens of thousands of customers: 0.65 -> 0.54 s on the big file, with x
-- read straight into act's sums instead of stored first)
dd AS MATERIALIZED (
  SELECT a.acq, k.m, date(a.acq, '+' || k.m || ' months') AS d
  FROM (SELECT DISTINCT acq, cohort FROM h) a CROSS JOIN r ON r.cohort = a.cohort
  CROSS JOIN k ON k.m <= r.max_k),
x AS (
  SELECT h.cid, h.cohort, h.lost_on, h.status_lost, h.first_on, h.last_on, h.first_until,
    h.last_until, dd.m, dd.d
  FROM h JOIN dd ON dd.acq = h.acq),
-- active on d: not marked lost by d, and no orders up to d or the last of them within W
-- days; the first and last order days settle most cells without a look at the orders
act AS (
  SELECT cohort, m, sum(NOT iif(lost_on IS NOT NULL, lost_on <= d, status_lost) AND CASE
      WHEN first_on IS NULL OR first_on > d OR d <= first_until THEN 1
      WHEN last_on <= d THEN d <= last_until
      ELSE (SELECT max(o.date) FROM orders o WHERE o.customer_id = cid AND o.date <= d)
           >= date(d, :w_back) END) AS active
  FROM x GROUP BY cohort, m),
rev AS (
  SELECT cohort, {order_month} - am AS m, sum(o.revenue_e4) AS rev
  FROM h CROSS JOIN orders o ON o.customer_id = h.cid
    AND o.date >= substr(h.acq, 1, 7) || '-01' AND o.date <= :end
    AND o.date < date(substr(h.acq, 1, 7) || '-01', :k_after)
  GROUP BY 1, 2)
SELECT n.cohort, k.m, n.n, act.active IS NOT NULL, coalesce(act.active, 0),
  coalesce(rev.rev, 0)
FROM n CROSS JOIN k LEFT JOIN act ON act.cohort = n.cohort AND act.m = k.m
  LEFT JOIN rev ON rev.cohort = n.cohort AND rev.m = k.m
ORDER BY n.cohort, k.m
"""


# The same cells with each customer's row carrying all its months as columns: the cell
# days (and W days before them) once per acquisition day, the actives summed per cohort
# and month column, a cell past the cohort's last reached month NULL (so not counted and
# not "reached", as a missing row of `_COHORT_SQL`, the reference: tests/
# test_perf_cohort_cells.py). No row per customer and month to sort by cohort: the big
# file's 340k cells, 0.83 -> 0.57 s CPU side by side under load.
_COHORT_COLUMNS_SQL = """
WITH RECURSIVE k(m) AS (SELECT 0 UNION ALL SELECT m + 1 FROM k WHERE m < :max_k),
a AS (
  SELECT c.id AS cid, {acq} AS acq, nullif(substr(c.lost_on, 1, 10), '') AS lost_on,
    coalesce(c.status = 'lost', 0) AS status_lost, s.first_date AS first_on,
    s.last_date AS last_on
  FROM customers c LEFT JOIN {stats} s ON s.customer_id = c.id),
h AS MATERIALIZED (
  SELECT cid, acq, lost_on, status_lost, first_on, last_on, {acq_month} AS am,
    date(first_on, :w_fwd) AS first_until, date(last_on, :w_fwd) AS last_until,
    iif(:by = 'month', substr(acq, 1, 7),
        substr(acq, 1, 4) || '-Q' || ((CAST(substr(acq, 6, 2) AS INTEGER) + 2) / 3)) AS cohort
  FROM a WHERE acq BETWEEN :lo AND :end),
n AS MATERIALIZED (SELECT cohort, count(*) AS n, max(acq) AS last_acq FROM h GROUP BY cohort),
r AS MATERIALIZED (
  SELECT n.cohort, max(k.m) AS max_k FROM n CROSS JOIN k
  WHERE date(n.last_acq, '+' || k.m || ' months') <= :end GROUP BY n.cohort),
dd AS MATERIALIZED (SELECT acq, {day_cols} FROM (SELECT DISTINCT acq FROM h)),
-- h outermost (CROSS JOIN keeps the order): the small r and dd are looked up per customer,
-- not an index built over h's 34k rows for each cohort's days (0.45 -> 0.43 s, big file)
act AS MATERIALIZED (
  SELECT h.cohort AS cohort, {active_cols}
  FROM h CROSS JOIN r ON r.cohort = h.cohort CROSS JOIN dd ON dd.acq = h.acq
  GROUP BY h.cohort),
rev AS (
  SELECT cohort, {order_month} - am AS m, sum(o.revenue_e4) AS rev
  FROM h CROSS JOIN orders o ON o.customer_id = h.cid
    AND o.date >= substr(h.acq, 1, 7) || '-01' AND o.date <= :end
    AND o.date < date(substr(h.acq, 1, 7) || '-01', :k_after)
  GROUP BY 1, 2)
SELECT n.cohort, k.m, n.n, {pick} IS NOT NULL, coalesce({pick}, 0), coalesce(rev.rev, 0)
FROM n CROSS JOIN k LEFT JOIN act ON act.cohort = n.cohort
  LEFT JOIN rev ON rev.cohort = n.cohort AND rev.m = k.m
ORDER BY n.cohort, k.m
"""
# one month's active flag in _COHORT_COLUMNS_SQL (as `act` of _COHORT_SQL has it)
_ACTIVE_AT = """sum(iif({m} <= r.max_k,
    NOT iif(h.lost_on IS NOT NULL, h.lost_on <= dd.d{m}, h.status_lost) AND CASE
      WHEN h.first_on IS NULL OR h.first_on > dd.d{m} OR dd.d{m} <= h.first_until THEN 1
      WHEN h.last_on <= dd.d{m} THEN dd.d{m} <= h.last_until
      ELSE (SELECT max(o.date) FROM orders o WHERE o.customer_id = h.cid
            AND o.date <= dd.d{m}) >= dd.w{m} END, NULL)) AS a{m}"""


def _cohort_columns_sql(max_months: int) -> str:
    months = range(max_months + 1)
    return _COHORT_COLUMNS_SQL.replace("{day_cols}", ", ".join(
        f"date(acq, '+{m} months') AS d{m}, date(date(acq, '+{m} months'), :w_back) AS w{m}"
        for m in months)).replace("{active_cols}", ", ".join(
            _ACTIVE_AT.format(m=m) for m in months)).replace(
        "{pick}", "CASE k.m {} END".format(" ".join(f"WHEN {m} THEN act.a{m}" for m in months)))


@dataclass(frozen=True)
class CohortCell:
    cohort: str  # "2026-03" or "2026-Q1"
    months: int  # months since acquisition, 0..max
    customers: int
    reached: bool  # every customer of the cohort acquired + months on or before `end`
    active: int  # of them, active on that day (0 when not reached)
    revenue_e4: int  # the cohort's revenue in its customers' month `months` after acquiring


def cohort_cells(store: Store, lo: date, end: date, window: int, *, by: str = "month",
                 max_months: int = 12) -> list[CohortCell]:
    """Customers acquired lo..end by month (or quarter): for k = 0..max_months, how many
    were active k months after their own acquisition day, and their revenue in their own
    k-th calendar month after the month they were acquired (month 0 = that month)."""
    if by not in ("month", "quarter"):
        raise ValueError(f"cohorts by month or quarter, not {by!r}")
    return _cohort_cells(store, _cohort_columns_sql(max_months), lo, end, window, by,
                         max_months)


def cohort_cells_reference(store: Store, lo: date, end: date, window: int, *,
                           by: str = "month", max_months: int = 12) -> list[CohortCell]:
    """`cohort_cells` by one row per customer and month (`_COHORT_SQL`)."""
    if by not in ("month", "quarter"):
        raise ValueError(f"cohorts by month or quarter, not {by!r}")
    return _cohort_cells(store, _COHORT_SQL, lo, end, window, by, max_months)


def _cohort_cells(store: Store, template: str, lo: date, end: date, window: int, by: str,
                  max_months: int) -> list[CohortCell]:
    sql = template.format(acq=_ACQ, stats=stats_source(store),
                          acq_month=_MONTH_NO.format(d="acq"),
                          # from the date, not o.month: the covering index has no month
                          order_month=_MONTH_NO.format(d="o.date"))
    params = {"lo": lo.isoformat(), "end": end.isoformat(), "w_back": f"-{window} days",
              "w_fwd": f"+{window} days", "by": by, "max_k": max_months,
              "k_after": f"+{max_months + 1} months"}
    return [CohortCell(c, int(m), int(n), bool(r), int(a or 0), int(rev or 0))
            for c, m, n, r, a, rev in store.conn.execute(sql, params)]


# ----- purchase habits ---------------------------------------------------------------------
_HABITS_REFERENCE_SQL = f"""
WITH d AS (
  SELECT o.customer_id AS cid, {_ORDER_KEY} AS k, min(o.date) AS day
  FROM orders o WHERE o.date BETWEEN :start AND :end GROUP BY o.customer_id, k),
g AS (
  SELECT cid, julianday(day) - julianday(lag(day) OVER (PARTITION BY cid ORDER BY day, k))
    AS gap FROM d)
SELECT 'orders', n, count(*) FROM (SELECT count(*) AS n FROM d GROUP BY cid) GROUP BY n
UNION ALL
SELECT 'gap', CAST(gap AS INTEGER), count(*) FROM g WHERE gap IS NOT NULL GROUP BY 2
"""
# `_HABITS_REFERENCE_SQL` (tests/test_perf_loyalty_first_paint.py: equal) with each order's
# day turned into a day number once (not twice per gap) and the gaps' window sorted by the
# day alone: orders of one day are each other's neighbours in any order, and their gaps
# (0) and those to the days around them are the same whichever comes first. Big file's
# 147k orders of a year: 0.35 -> 0.30 s CPU.
_HABITS_SQL = f"""
WITH d AS (
  SELECT o.customer_id AS cid, min(o.date) AS day, julianday(min(o.date)) AS jd
  FROM orders o WHERE o.date BETWEEN :start AND :end GROUP BY o.customer_id, {_ORDER_KEY}),
g AS (SELECT cid, jd - lag(jd) OVER (PARTITION BY cid ORDER BY day) AS gap FROM d)
SELECT 'orders', n, count(*) FROM (SELECT count(*) AS n FROM d GROUP BY cid) GROUP BY n
UNION ALL
SELECT 'gap', CAST(gap AS INTEGER), count(*) FROM g WHERE gap IS NOT NULL GROUP BY 2
"""


@dataclass(frozen=True)
class Habits:
    orders_per_customer: dict[int, int]  # distinct orders -> customers with that many
    gaps: dict[int, int]  # days between a customer's consecutive orders -> how often


def habits(store: Store, start: date, end: date) -> Habits:
    """How many distinct orders each customer placed from `start` to `end`, and the days
    between each customer's consecutive orders in that span (both as counts, for a
    distribution and a median)."""
    return _habits(store, _HABITS_SQL, start, end)


def habits_reference(store: Store, start: date, end: date) -> Habits:
    """`habits` by the statement before (`_HABITS_REFERENCE_SQL`)."""
    return _habits(store, _HABITS_REFERENCE_SQL, start, end)


def _habits(store: Store, sql: str, start: date, end: date) -> Habits:
    orders: dict[int, int] = {}
    gaps: dict[int, int] = {}
    params = {"start": start.isoformat(), "end": end.isoformat()}
    for what, value, count in store.conn.execute(sql, params):
        (orders if what == "orders" else gaps)[int(value)] = int(count)
    return Habits(orders, gaps)


_LOYAL_SQL = """
WITH b AS (SELECT CAST(key AS INTEGER) AS i, json_extract(value, '$[0]') AS lo,
                  json_extract(value, '$[1]') AS hi FROM json_each(:buckets)),
per AS (
  SELECT o.customer_id AS cid, count(DISTINCT b.i) AS hit, sum(o.revenue_e4) AS rev
  FROM orders o JOIN b ON o.date BETWEEN b.lo AND b.hi
  WHERE o.date BETWEEN :lo AND :hi GROUP BY o.customer_id)
SELECT sum(hit = :n), sum(iif(hit = :n, rev, 0)), sum(rev), count(*) FROM per
"""


@dataclass(frozen=True)
class Loyal:
    customers: int  # ordered in every one of the buckets
    revenue_e4: int  # their revenue over the buckets' span
    total_revenue_e4: int  # everyone's revenue over that span
    buying: int  # customers with an order in the span


def loyal(store: Store, buckets: list[tuple[date, date]]) -> Loyal:
    """Customers with an order in each of `buckets` (closed date ranges) and their share of
    the revenue over the buckets' whole span."""
    lo = min(b[0] for b in buckets)
    hi = max(b[1] for b in buckets)
    params = {"buckets": json.dumps([[a.isoformat(), b.isoformat()] for a, b in buckets]),
              "lo": lo.isoformat(), "hi": hi.isoformat(), "n": len(buckets)}
    n, rev, total, buying = store.conn.execute(_LOYAL_SQL, params).fetchone()
    return Loyal(int(n or 0), int(rev or 0), int(total or 0), int(buying or 0))


# ----- renewals under the owner's rule -----------------------------------------------------
_WHY_STAY = """(SELECT trim(v.reason) FROM surveys v WHERE v.customer_id = c.id
     AND v.date < :after AND custdesk_reason_panel(v.question, NULL) = 'stay'
     AND trim(coalesce(v.reason, '')) != '' ORDER BY v.date DESC, v.id DESC LIMIT 1)"""

# (b) the last order before `from` (L) sets a deadline L + N days; due when the deadline
# is on or after `from`; renewed by an order from `from` up to min(deadline, `to`); not
# renewed when the deadline passed by `to` with no such order (else: not due yet)
_GAP_SQL = f"""
WITH l AS (
  SELECT o.customer_id AS cid, max(o.date) AS last FROM orders o WHERE o.date < :start
  GROUP BY o.customer_id),
x AS (SELECT cid, last, date(last, :days) AS due FROM l WHERE date(last, :days) >= :start)
SELECT c.id, c.name, c.segment, x.last, x.due,
  (SELECT min(o.date) FROM orders o WHERE o.customer_id = c.id AND o.date >= :start
     AND o.date <= min(x.due, :end)),
  (SELECT coalesce(sum(o.revenue_e4), 0) FROM orders o WHERE o.customer_id = c.id
     AND o.date BETWEEN date(:start, '-365 days') AND date(:start, '-1 days')),
  (SELECT coalesce(sum(o.revenue_e4), 0) FROM orders o WHERE o.customer_id = c.id
     AND o.date BETWEEN :start AND :end), {_WHY_STAY}
FROM x JOIN customers c ON c.id = x.cid
"""

# (c) contract end in the period: renewed by an order from 30 days before the contract
# end up to `to` (the order for the next term); no such order: not renewed
_CONTRACT_SQL = f"""
SELECT c.id, c.name, c.segment, NULL, substr(c.contract_end, 1, 10),
  (SELECT min(o.date) FROM orders o WHERE o.customer_id = c.id
     AND o.date >= date(substr(c.contract_end, 1, 10), '-{{lead}} days') AND o.date <= :end),
  (SELECT coalesce(sum(o.revenue_e4), 0) FROM orders o WHERE o.customer_id = c.id
     AND o.date BETWEEN date(substr(c.contract_end, 1, 10), '-365 days')
                    AND date(substr(c.contract_end, 1, 10), '-1 days')),
  (SELECT coalesce(sum(o.revenue_e4), 0) FROM orders o WHERE o.customer_id = c.id
     AND o.date BETWEEN :start AND :end), {_WHY_STAY}
FROM customers c
WHERE substr(c.contract_end, 1, 10) BETWEEN :start AND :end
"""
CONTRACT_LEAD_DAYS = 30  # a renewal order may come this many days before the contract end


@dataclass(frozen=True)
class RenewalDue:
    customer_id: int
    customer: str
    segment: str | None
    last_order_on: str | None  # (b) the order the deadline counts from
    due_on: str  # (b) last order + N days; (c) the contract end
    renewed_on: str | None  # the renewing order's day, None when not (yet) renewed
    prior_value_e4: int  # (b) the 365 days before `from`; (c) the year before the end
    value_e4: int  # their revenue in the period
    why_stay: str | None


def renewals_by_gap(store: Store, start: date, end: date, days: int) -> list[RenewalDue]:
    """Rule (b): customers due to re-order within `days` of their last order before
    `start`, whose deadline falls in or after the period (see _GAP_SQL); rows not renewed
    whose deadline is after `end` are left out (not due yet)."""
    rows = _due(store, _GAP_SQL, start, end, {"days": f"+{days} days"})
    return [r for r in rows if r.renewed_on is not None or r.due_on <= end.isoformat()]


def renewals_by_contract(store: Store, start: date, end: date) -> list[RenewalDue]:
    """Rule (c): customers whose contract_end lies in the period (see _CONTRACT_SQL)."""
    return _due(store, _CONTRACT_SQL.format(lead=CONTRACT_LEAD_DAYS), start, end, {})


def _due(store: Store, sql: str, start: date, end: date, extra: dict[str, str]
         ) -> list[RenewalDue]:
    _register(store.conn)
    params = {"start": start.isoformat(), "end": end.isoformat(),
              "after": (end + timedelta(days=1)).isoformat(), **extra}
    return [RenewalDue(int(cid), name, seg, last, due[:10], None if on is None else on[:10],
                       int(prior or 0), int(value or 0), why)
            for cid, name, seg, last, due, on, prior, value, why
            in store.conn.execute(sql, params)]


# ----- per customer: revenue in a range and latest NPS as of a day ------------------------
_NPS_REVENUE_SQL = """
SELECT c.id,
  (SELECT v.nps FROM surveys v WHERE v.customer_id = c.id AND v.kind = 'customer'
     AND v.nps IS NOT NULL AND v.date < :after ORDER BY v.date DESC, v.id DESC LIMIT 1),
  (SELECT sum(o.revenue_e4) FROM orders o WHERE o.customer_id = c.id
     AND o.date BETWEEN :start AND :end)
FROM customers c
"""


def nps_and_revenue(store: Store, start: date, end: date
                    ) -> dict[int, tuple[int | None, int]]:
    """customer id -> (latest customer-survey NPS answered up to `end`, or None; revenue
    from `start` to `end`)."""
    params = {"start": start.isoformat(), "end": end.isoformat(),
              "after": (end + timedelta(days=1)).isoformat()}
    return {int(cid): (None if nps is None else int(nps), int(rev or 0))
            for cid, nps, rev in store.conn.execute(_NPS_REVENUE_SQL, params)}


# ----- the new customers' first 90 (and 180) days ------------------------------------------
# the four sums of the 90 days from acquisition, one look at the lines each
_SUMS_90D = """(SELECT sum(o.revenue_e4) FROM orders o WHERE o.customer_id = cid
     AND o.date BETWEEN acq AND min(date(acq, '+89 days'), :end)),
  (SELECT sum(iif(o.cost_e4 IS NULL, 0, o.revenue_e4)) FROM orders o
     WHERE o.customer_id = cid AND o.date BETWEEN acq AND min(date(acq, '+89 days'), :end)),
  (SELECT sum(iif(o.cost_e4 IS NULL, o.revenue_e4, o.revenue_e4 - o.cost_e4)) FROM orders o
     WHERE o.customer_id = cid AND o.date BETWEEN acq AND min(date(acq, '+89 days'), :end)),
  (SELECT sum(iif(o.cost_e4 IS NULL, 0, o.revenue_e4 - o.cost_e4)) FROM orders o
     WHERE o.customer_id = cid AND o.date BETWEEN acq AND min(date(acq, '+89 days'), :end))"""

_FIRST_DAYS_REFERENCE_SQL = f"""
WITH a AS (
  SELECT c.id AS cid, {_ACQ} AS acq, c.source AS source, c.referred_by AS referred_by,
    nullif(substr(c.lost_on, 1, 10), '') AS lost_on
  FROM customers c LEFT JOIN {{stats}} s ON s.customer_id = c.id),
n AS (SELECT * FROM a WHERE acq BETWEEN :lo AND :end),
f AS MATERIALIZED (  -- stored: else each use of first_on seeks it again
  SELECT n.*, (SELECT min(o.date) FROM orders o WHERE o.customer_id = n.cid
               AND o.date <= :end) AS first_on FROM n),
-- the first order by its key (queries_lists.FIRST_KEY: no sort of every line by key;
-- 0.81 -> 0.63 s on the big file)
g AS MATERIALIZED (
  SELECT f.*, {FIRST_KEY.format(cid="f.cid", first="f.first_on")} AS first_key FROM f)
SELECT cid, acq, source, referred_by, lost_on, first_on,
  {FIRST_KEY_VALUE.format(cid="cid", key="first_key")},
  (SELECT count(DISTINCT {_ORDER_KEY}) FROM orders o WHERE o.customer_id = cid
     AND o.date BETWEEN first_on AND min(date(first_on, '+90 days'), :end)),
  {_SUMS_90D},
  (SELECT max(o.date) FROM orders o WHERE o.customer_id = cid
     AND o.date <= min(date(acq, '+180 days'), :end)),
  (SELECT v.nps FROM surveys v WHERE v.customer_id = cid AND v.kind = 'customer'
     AND v.nps IS NOT NULL AND v.date < :after ORDER BY v.date, v.id LIMIT 1)
FROM g
"""


# `_FIRST_DAYS_REFERENCE_SQL` (the reference: tests/test_perf_first_days.py) with
# - the first order's day from the summary: its first day when on or before `end` (the
#   earliest line up to `end` is then that one), else none — no seek per customer;
# - orders_90d counted up to 2: the screen asks only whether a second order came, so a line
#   of those days with another key than the first order's ends the look (REPEAT_AFTER_FIRST
#   in queries_lists), not every line's key counted distinct.
# 0.65 -> 0.53 s CPU on the big file's 34k customers of two years.
_FIRST_DAYS_SQL = (
    _FIRST_DAYS_REFERENCE_SQL
    .replace("SELECT c.id AS cid, {_ACQ} AS acq,".replace("{_ACQ}", _ACQ),
             "SELECT c.id AS cid, s.first_date AS first_date, {_ACQ} AS acq,".replace(
                 "{_ACQ}", _ACQ))
    .replace("""(SELECT min(o.date) FROM orders o WHERE o.customer_id = n.cid
               AND o.date <= :end) AS first_on FROM n""",
             "iif(n.first_date <= :end, n.first_date, NULL) AS first_on FROM n")
    .replace(f"""(SELECT count(DISTINCT {_ORDER_KEY}) FROM orders o WHERE o.customer_id = cid
     AND o.date BETWEEN first_on AND min(date(first_on, '+90 days'), :end))""",
             f"""(first_key IS NOT NULL) + (SELECT count(*) FROM (SELECT 1 FROM orders o
     WHERE o.customer_id = cid AND o.date BETWEEN first_on
     AND min(date(first_on, '+90 days'), :end) AND {_ORDER_KEY} != first_key LIMIT 1))"""))
assert "n.first_date <= :end" in _FIRST_DAYS_SQL and "count(DISTINCT" not in _FIRST_DAYS_SQL
# - the four sums of the 90 days from acquisition from one look at those lines, as one text
#   "revenue costed profit margin" (a scalar subquery gives one value): three index seeks
#   per customer fewer, 0.50 -> 0.45 s CPU on the big file (the lines' first order, repeat
#   and last order of 180 days in the same look, as iif()s over every line up to the later
#   end, cost more than their seeks: 0.52 -> 0.60 s)
_SUMS_90D_AS_TEXT = """(SELECT coalesce(sum(o.revenue_e4), 0)
     || ' ' || coalesce(sum(iif(o.cost_e4 IS NULL, 0, o.revenue_e4)), 0)
     || ' ' || coalesce(sum(iif(o.cost_e4 IS NULL, o.revenue_e4, o.revenue_e4 - o.cost_e4)), 0)
     || ' ' || coalesce(sum(iif(o.cost_e4 IS NULL, 0, o.revenue_e4 - o.cost_e4)), 0)
  FROM orders o
  WHERE o.customer_id = cid AND o.date BETWEEN acq AND min(date(acq, '+89 days'), :end))"""
assert _SUMS_90D in _FIRST_DAYS_SQL
_FIRST_DAYS_ONE_LOOK_SQL = _FIRST_DAYS_SQL.replace(_SUMS_90D, _SUMS_90D_AS_TEXT)


# `_FIRST_DAYS_ONE_LOOK_SQL` (tests/test_perf_loyalty_first_paint.py: equal) answering from
# the order summary what a customer's summary row settles, with the look at the lines only
# for the others (big file, 34k customers of two years: 0.40 -> 0.34 s CPU):
# - one order key on every line of theirs (min_key = max_key: ~1 in 3): the first order's
#   key is it, no other order follows it, and when their last line is on or before `end`
#   the first order's value is all their revenue;
# - every line from `acq` to the 90 days' end (first and last order day inside): the four
#   sums are the summary's (profit = revenue - known cost; margin profit = costed revenue
#   - known cost);
# - their last order up to the 180 days' end: none when the first is after it, the last
#   order day when that is on or before it.
_FIRST_DAYS_SUMMARY_SQL = f"""
WITH a AS (
  SELECT c.id AS cid, s.first_date AS first_date, s.last_date AS last_date,
    s.min_key = s.max_key AS one_key, s.min_key AS min_key, s.revenue_e4 AS s_rev,
    s.costed_revenue_e4 AS s_costed, s.cost_e4 AS s_cost, {_ACQ} AS acq,
    c.source AS source, c.referred_by AS referred_by,
    nullif(substr(c.lost_on, 1, 10), '') AS lost_on
  FROM customers c LEFT JOIN {{stats}} s ON s.customer_id = c.id),
f AS MATERIALIZED (
  SELECT *, iif(first_date <= :end, first_date, NULL) AS first_on,
    min(date(acq, '+89 days'), :end) AS to90, min(date(acq, '+180 days'), :end) AS to180
  FROM a WHERE acq BETWEEN :lo AND :end),
g AS MATERIALIZED (
  SELECT f.*, iif(first_on IS NULL, NULL, iif(one_key, min_key,
    {FIRST_KEY.format(cid="f.cid", first="f.first_on")})) AS first_key FROM f)
SELECT cid, acq, source, referred_by, lost_on, first_on,
  iif(one_key AND last_date <= :end AND first_key IS NOT NULL, s_rev,
      {FIRST_KEY_VALUE.format(cid="cid", key="first_key")}),
  (first_key IS NOT NULL) + iif(first_key IS NULL OR one_key, 0,
    (SELECT count(*) FROM (SELECT 1 FROM orders o
     WHERE o.customer_id = cid AND o.date BETWEEN first_on
     AND min(date(first_on, '+90 days'), :end) AND {_ORDER_KEY} != first_key LIMIT 1))),
  iif(first_date >= acq AND last_date <= to90,
      s_rev || ' ' || s_costed || ' ' || (s_rev - s_cost) || ' ' || (s_costed - s_cost),
      {_SUMS_90D_AS_TEXT.replace("min(date(acq, '+89 days'), :end)", "to90")}),
  CASE WHEN first_date IS NULL OR first_date > to180 THEN NULL
       WHEN last_date <= to180 THEN last_date
       ELSE (SELECT max(o.date) FROM orders o WHERE o.customer_id = cid
             AND o.date <= to180) END,
  (SELECT v.nps FROM surveys v WHERE v.customer_id = cid AND v.kind = 'customer'
     AND v.nps IS NOT NULL AND v.date < :after ORDER BY v.date, v.id LIMIT 1)
FROM g
"""
assert "to90)" in _FIRST_DAYS_SUMMARY_SQL


class FirstDays(NamedTuple):
    """A new customer's first days (one per customer acquired in two years: ~34k on a big
    file). A NamedTuple, as `CustomerFacts`: a frozen dataclass's `__init__` sets each of
    the 14 fields by `object.__setattr__` (0.06 s of the big file's rows, here ~0.01 s)."""

    customer_id: int
    acquired: str
    source: str | None
    referred_by: str | None
    lost_on: str | None
    first_order_on: str | None
    first_order_e4: int | None
    # distinct orders from the first order's day to 90 days after it, counted up to 2 by
    # `first_days` (only "ordered again" is asked; `first_days_reference` counts them all)
    orders_90d: int
    revenue_90d_e4: int  # revenue in the 90 days from acquisition (up to `end`)
    costed_revenue_90d_e4: int  # of it, lines with a known cost
    profit_90d_e4: int  # gross profit (revenue where the cost is unknown, as LTV does)
    margin_profit_90d_e4: int  # gross profit of the costed lines (for the margin %)
    last_order_180d: str | None  # their last order in the 180 days from acquisition
    first_nps: int | None


def first_days(store: Store, lo: date, end: date) -> list[FirstDays]:
    """Customers acquired lo..end with what their first 90 and 180 days held (their
    orders_90d counted up to 2)."""
    return _first_days_as_text(store, _FIRST_DAYS_SUMMARY_SQL, lo, end)


def first_days_one_look(store: Store, lo: date, end: date) -> list[FirstDays]:
    """`first_days` by the statement before (every customer's lines looked at)."""
    return _first_days_as_text(store, _FIRST_DAYS_ONE_LOOK_SQL, lo, end)


def _first_days_as_text(store: Store, template: str, lo: date, end: date
                        ) -> list[FirstDays]:
    """A first days statement's rows, its 90 days' sums as one text."""
    sql = template.format(stats=stats_source(store))
    out = []
    for r in store.conn.execute(sql, _first_days_params(lo, end)):
        revenue, costed, profit, margin = r[8].split(" ")
        out.append(FirstDays(int(r[0]), r[1][:10], r[2], r[3], r[4], r[5], r[6],
                             int(r[7] or 0), int(revenue), int(costed), int(profit),
                             int(margin), r[9], None if r[10] is None else int(r[10])))
    return out


def first_days_four_sums(store: Store, lo: date, end: date) -> list[FirstDays]:
    """`first_days` with the 90 days' sums from a look each (the statement before)."""
    return _first_days(store, _FIRST_DAYS_SQL, lo, end)


def first_days_reference(store: Store, lo: date, end: date) -> list[FirstDays]:
    """`first_days` by the statement before (orders_90d: every distinct order counted)."""
    return _first_days(store, _FIRST_DAYS_REFERENCE_SQL, lo, end)


def _first_days(store: Store, template: str, lo: date, end: date) -> list[FirstDays]:
    sql = template.format(stats=stats_source(store))
    params = _first_days_params(lo, end)
    return [FirstDays(int(r[0]), r[1][:10], r[2], r[3], r[4], r[5], r[6],
                      int(r[7] or 0), int(r[8] or 0), int(r[9] or 0), int(r[10] or 0),
                      int(r[11] or 0), r[12], None if r[13] is None else int(r[13]))
            for r in store.conn.execute(sql, params)]


def _first_days_params(lo: date, end: date) -> dict[str, str]:
    return {"lo": lo.isoformat(), "end": end.isoformat(),
            "after": (end + timedelta(days=1)).isoformat()}


_REFERRED_SQL = """
SELECT c.id, trim(coalesce(c.referred_by, '')) != '' OR coalesce(lower(trim(c.source)), '')
  = 'referral' FROM customers c
"""


def referred_customers(store: Store) -> set[int]:
    """Customers who came by referral: a referred_by name, or source "referral"."""
    return {int(cid) for cid, yes in store.conn.execute(_REFERRED_SQL) if yes}


_ACQUIRED_SQL = f"""
SELECT cid, name, acq FROM (
  SELECT c.id AS cid, c.name AS name, {_ACQ} AS acq
  FROM customers c LEFT JOIN {{stats}} s ON s.customer_id = c.id)
WHERE acq BETWEEN :lo AND :end ORDER BY acq DESC, name
"""


def acquired_between(store: Store, lo: date, end: date) -> list[tuple[int, str, str]]:
    """(customer id, name, acquired day) of the customers acquired lo..end, latest first."""
    sql = _ACQUIRED_SQL.format(stats=stats_source(store))
    return [(int(cid), name, acq[:10]) for cid, name, acq
            in store.conn.execute(sql, {"lo": lo.isoformat(), "end": end.isoformat()})]


# ----- the referred / NPS group sums ------------------------------------------------------
# `queries_lists.loyalty_groups` (the reference: tests/test_perf_loyalty_groups.py) as one
# pass over the customers' flags: each customer's period revenue by a seek only when their
# last order up to the end is in the period (not every line of the period grouped and
# looked up through an automatic index), the latest NPS only for those acquired by the
# end, and one grouping by a number — -1: acquired after the end (only in the customers'
# total), else 8 × referred + the NPS group (0 no answer, 1 promoters, 2 passives, 3
# detractors) — added up in Python, instead of the list of customers grouped twice by
# text. Big file, CPU: 12 months 0.39 -> 0.28 s, 90 days 0.33 -> 0.25 s.
_GROUPS_SQL = FLAGS_SQL.replace(
    # stored: else each use of the acquisition day and last orders runs their look-ups again
    "WITH b AS (", "WITH b AS MATERIALIZED (") + """,
m AS MATERIALIZED (  -- stored: else each use of rev runs its look-up again
  SELECT iif(acq <= :end,
      8 * (trim(coalesce(referred_by, '')) != ''
           OR coalesce(lower(trim(source)), '') = 'referral')
      + coalesce((SELECT CASE WHEN CAST(v.nps AS INTEGER) >= 9 THEN 1
                              WHEN CAST(v.nps AS INTEGER) >= 7 THEN 2 ELSE 3 END
                  FROM surveys v WHERE v.customer_id = f.id AND v.kind = 'customer'
                    AND v.nps IS NOT NULL AND v.date < :after
                  ORDER BY v.date DESC, v.id DESC LIMIT 1), 0),
      -1) AS g,
    start, active_end,
    iif(last_end >= :start, (SELECT sum(o.revenue_e4) FROM orders o
        WHERE o.customer_id = f.id AND o.date BETWEEN :start AND :end), 0) AS rev
  FROM f)
SELECT g, count(*), sum(rev), sum(rev > 0), sum(start), sum(start AND active_end)
FROM m GROUP BY g
UNION ALL
SELECT NULL, 0, (SELECT sum(o.revenue_e4) FROM orders o
                 WHERE o.date BETWEEN :start AND :end), 0, 0, 0
"""
assert "b AS MATERIALIZED" in _GROUPS_SQL
_NPS_GROUPS = ("no answer", "promoters", "passives", "detractors")


def loyalty_groups(store: Store, period: Period, window: int) -> LoyaltyGroups:
    """`queries_lists.loyalty_groups`: the referred / others and NPS group sums of the
    customers acquired by the period's end, and the period's revenue of every line and of
    the lines of a customer in the file."""
    sql = _GROUPS_SQL.format(stats=stats_source(store))
    params = {**flag_params(period, window),
              "after": (period.end + timedelta(days=1)).isoformat()}
    referred: dict[str, list[int]] = {}
    nps: dict[str, list[int]] = {}
    customers_e4 = lines_e4 = 0
    for g, *found in store.conn.execute(sql, params):
        sums = [int(x or 0) for x in found]
        if g is None:  # the lines' total
            lines_e4 = sums[1]
            continue
        customers_e4 += sums[1]
        if g < 0:  # acquired after the end
            continue
        for table, name in ((referred, "referred" if g >= 8 else "others"),
                            (nps, _NPS_GROUPS[g % 8])):
            was = table.setdefault(name, [0] * 5)
            for i, x in enumerate(sums):
                was[i] += x
    return LoyaltyGroups({k: GroupSums(*v) for k, v in referred.items()},
                         {k: GroupSums(*v) for k, v in nps.items()}, lines_e4, customers_e4)
