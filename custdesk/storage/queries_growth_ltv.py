"""SQL for the lifetime value per customer (`growth_service.ltv_by_customer`, the Customers
screen's LTV columns; issue 18): the trailing year's state flags of every customer, the
catalogue tally's `classify()` unrolled in SQLite (`queries_growth_sources.customer_flags`),
instead of every customer's facts and state built in Python (2 s on 100k customers).
`tests/test_perf_growth_ltv.py` checks it against the Python path (facts → classify).
"""

from __future__ import annotations

from dataclasses import dataclass

from custdesk.domain.periods import Period
from custdesk.storage.database import Store
from custdesk.storage.queries_growth_sources import customer_flags

# per customer: bought by the period's end, profit to date, active at the end, profit
# over the trailing year, in the trailing year's pool (start, new or won back)
_LTV = """
SELECT cust_id, last_end IS NOT NULL, profit, active_end, profit_year,
       y_start OR y_new OR y_won
FROM ({flags})
"""


@dataclass(frozen=True, slots=True)
class LtvRows:
    """Every customer's (id, bought, profit to date e4, active, trailing-year profit e4)
    for a trailing year, and that year's pool and lost counts (the churn)."""

    rows: list[tuple[int, bool, int, bool, int]]
    pool: int  # active at the year's start, new in it or won back in it
    lost: int  # of those, not active at its end


def ltv_rows(store: Store, year: Period, window: int) -> LtvRows:
    """`LtvRows` of `year` (a trailing year: its prior year is itself) with a lapse window
    of `window` days."""
    flags, params = customer_flags(store, year, window)
    rows = []
    pool = lost = 0
    for cid, bought, profit, active, profit_year, in_pool in store.conn.execute(
            _LTV.format(flags=flags), params):
        if in_pool:
            pool += 1
            lost += not active
        rows.append((cid, bool(bought), int(profit or 0), bool(active), int(profit_year or 0)))
    return LtvRows(rows, pool, lost)
