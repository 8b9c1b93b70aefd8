"""Whole-file sums another screen already computed since the last write, read without
computing them (issue 18): Today's catalogue keeps the customer tallies and the qualified
leads of its period and of the prior period (`queries_tally.customer_tallies`,
`queries_deals.leads_qualified`, kept in `queries_cache`). Growth's cards and Why's
left-without-a-word card need a few of those sums; when they are kept these give them,
else None and the caller runs its own cheaper statement (asking `customer_tallies` itself
would compute the whole tally: twice the cost of the figures these screens need).

The keys are the ones those modules keep their results under;
`tests/test_kept_sums.py` fails if they drift (a catalogue computed, then nothing found).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from custdesk.domain.metrics_customers import CustomerTally
from custdesk.domain.periods import Period
from custdesk.storage.database import Store
from custdesk.storage.queries_cache import peek


def _kept(store: Store, key: Hashable) -> Any:
    """The small result kept under `key` for the current data, or None."""
    return peek(store, key, small=True)


def customer_tally(store: Store, period: Period, window: int) -> CustomerTally | None:
    """The whole file's catalogue CustomerTally of `period` with a lapse window of `window`
    days (the sum of its per-segment-and-reason tallies), if kept; else None."""
    fine = _kept(store, ("customer tallies", period, window))
    if fine is None:
        return None
    return sum((tally for _seg, _reason, tally in fine), CustomerTally())


def leads_qualified(store: Store, period: Period) -> int | None:
    """`leads_qualified` of `period` if kept; else None (also when the file has no stage
    named Qualified: that answer is never kept)."""
    found = _kept(store, ("leads qualified", period))
    return None if found is None else int(found)
