"""The customer and sales sums of the catalogue, per segment, in one SQL statement.

The state rules of METRICS.md (`custdesk.domain.customer_state.classify`) are applied
inside SQLite to one row per customer and summed per segment into `CustomerTally`s, so no
per-customer Python object is built for the catalogue. `tests/test_metrics_sql_parity.py`
checks the result against the pure-Python path (facts → classify → tally_states).

Any period: when it ends on or after the last order (the usual case: "up to today") the
per-customer summary `customer_order_stats` is the history up to `to`; when orders are
dated after `to` (a prior period, a month of a trend) `_stats_as_of` rebuilds the summary
rows "as of `to`" — only customers whose history straddles `to` are re-aggregated from
their lines (index range on orders_customer_date), the others keep or blank their row.

Customers whose every sum the summary row alone gives (`_SETTLED`: lapsed long before the
period, or not yet acquired at its end: about half of a big file's) are summed from it in
a cheap branch; the per-customer statement runs for the others.
"""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import date, timedelta

from custdesk.domain.customer_state import REPEAT_WITHIN_DAYS, UNDATED
from custdesk.domain.metrics_customers import CustomerTally
from custdesk.domain.periods import Period, one_year_before
from custdesk.domain.text import name_key
from custdesk.storage.database import Store
from custdesk.storage.queries import (
    FIRST_VALUE,
    FROM_CUSTOMER_LIST,
    REPEAT_90D,
    SILENT,
    period_params,
)
from custdesk.storage.queries_cache import cached, peek
from custdesk.storage.queries_summary import ORDER_KEY, is_stale, stats_source

# every character Python's str.strip() removes: trim(x, these) = '' <=> not x.strip()
# (spelled out: scanning all of Unicode for them cost 40 ms of every start; a test keeps
# the list equal to str.isspace)
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003"
              "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_WHITESPACE = WHITESPACE

# last order on or before a day: the summary answers unless the history straddles the day,
# then one index seek (CASE evaluates lazily)
_LAST_ON_OR_BEFORE = """CASE WHEN s.last_date <= :{day} THEN s.last_date
         WHEN s.first_date > :{day} THEN NULL
         ELSE (SELECT max(o2.date) FROM orders o2 WHERE o2.customer_id = c.id
               AND o2.date <= :{day}) END"""

# the same when the summary is "as of" an end after the day (`_AS_OF_CASES`): its own days
# answer (the last one as of the end would be a seek, made again for the test and the value)
_LAST_ON_OR_BEFORE_AS_OF = _LAST_ON_OR_BEFORE.replace("s.last_date", "s.summary_last")

# one row per customer: the summary row plus the period's lines, walked per customer on
# orders_customer_date (already in customer order: no temporary B-tree)
_PER_CUSTOMER = """
SELECT c.id AS cust_id, coalesce(nullif(c.segment, ''), '(none)') AS seg,
  c.source AS source, c.referred_by AS referred_by, c.lost_reason AS lost_reason,
  nullif(substr(c.lost_on, 1, 10), '') AS lost_on,
  coalesce(c.status = 'lost', 0) AS status_lost,
  coalesce(nullif(substr(c.acquired_on, 1, 10), ''), substr(s.first_date, 1, 10),
           (SELECT substr(min(d.closed_on), 1, 10) FROM deals d JOIN stages k
            ON k.id = d.stage_id WHERE d.customer_id = c.id AND k.kind = 'won'
            AND d.closed_on IS NOT NULL),
           iif({from_list}, nullif(substr(c.created_on, 1, 10), ''), NULL),
           :undated) AS acq,
  s.last_date AS last_end, s.revenue_e4 AS total_rev,
  iif(s.first_date <= :end, s.first_date, NULL) AS first_date, -- first order up to `to`
  {last_before} AS last_before,
  {last_year} AS last_year,
  coalesce({repeat}, 0) AS repeat_buyer,
  coalesce(s.revenue_e4 - s.cost_e4, 0) AS profit,
  {period_sums}
FROM customers c
LEFT JOIN {stats} s ON s.customer_id = c.id
{walk}
GROUP BY c.id
"""
_PROFIT = "coalesce(s.revenue_e4 - s.cost_e4, 0) AS profit"  # (`_AS_OF_CASES` has it)
# the period's lines of each customer (the walk); `_WHOLE_HISTORY` narrows it
_WALK = """LEFT JOIN orders o INDEXED BY orders_customer_date
  ON o.customer_id = c.id AND o.date BETWEEN :{lo} AND :end"""

# classify(), unrolled the same way, on each customer row
_FLAGS = """
SELECT *,
  acq <= :end AND NOT lost_end AS active_end,
  acq <= :before AND NOT (gone_before OR lapsed_before) AS start,
  acq > :before AND acq <= :end AS new,
  acq <= :end AND NOT lost_end AND acq <= :before AND NOT gone_before AND lapsed_before
    AS won_back,
  acq <= :year_before AND NOT (gone_year OR lapsed_year) AS y_start,
  acq > :year_before AND acq <= :end AS y_new,
  acq <= :end AND NOT lost_end AND acq <= :year_before AND NOT gone_year AND lapsed_year
    AS y_won
FROM (SELECT *,
  iif(lost_on IS NOT NULL, lost_on <= :end, status_lost) AS gone_end,
  iif(lost_on IS NOT NULL, lost_on <= :before, status_lost) AS gone_before,
  iif(lost_on IS NOT NULL, lost_on <= :year_before, status_lost) AS gone_year,
  coalesce(last_before < :cut_before, 0) AS lapsed_before,
  coalesce({last_year} < :cut_year, 0) AS lapsed_year,
  iif(lost_on IS NOT NULL, lost_on <= :end, status_lost)
    OR coalesce(last_end < :cut_end, 0) AS lost_end
  FROM ({per_customer}))
"""

