"""SQL for the lifetime value per customer (`growth_service.ltv_by_customer`, the Customers
screen's LTV columns; issue 18): the trailing year's state flags of every customer, the
catalogue tally's `classify()` unrolled in SQLite (`queries_growth_sources.customer_flags`),
instead of every customer's facts and state built in Python (2 s on 100k customers).
`tests/test_perf_growth_ltv.py` checks it against the Python path (facts → classify).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from custdesk.domain.periods import Period
from custdesk.storage.database import Store
from custdesk.storage.queries_growth_sources import customer_flags
from custdesk.storage.queries_lists import FLAGS_SQL, flag_params
from custdesk.storage.queries_summary import stats_source

# per customer: bought by the period's end, profit to date, active at the end, profit
# over the trailing year, in the trailing year's pool (start, new or won back)
_LTV = """
SELECT cust_id, last_end IS NOT NULL, profit, active_end, profit_year,
       y_start OR y_new OR y_won
FROM ({flags})
"""


@dataclass(frozen=True, slots=True)
class LtvRows:
    """Every customer's (id, bought, profit to date e4, active, trailing-year profit e4)
    for a trailing year, and that year's pool and lost counts (the churn)."""

    rows: list[tuple[int, bool, int, bool, int]]
    pool: int  # active at the year's start, new in it or won back in it
    lost: int  # of those, not active at its end


def ltv_rows(store: Store, year: Period, window: int) -> LtvRows:
    """`LtvRows` of `year` (a trailing year: its prior year is itself) with a lapse window
    of `window` days."""
    flags, params = customer_flags(store, year, window)
    rows = []
    pool = lost = 0
    for cid, bought, profit, active, profit_year, in_pool in store.conn.execute(
            _LTV.format(flags=flags), params):
        if in_pool:
            pool += 1
            lost += not active
        rows.append((cid, bool(bought), int(profit or 0), bool(active), int(profit_year or 0)))
    return LtvRows(rows, pool, lost)


# The same per customer from the lists' lean state flags (`queries_lists.FLAGS_SQL`: the
# acquisition day, the marks, the last orders before and at the end; no sums over the
# period's lines): the profit to date from the summary (an index seek only when the
# history runs past the end) for buyers, the year's profit by an index seek for the
# customers active at the end only — the others' is never used (0 here). In the year's
# pool = active the day before it, new in it, or active at its end (an active customer
# acquired before the year and not active the day before it was won back; one marked lost
# before it cannot be active at its end). SQL 0.38 -> 0.26 s on the big file; `ltv_rows`
# (the catalogue tally's flags) is the reference of tests/test_perf_growth_ltv.py.
_LTV_LEAN_ROWS = """
SELECT f.id AS cid, f.last_end IS NOT NULL AS bought,
  iif(f.last_end IS NULL, 0,
      CASE WHEN t.last_date <= :end THEN t.revenue_e4 - t.cost_e4
           ELSE (SELECT sum(o.revenue_e4) - coalesce(sum(o.cost_e4), 0) FROM orders o
                 WHERE o.customer_id = f.id AND o.date <= :end) END) AS profit,
  f.active_end AS active,
  iif(f.active_end, coalesce((SELECT sum(o.revenue_e4) - coalesce(sum(o.cost_e4), 0)
                              FROM orders o WHERE o.customer_id = f.id
                              AND o.date BETWEEN :start AND :end), 0), 0) AS profit_year,
  f.start OR f.new OR f.active_end AS in_pool
FROM f LEFT JOIN {stats} t ON t.customer_id = f.id
"""
_LTV_LEAN = FLAGS_SQL + _LTV_LEAN_ROWS

# `_LTV_LEAN`'s rows handed back as one JSON text (and the pool and lost counted in SQL as
# `ltv_rows_lean` counts them: a NULL flag is false, a lost one is in the pool and not
# active): one row fetched, not 100k. A screen runs it on a second connection while its
# own does Python work: fetching 100k rows there, each fetch waited for the interpreter
# the other thread held (storage/beside.py). Integers only (no REAL through JSON text).
_LTV_PACKED = FLAGS_SQL + """
SELECT json_group_array(json_array(cid, bought, CAST(coalesce(profit, 0) AS INTEGER),
                                   active, CAST(coalesce(profit_year, 0) AS INTEGER))),
  coalesce(sum(iif(in_pool, 1, 0)), 0),
  coalesce(sum(iif(in_pool, NOT coalesce(active, 0), 0)), 0)
FROM (""" + _LTV_LEAN_ROWS + ")"


def ltv_rows_lean(store: Store, year: Period, window: int) -> LtvRows:
    """`ltv_rows` from the lean flags: equal, but for the trailing-year profit, given for
    the customers active at the year's end only (0 for the others)."""
    stats = stats_source(store)
    rows = []
    pool = lost = 0
    for cid, bought, profit, active, profit_year, in_pool in store.conn.execute(
            _LTV_LEAN.format(stats=stats), flag_params(year, window)):
        if in_pool:
            pool += 1
            lost += not active
        rows.append((cid, bool(bought), int(profit or 0), bool(active), int(profit_year or 0)))
    return LtvRows(rows, pool, lost)


def ltv_rows_packed(store: Store, year: Period, window: int) -> LtvRows:
    """`ltv_rows_lean` from one fetched row (`_LTV_PACKED`): equal but for the rows' order
    (tests/test_perf_growth_ltv_packed.py)."""
    packed, pool, lost = store.conn.execute(_LTV_PACKED.format(stats=stats_source(store)),
                                            flag_params(year, window)).fetchone()
    return LtvRows([(cid, bool(bought), profit, bool(active), profit_year)
                    for cid, bought, profit, active, profit_year in json.loads(packed)],
                   pool, lost)
