"""SQL aggregations for the metrics (the big-data path).

Order lines are never loaded as Python objects here: they are aggregated per customer or
per group inside SQLite, and the results handed to the pure-Python definitions in
`custdesk.domain`. `tests/test_metrics_sql_parity.py` checks these against the records path.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from datetime import date, timedelta

from custdesk.domain.customer_state import (
    REPEAT_WITHIN_DAYS,
    UNDATED,
    CustomerFacts,
    FirstOrder,
)
from custdesk.domain.metrics_sales import DiscountTotals, SalesTotals
from custdesk.domain.periods import Period
from custdesk.storage.database import Store
from custdesk.storage.queries_cache import cached, data_version, peek, seed
from custdesk.storage.queries_summary import stats_source

# One pass over the covering index orders(customer_id, date, order_ref, revenue_e4, cost_e4)
# (m002). Repeat buyers: 2+ distinct order keys <=> min(key) != max(key), which avoids a
# per-customer count(DISTINCT) (a temp B-tree per group).
_FACTS_SQL = """
SELECT customer_id,
  min(date),
  max(iif(date <= :before, date, NULL)),
  max(date),
  max(iif(date <= :year_before, date, NULL)),
  sum(iif(date >= :start, revenue_e4, 0)),
  sum(iif(date >= :start, coalesce(cost_e4, 0), 0)),
  sum(iif(date >= :start AND cost_e4 IS NOT NULL, revenue_e4, 0)),
  sum(date >= :start),
  sum(date >= :start AND cost_e4 IS NOT NULL),
  max(date BETWEEN :prior_start AND :before),
  min(coalesce(order_ref, 'd' || date)) != max(coalesce(order_ref, 'd' || date)),
  sum(revenue_e4 - coalesce(cost_e4, 0)),
  sum(iif(date >= :year_start, revenue_e4 - coalesce(cost_e4, 0), 0))
FROM orders WHERE date <= :end
GROUP BY customer_id
"""
# A customer's import day dates them only when they came from a customers sheet (or were
# entered by hand: no batch); one created by a tickets/surveys/deals import is an undated
# contact until an order, a won deal or acquired_on dates them (METRICS.md).
FROM_CUSTOMER_LIST = ("coalesce((SELECT b.kind = 'customers' FROM import_batches b "
                      "WHERE b.id = c.batch_id), 1)")
_CUSTOMERS_SQL = f"""
SELECT c.id, c.segment, c.source, c.referred_by, c.status, c.lost_on, c.lost_reason,
  c.acquired_on, iif({FROM_CUSTOMER_LIST}, c.created_on, NULL)
FROM customers c ORDER BY c.id
"""

# lost_silent_pct: no ticket (by its day: opened, else first response, else resolved) and
# no survey in the W days up to the loss day (customer_state.silent_loss_day/silent_window)
SILENT = """(NOT EXISTS (SELECT 1 FROM tickets t WHERE t.customer_id = {cid}
      AND substr(coalesce(nullif(t.opened_at, ''), nullif(t.first_response_at, ''),
                          nullif(t.resolved_at, '')), 1, 10)
          BETWEEN date({day}, :w_back) AND {day})
  AND NOT EXISTS (SELECT 1 FROM surveys v WHERE v.customer_id = {cid} AND v.date != ''
      AND substr(v.date, 1, 10) BETWEEN date({day}, :w_back) AND {day}))"""
# the first order (customer_state.first_order_of): the smallest order key (order_ref, else
# 'd' || date) of the first day, valued over all its lines up to `to` (one pass: the key
# whose earliest line is earliest, then the smallest); another key within
# 90 days of that day (and up to `to`) is a repeat
FIRST_VALUE = """(SELECT sum(rev) FROM (
    SELECT coalesce(o5.order_ref, 'd' || o5.date) AS k, o5.revenue_e4 AS rev, o5.date AS day
    FROM orders o5 WHERE o5.customer_id = {cid} AND o5.date <= :end)
  GROUP BY k ORDER BY min(day), k LIMIT 1)"""
REPEAT_90D = """(SELECT min(coalesce(o7.order_ref, 'd' || o7.date))
                 != max(coalesce(o7.order_ref, 'd' || o7.date))
  FROM orders o7 WHERE o7.customer_id = {cid}
  AND o7.date BETWEEN {first} AND min(date({first}, :repeat_fwd), :end))"""

_FIRST_WON_SQL = """
SELECT d.customer_id, min(d.closed_on) FROM deals d JOIN stages s ON s.id = d.stage_id
WHERE s.kind = 'won' AND d.customer_id IS NOT NULL AND d.closed_on IS NOT NULL
GROUP BY d.customer_id
"""


def period_params(period: Period) -> dict[str, str]:
    prior = period.prior()
    return {
        "start": period.start.isoformat(), "end": period.end.isoformat(),
        "before": period.day_before().isoformat(), "prior_start": prior.start.isoformat(),
        "year_before": (period.end - timedelta(days=365)).isoformat(),
        "year_start": Period.trailing_year(period.end).start.isoformat(),
    }


def first_won_dates(store: Store) -> dict[int, date]:
    return {cid: date.fromisoformat(d[:10]) for cid, d in store.conn.execute(_FIRST_WON_SQL)}


_STATS_SQL = """
SELECT customer_id, first_date, last_date, revenue_e4 - cost_e4, min_key != max_key
FROM {stats}
"""
# last order on or before a day, for customers whose history straddles it (index seeks)
_LAST_ON_OR_BEFORE_SQL = """
SELECT s.customer_id, (SELECT max(o.date) FROM orders o
                       WHERE o.customer_id = s.customer_id AND o.date <= :day)