# `_FLAGS` for a one-year period: its trailing year's day before is the period's, so the
# y_ flags are the period's (y_start = start, y_new = new, y_won = won_back) and are not
# computed apart (`flags_sql(year_flags=False)`, read by `_SUMS_ONE_YEAR`)
_Y_FLAGS = ("""  iif(lost_on IS NOT NULL, lost_on <= :year_before, status_lost) AS gone_year,
""", """  coalesce({last_year} < :cut_year, 0) AS lapsed_year,
""", """,
  acq <= :year_before AND NOT (gone_year OR lapsed_year) AS y_start,
  acq > :year_before AND acq <= :end AS y_new,
  acq <= :end AND NOT lost_end AND acq <= :year_before AND NOT gone_year AND lapsed_year
    AS y_won""")
_FLAGS_ONE_YEAR = _FLAGS
for _part in _Y_FLAGS:
    assert _FLAGS_ONE_YEAR.count(_part) == 1
    _FLAGS_ONE_YEAR = _FLAGS_ONE_YEAR.replace(_part, "")

# the lost customers' revenue in the W days up to their last order on or before their loss
# day (recorded loss date, else the period's end): customer_state.lost_value_window()
# (new repeat buyers whose orders up to the end all fall within 90 days of the first
# repeat within them: `repeat_90d` seeks only for the others, about half of them)
_SUMS = """
SELECT {key}, count(*), sum(start), sum(active_end), sum(won_back), sum(new),
  sum(iif(new, rev, 0)),
  sum(iif(new, source IN (SELECT value FROM json_each(:referral_sources))
                       OR trim(coalesce(referred_by, ''), :whitespace) != '', 0)),
  sum(lost),
  sum(iif(lost, (SELECT coalesce(sum(o3.revenue_e4), 0) FROM orders o3
                 WHERE o3.customer_id = cust_id AND o3.date BETWEEN date(anchor, :w_back)
                 AND anchor), 0)),
  sum(acq <= :end), sum(acq <= :end AND lost_end), sum(ordered_prior),
  sum(ordered_prior AND n > 0), sum(last_end IS NOT NULL),
  sum(last_end IS NOT NULL AND repeat_buyer), sum(iif(last_end IS NOT NULL, profit, 0)),
  sum(y_start OR y_new OR y_won), sum((y_start OR y_new OR y_won) AND NOT active_end),
  sum(active_end), sum(iif(active_end, profit_year, 0)),
  sum(rev), sum(cost), sum(rev_c), sum(n), sum(n_c), sum(start AND active_end),
  sum(acq = :undated),
  sum(iif(lost, {silent}, 0)),
  sum(new AND first_date IS NOT NULL),
  sum(iif(new AND first_date IS NOT NULL, iif(repeat_buyer, {first_value}, total_rev), 0)),
  sum(new AND first_date IS NOT NULL AND acq <= :cohort_day),
  sum(iif(new AND first_date IS NOT NULL AND acq <= :cohort_day AND repeat_buyer,
          iif(last_end <= date(first_date, :repeat_fwd), 1, {repeat_90d}), 0))
FROM (SELECT *, (start OR new OR won_back) AND NOT active_end AS lost,
        coalesce(last_before >= :prior_start, 0) AS ordered_prior,
        iif(lost_on IS NOT NULL AND lost_on <= :end,
            (SELECT max(o4.date) FROM orders o4 WHERE o4.customer_id = cust_id
             AND o4.date <= lost_on), last_end) AS anchor,
        iif(lost_on IS NOT NULL AND lost_on <= :end, lost_on,
            iif(coalesce(last_end < :cut_end, 0), date(last_end, :w_fwd), :end)) AS loss_day
      FROM ({flags}))
GROUP BY 1, 2
"""
# a lost customer whose every line up to the end lies in the W days up to the anchor (their
# last order up to the end, their first order on or after the window's first day): the
# window's revenue is their revenue to date, no look at their lines (big file, a year:
# ~0.02 s CPU of the lost customers' ~0.05 s)
_LOST_WINDOW = """(SELECT coalesce(sum(o3.revenue_e4), 0) FROM orders o3
                 WHERE o3.customer_id = cust_id AND o3.date BETWEEN date(anchor, :w_back)
                 AND anchor)"""
assert _SUMS.count(_LOST_WINDOW) == 1
_SUMS = _SUMS.replace(_LOST_WINDOW, "iif(anchor = last_end AND first_date >= date(anchor, :w_back),"
                                    f"\n                 total_rev, {_LOST_WINDOW})")
