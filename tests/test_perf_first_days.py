"""The New screen's first days (`queries_loyalty.first_days`: the first order's day from
the summary, "ordered again within 90 days" as a look for one line of another key) must
give what the statement before gives (`first_days_reference`), its count of distinct
orders capped at 2, on random files of every record kind with the order keys' odd corners
(lines without a ref, one ref over several days and customers, a ref spelled like a day
key, a second order on a line's day), one-order customers, a stale summary, and periods
ending on the file's last day, on an acquisition day, the day before it, before any
record; and the quality tables built from either must be equal."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, periods, random_store
from test_perf_lists_loyalty_sql import _odd_keys

from custdesk.domain import new_quality as nq
from custdesk.domain.periods import Period
from custdesk.services.screens import new
from custdesk.storage import queries_loyalty as ql
from custdesk.storage.queries_summary import is_stale


@pytest.fixture(scope="module", params=[91, 92, 93])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("first_days")), request.param)
    _odd_keys(s, request.param)
    yield s
    s.close()


def _ends(store) -> list[date]:
    acquired = [date.fromisoformat(d) for (d,) in store.conn.execute(
        "SELECT DISTINCT substr(acquired_on, 1, 10) FROM customers "
        "WHERE length(acquired_on) >= 10 ORDER BY 1 DESC LIMIT 3")]
    return sorted({END, date(2000, 1, 1), *(p.end for p in periods()), *acquired,
                   *(d - timedelta(days=1) for d in acquired)})


def _capped(rows: list[ql.FirstDays]) -> list[ql.FirstDays]:
    return [r._replace(orders_90d=min(r.orders_90d, 2)) for r in rows]


def _check(store) -> tuple[int, int]:
    repeated = single = unknown_costs = 0
    for end in _ends(store):
        lo = Period.trailing_year(end).prior().start
        got = ql.first_days(store, lo, end)
        reference = ql.first_days_reference(store, lo, end)
        assert got == _capped(reference)
        # the 90 days' sums as one text from one look equal the four looks' sums
        assert got == ql.first_days_four_sums(store, lo, end)
        unknown_costs += sum(0 < r.costed_revenue_90d_e4 < r.revenue_90d_e4 for r in got)
        repeated += sum(r.orders_90d >= 2 for r in reference)
        single += sum(r.orders_90d == 1 for r in reference)
        this_year = Period.trailing_year(end)
        mine, theirs = (new.quality_tables(rows, this_year, this_year.prior(), end, 90,
                                           nq.groups_after_90d(rows, end))
                        for rows in (got, reference))
        assert mine == theirs
    assert unknown_costs  # lines with and without a cost in one customer's 90 days
    return repeated, single


def test_first_days_equal_the_reference(store) -> None:
    repeated, single = _check(store)
    assert repeated and single  # both sides of "ordered again" were compared


def test_one_order_customers_and_a_stale_summary(store) -> None:
    """Customers whose every line is one order (one ref), and lines written since the
    summary was filled (it is stale: read from the lines)."""
    rng = random.Random(5)
    ids = [c for (c,) in store.conn.execute("SELECT id FROM customers")]
    for cid in rng.sample(ids, len(ids) // 3):
        store.conn.execute("UPDATE orders SET order_ref = 'ONE' || customer_id "
                           "WHERE customer_id = ?", (cid,))
    store.conn.execute(
        "INSERT INTO orders (customer_id, date, month, order_ref, revenue_e4) "
        "VALUES (?, ?, ?, 'LATE', 5)", (ids[0], END.isoformat(), END.year * 100 + END.month))
    try:
        assert is_stale(store)
        repeated, single = _check(store)
        assert single
    finally:
        store.conn.rollback()