FROM {stats} s WHERE s.first_date <= :day AND s.last_date > :day
"""
_PERIOD_SQL = """
SELECT customer_id,
  sum(iif(date >= :start, revenue_e4, 0)),
  sum(iif(date >= :start, coalesce(cost_e4, 0), 0)),
  sum(iif(date >= :start AND cost_e4 IS NOT NULL, revenue_e4, 0)),
  sum(date >= :start),
  sum(date >= :start AND cost_e4 IS NOT NULL),
  sum(iif(date >= :year_start, revenue_e4 - coalesce(cost_e4, 0), 0))
FROM orders WHERE date BETWEEN :lo AND :end
GROUP BY customer_id
"""


def _order_rows(store: Store, params: dict[str, str]) -> dict[int, tuple]:
    """customer id -> the _FACTS_SQL columns, from the general one-pass scan."""
    return {r[0]: r for r in store.conn.execute(_FACTS_SQL, params)}


def _order_rows_fast(store: Store, params: dict[str, str]) -> dict[int, tuple]:
    """The same columns from the summary table plus one scan of the period's lines.

    Valid only when no order is dated after the period's end (the summary covers the
    whole history, which is then the history up to `end`).
    """
    stats = stats_source(store)  # the summary table, or its aggregate if stale (no write)

    def last_on_or_before(day: str) -> dict[int, str]:
        return dict(store.conn.execute(_LAST_ON_OR_BEFORE_SQL.format(stats=stats),
                                       {"day": day}))

    before = last_on_or_before(params["before"])
    # a one-year period's day before is also the trailing year's: one seek pass serves both
    year_before = (before if params["year_before"] == params["before"]
                   else last_on_or_before(params["year_before"]))
    lo = min(params["start"], params["year_start"])
    period = {r[0]: r for r in store.conn.execute(_PERIOD_SQL, {**params, "lo": lo})}
    prior = {r[0] for r in store.conn.execute(
        "SELECT DISTINCT customer_id FROM orders WHERE date BETWEEN :prior_start AND :before",
        params)}
    zero = (None, 0, 0, 0, 0, 0, 0)
    out = {}
    for cid, first, last, profit, repeat in store.conn.execute(_STATS_SQL.format(stats=stats)):
        p = period.get(cid, zero)
        out[cid] = (cid, first, _last_before(first, last, before, cid, params["before"]),
                    last, _last_before(first, last, year_before, cid, params["year_before"]),
                    p[1], p[2], p[3], p[4], p[5], cid in prior, repeat, profit, p[6])
    return out


def _last_before(first: str, last: str, seeks: dict[int, str], cid: int,
                 day: str) -> str | None:
    if last <= day:
        return last
    if first > day:
        return None
    return seeks.get(cid)


def customer_facts(store: Store, period: Period) -> list[CustomerFacts]:
    """One CustomerFacts per customer, aggregated in SQL (never one Python object per line).

    Cached until the next write (`queries_cache`): one refresh asks for the same facts
    from several lists."""
    return list(cached(store, ("facts", period), lambda: _customer_facts(store, period)))


def _customer_facts(store: Store, period: Period) -> list[CustomerFacts]:
    first_won = first_won_dates(store)
    params = period_params(period)
    latest = store.conn.execute("SELECT max(date) FROM orders").fetchone()[0]
    fast = latest is None or latest <= params["end"]
    lines = _order_rows_fast(store, params) if fast else _order_rows(store, params)
    # first orders after `end` still date the acquisition of customers without earlier ones
    later = {} if fast else dict(store.conn.execute(
        "SELECT customer_id, min(date) FROM orders WHERE date > :end GROUP BY customer_id",
        params))
    parse = day_parser()
    out = []
    no_lines = (None,) * 5 + (0,) * 5 + (0, 0, 0, 0)
    for cid, segment, source, referred, status, lost_on, reason, acq_on, created in \
            store.conn.execute(_CUSTOMERS_SQL):
        row = lines.get(cid)
        (_, first, before, last, year_before, rev, cost, rev_costed, n, n_costed, prior,
         repeat, profit, profit_year) = row if row is not None else no_lines
        first_d = parse(first if first is not None else later.get(cid))
        acquired = parse(acq_on) or first_d or first_won.get(cid) or parse(created)
        out.append(CustomerFacts(
            cid, acquired or UNDATED, segment, source, referred, status, parse(lost_on),
            reason, first_d, parse(before), parse(last), parse(year_before), rev, cost,
            rev_costed, n, n_costed, bool(prior), bool(repeat), profit, profit_year))
    return out


def day_parser() -> Callable[[str | None], date | None]:
    """date.fromisoformat with a cache: many customers share the same days."""
    cache: dict[str, date] = {}

    def parse(text: str | None) -> date | None:
        if not text:
            return None
        found = cache.get(text)
        if found is None:
            found = cache[text] = date.fromisoformat(text[:10])
        return found
    return parse


# The whole-file sums below are asked for by every screen with cards, for the same period
# and its prior (the catalogue of Today, then Customers', New's, Margins' …): each is kept
# per data version among the small results (`queries_cache`), a copy handed out


def orders_count(store: Store, period: Period, by_segment: bool = False) -> dict[str, int]:
    """Distinct order_ref in the period plus lines without one (METRICS.md), overall
    ("" key) or per customer segment. Kept until the next write."""
    return dict(cached(store, ("orders count", period, by_segment),
                       lambda: _orders_count(store, period, by_segment), small=True))


def _orders_count(store: Store, period: Period, by_segment: bool) -> dict[str, int]:
    """`orders_count`, computed."""
    params = (period.start.isoformat(), period.end.isoformat())
    if not by_segment:
        # INDEXED BY: the planner prefers the date range, which needs a temp B-tree
        sql = ("SELECT '', (SELECT count(DISTINCT order_ref) FROM orders "
               "INDEXED BY orders_ref_date WHERE date BETWEEN ?1 AND ?2) "
               "+ (SELECT count(*) FROM orders WHERE date BETWEEN ?1 AND ?2 "
               "AND order_ref IS NULL)")
    else:
        # distinct (order_ref, segment) pairs, then lines without a ref: cheaper than a
        # count(DISTINCT) per group over every line
        seg = "coalesce(nullif(c.segment, ''), '(none)')"
        sql = (f"SELECT g, count(*) FROM (SELECT DISTINCT o.order_ref, {seg} AS g "
               "FROM orders o INDEXED BY orders_ref_date JOIN customers c "
               "ON c.id = o.customer_id WHERE o.date BETWEEN ?1 AND ?2 "
               "AND o.order_ref IS NOT NULL) GROUP BY g "
               f"UNION ALL SELECT {seg}, count(*) FROM orders o INDEXED BY orders_ref_date "
               "JOIN customers c ON c.id = o.customer_id "
               "WHERE o.order_ref IS NULL AND o.date BETWEEN ?1 AND ?2 GROUP BY 1")
        out: dict[str, int] = {}
        for g, n in store.conn.execute(sql, params):
            out[g] = out.get(g, 0) + int(n or 0)
        return out
    return {g: int(n or 0) for g, n in store.conn.execute(sql, params)}


# Both `orders_count`s of a period from one pass over orders_ref_date (the catalogue with
# the segment breakdown asks for both): each order_ref's lines grouped in the index's order
# (no temporary B-tree) with their smallest and largest customer; an order of one customer
# (nearly all) is one (order, segment) pair, its customer's row read once per order, not
# once per line; the few orders of several customers have their lines' distinct segments
# counted as before; lines without a ref count one each. Big file's year: 0.144 + 0.049 ->
# 0.172 s CPU.
_ORDER_COUNTS = """
WITH r AS MATERIALIZED (
  SELECT order_ref AS ref, min(customer_id) AS lo, max(customer_id) AS hi
  FROM orders INDEXED BY orders_ref_date
  WHERE date BETWEEN ?1 AND ?2 AND order_ref IS NOT NULL GROUP BY order_ref)