_SUMS_ONE_YEAR = _SUMS.replace("y_start OR y_new OR y_won", "start OR new OR won_back")
assert "y_" not in _SUMS_ONE_YEAR
# the statement before round 5 (`and` evaluates both sides: the referral test ran for every
# customer, not only the new ones): the reference `tallies_reference` runs
_SUMS_REFERENCE = """
SELECT {key}, count(*), sum(start), sum(active_end), sum(won_back), sum(new),
  sum(iif(new, rev, 0)),
  sum(new AND (source IN (SELECT value FROM json_each(:referral_sources))
               OR trim(coalesce(referred_by, ''), :whitespace) != '')),
  sum(lost),
  sum(iif(lost, (SELECT coalesce(sum(o3.revenue_e4), 0) FROM orders o3
                 WHERE o3.customer_id = cust_id AND o3.date BETWEEN date(anchor, :w_back)
                 AND anchor), 0)),
  sum(acq <= :end), sum(acq <= :end AND lost_end), sum(ordered_prior),
  sum(ordered_prior AND n > 0), sum(last_end IS NOT NULL),
  sum(last_end IS NOT NULL AND repeat_buyer), sum(iif(last_end IS NOT NULL, profit, 0)),
  sum(y_start OR y_new OR y_won), sum((y_start OR y_new OR y_won) AND NOT active_end),
  sum(active_end), sum(iif(active_end, profit_year, 0)),
  sum(rev), sum(cost), sum(rev_c), sum(n), sum(n_c), sum(start AND active_end),
  sum(acq = :undated),
  sum(iif(lost, {silent}, 0)),
  sum(new AND first_date IS NOT NULL),
  sum(iif(new AND first_date IS NOT NULL, iif(repeat_buyer, {first_value}, total_rev), 0)),
  sum(new AND first_date IS NOT NULL AND acq <= :cohort_day),
  sum(iif(new AND first_date IS NOT NULL AND acq <= :cohort_day AND repeat_buyer,
          {repeat_90d}, 0))
FROM (SELECT *, (start OR new OR won_back) AND NOT active_end AS lost,
        coalesce(last_before >= :prior_start, 0) AS ordered_prior,
        iif(lost_on IS NOT NULL AND lost_on <= :end,
            (SELECT max(o4.date) FROM orders o4 WHERE o4.customer_id = cust_id
             AND o4.date <= lost_on), last_end) AS anchor,
        iif(lost_on IS NOT NULL AND lost_on <= :end, lost_on,
            iif(coalesce(last_end < :cut_end, 0), date(last_end, :w_fwd), :end)) AS loss_day
      FROM ({flags}))
GROUP BY 1, 2
"""
# `queries.FIRST_VALUE` (a repeat buyer's first order's value) by covering index seeks
# instead of grouping and sorting every line of the customer read from the table: the first
# order's key is the smallest key of the first day's lines (the key whose earliest line is
# earliest — no line is earlier than the first day), read on orders_date (which holds
# order_ref); its lines are the ones with that order_ref (orders_ref_date: the table is read
# only for them) plus, for a 'd' || date key, the day's lines without one. (New customers'
# first values on the big file: 0.16 -> 0.10 s CPU.) The key's lines of the first day are
# read on orders_date too (it holds the revenue: the table is read only for an order's
# lines on a later day, which few orders have; new repeat buyers of the big file's year:
# 0.088 -> 0.072 s CPU).
_FIRST_VALUE_BY_KEY = """(SELECT
    coalesce((SELECT sum(o5.revenue_e4) FROM orders o5 INDEXED BY orders_date
              WHERE o5.date = {first} AND o5.customer_id = {cid} AND o5.order_ref = f.k), 0)
    + coalesce((SELECT sum(o5.revenue_e4) FROM orders o5 INDEXED BY orders_ref_date
              WHERE o5.order_ref = f.k AND o5.date > {first} AND o5.date <= :end
              AND o5.customer_id = {cid}), 0)
    + coalesce((SELECT sum(o5.revenue_e4) FROM orders o5 INDEXED BY orders_date
                WHERE o5.date = substr(f.k, 2) AND o5.customer_id = {cid}
                AND o5.order_ref IS NULL AND 'd' || o5.date = f.k
                AND o5.date BETWEEN {first} AND :end), 0)
  FROM (SELECT (SELECT min(coalesce(o6.order_ref, 'd' || o6.date))
                FROM orders o6 INDEXED BY orders_date
                WHERE o6.date = {first} AND o6.customer_id = {cid}) AS k) f)"""
# group keys: the segment, or (for the bridge) the reason a lost customer is counted under:
# their recorded reason, else "Not recorded" when marked lost, else "Lapsed"; "" = not lost
_KEYS = {
    "segment": "seg",
    "lost_reason": "iif(lost, coalesce(nullif(lost_reason, ''), "
                   "iif(gone_end, 'Not recorded', 'Lapsed')), '')",
}

# Customers known without their lines, summed from the summary alone (`_SETTLED_SUMS`)
# while the per-customer statement runs for the others (a big file's year: 43 % of the
# customers with a 365-day lapse window, 54 % with 90 days; 0.78-0.91 -> 0.57 s CPU).
# Two kinds:
# - settled: their whole history ends before the lapse cut of the day before and they were
#   acquired by the day before. Lapsed on the day before and at the end, every flag is
#   false (not start, new, won back, lost, active; no y_won) but y_new (a period under a
#   year: acquired after the year's day before) or else y_start (not lost by the year's day
#   before nor lapsed then, by their last order on that day), none has a line in the
#   period, and
#   their last order on the day before is the summary's last. `{last}`: the summary's own
#   last order day (as of an earlier end it may be another);
# - not yet customers: first order and acquisition after the end (a prior period, a month
#   of a trend): counted, every other sum 0 (never the undated day: those are counted).
_ACQ = "coalesce(nullif(substr(c.acquired_on, 1, 10), ''), substr(s.first_date, 1, 10))"
_OLD = "{last} < :cut_before"
_SETTLED = {False: f"({_OLD} AND {_ACQ} <= :settled_acq)",  # no order after the end
            True: f"(({_OLD} AND {_ACQ} <= :settled_acq) OR (s.first_date > :end "
                  f"AND {_ACQ} > :end AND {_ACQ} != :undated))"}
