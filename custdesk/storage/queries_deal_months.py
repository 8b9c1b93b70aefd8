"""The decided deals' sums of a monthly series (won, lost, their amounts, the won deals'
discounts) in SQL, without the open deals (issue 18).

`queries_deals.deal_totals` resolves every open deal once per month to count the pipeline:
most of a 12-month series' cost on a big file. A series of win rate or discount needs only
the deals closed in the span — these sums are `deal_totals`' for those fields (the rest
left at 0), and `tests/test_perf_series_deal_months.py` checks them against it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from custdesk.domain.metrics_deals import DealTotals
from custdesk.domain.periods import Period
from custdesk.storage.database import Store

# the `DealTotals` fields these sums fill (the others stay 0)
DECIDED_FIELDS = ("won", "lost", "won_e4", "closed_valued", "closed_e4", "discounts")

# one row per deal won or lost in the span (`queries_deals._RESOLVED`'s columns), then per
# period the sums (kind 0) and the won deals' discounts by deal id (kind 1)
_DECIDED = """
WITH p(key, lo, hi) AS MATERIALIZED (SELECT value ->> 0, value ->> 1, value ->> 2
                                     FROM json_each(:periods)),
r AS MATERIALIZED (
  SELECT d.id AS id, d.amount_e4 AS amount, k.kind AS kind,
    coalesce(d.list_amount_e4, pr.list_price_e4) AS list_e4,
    nullif(substr(d.closed_on, 1, 10), '') AS closed
  FROM deals d JOIN stages k ON k.id = d.stage_id
  LEFT JOIN products pr ON pr.id = d.product_id
  WHERE k.kind IN ('won', 'lost')
    AND nullif(substr(d.closed_on, 1, 10), '') BETWEEN :first AND :last),
f AS MATERIALIZED (
  SELECT p.key AS key, r.* FROM p JOIN r ON r.closed BETWEEN p.lo AND p.hi)
SELECT 0, key, sum(kind = 'won'), sum(kind = 'lost'),
  sum(iif(kind = 'won', coalesce(amount, 0), 0)), sum(amount IS NOT NULL),
  sum(coalesce(amount, 0))
FROM f GROUP BY key
UNION ALL
SELECT 1, key, id, (1 - CAST(amount AS REAL) / list_e4) * 100, NULL, NULL, NULL
FROM f WHERE kind = 'won' AND amount IS NOT NULL AND list_e4 > 0
"""


def decided_totals(store: Store, periods: Sequence[tuple[str, Period]]
                   ) -> dict[tuple[str, str], DealTotals]:
    """(period key, "") -> DealTotals with only `DECIDED_FIELDS` summed, for every period
    at once; periods without a deal decided in them are left out (as `deal_totals` does)."""
    if not periods:
        return {}
    params = {"periods": json.dumps([[k, p.start.isoformat(), p.end.isoformat()]
                                     for k, p in periods]),
              "first": min(p.start for _, p in periods).isoformat(),
              "last": max(p.end for _, p in periods).isoformat()}
    sums: dict[str, list[int]] = {}
    discounts: dict[str, list[tuple[int, float]]] = {}
    for kind, key, *row in store.conn.execute(_DECIDED, params):
        if kind:
            discounts.setdefault(key, []).append((row[0], row[1]))
        else:
            sums[key] = [int(v or 0) for v in row]
    return {(key, ""): DealTotals(won=won, lost=lost, won_e4=won_e4,
                                  closed_valued=valued, closed_e4=closed_e4,
                                  discounts=tuple(x for _, x in sorted(discounts.get(key, ()))))
            for key, (won, lost, won_e4, valued, closed_e4) in sums.items()}
