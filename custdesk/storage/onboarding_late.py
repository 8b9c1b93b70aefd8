"""How many customers being onboarded have each step as their first late one (issue 15's
count on Today), in one statement.

`onboarding_service._light_tracks` works out every step of every track (each customer's
first order, its delivery and the second order, three or four index seeks each, then a
tuple per step in Python: 0.27 s on the big file, its 9.4k customers) — the New screen's
rows need all of that. A count needs each customer's first late step only: the steps are
tested in the plan's order, each one's cheap part (is it due?) first, so a customer's
later steps, and the seeks behind them, are never looked at once an earlier step is late
(with the default plan, "set up" has no data and is late for nearly everyone past two
weeks: the second order is rarely sought). Tested equal to `overdue_counts_reference`
(tests/test_perf_onboarding_late.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from custdesk.domain.onboarding import DELIVERED, ORDERED, REPEAT
from custdesk.storage.queries_cohorts import _ACQ as ACQ
from custdesk.storage.queries_lists import FIRST_KEY
from custdesk.storage.queries_summary import stats_source
from custdesk.storage.store import Store

# each customer acquired :lo..:end (`queries_loyalty.acquired_between`) and their first
# order up to :end (`onboarding.from_orders`' first)
_TRACKED = f"""
WITH n AS MATERIALIZED (
  SELECT cid, acq FROM (SELECT c.id AS cid, {ACQ} AS acq
                        FROM customers c LEFT JOIN {{stats}} s ON s.customer_id = c.id)
  WHERE acq BETWEEN :lo AND :end),
d AS MATERIALIZED (
  SELECT cid, acq, (SELECT min(o.date) FROM orders o WHERE o.customer_id = n.cid
                    AND o.date <= :end) AS first
  FROM n)
SELECT step, count(*) FROM (SELECT CASE {{whens}} END AS step FROM d)
WHERE step IS NOT NULL GROUP BY step
"""
_KEY = FIRST_KEY.format(cid="d.cid", first="d.first")
# the day the orders give a step (`onboarding.from_orders`: the first order's day, the
# latest delivered day of its lines, the second distinct order's day); none for the others
_DATA = {
    ORDERED: "substr(d.first, 1, 10)",
    DELIVERED: f"""iif(d.first IS NULL, NULL, nullif(max(
      coalesce((SELECT max(substr(nullif(o.delivered_on, ''), 1, 10)) FROM orders o
                WHERE o.order_ref = {_KEY} AND o.customer_id = d.cid AND o.date <= :end), ''),
      coalesce((SELECT max(substr(nullif(o.delivered_on, ''), 1, 10)) FROM orders o
                WHERE o.customer_id = d.cid AND o.date = substr({_KEY}, 2)
                AND 'd' || o.date = {_KEY} AND o.order_ref IS NULL), '')), ''))""",
    REPEAT: f"""iif(d.first IS NULL, NULL, substr((
      SELECT min(o.date) FROM orders o WHERE o.customer_id = d.cid AND o.date <= :end
      AND coalesce(o.order_ref, 'd' || o.date) != {_KEY}), 1, 10))""",
}
_OWN = """(SELECT nullif(substr(w.{col}, 1, 10), '') FROM onboarding_steps w
           WHERE w.customer_id = d.cid AND w.step = :step{i})"""
# a step is late (`domain.onboarding.track`): due (the owner's due day, else acquisition +
# its days) before :end — a step the file cannot show only with the owner's due day — and
# not done by :end (the orders' day, else the owner's: a day after :end is not done)
# (each part read once: a NULL comparison falls through the coalesce to the next source)
_LATE = """WHEN coalesce({own_due} < :end, {shown} AND d.acq < :cut{i})
  AND coalesce({data} > :end, {own_done} > :end, 1) THEN {i}"""


def first_late_counts(store: Store, plan: Sequence[tuple[str, int]], lo: date, end: date,
                      untracked: frozenset[str]) -> dict[str, int]:
    """step name -> customers acquired lo..end whose first late step (as of `end`) it is,
    for the steps (name, days after acquisition) of `plan` in order; `untracked`: steps
    the file cannot show (late only with the owner's due day)."""
    params = {"lo": lo.isoformat(), "end": end.isoformat()}
    whens = []
    for i, (step, days) in enumerate(plan):
        params[f"step{i}"] = step
        try:
            params[f"cut{i}"] = (end - timedelta(days=days)).isoformat()
        except OverflowError:  # due after the calendar's last day: never late by its days
            params[f"cut{i}"] = ""
        whens.append(_LATE.format(
            i=i, own_due=_OWN.format(col="due_on", i=i), own_done=_OWN.format(col="done_on", i=i),
            data=_DATA.get(step, "NULL"), shown=int(step not in untracked)))
    sql = _TRACKED.format(stats=stats_source(store), whens="\n".join(whens))
    counts: dict[str, int] = {}
    for i, n in store.conn.execute(sql, params):  # (a name the plan repeats counts once)
        counts[plan[i][0]] = counts.get(plan[i][0], 0) + n
    return counts
