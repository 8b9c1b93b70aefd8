"""The catalogue tally's per-customer state flags (`queries_tally`) without the summary
rebuilt as of the period's end (issue 18): for the figures that need the customers'
states but not their history's sums — the growth cards' new customers and trailing-year
churn and profit (`queries_growth_cards`), the customers lost in silence (`queries_why`).

`queries_growth_sources.customer_flags` makes the flags carry each customer's summary row
*as of the end* (for the historical LTV's profit to date, the first order's value, repeat
buyers): for a period ending before the data's last order (a prior period, any past one)
that re-adds every straddling customer's lines (0.8 s on the big file's prior year). Here
the summary is read as it is and only the last order on or before the end is looked up per
customer (an index seek): 0.4 s. Every flag and period sum is the same (tested:
`tests/test_perf_growth_cards.py`); the summary's own columns are not as of the end.
"""

from __future__ import annotations

from custdesk.domain.periods import Period
from custdesk.storage import queries_tally as qt
from custdesk.storage.database import Store
from custdesk.storage.queries import FROM_CUSTOMER_LIST
from custdesk.storage.queries_growth_sources import customer_flags
from custdesk.storage.queries_summary import stats_source

# the summary's last order (any day) replaced by the last one on or before the end
_LAST_END = "s.last_date AS last_end"
_REPEAT = "s.min_key != s.max_key"  # 2+ order keys in the summary (not as of the end)


def lean_flags(store: Store, period: Period, window: int
               ) -> tuple[str, dict[str, str]] | None:
    """The per-customer state flags of `period` (as `customer_flags`) over the summary as
    it is, with `last_end` looked up as of the end: right for every flag and period sum,
    not for the summary's own columns (profit to date, first/total revenue, repeat buyer).
    None if the catalogue's SQL no longer has the shape this relies on (the tests say so:
    they require this path)."""
    params = qt.flag_params(period, window)
    same = params["year_before"] == params["before"]  # as `queries_tally` does
    try:  # (a placeholder the template does not have is ignored by format)
        per_customer = qt._PER_CUSTOMER.format(
            last_before=qt._LAST_ON_OR_BEFORE.format(day="before"),
            last_year="NULL" if same else qt._LAST_ON_OR_BEFORE.format(day="year_before"),
            from_list=FROM_CUSTOMER_LIST,
            period_sums=qt._period_sums(params), walk=qt._WALK.format(lo="lo"),
            stats=stats_source(store), repeat=_REPEAT)
    except (KeyError, IndexError, AttributeError):
        return None
    if per_customer.count(_LAST_END) != 1:
        return None
    per_customer = per_customer.replace(
        _LAST_END, qt._LAST_ON_OR_BEFORE.format(day="end") + " AS last_end")
    flags = qt._FLAGS.format(per_customer=per_customer,
                             last_year="last_before" if same else "last_year")
    return flags, params


def flags_without_history(store: Store, period: Period, window: int
                          ) -> tuple[str, dict[str, str]]:
    """The flags of `period` as a sub-query and its parameters: `lean_flags`, or
    `customer_flags` (as of the end, slower) if the catalogue's SQL changed shape."""
    return lean_flags(store, period, window) or customer_flags(store, period, window)