SELECT g, count(*) FROM (
  SELECT {seg} AS g FROM r JOIN customers c ON c.id = r.lo WHERE r.lo = r.hi
  UNION ALL
  SELECT g FROM (SELECT DISTINCT o.order_ref, {seg} AS g
    FROM r JOIN orders o INDEXED BY orders_ref_date ON o.order_ref = r.ref
    JOIN customers c ON c.id = o.customer_id
    WHERE r.lo != r.hi AND o.date BETWEEN ?1 AND ?2)
  UNION ALL
  SELECT {seg} FROM orders o INDEXED BY orders_ref_date JOIN customers c ON c.id = o.customer_id
  WHERE o.order_ref IS NULL AND o.date BETWEEN ?1 AND ?2)
GROUP BY g
UNION ALL
SELECT NULL, (SELECT count(*) FROM r) + (SELECT count(*) FROM orders INDEXED BY orders_ref_date
                                         WHERE order_ref IS NULL AND date BETWEEN ?1 AND ?2)
""".format(seg="coalesce(nullif(c.segment, ''), '(none)')")


def orders_counts(store: Store, period: Period) -> tuple[dict[str, int], dict[str, int]]:
    """(`orders_count(store, period)`, `orders_count(store, period, by_segment=True)`) from
    one statement, each kept under its own key (a later call of either finds it)."""
    keys = [("orders count", period, by_segment) for by_segment in (False, True)]
    found = [peek(store, key, small=True) for key in keys]
    if None not in found:
        return dict(found[0]), dict(found[1])
    since = data_version(store)
    file, segments = _orders_counts(store, period)
    for key, value in zip(keys, (file, segments), strict=True):
        seed(store, key, value, since, small=True)
    return dict(file), dict(segments)


def _orders_counts(store: Store, period: Period) -> tuple[dict[str, int], dict[str, int]]:
    """`orders_counts`, computed (`_orders_count` of each is its reference, tested equal)."""
    segments: dict[str, int] = {}
    total = 0
    for g, n in store.conn.execute(_ORDER_COUNTS, (period.start.isoformat(),
                                                   period.end.isoformat())):
        if g is None:
            total = int(n or 0)
        elif n:
            segments[g] = int(n)
    return {"": total}, segments


def revenue_in_windows(store: Store, windows: dict[int, tuple[date, date]]) -> dict[int, int]:
    """customer id -> Σ revenue_e4 of their lines within their own [lo, hi] window."""
    if not windows:
        return {}
    payload = json.dumps([[cid, lo.isoformat(), hi.isoformat()]
                          for cid, (lo, hi) in windows.items()])
    # CROSS JOIN keeps the small window list outside, so each customer is an index seek
    sql = """
    SELECT w.value ->> 0 AS cid, sum(o.revenue_e4)
    FROM json_each(?) AS w CROSS JOIN orders o
    WHERE o.customer_id = w.value ->> 0 AND o.date BETWEEN w.value ->> 1 AND w.value ->> 2
    GROUP BY cid
    """
    return {int(cid): int(total or 0) for cid, total in store.conn.execute(sql, (payload,))}


def lost_values(store: Store, loss_days: dict[int, date], window: int) -> dict[int, int]:
    """customer id -> Σ revenue_e4 in the W days up to their last order on or before their
    loss day (METRICS.md `customers_lost_value`); customers without such an order add 0."""
    if not loss_days:
        return {}
    payload = json.dumps([[cid, day.isoformat()] for cid, day in loss_days.items()])
    # one seek for each lost customer's last order, then one range scan of their lines
    sql = """
    SELECT a.cid, sum(o.revenue_e4)
    FROM (SELECT w.value ->> 0 AS cid,
                 (SELECT max(o2.date) FROM orders o2 WHERE o2.customer_id = w.value ->> 0
                  AND o2.date <= w.value ->> 1) AS last
          FROM json_each(:days) AS w) AS a
    CROSS JOIN orders o
    WHERE a.last IS NOT NULL AND o.customer_id = a.cid
      AND o.date BETWEEN date(a.last, :back) AND a.last
    GROUP BY a.cid
    """
    rows = store.conn.execute(sql, {"days": payload, "back": f"-{window - 1} days"})
    return {int(cid): int(total or 0) for cid, total in rows}


def silent_lost(store: Store, loss_days: dict[int, date], window: int) -> set[int]:
    """Of the customers lost on these days (`customer_state.silent_loss_day`), those with
    no ticket and no survey in the W days up to it (`lost_silent_pct`)."""
    if not loss_days:
        return set()
    payload = json.dumps([[cid, d.isoformat()] for cid, d in loss_days.items()])
    sql = (f"SELECT cid FROM (SELECT w.value ->> 0 AS cid, w.value ->> 1 AS loss_day "
           f"FROM json_each(:days) AS w) WHERE {SILENT.format(cid='cid', day='loss_day')}")
    return {int(cid) for (cid,) in store.conn.execute(
        sql, {"days": payload, "w_back": f"-{window - 1} days"})}


def first_orders(store: Store, customer_ids: list[int], end: date) -> dict[int, FirstOrder]:
    """customer id -> their first order as of `end` (`customer_state.first_order_of`), for
    those of these customers with an order on or before `end`."""
    if not customer_ids:
        return {}
    first = FIRST_VALUE.format(cid="cid", first="first_date")
    repeat = REPEAT_90D.format(cid="cid", first="first_date")
    sql = f"""
    SELECT cid, {first}, {repeat} FROM (
      SELECT w.value AS cid, (SELECT min(o.date) FROM orders o WHERE o.customer_id = w.value
                              AND o.date <= :end) AS first_date
      FROM json_each(:ids) AS w)
    WHERE first_date IS NOT NULL
    """
    return {int(cid): FirstOrder(int(value or 0), bool(repeat))
            for cid, value, repeat in store.conn.execute(
                sql, {"ids": json.dumps(customer_ids), "end": end.isoformat(),
                      "repeat_fwd": f"+{REPEAT_WITHIN_DAYS} days"})}


def discount_totals(store: Store, period: Period, by_segment: bool = False
                    ) -> dict[str, DiscountTotals]:
    """`discount_line_pct_avg`'s sums over the period's lines with a known discount below
    1 (`metrics_sales.discount_totals`), overall ("" key) or per customer segment. Kept
    until the next write."""
    return dict(cached(store, ("discount totals", period, by_segment),
                       lambda: _discount_totals(store, period, by_segment), small=True))


def _discount_totals(store: Store, period: Period, by_segment: bool) -> dict[str, DiscountTotals]:
    """`discount_totals`, computed."""
    grp = ("coalesce(nullif(c.segment, ''), '(none)')" if by_segment else "''")
    join = "JOIN customers c ON c.id = o.customer_id" if by_segment else ""
    sql = f"""
    SELECT {grp}, sum(o.revenue_e4 * o.discount / (1.0 - o.discount)),
           sum(o.revenue_e4 / (1.0 - o.discount)), count(*)
    FROM orders o {join}
    WHERE o.date BETWEEN ? AND ? AND o.discount IS NOT NULL AND o.discount < 1
    GROUP BY 1
    """
    rows = store.conn.execute(sql, (period.start.isoformat(), period.end.isoformat()))
    return {g: DiscountTotals(float(d or 0), float(listed or 0), int(n or 0))
            for g, d, listed, n in rows}


# more segments than this: the two grouped statements (a sum per segment grows the SQL)
_MAX_SEGMENT_SUMS = 40


def discount_totals_with_total(store: Store, period: Period) -> dict[str, DiscountTotals]:
    """`discount_totals` of the whole file ("" key) and per segment, from one pass over the
    period's lines: each segment's sums and the file's as their own conditional sums over
    the lines in the order both grouped statements add them (orders_date, each line once:
    the float sums come out the same to the last digit — tested equal). Kept until the
    next write."""
    return dict(cached(store, ("discount totals with total", period),
                       lambda: _discount_totals_with_total(store, period), small=True))


def _discount_totals_with_total(store: Store, period: Period) -> dict[str, DiscountTotals]:
    """`discount_totals_with_total`, computed."""
    segments = [g for (g,) in store.conn.execute(
        "SELECT DISTINCT coalesce(nullif(segment, ''), '(none)') FROM customers")]
    if len(segments) > _MAX_SEGMENT_SUMS:
        return {**discount_totals(store, period), **discount_totals(store, period,
                                                                  by_segment=True)}
    sums = ["sum(d)", "sum(l)", "count(*)"]
    for i in range(len(segments)):
        sums += [f"sum(iif(g = {i}, d, NULL))", f"sum(iif(g = {i}, l, NULL))",
                 f"sum(g = {i})"]
    # the segment's number per line (NULL: a line of no known customer, the file's only)
    which = " ".join(f"WHEN ?{i + 3} THEN {i}" for i in range(len(segments)))
    # (no customer at all: no segment, and a CASE needs one WHEN)
    segment_of = (f"CASE coalesce(nullif(c.segment, ''), '(none)') {which} END" if segments
                  else "NULL")
    # each customer's segment number looked up in a two-column copy (its automatic index),
    # not in the customers table's wide rows: big file's year, 0.32 -> 0.28 s CPU
    sql = f"""
    WITH seg(id, g) AS MATERIALIZED (SELECT c.id, {segment_of} FROM customers c)
    SELECT {', '.join(sums)} FROM (
      SELECT c.g AS g,
        o.revenue_e4 * o.discount / (1.0 - o.discount) AS d,
        o.revenue_e4 / (1.0 - o.discount) AS l
      FROM orders o INDEXED BY orders_date LEFT JOIN seg c ON c.id = o.customer_id
      WHERE o.date BETWEEN ?1 AND ?2 AND o.discount IS NOT NULL AND o.discount < 1
      LIMIT -1)  -- not flattened: each line's amounts computed once
    """
    row = store.conn.execute(sql, (period.start.isoformat(), period.end.isoformat(),
                                   *segments)).fetchone()
    out = {}
    for key, (d, listed, n) in zip(["", *segments],
                                   (row[i:i + 3] for i in range(0, len(row), 3)),
                                   strict=True):
        if n:  # as the grouped statements: a group only when it has lines
            out[key] = DiscountTotals(float(d or 0), float(listed or 0), int(n))
    return out


_GROUP_EXPR = {
    "product": "coalesce(p.name, '(none)')",
    "category": "coalesce(o.category, p.category, '(none)')",
    "month": "printf('%04d-%02d', o.month / 100, o.month % 100)",
}


# by month: the sums per day from the covering date index (its order: no sort of the
# lines), added up per month; distinct order refs as (ref, month) pairs from the ref index
# (`orders.month` is the line's date's year*100 + month, so its month key is the date's
# first 7 characters). 0.30 -> 0.17 s for a year of the big file; the grouped statement
# (`sales_by_reference`) is the reference of tests/test_perf_sales_by_month.py
_SALES_BY_MONTH = """
WITH d AS (
  SELECT o.date AS day, sum(o.revenue_e4) AS r, sum(coalesce(o.cost_e4, 0)) AS c,
    sum(iif(o.cost_e4 IS NOT NULL, o.revenue_e4, 0)) AS rc, count(*) AS n,
    sum(o.cost_e4 IS NOT NULL) AS nc, sum(o.order_ref IS NULL) AS nn
  FROM orders o INDEXED BY orders_date WHERE o.date BETWEEN ?1 AND ?2 GROUP BY o.date),
