"""The at-risk list's inputs in SQL (issue 18): one statement gives every active customer a
signal can flag as of a day, with every signal `lists.risk_reasons` reads, and a second
one the flagged customers' value at risk, sorted as the list shows them.

The statements `metrics_lists.compute_risk_reference` runs (the active customers, their
order patterns, the latest NPS answers, the ticket signals, each asked apart and joined in
Python) are the reference these are tested against (tests/test_perf_risk_sql.py).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from datetime import date, timedelta

from custdesk.domain.periods import Period
from custdesk.storage.database import Store
from custdesk.storage.queries_feedback import TICKET_SIGNALS_SQL, topic_keys
from custdesk.storage.queries_lists import FLAGS_SQL, flag_params
from custdesk.storage.queries_summary import stats_source

# FLAGS_SQL's `f` (the state rules of `customer_state.is_active`, as `active_ids` applies
# them) read for the candidates only, by id, instead of for every customer of the file:
# - recent: a line dated :cut..:end (`queries_lists.risk_orders`' customers: only they can
#   be active with orders, and only they have an order pattern);
# - nps: each customer's latest customer NPS answer when dated within the recent days
#   (`queries_lists.recent_latest_nps`; :nps_cut), a candidate when 0-6;
# - tix: the ticket signals (`queries_feedback.ticket_signals`), a candidate with an open
#   complaint or 2+ repeat contacts.
# A candidate's distinct order texts (joined, as `risk_orders` joins them: the median gap
# is taken in Python, a window over ~480k days cost three times the plain read) and the
# revenue of the last 90 days and of the 90 before, each read from the customer's own
# index range (the lines of those days only, not every line of the history summed thrice).
# A line "dated on or before :end" is `o.date < :after` (the day after), not `o.date <= :end`: a
# line with a time of day on the day ('2026-11-24 09:00') sorts after '2026-11-24' and
# counts (METRICS "on or before D"); the index range on (customer_id, date) still serves.
_CANDIDATES = FLAGS_SQL + """,
recent AS MATERIALIZED (
  SELECT s.customer_id AS cid FROM {stats} s
  WHERE s.last_date >= :cut AND (s.last_date < :after OR EXISTS (
    SELECT 1 FROM orders o WHERE o.customer_id = s.customer_id
    AND o.date >= :cut AND o.date < :after))),
nps AS MATERIALIZED (
  SELECT customer_id AS cid, nps, date FROM (
    SELECT customer_id, nps, date, row_number() OVER (
        PARTITION BY customer_id ORDER BY date DESC, id DESC) AS rn
    FROM surveys  -- the surveys_date index (kind, date) reads the last days only
    WHERE kind = 'customer' AND date > :nps_cut AND substr(date, 1, 10) > :nps_cut
      AND substr(date, 1, 10) <= :end AND customer_id IS NOT NULL AND nps IS NOT NULL)
  WHERE rn = 1),
tix(cid, complaint, repeats) AS MATERIALIZED ({signals}),
cand AS MATERIALIZED (
  SELECT cid FROM recent
  UNION SELECT cid FROM nps WHERE nps <= 6
  UNION SELECT cid FROM tix WHERE complaint OR repeats >= 2)
SELECT cand.cid,
  (SELECT group_concat(DISTINCT o.date) FROM orders o INDEXED BY orders_customer_date
   WHERE o.customer_id = cand.cid AND o.date < :after),
  coalesce((SELECT sum(o.revenue_e4) FROM orders o INDEXED BY orders_customer_date
            WHERE o.customer_id = cand.cid AND o.date >= :last90 AND o.date < :after), 0),
  coalesce((SELECT sum(o.revenue_e4) FROM orders o INDEXED BY orders_customer_date
            WHERE o.customer_id = cand.cid AND o.date >= :prior90 AND o.date < :last90
            AND o.date < :after), 0),
  n.nps, n.date, coalesce(t.complaint, 0), coalesce(t.repeats, 0)
FROM cand CROSS JOIN f ON f.id = cand.cid
LEFT JOIN nps n ON n.cid = cand.cid LEFT JOIN tix t ON t.cid = cand.cid
WHERE f.active_end
"""

# (customer id, their distinct order texts up to the day joined by commas (two texts of one
# day, one with a time of day, are one order day: the caller takes distinct days) or None
# without any, revenue of the last 90 days, of the 90 before, latest recent NPS or None, its date
# text, an open complaint, repeat contacts in the lookback days)
Candidate = tuple[int, str | None, int, int, int | None, str | None, int, int]


def risk_candidates(store: Store, as_of: date, window: int, nps_days: int,
                    repeat_days: int, lookback_days: int) -> Iterator[Candidate]:
    """Every customer active as of the day that an at-risk signal can flag, with its
    signals (see `_CANDIDATES`), in no particular order."""
    try:
        nps_cut = (as_of - timedelta(days=nps_days)).isoformat()
    except OverflowError:  # a setting longer than the calendar: every answer is recent
        nps_cut = ""
    since = as_of - timedelta(days=lookback_days)
    params = {**flag_params(Period(as_of, as_of), window),
              "cut": (as_of - timedelta(days=window)).isoformat(),
              "after": (as_of + timedelta(days=1)).isoformat(),
              "last90": (as_of - timedelta(days=89)).isoformat(),
              "prior90": (as_of - timedelta(days=179)).isoformat(),
              "nps_cut": nps_cut,
              # the ticket signals' own (`queries_feedback.ticket_signals`)
              "topics": topic_keys(store), "window_s": repeat_days * 86_400,
              "day": as_of.isoformat(), "since": since.isoformat(),
              "rep_lo": (since - timedelta(days=repeat_days + 1)).isoformat()}
    sql = _CANDIDATES.replace("{signals}", TICKET_SIGNALS_SQL).format(
        stats=stats_source(store))
    return iter(store.conn.execute(sql, params))


# the listed customers' revenue of the last W days (value at risk), largest first, ties
# by id: the at-risk list's order
_VALUE_AT_RISK = """
SELECT w.value, coalesce((SELECT sum(o.revenue_e4) FROM orders o INDEXED BY
  orders_customer_date WHERE o.customer_id = w.value AND o.date >= :last_w
  AND o.date < :after), 0) AS v
FROM json_each(:ids) w ORDER BY v DESC, w.value
"""


def value_at_risk(store: Store, customer_ids: Collection[int], as_of: date, window: int
                  ) -> list[tuple[int, int]]:
    """(customer id, revenue_e4 of the W days up to as_of) of these customers, by that
    value (largest first), then id."""
    params = {"ids": json.dumps(list(customer_ids)),
              "after": (as_of + timedelta(days=1)).isoformat(),
              "last_w": (as_of - timedelta(days=window - 1)).isoformat()}
    return list(store.conn.execute(_VALUE_AT_RISK, params))
