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


def month_flows(store: Store, periods: Sequence[Period], window: int) -> list[list[int]]:
    """[start, new, won_back, end, lost, retained] per period (`flows_over_periods`' rules
    and order) for back-to-back periods (each starting the day after the one before
    ends), in one statement."""
    if not periods:
        return []
    for a, b in zip(periods, periods[1:], strict=False):
        if a.end.toordinal() + 1 != b.start.toordinal():
            raise ValueError("month_flows needs back-to-back periods")
    bounds = [periods[0].day_before()] + [p.end for p in periods]
    params = {f"d{k}": d.isoformat() for k, d in enumerate(bounds)}
    params |= {f"w{k}": (d - timedelta(days=window)).isoformat() for k, d in enumerate(bounds)}
    params["dn"] = bounds[-1].isoformat()
    row = store.conn.execute(_bridge_sql(len(periods), stats_source(store)), params).fetchone()
    sums = [int(v or 0) for v in row]
    return [sums[6 * i:6 * i + 6] for i in range(len(periods))]