m AS (
  SELECT substr(day, 1, 7) AS g, sum(r) AS r, sum(c) AS c, sum(rc) AS rc, sum(n) AS n,
    sum(nc) AS nc, sum(nn) AS nn
  FROM d GROUP BY g),
k AS (
  SELECT g, count(*) AS k FROM (
    SELECT DISTINCT o.order_ref, substr(o.date, 1, 7) AS g
    FROM orders o INDEXED BY orders_ref_date
    WHERE o.date BETWEEN ?1 AND ?2 AND o.order_ref IS NOT NULL)
  GROUP BY g)
SELECT m.g, m.r, m.c, m.rc, m.n, m.nc, coalesce(k.k, 0) + m.nn
FROM m LEFT JOIN k ON k.g = m.g ORDER BY m.g
"""


# by product: the lines grouped by their product id (an integer: no join per line, and
# a cheaper sort than the product's name), named after; 0.31 -> 0.25 s CPU on the big
# file's year. Exact only when no two groups share a name (an order under two products of
# one name counts once): else the grouped statement. tests/test_perf_profit_groups.py
_SALES_BY_PRODUCT_ID = """
SELECT o.product_id, sum(o.revenue_e4), sum(coalesce(o.cost_e4, 0)),
       sum(iif(o.cost_e4 IS NOT NULL, o.revenue_e4, 0)), count(*), sum(o.cost_e4 IS NOT NULL),
       count(DISTINCT o.order_ref) + sum(o.order_ref IS NULL)
