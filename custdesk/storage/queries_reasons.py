"""SQL for the reasons panels (issue 14): every reason-bearing record of a date range,
filed under its panel and counted per reason overall, by segment, by source and by quarter
in one grouped statement.

Reason names are matched like names (`domain/text.name_key`, registered on the connection
as `custdesk_reason_key`; the first spelling seen in the range is shown); survey questions
are filed by `domain/reason_questions.panel_of_question` (registered as
`custdesk_reason_panel`). Records: customer and questionnaire surveys with a reason,
customers with a lost reason and a lost date, deals closed won or lost with a win/lost
reason. Value: a deal's amount; for a customer's reason, their revenue in the W days up
to the day of the answer (or of the loss) — counted once per customer and reason.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from custdesk.domain.reason_questions import panel_of_question
from custdesk.domain.text import name_key
from custdesk.storage.database import Store

DIMENSIONS = ("all", "segment", "source", "quarter")


@dataclass(frozen=True)
class ReasonCount:
    """One reason of one panel within one group of a dimension ("all": the group is "")."""

    dimension: str
    group: str
    panel: str
    reason: str
    key: str
    answers: int  # survey answers, lost customers or deals giving this reason
    value_e4: int


# SQLite calls a function once per row: reasons and questions are a few dozen spellings
# over tens of thousands of records, each worked out once (bounded)
@lru_cache(maxsize=4096)
def _reason_key(v: object) -> str | None:
    return (name_key(v) or None) if isinstance(v, str) else None


_panel = lru_cache(maxsize=4096)(panel_of_question)


def _register(conn: sqlite3.Connection) -> None:
    conn.create_function("custdesk_reason_key", 1, _reason_key, deterministic=True)
    conn.create_function("custdesk_reason_panel", 2, _panel, deterministic=True)


_RECORDS = """
WITH r(src, rid, panel, day, reason, rkey, unit, cid, seg, source, amount) AS MATERIALIZED (
  SELECT 's', v.id, custdesk_reason_panel(v.question, v.would_refer), substr(v.date, 1, 10),
    trim(v.reason), custdesk_reason_key(v.reason),
    coalesce('c' || v.customer_id, 's' || v.id), v.customer_id, c.segment, c.source, NULL
  FROM surveys v LEFT JOIN customers c ON c.id = v.customer_id
  WHERE v.kind IN ('customer', 'questionnaire') AND v.date >= :lo AND v.date < :after
    AND custdesk_reason_key(v.reason) IS NOT NULL
  UNION ALL
  SELECT 'c', c.id, 'left', substr(c.lost_on, 1, 10), trim(c.lost_reason),
    custdesk_reason_key(c.lost_reason), 'c' || c.id, c.id, c.segment, c.source, NULL
  FROM customers c
  WHERE c.lost_on >= :lo AND c.lost_on < :after AND custdesk_reason_key(c.lost_reason) IS NOT NULL
  UNION ALL
  SELECT 'd', d.id, iif(k.kind = 'lost', 'deal_lost', 'deal_won'), substr(d.closed_on, 1, 10),
    trim(iif(k.kind = 'lost', d.lost_reason, d.win_reason)),
    custdesk_reason_key(iif(k.kind = 'lost', d.lost_reason, d.win_reason)), 'd' || d.id,
    d.customer_id, c.segment, coalesce(nullif(trim(d.source), ''), c.source),
    coalesce(d.amount_e4, 0)
  FROM deals d JOIN stages k ON k.id = d.stage_id LEFT JOIN customers c ON c.id = d.customer_id
  WHERE k.kind IN ('won', 'lost') AND d.closed_on >= :lo AND d.closed_on < :after
    AND custdesk_reason_key(iif(k.kind = 'lost', d.lost_reason, d.win_reason)) IS NOT NULL
),
named AS (
  SELECT *, first_value(reason) OVER (PARTITION BY panel, rkey ORDER BY day, src, rid) AS shown,
    coalesce(amount, (SELECT sum(o.revenue_e4) FROM orders o WHERE o.customer_id = cid
                      AND o.date BETWEEN date(day, :w_back) AND day), 0) AS value
  FROM r WHERE panel IS NOT NULL
)
"""
# Reference (the first statement): every record crossed with the four dimensions, one
# grouping of 4 x the records per unit (65k rows sorted on the big file's year).
_REASONS_CROSSED = _RECORDS.rstrip() + """,
dims(dim) AS (VALUES ('all'), ('segment'), ('source'), ('quarter')),
per_unit AS (
  SELECT dims.dim AS dim,
    CASE dims.dim WHEN 'all' THEN ''
      WHEN 'segment' THEN coalesce(nullif(trim(seg), ''), '(none)')
      WHEN 'source' THEN coalesce(nullif(trim(source), ''), '(none)')
      ELSE substr(day, 1, 4) || '-Q' || ((CAST(substr(day, 6, 2) AS INTEGER) + 2) / 3) END
      AS grp,
    panel, rkey, shown, unit, count(*) AS answers, max(value) AS value
  FROM named CROSS JOIN dims
  WHERE dims.dim = 'quarter' OR day >= :start
  GROUP BY 1, 2, panel, rkey, unit
)
SELECT dim, grp, panel, min(shown), rkey, sum(answers), sum(value)
FROM per_unit GROUP BY dim, grp, panel, rkey
"""
# A unit's segment and source are the same on each of its records (a customer's own, or one
# deal's), so "all", segment and source group the period's records per unit once; only the
# quarter, a record's own, needs its grouping (2 x the records sorted, not 4 x:
# 0.28 -> 0.2 s on the big file's year).
_REASONS = _RECORDS.rstrip().replace(
    "named AS (", "named AS MATERIALIZED (", 1) + """,