# a settled customer's y_start (`_FLAGS`' gone_year, lapsed_year)
_Y_START = ("NOT (iif(nullif(substr(c.lost_on, 1, 10), '') IS NOT NULL, "
            "nullif(substr(c.lost_on, 1, 10), '') <= :year_before, "
            "coalesce(c.status = 'lost', 0)) OR coalesce(("
            + _LAST_ON_OR_BEFORE.format(day="year_before") + ") < :cut_year, 0))")
# their `CustomerTally` fields that are not 0: the settled are acquired by the end, lost
# by it (lapsed) and buyers; their repeat and profit to date are the summary's; those
# counted at the trailing year's start are lost from it
_SETTLED_FIELDS = {
    "total": "count(*)", "acquired": "sum({old})", "lost_any": "sum({old})",
    "prior": "sum({old} AND s.last_date >= :prior_start)", "buyers": "sum({old})",
    "repeat": "sum({old} AND coalesce(s.min_key != s.max_key, 0))",
    "profit_e4": "sum(iif({old}, coalesce(s.revenue_e4 - s.cost_e4, 0), 0))",
}
# a period under a year (else the cut is the year's or later: all lapsed, and acquired by
# the year's day before): y_new when acquired after the year's day before, else y_start
_Y_POOL = f"({_ACQ} > :year_before OR {_Y_START})"
_SETTLED_YEAR = {"year_pool": f"sum({{old}} AND {_Y_POOL})",
                 "year_lost": f"sum({{old}} AND {_Y_POOL})"}
_SETTLED_SUMS = """SELECT coalesce(nullif(c.segment, ''), '(none)'), '', {columns}
FROM customers c JOIN {stats} s ON s.customer_id = c.id
WHERE {settled}
GROUP BY 1"""
# the per-customer statement's sums (`_SUMS`, others only) and the settled ones', added up
# per (segment, reason) — a settled customer is never lost: reason ''
_SPLIT_SUMS = """WITH rest(seg, reason, {names}) AS ({rest}),
  settled(seg, reason, {names}) AS ({settled})
SELECT seg, reason, {sums}
FROM (SELECT * FROM rest UNION ALL SELECT * FROM settled)
GROUP BY 1, 2"""


# the summary's columns as of :end (orders after :end ignored), its two order keys as
# `repeat` (2+ distinct order keys). Customers whose first order is after :end keep their
# first day (it still dates their acquisition, as in `queries.customer_facts`) but no
# lines; the straddling ones are summed from their lines: the day and the sums on the
# covering index, and "another order key than the first line's" seeking rows only until a
# second key shows (a min/max of the keys read every line's row: twice the time)
_AS_OF = """(SELECT customer_id, first_date, last_date, revenue_e4, cost_e4,
        min_key != max_key AS repeat
   FROM {stats} WHERE last_date <= :end
 UNION ALL
 SELECT customer_id, first_date, NULL, 0, 0, NULL FROM {stats} WHERE first_date > :end
 UNION ALL
 SELECT s2.customer_id, s2.first_date,
   (SELECT max(o.date) FROM orders o WHERE o.customer_id = s2.customer_id
    AND o.date <= :end),
   (SELECT sum(o.revenue_e4) FROM orders o WHERE o.customer_id = s2.customer_id
    AND o.date <= :end),
   (SELECT coalesce(sum(o.cost_e4), 0) FROM orders o WHERE o.customer_id = s2.customer_id
    AND o.date <= :end),
   EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = s2.customer_id AND o.date <= :end
           AND {key} != (SELECT {key2} FROM orders o2 WHERE o2.customer_id = s2.customer_id
                         AND o2.date <= :end LIMIT 1))
 FROM {stats} s2 WHERE s2.first_date <= :end AND s2.last_date > :end)"""
# the statement `_AS_OF` replaced (one grouped pass, min and max of the keys): kept as the
# reference its parity test compares with
_AS_OF_GROUPED = """(SELECT customer_id, first_date, last_date, revenue_e4, cost_e4,
        min_key != max_key AS repeat
   FROM {stats} WHERE last_date <= :end
 UNION ALL
 SELECT customer_id, first_date, NULL, 0, 0, NULL FROM {stats} WHERE first_date > :end
 UNION ALL
 SELECT o.customer_id, min(o.date), max(o.date), sum(o.revenue_e4), coalesce(sum(o.cost_e4), 0),
        min({key}) != max({key})
 FROM {stats} s2 JOIN orders o INDEXED BY orders_customer_date
   ON o.customer_id = s2.customer_id AND o.date <= :end
 WHERE s2.first_date <= :end AND s2.last_date > :end
 GROUP BY o.customer_id)"""
