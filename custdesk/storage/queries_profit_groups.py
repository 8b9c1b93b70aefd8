"""Margins' profitability groups A–D and the movement between the prior period's and this
period's groups, counted in SQL (`domain.lists.profit_groups` and `lists.movement`).

The reference is the Python path: each period's gross profit per customer
(`queries_lists.gross_profit_between`: 41k customers on the big file's year, read into a
dict four times), ranked and grouped in Python. Here one pass over both periods' lines sums
each customer's profit in either period, a running sum in each period's rank order (a
window) places each customer in a group, and only the (prior group, group) pairs come back:
tests/test_perf_profit_groups.py checks them equal on random files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from custdesk.domain.periods import Period
from custdesk.storage.database import Store

# A customer's group in one period (`lists.profit_groups`): D at zero or negative profit;
# else by the share of the period's positive profit ranked before them (profit descending,
# then customer id): A under 20 %, B under 50 %, C the rest. `{p}`: now / prior. The share
# is the same double division as Python's int / int (both sums are exact in a double).
_GROUP = """CASE WHEN NOT in_{p} THEN '{absent}' WHEN {p}_gp <= 0 THEN 'D'
  WHEN {p}_before * 1.0 / {p}_total < 0.2 THEN 'A'
  WHEN {p}_before * 1.0 / {p}_total < 0.5 THEN 'B' ELSE 'C' END"""
# the positive profit ranked before a customer: a customer with none in the period has
# 0 (ranked after every positive one, so never before one whose group it decides)
_BEFORE = """coalesce(sum(iif(in_{p} AND {p}_gp > 0, {p}_gp, 0)) OVER (
  ORDER BY {p}_gp DESC, cid ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
  AS {p}_before"""

# a line's gross profit: revenue − cost when the cost is known (`gross_profit_between`).
# Of the lines read (prior period's start to the period's end) a line is in the period when
# dated on or after its start, in the prior one when on or before the prior's end (a line at
# a time of day on that last day is in neither, as with each period's own BETWEEN).
_MOVES_SQL = f"""
WITH m AS MATERIALIZED (
  SELECT customer_id AS cid,
    max(date >= :start) AS in_now,
    sum(iif(date >= :start AND cost_e4 IS NOT NULL, revenue_e4 - cost_e4, 0)) AS now_gp,
    max(date <= :prior_end) AS in_prior,
    sum(iif(date <= :prior_end AND cost_e4 IS NOT NULL, revenue_e4 - cost_e4, 0)) AS prior_gp
  FROM orders {{index}} WHERE date BETWEEN :prior_start AND :end
  GROUP BY customer_id HAVING in_now OR in_prior),
t AS (SELECT sum(iif(in_now AND now_gp > 0, now_gp, 0)) AS now_total,
             sum(iif(in_prior AND prior_gp > 0, prior_gp, 0)) AS prior_total FROM m),
r AS (SELECT m.*, {_BEFORE.format(p="now")}, {_BEFORE.format(p="prior")} FROM m)
SELECT {_GROUP.format(p="prior", absent="new")} AS was,
       {_GROUP.format(p="now", absent="lost")} AS now_group,
       count(*), sum(iif(in_now, now_gp, 0)), max(now_total)
FROM r CROSS JOIN t
GROUP BY was, now_group
ORDER BY was, now_group
"""
# the lines read span at least this share of the order lines' days: every customer's
# lines from the customer index (covering; each customer's lines already together: no sort,
# but the whole index read), not the date range's lines sorted by customer (1M lines, one
# year and its prior: 0.15 against 0.22 s CPU; at 90 days and its prior, alike)
_WHOLE_INDEX_SHARE = 0.1


@dataclass(frozen=True)
class GroupMoves:
    """(prior group or "new", group or "lost") -> customers; group -> its customers' gross
    profit (e4) in the period; the period's positive gross profit (e4) of all groups."""

    moves: dict[tuple[str, str], int]
    profit_e4: dict[str, int]
    positive_e4: int


def group_moves(store: Store, period: Period) -> GroupMoves:
    """The period's groups A–D and the movement from its prior period's, from one
    statement (customers with order lines in either period)."""
    prior = period.prior()
    moves: dict[tuple[str, str], int] = {}
    profit: dict[str, int] = {}
    positive = 0
    # each one seek in the date index (min and max in one SELECT read the whole index)
    first, last = store.conn.execute("SELECT (SELECT min(date) FROM orders), "
                                     "(SELECT max(date) FROM orders)").fetchone()
    if first is None:
        return GroupMoves({}, {}, 0)
    span = (date.fromisoformat(last[:10]) - date.fromisoformat(first[:10])).days + 1
    whole = (period.end - prior.start).days + 1 >= _WHOLE_INDEX_SHARE * span
    sql = _MOVES_SQL.format(index="INDEXED BY orders_customer_date" if whole else "")
    for was, now, n, gp, total in store.conn.execute(sql, {
            "start": period.start.isoformat(), "end": period.end.isoformat(),
            "prior_start": prior.start.isoformat(),
            "prior_end": prior.end.isoformat()}):
        moves[(was, now)] = int(n)
        if now != "lost":
            profit[now] = profit.get(now, 0) + int(gp or 0)
        positive = int(total or 0)
    return GroupMoves(moves, profit, positive)