per_unit AS MATERIALIZED (
  SELECT panel, rkey, shown, unit, seg, source, count(*) AS answers, max(value) AS value
  FROM named WHERE day >= :start GROUP BY panel, rkey, unit),
per_quarter AS (
  SELECT substr(day, 1, 4) || '-Q' || ((CAST(substr(day, 6, 2) AS INTEGER) + 2) / 3) AS grp,
    panel, rkey, shown, unit, count(*) AS answers, max(value) AS value
  FROM named GROUP BY grp, panel, rkey, unit)
SELECT 'all', '', panel, min(shown), rkey, sum(answers), sum(value)
FROM per_unit GROUP BY panel, rkey
UNION ALL
SELECT 'segment', coalesce(nullif(trim(seg), ''), '(none)') AS grp, panel, min(shown), rkey,
  sum(answers), sum(value)
FROM per_unit GROUP BY grp, panel, rkey
UNION ALL
SELECT 'source', coalesce(nullif(trim(source), ''), '(none)') AS grp, panel, min(shown), rkey,
  sum(answers), sum(value)
FROM per_unit GROUP BY grp, panel, rkey
UNION ALL
SELECT 'quarter', grp, panel, min(shown), rkey, sum(answers), sum(value)
FROM per_quarter GROUP BY grp, panel, rkey
ORDER BY 1, 2, 3, 5
"""


def reason_counts(store: Store, start: date, end: date, trend_start: date, window: int, *,
                  crossed: bool = False) -> list[ReasonCount]:
    """Reasons dated start..end counted per panel and reason, overall and by segment and
    source; and, from trend_start (a quarter's first day) to end, by quarter (ordered by
    dimension, group, panel and reason key). `crossed`: the reference statement."""
    _register(store.conn)
    params = {"lo": min(start, trend_start).isoformat(), "start": start.isoformat(),
              "after": (end + timedelta(days=1)).isoformat(),
              "w_back": f"-{window - 1} days"}
    return [ReasonCount(dim, grp, panel, shown, key, int(n or 0), int(value or 0))
            for dim, grp, panel, shown, key, n, value
            in store.conn.execute(_REASONS_CROSSED if crossed else _REASONS, params)]


# `would_refer_pct` (METRICS.md) and its segment breakdown straight from the surveys: the
# Reasons and Why screens need only this of the catalogue (a whole catalogue with its
# segment breakdown took 3–7 s on a 100k-customer file). Same rules as
# `queries_feedback._SURVEYS`: customer surveys dated in the period; a survey without a
# customer counts in the total but in no segment.
_WOULD_REFER = """
SELECT iif(c.id IS NULL, NULL, coalesce(nullif(c.segment, ''), '(none)')),
  sum(s.would_refer = 1), count(*)
FROM surveys s LEFT JOIN customers c ON c.id = s.customer_id
WHERE s.kind = 'customer' AND s.would_refer IS NOT NULL AND s.date != ''
  AND substr(s.date, 1, 10) BETWEEN :lo AND :hi
GROUP BY 1
"""


def would_refer_counts(store: Store, start: date, end: date
                       ) -> dict[str | None, tuple[int, int]]:
    """segment ("(none)" when blank; None: surveys without a customer) -> (answers yes,
    answers yes or no) over the customer surveys dated start..end."""
    return {seg: (int(yes or 0), int(n)) for seg, yes, n in store.conn.execute(
        _WOULD_REFER, {"lo": start.isoformat(), "hi": end.isoformat()})}