# `_AS_OF` as one row per summary row with CASEs (the default since round 5): a plain
# sub-query SQLite flattens into the per-customer walk, so each customer's row is found by
# its rowid — the UNION ALL was materialized (100k rows) and given an automatic index on
# every call (prior period: flags 0.40 -> 0.37 s CPU on the big file). The straddling
# customers' seeks are `_AS_OF`'s. `profit_e4`: revenue less known cost in one look at a
# straddling customer's lines (`flags_sql` reads it for the profit: two looks otherwise).
_AS_OF_CASES_EACH_LINE = """(SELECT t.customer_id, t.first_date, t.last_date AS summary_last,
   CASE WHEN t.last_date <= :end THEN t.last_date WHEN t.first_date > :end THEN NULL
        ELSE (SELECT max(o.date) FROM orders o WHERE o.customer_id = t.customer_id
              AND o.date <= :end) END AS last_date,
   CASE WHEN t.last_date <= :end THEN t.revenue_e4 WHEN t.first_date > :end THEN 0
        ELSE (SELECT sum(o.revenue_e4) FROM orders o WHERE o.customer_id = t.customer_id
              AND o.date <= :end) END AS revenue_e4,
   CASE WHEN t.last_date <= :end THEN t.cost_e4 WHEN t.first_date > :end THEN 0
        ELSE (SELECT coalesce(sum(o.cost_e4), 0) FROM orders o
              WHERE o.customer_id = t.customer_id AND o.date <= :end) END AS cost_e4,
   CASE WHEN t.last_date <= :end THEN t.revenue_e4 - t.cost_e4 WHEN t.first_date > :end THEN 0
        ELSE (SELECT sum(o.revenue_e4) - coalesce(sum(o.cost_e4), 0) FROM orders o
              WHERE o.customer_id = t.customer_id AND o.date <= :end) END AS profit_e4,
   CASE WHEN t.last_date <= :end THEN t.min_key != t.max_key
        WHEN t.first_date > :end THEN NULL
        ELSE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = t.customer_id
                     AND o.date <= :end
                     AND {key} != (SELECT {key2} FROM orders o2
                                   WHERE o2.customer_id = t.customer_id
                                   AND o2.date <= :end LIMIT 1)) END AS repeat
 FROM {stats} t)"""
# `_AS_OF_CASES_EACH_LINE` with a straddling customer's revenue and profit as of :end read
# from the side of :end with fewer days of their history: the summary's less the lines
# after :end when those are fewer (a prior period: the last 90 days' lines, not years of
# them), and "2+ order keys" answered by the summary when its whole history has one key
# (big file, the 90 days' prior: 12k straddling customers, their profit's look 0.040 ->
# 0.023 s CPU; the tally ~0.59 -> ~0.57 s, best of 5; the 12 months' prior unchanged)
_FEWER_AFTER = ("julianday(t.last_date) - julianday(:end) "
                "< julianday(:end) - julianday(t.first_date)")
_AS_OF_CASES = _AS_OF_CASES_EACH_LINE
for _old, _new in (
        ("""        ELSE (SELECT sum(o.revenue_e4) FROM orders o WHERE o.customer_id = t.customer_id
              AND o.date <= :end) END AS revenue_e4,""",
         f"""        WHEN {_FEWER_AFTER} THEN t.revenue_e4 - (SELECT sum(o.revenue_e4) FROM orders o
              WHERE o.customer_id = t.customer_id AND o.date > :end)
        ELSE (SELECT sum(o.revenue_e4) FROM orders o WHERE o.customer_id = t.customer_id
              AND o.date <= :end) END AS revenue_e4,"""),
        ("""        ELSE (SELECT sum(o.revenue_e4) - coalesce(sum(o.cost_e4), 0) FROM orders o
              WHERE o.customer_id = t.customer_id AND o.date <= :end) END AS profit_e4,""",
         f"""        WHEN {_FEWER_AFTER} THEN t.revenue_e4 - t.cost_e4
          - (SELECT sum(o.revenue_e4) - coalesce(sum(o.cost_e4), 0) FROM orders o
             WHERE o.customer_id = t.customer_id AND o.date > :end)
        ELSE (SELECT sum(o.revenue_e4) - coalesce(sum(o.cost_e4), 0) FROM orders o
              WHERE o.customer_id = t.customer_id AND o.date <= :end) END AS profit_e4,"""),
        ("""        WHEN t.first_date > :end THEN NULL
        ELSE EXISTS""",
         """        WHEN t.first_date > :end THEN NULL WHEN t.min_key = t.max_key THEN 0
        ELSE EXISTS""")):
    assert _AS_OF_CASES.count(_old) == 1
    _AS_OF_CASES = _AS_OF_CASES.replace(_old, _new)
_REPEAT = {True: "s.repeat", False: "s.min_key != s.max_key"}  # as of :end, or the summary


def _stats_as_of(store: Store, end: str, as_of: str = _AS_OF_CASES) -> tuple[str, str]:
    """What to join as the per-customer summary for a period ending on `end`, and its
    "2+ order keys" expression over it (aliased `s`)."""
    stats = stats_source(store)  # the summary, or its aggregate if stale (no write)
    latest = store.conn.execute("SELECT max(date) FROM orders").fetchone()[0]
    if latest is None or latest <= end:
        return stats, _REPEAT[False]
    return (as_of.format(stats=stats, key=ORDER_KEY,
                         key2=ORDER_KEY.replace("o.", "o2.")), _REPEAT[True])