FROM orders o WHERE o.date BETWEEN ? AND ?
GROUP BY o.product_id
"""
# a line without a product (or of a product no longer in the file) is in this group
NO_PRODUCT = "(none)"
# by category: the line's own category, its product's only when it has none (a lookup
# only then, not a join for every line); 0.34 -> 0.30 s CPU on the big file's year
_SALES_BY_CATEGORY = """
SELECT coalesce(o.category, (SELECT p.category FROM products p WHERE p.id = o.product_id),
                '(none)') AS grp,
       sum(o.revenue_e4), sum(coalesce(o.cost_e4, 0)),
       sum(iif(o.cost_e4 IS NOT NULL, o.revenue_e4, 0)), count(*), sum(o.cost_e4 IS NOT NULL),
       count(DISTINCT o.order_ref) + sum(o.order_ref IS NULL)
FROM orders o WHERE o.date BETWEEN ? AND ?
GROUP BY grp
"""


def sales_by(store: Store, period: Period, by: str) -> dict[str, SalesTotals]:
    """Period sales grouped by product, category or month, in SQL. Kept until the next
    write, among the small results (`queries_cache`): Today's revenue trend and Margins'
    monthly series are the same 12 months' sums (0.15 s on the big file)."""
    return dict(cached(store, ("sales by", period, by),
                       lambda: _sales_by(store, period, by), small=True))


