"""SQL for the growth screen's customer cards (issue 18): new customers, and the trailing
year's pool, lost, active and profit behind `ltv_predictive` — summed over every customer
from the catalogue tally's state flags (`queries_tally`), without the profit to date.

The flags: `queries_growth_flags` (the summary as it is: no card shows the historical
LTV, whose profit to date needs it as of the end). `tests/test_perf_growth_cards.py`
checks the sums against the per-source sums.
"""

from __future__ import annotations

from custdesk.domain.metrics_customers import CustomerTally
from custdesk.domain.periods import Period
from custdesk.storage.database import Store
from custdesk.storage.queries_growth_flags import flags_without_history

_SUMS = """
SELECT count(*), sum(new), sum(active_end), sum(last_end IS NOT NULL),
  sum(y_start OR y_new OR y_won), sum((y_start OR y_new OR y_won) AND NOT active_end),
  sum(iif(active_end, profit_year, 0))
FROM ({flags})
"""


def card_tally(store: Store, period: Period, window: int) -> CustomerTally:
    """The whole file's CustomerTally for the cards: new, end, buyers and the trailing
    year's pool, lost, active and profit (profit to date left at 0: no card shows it)."""
    sql, params = flags_without_history(store, period, window)
    _n, new, end, buyers, pool, lost, year_profit = store.conn.execute(
        _SUMS.format(flags=sql), params).fetchone()
    return CustomerTally(new=int(new or 0), end=int(end or 0), buyers=int(buyers or 0),
                         year_pool=int(pool or 0), year_lost=int(lost or 0),
                         year_active=int(end or 0), year_profit_e4=int(year_profit or 0))