def _period_sums(params: dict[str, str]) -> str:
    """Sums over the lines dated lo..end (NULL when none); conditions only where the range
    is wider than the period or the trailing year."""
    in_period = "o.date >= :start" if params["lo"] < params["start"] else None
    in_year = "o.date >= :year_start" if params["lo"] < params["year_start"] else None
    if in_period is None and in_year is None:  # a one-year period: the cheapest sums
        return ("sum(o.revenue_e4) AS rev, sum(o.cost_e4) AS cost, "
                "sum(iif(o.cost_e4 IS NULL, 0, o.revenue_e4)) AS rev_c, count(o.date) AS n, "
                "count(o.cost_e4) AS n_c, "
                "sum(o.revenue_e4) - coalesce(sum(o.cost_e4), 0) AS profit_year")
    # (the LEFT JOIN gives customers without lines one row of NULLs: o.date IS NOT NULL)
    p = in_period or "o.date IS NOT NULL"
    y = in_year or "o.date IS NOT NULL"
    return (f"sum(iif({p}, o.revenue_e4, 0)) AS rev, sum(iif({p}, o.cost_e4, 0)) AS cost, "
            f"sum(iif({p} AND o.cost_e4 IS NOT NULL, o.revenue_e4, 0)) AS rev_c, "
            f"coalesce(sum({p}), 0) AS n, coalesce(sum({p} AND o.cost_e4 IS NOT NULL), 0) "
            f"AS n_c, sum(iif({y}, o.revenue_e4 - coalesce(o.cost_e4, 0), 0)) AS profit_year")


# a period holding every order line of the file ("All"): the period's sums are the
# summary's columns (m006) — the lines are walked only for the trailing year's profit when
# that year starts after the first line, else not at all (the whole history's walk: 1M
# lines on the big file). Each column as `_period_sums` gives it, NULLs included (a
# customer without lines; lines, none costed): the rows are the walk's, value for value.
_SUMMARY_SUMS = {
    True: ("s.revenue_e4 AS rev, iif(s.costed_lines > 0, s.cost_e4, NULL) AS cost, "
           "coalesce(s.costed_revenue_e4, 0) AS rev_c, coalesce(s.lines, 0) AS n, "
           "coalesce(s.costed_lines, 0) AS n_c, s.revenue_e4 - s.cost_e4 AS profit_year"),
    False: ("coalesce(s.revenue_e4, 0) AS rev, CASE WHEN s.lines IS NULL THEN 0 "
            "WHEN s.costed_lines > 0 THEN s.cost_e4 END AS cost, "
            "coalesce(s.costed_revenue_e4, 0) AS rev_c, coalesce(s.lines, 0) AS n, "
            "coalesce(s.costed_lines, 0) AS n_c, {profit_year} AS profit_year"),
}
_YEAR_PROFIT = {  # (not a one-year period) every line in the trailing year, or not
    True: "coalesce(s.revenue_e4 - s.cost_e4, 0)",
    False: "coalesce(sum(o.revenue_e4 - coalesce(o.cost_e4, 0)), 0)",
}


def _period_parts(store: Store, params: dict[str, str], whole: bool) -> tuple[str, str]:
    """(the period sums' columns, the walk of the lines they read — "" for none) of the
    per-customer rows. `whole`: every line of the file lies within the period (the
    summary's columns then hold its sums; `_SUMMARY_SUMS`)."""
    if not whole:
        return _period_sums(params), _WALK.format(lo="lo")
    # `_period_sums`' two shapes: a one-year period's plain sums, or conditional ones
    if params["lo"] >= params["start"] and params["lo"] >= params["year_start"]:
        return _SUMMARY_SUMS[True], ""
    first = store.conn.execute("SELECT min(date) FROM orders").fetchone()[0]
    in_year = first >= params["year_start"]
    return (_SUMMARY_SUMS[False].format(profit_year=_YEAR_PROFIT[in_year]),
            "" if in_year else _WALK.format(lo="year_start"))


def _holds_every_line(store: Store, params: dict[str, str]) -> bool:
    """True when every order line is dated within the period (two seeks on the date
    index): its sums are then the whole history's."""
    lo, hi = store.conn.execute(
        "SELECT (SELECT min(date) FROM orders), (SELECT max(date) FROM orders)").fetchone()
    return lo is not None and lo >= params["start"] and hi <= params["end"]


def _referral_sources(store: Store) -> str:
    """The spellings of the referral source (a JSON list), kept until the next write: a
    period and its prior ask for them (a scan of every customer: 15 ms on the big file)."""
    def spellings() -> str:
        return json.dumps([s for (s,) in store.conn.execute(
            "SELECT DISTINCT source FROM customers WHERE source IS NOT NULL")
            if name_key(s) == "referral"])
    return cached(store, ("referral sources",), spellings, small=True)


def customer_tallies(store: Store, period: Period, window: int,
                     by: str = "segment") -> dict[str, CustomerTally] | None:
    """segment ("(none)" for blank) -> CustomerTally, or with `by="lost_reason"` lost
    reason ("" for customers not lost) -> CustomerTally. (Never None now: any period is
    served; the Optional stays for callers written when earlier periods were not.)

    Both groupings come from one pass per (period, window), kept until the next write: a
    screen asks for the catalogue (by segment) and the bridge (by reason) of one period."""
    if by not in _KEYS:
        raise ValueError(f"cannot group customer tallies by {by!r}")
    fine = cached(store, ("customer tallies", period, window),
                  lambda: _tallies_by_segment_and_reason(
                      store, period, window, year_from=_kept_year(store, period, window)),
                  small=True)
    out: dict[str, CustomerTally] = {}
    for seg, reason, tally in fine:
        key = seg if by == "segment" else reason
        out[key] = out[key] + tally if key in out else tally
    return out