def _sales_by(store: Store, period: Period, by: str) -> dict[str, SalesTotals]:
    """`sales_by`, computed."""
    if by == "month":
        rows = store.conn.execute(_SALES_BY_MONTH, (period.start.isoformat(),
                                                    period.end.isoformat()))
        return {grp: SalesTotals(*(int(v or 0) for v in rest)) for grp, *rest in rows}
    if by == "product":
        found = _sales_by_product_id(store, period)
        if found is not None:
            return found
    if by == "category":
        rows = store.conn.execute(_SALES_BY_CATEGORY, (period.start.isoformat(),
                                                       period.end.isoformat()))
        return {grp: SalesTotals(*(int(v or 0) for v in rest)) for grp, *rest in rows}
    return sales_by_reference(store, period, by)


def _sales_by_product_id(store: Store, period: Period) -> dict[str, SalesTotals] | None:
    """`sales_by(..., "product")` from the lines grouped by product id, by name; None when
    two of the groups share a name (their orders cannot be added up)."""
    names = product_names(store)
    out: dict[str, SalesTotals] = {}
    for pid, *rest in store.conn.execute(_SALES_BY_PRODUCT_ID, (period.start.isoformat(),
                                                                period.end.isoformat())):
        name = names.get(pid, NO_PRODUCT)
        if name in out:
            return None
        out[name] = SalesTotals(*(int(v or 0) for v in rest))
    return dict(sorted(out.items()))  # by name, as the grouped statement gives them


