"""SQL for the growth screen's acquisition sources and segments (issue 18): per customer
source and segment, the figures `growth_service.source_rows` and `segment_rows` take from
each group's customers — new customers (with their acquisition day, for the first-year
windows), active customers and the LTV sums; summed, the cards' customer figures — without
building every customer's facts and states in Python.

The state rules run inside SQLite exactly as for the catalogue: this module formats the
per-customer flags of `queries_tally` (`classify()` unrolled on one row per customer) and
sums them per source spelling and segment instead of per segment and lost reason.
`tests/test_perf_growth_parity.py` checks the rows against the Python path (facts →
classify → the tally of each group) and the cards against `compute_metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from custdesk.domain.metrics_customers import CustomerTally
from custdesk.domain.periods import Period
from custdesk.storage import queries_tally as qt
from custdesk.storage.database import Store

# one row per (source spelling, segment, new customer) — the customers who are not new
# folded into one row per pair: what the source and segment rows and the screen's cards
# need, new customers listed with their day
_BY_SOURCE = """
SELECT source, seg, iif(new, cust_id, NULL) AS new_id, iif(new, acq, NULL), min(cust_id),
  sum(new), sum(active_end), sum(last_end IS NOT NULL),
  sum(iif(last_end IS NOT NULL, profit, 0)),
  sum(y_start OR y_new OR y_won), sum((y_start OR y_new OR y_won) AND NOT active_end),
  sum(iif(active_end, profit_year, 0))
FROM ({flags}) GROUP BY 1, 2, 3
"""


@dataclass(frozen=True, slots=True)
class SourceSums:
    """One source spelling (as stored; None when blank) within one segment ("(none)" when
    blank, as the catalogue's tallies key it) and those customers' sums."""

    source: str | None
    segment: str
    first_id: int  # the lowest customer id of the pair (first spellings are by id)
    tally: CustomerTally  # new, end, buyers, profit and the trailing year's flows only
    new: dict[int, date]  # new customer id -> acquisition day


def customer_flags(store: Store, period: Period, window: int) -> tuple[str, dict[str, str]]:
    """The catalogue tally's per-customer state flags for `period` (one row per customer:
    cust_id, seg, source, acq, new, active_end, start, won_back, y_start, …) as a
    sub-query to select from, and its parameters — formatted as `queries_tally` does."""
    params = qt.flag_params(period, window)
    flags = qt.flags_sql(store, params)
    return flags, params


def source_sums(store: Store, period: Period, window: int) -> list[SourceSums]:
    """Every (source spelling, segment) pair's sums for `period` (`SourceSums`), in no
    particular order."""
    flags, params = customer_flags(store, period, window)
    # plain integer sums per pair first (a row per new customer: 10k+ rows on a big file)
    acc: dict[tuple[str | None, str], list[int]] = {}
    news: dict[tuple[str | None, str], dict[int, date]] = {}
    for (source, seg, new_id, acq, first, *values
         ) in store.conn.execute(_BY_SOURCE.format(flags=flags), params):
        pair = (source, seg)
        got = acc.get(pair)
        if got is None:
            got = acc[pair] = [int(first), 0, 0, 0, 0, 0, 0, 0]
            news[pair] = {}
        got[0] = min(got[0], int(first))
        for i, v in enumerate(values, start=1):
            got[i] += int(v or 0)
        if new_id is not None:
            news[pair][int(new_id)] = date.fromisoformat(str(acq)[:10])
    out = {pair: SourceSums(pair[0], pair[1], first, CustomerTally(
        new=new, end=end, buyers=buyers, profit_e4=profit, year_pool=pool, year_lost=lost,
        year_active=end, year_profit_e4=year_profit), news[pair])
        for pair, (first, new, end, buyers, profit, pool, lost, year_profit) in acc.items()}
    return list(out.values())