# the fields of the trailing year ending on a period's last day: the same for every period
# ending on that day, so a period under a year takes them per segment from the one-year
# period's tallies when those are kept (Today's 12 months, then 90 days: the 90 days'
# statement then walks 90 days of lines, not a year, and seeks no customer's last order
# of the year's day before: big file ~0.13 of 0.45 s CPU). Only per segment: the bridge
# (by lost reason) reads none of them, and a customer's reason is this period's.
YEAR_FIELDS = ("year_pool", "year_lost", "year_profit_e4")


def _kept_year(store: Store, period: Period, window: int
               ) -> list[tuple[str, str, CustomerTally]] | None:
    """The kept tallies of a one-year period ending on `period`'s last day, or None (not
    kept, or `period` is that one-year period). Two shapes: the 365 days up to the day,
    and "last 12 months" (from the day after the same day a year earlier: 366 days when
    they hold a 29 February) — both take their year's fields over the 365 days up to the
    day (`period_params`' year_before), so either serves."""
    months = Period(one_year_before(period.end) + timedelta(days=1), period.end)
    for year in dict.fromkeys((Period.trailing_year(period.end), months)):
        if year == period:
            return None
        kept = peek(store, ("customer tallies", year, window), small=True)
        if kept is not None:
            return kept
    return None


def _year_per_segment(fine: list[tuple[str, str, CustomerTally]]
                      ) -> dict[str, tuple[int, ...]]:
    out: dict[str, tuple[int, ...]] = {}
    for seg, _reason, tally in fine:
        mine = tuple(getattr(tally, f) for f in YEAR_FIELDS)
        was = out.get(seg, (0,) * len(YEAR_FIELDS))
        out[seg] = tuple(a + b for a, b in zip(was, mine, strict=True))
    return out


def _with_year(fine: list[tuple[str, str, CustomerTally]],
               year: dict[str, tuple[int, ...]]) -> list[tuple[str, str, CustomerTally]]:
    """`fine` with the trailing year's fields of each segment from `year`, all on its row
    of customers not lost (reason ""; else its first row), 0 on its other rows."""
    home: dict[str, int] = {}
    for i, (seg, reason, _tally) in enumerate(fine):
        if seg not in home or reason == "":
            home[seg] = i
    if set(home) != set(year):  # every customer is in both: the segments are the same
        raise ValueError("the one-year tallies are of other customers")
    zero = dict.fromkeys(YEAR_FIELDS, 0)
    return [(seg, reason, replace(tally, **(dict(zip(YEAR_FIELDS, year[seg], strict=True))
                                            if home[seg] == i else zero)))
            for i, (seg, reason, tally) in enumerate(fine)]


def flag_params(period: Period, window: int) -> dict[str, str]:
    """The SQL parameters of the per-customer state flags for `period` with a lapse window
    of `window` days (the catalogue's tallies and Growth's per-source sums)."""
    params = period_params(period)
    gap = timedelta(days=window)
    year_before = date.fromisoformat(params["year_before"])
    params.update(
        lo=min(params["start"], params["year_start"]),
        cut_end=(period.end - gap).isoformat(),
        cut_before=(period.day_before() - gap).isoformat(),
        cut_year=(year_before - gap).isoformat(),
        w_back=f"-{window - 1} days", w_fwd=f"+{window} days", undated=UNDATED.isoformat(),
        repeat_fwd=f"+{REPEAT_WITHIN_DAYS} days",
        cohort_day=(period.end - timedelta(days=REPEAT_WITHIN_DAYS)).isoformat(),
        whitespace=_WHITESPACE)
    return params


def flags_sql(store: Store, params: dict[str, str], as_of: str = _AS_OF_CASES,
              summary_sums: bool = True, unsettled: bool = False,
              year_flags: bool = True) -> str:
    """The per-customer state flags (one row per customer: cust_id, seg, source, acq, new,
    active_end, start, won_back, y_start, …) as a sub-query to select from, for the
    `flag_params` of a period: the catalogue's tallies and Growth's per-source sums.
    `summary_sums=False`: the period's sums always from the walk of its lines (the
    reference of `_WHOLE_HISTORY`'s parity test). `unsettled`: the rows of the customers
    not `_SETTLED` only (`settled_params` added to `params`; `as_of` = `_AS_OF_CASES`).
    `year_flags=False` (a one-year period only): without the y_ flags (`_FLAGS_ONE_YEAR`)."""
    # a one-year period's day before is also the trailing year's: one seek serves both
    same = params["year_before"] == params["before"]
    stats, repeat = _stats_as_of(store, params["end"], as_of)
    period_sums, walk = _period_parts(
        store, params, summary_sums and _holds_every_line(store, params))
    last_on = _LAST_ON_OR_BEFORE_AS_OF if as_of is _AS_OF_CASES and repeat == _REPEAT[True] \
        else _LAST_ON_OR_BEFORE
    per_customer = _PER_CUSTOMER.format(
        last_before=last_on.format(day="before"),
        last_year="NULL" if same else last_on.format(day="year_before"),
        from_list=FROM_CUSTOMER_LIST,
        period_sums=period_sums, walk=walk,
        stats=stats, repeat=repeat)
    if as_of is _AS_OF_CASES and repeat == _REPEAT[True]:  # one look at the lines, not two
        per_customer = per_customer.replace(_PROFIT, "coalesce(s.profit_e4, 0) AS profit")
    if unsettled:  # (the summary's own last day: as of the end it may be an earlier one)
        later = repeat == _REPEAT[True]  # orders after the end: the summary "as of" it
        settled = _SETTLED[later].format(last="s.summary_last" if later else "s.last_date")
        per_customer = per_customer.replace(
            "\nGROUP BY c.id", f"\nWHERE NOT coalesce({settled}, 0)\nGROUP BY c.id")
    flags = _FLAGS if year_flags or not same else _FLAGS_ONE_YEAR
    return flags.format(per_customer=per_customer,
                        last_year="last_before" if same else "last_year")