def product_names(store: Store) -> dict[int, str]:
    """product id -> name."""
    return dict(store.conn.execute("SELECT id, name FROM products"))


def revenue_by_product(store: Store, period: Period) -> dict[str, int]:
    """product name (NO_PRODUCT: none) -> Σ revenue_e4 of the period's lines, what
    `sales_by(..., "product")` gives as revenue (a sum: products of one name add up)."""
    names = product_names(store)
    out: dict[str, int] = {}
    for pid, rev in store.conn.execute(
            "SELECT product_id, sum(revenue_e4) FROM orders WHERE date BETWEEN ? AND ? "
            "GROUP BY product_id", (period.start.isoformat(), period.end.isoformat())):
        name = names.get(pid, NO_PRODUCT)
        out[name] = out.get(name, 0) + int(rev or 0)
    return out


def sales_by_reference(store: Store, period: Period, by: str) -> dict[str, SalesTotals]:
    """`sales_by` as one grouped statement over the period's lines (every grouping): the
    reference of the month, product and category paths (a category's distinct orders
    cost about the same by any other statement tried: the category path differs only by
    its product lookup)."""
    expr = _GROUP_EXPR[by]
    sql = f"""
    SELECT {expr} AS grp, sum(o.revenue_e4), sum(coalesce(o.cost_e4, 0)),
           sum(CASE WHEN o.cost_e4 IS NOT NULL THEN o.revenue_e4 ELSE 0 END),
           count(*), sum(o.cost_e4 IS NOT NULL),
           count(DISTINCT o.order_ref) + sum(o.order_ref IS NULL)
    FROM orders o LEFT JOIN products p ON p.id = o.product_id
    WHERE o.date BETWEEN ? AND ?
    GROUP BY grp
    """
    rows = store.conn.execute(sql, (period.start.isoformat(), period.end.isoformat()))
    return {grp: SalesTotals(*(int(v or 0) for v in rest)) for grp, *rest in rows}


# the reference `renewals_by_period` is tested against (tests/test_perf_series_renewals.py):
# every line of each period and its prior grouped by (period, customer) — a sort of twice
# the span's lines
RENEWALS_REFERENCE = """
WITH p(key, plo, lo, hi) AS MATERIALIZED (
  SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(:periods))
SELECT key, sum(cur), count(*) FROM (
  SELECT p.key AS key, o.customer_id, max(o.date >= p.lo) AS cur
  FROM p CROSS JOIN orders o WHERE o.date BETWEEN p.plo AND p.hi
  GROUP BY p.key, o.customer_id HAVING min(o.date) < p.lo)
GROUP BY key
"""
# one period: the prior period's customers (distinct over the date index's range), each
# with an index seek for a line in the period
_RENEWALS = """
SELECT count(*), sum(EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = w.customer_id
                             AND o.date BETWEEN :lo AND :hi))
FROM (SELECT DISTINCT customer_id FROM orders WHERE date >= :plo AND date < :lo) w
"""


def renewals_by_period(store: Store, periods: list[tuple[str, Period]]
                       ) -> dict[str, tuple[int, int]]:
    """period key -> (customers who ordered in the prior period and again in the period,
    customers who ordered in the prior period): `renewal_rate_pct` of every period (keys
    distinct), one short statement each; a period without prior customers is left out.
    Kept until the next write (Today's and Customers' series ask for the same months)."""
    return dict(cached(store, ("renewals", tuple(periods)),
                       lambda: _renewals_by_period(store, periods), small=True))


