"""The month-to-month renewal of a trend's months in one statement (issue 18).

`renewal_rate_pct` of a period: customers with an order in the prior period (the days of
equal length just before it) and again in the period ÷ those with an order in the prior
period. `queries.renewals_by_period` runs one statement per period (the prior's customers,
each with an index seek into the period: 0.13-0.15 s for Today's 12 months on the big
file, mostly the ~20k seeks a month); here the span's order days are read once, each
customer's days turned into a bit mask of the pieces the periods and priors cut the span
into, and the customers counted per mask: 0.09 s. `queries.renewals_by_period` is the
reference (tests/test_perf_trends.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from custdesk.domain.periods import Period
from custdesk.storage import queries
from custdesk.storage.database import Store
from custdesk.storage.queries_cache import cached
from custdesk.storage.queries_series import rank

# A day x (text: a line at a time of day sorts after its day, as the reference's BETWEEN
# sorts it) falls in piece i = how many of the sorted cuts it passes (`rank`); a customer's
# mask has bit i when one of their lines falls in piece i. DISTINCT (day, customer) first:
# the date index gives them in one pass, fewer rows to sort by customer.
_MASKS = """
SELECT mask, count(*) FROM (
  SELECT sum(DISTINCT 1 << ({piece})) AS mask
  FROM (SELECT DISTINCT date, customer_id FROM orders WHERE date >= :lo AND date <= :hi)
  GROUP BY customer_id)
GROUP BY mask
"""

_MAX_PIECES = 62  # bits 0..61 of a signed 64-bit integer


def renewals_by_month(store: Store, periods: Sequence[tuple[str, Period]]
                      ) -> dict[str, tuple[int, int]]:
    """`queries.renewals_by_period(store, periods)`: key -> (customers renewed, customers
    of the prior period), periods without prior customers left out; kept until the next
    write (Today's and Customers' trends ask for the same months)."""
    return dict(cached(store, ("renewals by month", tuple(periods)),
                       lambda: _renewals(store, periods), small=True))


def _renewals(store: Store, periods: Sequence[tuple[str, Period]]
              ) -> dict[str, tuple[int, int]]:
    if not periods:
        return {}
    # each cut a test x >= day (a prior's or a period's first day) or x > day (strict: a
    # period's last day), sorted so that passing one passes every one before it
    cuts = sorted({(p.prior().start.isoformat(), False) for _, p in periods}
                  | {(p.start.isoformat(), False) for _, p in periods}
                  | {(p.end.isoformat(), True) for _, p in periods})
    if len(cuts) >= _MAX_PIECES:
        return queries.renewals_by_period(store, list(periods))
    position = {cut: i for i, cut in enumerate(cuts)}
    params = {f"c{i}": day for i, (day, _strict) in enumerate(cuts)}
    piece = rank("date", [(f"c{i}", "<" if strict else "<=")
                          for i, (_day, strict) in enumerate(cuts)])
    params["lo"] = min(p.prior().start for _, p in periods).isoformat()
    params["hi"] = max(p.end for _, p in periods).isoformat()
    masks = store.conn.execute(_MASKS.format(piece=piece), params).fetchall()
    out = {}
    for key, p in periods:
        # pieces after cut a up to cut b: the days passing a but not b
        first = position[(p.start.isoformat(), False)]
        prior = _bits(position[(p.prior().start.isoformat(), False)], first)
        now = _bits(first, position[(p.end.isoformat(), True)])
        before = renewed = 0
        for mask, count in masks:
            if mask & prior:
                before += count
                renewed += count if mask & now else 0
        if before:
            out[key] = (renewed, before)
    return out


def _bits(a: int, b: int) -> int:
    """The pieces a + 1 .. b: the days passing cut a and not cut b."""
    return (1 << (b + 1)) - (1 << (a + 1)) if b > a else 0