def settled_params(params: dict[str, str]) -> dict[str, str]:
    """`_SETTLED`'s last acquisition day for a period's `flag_params`: its day before
    (the trailing year's earlier one too once: those acquired between the two are settled
    since round 10, their y_new counted by `_SETTLED_YEAR`)."""
    return {"settled_acq": params["before"]}


def _with_settled(rest: str, stats: str, params: dict[str, str], later: bool) -> str:
    """`rest` (the per-customer statement's sums over the others) plus the settled
    customers' sums from the summary `stats`, per (segment, reason). `later`: some order
    is dated after the period's end."""
    names = [f"v{i}" for i in range(len(fields(CustomerTally)))]
    old = f"({_OLD.format(last='s.last_date')})" if later else "1"  # (else all settled)
    sums = _SETTLED_FIELDS
    if params["cut_year"] < params["cut_before"]:
        sums = {**sums, **_SETTLED_YEAR}
    columns = ", ".join(sums.get(f.name, "0").format(old=old) for f in fields(CustomerTally))
    settled = _SETTLED_SUMS.format(columns=columns, stats=stats,
                                   settled=_SETTLED[later].format(last="s.last_date"))
    return _SPLIT_SUMS.format(names=", ".join(names), rest=rest, settled=settled,
                              sums=", ".join(f"sum({n})" for n in names))


def _tallies_by_segment_and_reason(store: Store, period: Period, window: int,
                                   as_of: str = _AS_OF_CASES,
                                   first_value: str = _FIRST_VALUE_BY_KEY,
                                   reference: bool = False, summary_sums: bool = True,
                                   year_from: list[tuple[str, str, CustomerTally]] | None
                                   = None) -> list[tuple[str, str, CustomerTally]]:
    """(segment, lost-reason key, CustomerTally) for every pair that has customers
    (`as_of`, `first_value`: the statement's parts; tests pass the ones they replaced;
    `reference`: the sums as they were written before round 5; `summary_sums=False`:
    the period's sums from its lines even when the summary holds them; `year_from`: the
    tallies of the one-year period ending on the same day, whose `YEAR_FIELDS` are taken
    per segment instead of computed)."""
    params = flag_params(period, window)
    year = None if year_from is None or reference else _year_per_segment(year_from)
    if year is not None:  # the statement of a one-year period: the year is the period's
        params.update(year_before=params["before"], year_start=params["start"],
                      cut_year=params["cut_before"], lo=params["start"])
    params["referral_sources"] = _referral_sources(store)
    # the settled customers apart (`_SETTLED`): not for the reference, nor for a stale
    # summary (its stand-in, the aggregate of every line, would be computed twice), nor
    # for the as-of statements the tests pass (only `_AS_OF_CASES` has `summary_last`)
    apart = not reference and as_of is _AS_OF_CASES and not is_stale(store)
    if apart:
        params.update(settled_params(params))
    one_year = not reference and params["year_before"] == params["before"]
    flags = flags_sql(store, params, as_of, summary_sums, unsettled=apart,
                      year_flags=not one_year)
    if not reference:
        # LIMIT: the flags are not flattened into the sums, so each customer's flags are
        # computed once, not once for each of the ~30 sums that read them (0.1 s CPU of
        # the period and its prior on the big file)
        flags += " LIMIT -1"
    # (one order key in the whole history — every line up to `to` here —: the first order
    # is all of it and nothing repeats; the sub-queries run only for repeat buyers)
    sums = _SUMS_REFERENCE if reference else _SUMS_ONE_YEAR if one_year else _SUMS
    sql = sums.format(flags=flags, key=f"{_KEYS['segment']}, {_KEYS['lost_reason']}",
                      silent=SILENT.format(cid="cust_id", day="loss_day"),
                      first_value=first_value.format(cid="cust_id", first="first_date"),
                      repeat_90d=REPEAT_90D.format(cid="cust_id", first="first_date"))
    if apart:
        (latest,) = store.conn.execute("SELECT max(date) FROM orders").fetchone()
        later = latest is not None and latest > params["end"]  # as `_stats_as_of` tells
        sql = _with_settled(sql, stats_source(store), params, later)
    fine = [(seg, reason, CustomerTally(*(int(v or 0) for v in rest)))
            for seg, reason, *rest in store.conn.execute(sql, params)]
    return fine if year is None else _with_year(fine, year)


def tallies_reference(store: Store, period: Period, window: int
                      ) -> list[tuple[str, str, CustomerTally]]:
    """`_tallies_by_segment_and_reason` as it was before round 5 (the summary as of the end
    by UNION ALL, `queries.FIRST_VALUE`, the flags flattened into the sums): the reference
    of its parity test."""
    return _tallies_by_segment_and_reason(store, period, window, as_of=_AS_OF,
                                          first_value=FIRST_VALUE, reference=True,
                                          summary_sums=False)
