"""SQL for the growth screen's customer cards (issue 18): new customers, and the trailing
year's pool, lost, active and profit behind `ltv_predictive` — summed over every customer
from the catalogue tally's state flags (`queries_tally`), without the profit to date.

Why a query of its own: the flags as `queries_growth_sources.customer_flags` makes them
carry each customer's summary row *as of the period's end* (for the historical LTV), which
for a period ending before the data's last order (the prior period of the cards, any past
period) re-adds every straddling customer's lines (0.8 s on the big file's prior year).
No card shows the historical LTV: here the summary is read as it is and only the last order
on or before the end is looked up per customer (an index seek), 0.8 → 0.4 s.
`tests/test_perf_growth_cards.py` checks the sums against `customer_flags`'.
"""

from __future__ import annotations

from custdesk.domain.metrics_customers import CustomerTally
from custdesk.domain.periods import Period
from custdesk.storage import queries_tally as qt
from custdesk.storage.database import Store
from custdesk.storage.queries import FROM_CUSTOMER_LIST
from custdesk.storage.queries_growth_sources import customer_flags
from custdesk.storage.queries_summary import stats_source

_SUMS = """
SELECT count(*), sum(new), sum(active_end), sum(last_end IS NOT NULL),
  sum(y_start OR y_new OR y_won), sum((y_start OR y_new OR y_won) AND NOT active_end),
  sum(iif(active_end, profit_year, 0))
FROM ({flags})
"""
# the summary's last order (any day) replaced by the last one on or before the end
_LAST_END = "s.last_date AS last_end"


def flags_without_history(store: Store, period: Period, window: int
                          ) -> tuple[str, dict[str, str]] | None:
    """The per-customer state flags of `period` (as `customer_flags`) over the summary as
    it is, with `last_end` looked up as of the end: right for every flag and period sum,
    not for the summary's own columns (profit to date, first/total revenue, repeat buyer).
    None if the catalogue's SQL no longer has the column this replaces."""
    params = qt.flag_params(period, window)
    same = params["year_before"] == params["before"]  # as `queries_tally` does
    per_customer = qt._PER_CUSTOMER.format(
        last_before=qt._LAST_ON_OR_BEFORE.format(day="before"),
        last_year="NULL" if same else qt._LAST_ON_OR_BEFORE.format(day="year_before"),
        from_list=FROM_CUSTOMER_LIST,
        period_sums=qt._period_sums(params),
        stats=stats_source(store))
    if per_customer.count(_LAST_END) != 1:
        return None
    per_customer = per_customer.replace(
        _LAST_END, qt._LAST_ON_OR_BEFORE.format(day="end") + " AS last_end")
    flags = qt._FLAGS.format(per_customer=per_customer,
                             last_year="last_before" if same else "last_year")
    return flags, params


def card_tally(store: Store, period: Period, window: int) -> CustomerTally:
    """The whole file's CustomerTally for the cards: new, end, buyers and the trailing
    year's pool, lost, active and profit (profit to date left at 0: no card shows it)."""
    flags = flags_without_history(store, period, window)
    if flags is None:  # the catalogue's SQL changed shape: the slower, as-of flags
        flags = customer_flags(store, period, window)
    sql, params = flags
    _n, new, end, buyers, pool, lost, year_profit = store.conn.execute(
        _SUMS.format(flags=sql), params).fetchone()
    return CustomerTally(new=int(new or 0), end=int(end or 0), buyers=int(buyers or 0),
                         year_pool=int(pool or 0), year_lost=int(lost or 0),
                         year_active=int(end or 0), year_profit_e4=int(year_profit or 0))
