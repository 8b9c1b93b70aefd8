"""SQL for the growth screen's pipeline trends (issue 17): leads per month and source, the
stage-to-stage funnel of the period's leads, and the open pipeline at each month end
rebuilt from the deals' stage history.

Funnel: the deals created in the period; each reached the furthest open stage it was ever
in (its stage history — both sides of every change — and its current stage; a deal without
history is in its current stage since created_on, METRICS.md), and a won deal reached every
open stage. Every created deal at least entered the first open stage (a deal lost without
history is known to have started, not how far it got). Stages are ordered by (position, id).

Open at a month end D: created on or before D, and its stage as of D is open — the stage
of its last change dated on or before D; before its first change, the stage that change
moved from (or open, when not recorded); a deal without history is in its current stage,
and a won or lost one was open until its closed_on. Amounts are today's (amounts have no
history).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from custdesk.domain.periods import Period
from custdesk.storage.store import Store


def leads_by_month_source(store: Store, period: Period) -> list[tuple[str, str | None, int]]:
    """(month 'YYYY-MM', source spelling, deals created) for the period, in id order of
    the first deal of each spelling (merge alike names in the service)."""
    sql = """
    SELECT substr(created_on, 1, 7), source, count(*) FROM deals
    WHERE substr(created_on, 1, 10) BETWEEN ? AND ?
    GROUP BY 1, 2 ORDER BY 1, min(id)"""
    return [(str(m), s, int(n)) for m, s, n in store.conn.execute(
        sql, (period.start.isoformat(), period.end.isoformat()))]


_FUNNEL = """
WITH ord AS (SELECT id, name, kind, row_number() OVER (ORDER BY position, id) AS rk
             FROM stages),
cohort AS (SELECT d.id, d.stage_id FROM deals d
           WHERE substr(d.created_on, 1, 10) BETWEEN :lo AND :hi),
seen AS (SELECT id AS deal, stage_id AS stage FROM cohort
         UNION SELECT h.deal_id, h.stage_id FROM deal_stage_history h
               JOIN cohort c ON c.id = h.deal_id
         UNION SELECT h.deal_id, h.from_stage_id FROM deal_stage_history h
               JOIN cohort c ON c.id = h.deal_id WHERE h.from_stage_id IS NOT NULL),
reach AS (SELECT s.deal, max(CASE WHEN o.kind = 'open' THEN o.rk END) AS top,
                 max(o.kind = 'won') AS won
          FROM seen s JOIN ord o ON o.id = s.stage GROUP BY s.deal),
first_open AS (SELECT min(rk) AS rk FROM ord WHERE kind = 'open')
SELECT o.name, (SELECT count(*) FROM reach r
                WHERE r.won OR coalesce(r.top, (SELECT rk FROM first_open)) >= o.rk)
FROM ord o WHERE o.kind = 'open'
UNION ALL SELECT 'Won', (SELECT count(*) FROM reach WHERE won)
"""


def funnel(store: Store, period: Period) -> list[tuple[str, int]]:
    """(open stage in order, deals of the period that reached it) ..., then ('Won', n)."""
    return [(str(n), int(k)) for n, k in store.conn.execute(
        _FUNNEL, {"lo": period.start.isoformat(), "hi": period.end.isoformat()})]


_OPEN_AT = """
WITH ends AS (SELECT value AS day FROM json_each(:ends)),
firsts AS (SELECT deal_id, from_stage_id FROM (
             SELECT deal_id, from_stage_id,
                    row_number() OVER (PARTITION BY deal_id ORDER BY changed_on, id) AS rn
             FROM deal_stage_history) WHERE rn = 1),
asof AS (
  SELECT e.day, d.id, d.amount_e4, d.stage_id AS current_stage,
         nullif(substr(d.closed_on, 1, 10), '') AS closed,
         f.deal_id IS NOT NULL AS has_history, f.from_stage_id,
         (SELECT h.stage_id FROM deal_stage_history h
          WHERE h.deal_id = d.id AND substr(h.changed_on, 1, 10) <= e.day
          ORDER BY h.changed_on DESC, h.id DESC LIMIT 1) AS changed_to
  FROM ends e JOIN deals d ON substr(d.created_on, 1, 10) <= e.day
       LEFT JOIN firsts f ON f.deal_id = d.id),
open_at AS (
  SELECT a.day, a.amount_e4, CASE
    WHEN a.changed_to IS NOT NULL THEN (SELECT kind = 'open' FROM stages WHERE id = a.changed_to)
    WHEN a.has_history THEN coalesce((SELECT kind = 'open' FROM stages
                                      WHERE id = a.from_stage_id), 1)
    WHEN (SELECT kind FROM stages WHERE id = a.current_stage) = 'open' THEN 1
    ELSE a.closed IS NOT NULL AND a.closed > a.day END AS is_open
  FROM asof a)
SELECT day, count(*), sum(amount_e4), count(amount_e4) FROM open_at WHERE is_open
GROUP BY day
"""


def open_pipeline_at(store: Store, days: Sequence[date]) -> dict[str, tuple[int, int, int]]:
    """ISO day -> (open deals, Σ amount_e4, deals with an amount) as of each day (module
    docstring); days with no open deal are left out."""
    rows = store.conn.execute(_OPEN_AT, {"ends": json.dumps([d.isoformat() for d in days])})
    return {str(d): (int(n), int(a or 0), int(k)) for d, n, a, k in rows}
