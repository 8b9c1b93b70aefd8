"""SQL for `custdesk metrics --by campaign|question` (issue 17): per campaign, customers
acquired in the period and their revenue in it, deals created and won; per survey question,
the counts behind nps, csat_pct and would_refer_pct. Spellings are returned as written (the
service merges alike names)."""

from __future__ import annotations

from dataclasses import dataclass

from custdesk.domain.periods import Period
from custdesk.storage.store import Store


def _span(period: Period) -> dict[str, str]:
    return {"lo": period.start.isoformat(), "hi": period.end.isoformat()}


# acquired = acquired_on, else the first order (a customer dated only by a won deal or the
# import date is left out here: a campaign is about buyers)
_CUSTOMERS = """
WITH a AS (
  SELECT c.id, c.campaign, coalesce(nullif(substr(c.acquired_on, 1, 10), ''),
         (SELECT min(o.date) FROM orders o WHERE o.customer_id = c.id)) AS acquired
  FROM customers c WHERE nullif(trim(c.campaign), '') IS NOT NULL)
SELECT a.campaign, count(*),
       coalesce(sum((SELECT sum(o.revenue_e4) FROM orders o WHERE o.customer_id = a.id
                     AND o.date BETWEEN :lo AND :hi)), 0)
FROM a WHERE a.acquired BETWEEN :lo AND :hi GROUP BY a.campaign ORDER BY min(a.id)
"""
_DEALS = """
SELECT d.campaign,
       sum(coalesce(substr(d.created_on, 1, 10) BETWEEN :lo AND :hi, 0)),
       sum(coalesce(k.kind = 'won' AND substr(d.closed_on, 1, 10) BETWEEN :lo AND :hi, 0))
FROM deals d JOIN stages k ON k.id = d.stage_id
WHERE nullif(trim(d.campaign), '') IS NOT NULL GROUP BY d.campaign ORDER BY min(d.id)
"""


def campaign_customers(store: Store, period: Period) -> list[tuple[str, int, int]]:
    """(campaign spelling, customers acquired in the period, their revenue_e4 in it)."""
    return [(str(c), int(n), int(r)) for c, n, r in store.conn.execute(
        _CUSTOMERS, _span(period))]


def campaign_deals(store: Store, period: Period) -> list[tuple[str, int, int]]:
    """(campaign spelling, deals created in the period, deals won in it)."""
    return [(str(c), int(n), int(w)) for c, n, w in store.conn.execute(_DEALS, _span(period))]


@dataclass(frozen=True, slots=True)
class QuestionCounts:
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    csat_good: int = 0
    csat_answers: int = 0
    refer_yes: int = 0
    refer_answers: int = 0


def question_counts(store: Store, period: Period) -> dict[str | None, QuestionCounts]:
    """question (None: not recorded) -> counts over the period's customer surveys and
    questionnaires (employee and mystery-shop answers are not about customers)."""
    sql = """
    SELECT nullif(trim(question), ''), sum(nps >= 9), sum(nps BETWEEN 7 AND 8), sum(nps <= 6),
           sum(csat >= 4), count(csat), sum(would_refer = 1), count(would_refer)
    FROM surveys WHERE kind IN ('customer', 'questionnaire')
      AND substr(date, 1, 10) BETWEEN :lo AND :hi
    GROUP BY 1 ORDER BY min(id)"""
    return {q: QuestionCounts(*(int(v or 0) for v in rest))
            for q, *rest in store.conn.execute(sql, _span(period))}