def _renewals_by_period(store: Store, periods: list[tuple[str, Period]]
                        ) -> dict[str, tuple[int, int]]:
    """`renewals_by_period`, computed."""
    out = {}
    for key, p in periods:
        prior, renewed = store.conn.execute(_RENEWALS, {
            "plo": p.prior().start.isoformat(), "lo": p.start.isoformat(),
            "hi": p.end.isoformat()}).fetchone()
        if prior:
            out[key] = (int(renewed or 0), int(prior))
    return out


def renewals_by_period_reference(store: Store, periods: list[tuple[str, Period]]
                                 ) -> dict[str, tuple[int, int]]:
    """`renewals_by_period` in one grouped statement (`RENEWALS_REFERENCE`)."""
    payload = json.dumps([[k, p.prior().start.isoformat(), p.start.isoformat(),
                           p.end.isoformat()] for k, p in periods])
    return {key: (int(renewed or 0), int(prior or 0)) for key, renewed, prior
            in store.conn.execute(RENEWALS_REFERENCE, {"periods": payload})}


# store -> (data version, span): every screen asks for the span first (a scan of the deals,
# tickets and surveys: 0.1-0.5 s on a big file); kept apart from `queries_cache`, whose
# few entries are for the big per-customer results
_spans: weakref.WeakKeyDictionary[Store, tuple[tuple[int, int], Period | None]] = \
    weakref.WeakKeyDictionary()


def data_span(store: Store) -> Period | None:
    """First to last dated record of any kind; None for an empty database. Computed once
    per data version (any write, here or by another connection, computes it again)."""
    version = data_version(store)
    known = _spans.get(store)
    if known is not None and known[0] == version:
        return known[1]
    span = _data_span(store)
    if data_version(store) == version:  # nothing was written meanwhile
        _spans[store] = (version, span)
    return span


# the reference `_DATA_SPAN` is tested against (tests/test_perf_data_span.py)
DATA_SPAN_REFERENCE = """
    SELECT min(lo), max(hi) FROM (
      SELECT min(date) lo, max(date) hi FROM orders
      UNION ALL SELECT min(coalesce(created_on, closed_on)), max(coalesce(closed_on, created_on))
        FROM deals
      UNION ALL SELECT min(substr(coalesce(opened_at, first_response_at, resolved_at), 1, 10)),
                       max(substr(coalesce(resolved_at, first_response_at, opened_at), 1, 10))
        FROM tickets
      UNION ALL SELECT min(date), max(date) FROM surveys
      UNION ALL SELECT min(nullif(acquired_on, '')),
                       max(coalesce(nullif(lost_on, ''), nullif(acquired_on, ''))) FROM customers
    )"""
# the order lines' min and max apart: each one seek in the date index (together they read
# the whole index, 0.06 s on the big file); a ticket's day cut after the min / max (cutting
# a text to its first 10 characters keeps its order)
_DATA_SPAN = """
    SELECT min(lo), max(hi) FROM (
      SELECT (SELECT min(date) FROM orders) lo, (SELECT max(date) FROM orders) hi
      UNION ALL SELECT min(coalesce(created_on, closed_on)), max(coalesce(closed_on, created_on))
        FROM deals
      UNION ALL SELECT substr(min(coalesce(opened_at, first_response_at, resolved_at)), 1, 10),
                       substr(max(coalesce(resolved_at, first_response_at, opened_at)), 1, 10)
        FROM tickets
      UNION ALL SELECT min(date), max(date) FROM surveys
      UNION ALL SELECT min(nullif(acquired_on, '')),
                       max(coalesce(nullif(lost_on, ''), nullif(acquired_on, ''))) FROM customers
    )"""


def _data_span(store: Store, sql: str = _DATA_SPAN) -> Period | None:
    """The span from `sql` (`_DATA_SPAN`, or DATA_SPAN_REFERENCE for the parity test)."""
    lo, hi = store.conn.execute(sql).fetchone()
    if lo is None or hi is None:  # customers without any date (e.g. Telco): the import day
        lo, hi = store.conn.execute("SELECT min(created_on), max(created_on) FROM customers"
                                    ).fetchone()
    if lo is None or hi is None:
        return None
    return Period(date.fromisoformat(lo[:10]), date.fromisoformat(hi[:10]))


def records_estimate(store: Store) -> int:
    """About how many records of every dated kind the file holds (order lines, deals,
    tickets, surveys; each table's highest id, so no scan): a tab's load grows with all of
    them, not only with the order lines."""
    row = store.conn.execute(
        "SELECT (SELECT coalesce(max(id), 0) FROM orders) + (SELECT coalesce(max(id), 0) "
        "FROM deals) + (SELECT coalesce(max(id), 0) FROM tickets) + "
        "(SELECT coalesce(max(id), 0) FROM surveys)").fetchone()
    return int(row[0])
