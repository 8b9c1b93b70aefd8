"""The Loyalty tab's referred / NPS group sums from one pass over the customers' flags
(`queries_loyalty.loyalty_groups`: the period revenue by a seek per customer with an order
in the period, one grouping) must equal the statement before (`queries_lists.
loyalty_groups`) on random files of every record kind with odd order keys and same-day NPS
answers: periods of a year, 90 days, the whole span, ending before the last record, empty,
one day, starting or ending on an order's day with a time of day; lapse windows 30, 90,
365; customers acquired after the end with orders in the period; a stale summary."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, periods, random_store
from random_kinds import boundary_periods
from test_perf_lists_loyalty_sql import _odd_keys

from custdesk.domain.periods import Period
from custdesk.storage import queries_lists as qlists
from custdesk.storage import queries_loyalty as ql
from custdesk.storage.queries_summary import is_stale


@pytest.fixture(scope="module", params=[41, 42, 43])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("loyalty_groups")), request.param)
    _odd_keys(s, request.param)
    yield s
    s.close()


def _periods() -> list[Period]:
    return [*periods(), *boundary_periods(END), Period(END - timedelta(days=29), END)]


def _check(store, windows=(30, 90, 365)) -> int:
    compared = 0
    for window in windows:
        for period in _periods():
            got = ql.loyalty_groups(store, period, window)
            assert got == qlists.loyalty_groups(store, period, window), (period, window)
            compared += sum(g.customers for g in got.nps.values())
    return compared


def test_groups_equal_the_reference(store) -> None:
    assert _check(store)
    got = ql.loyalty_groups(store, Period(END - timedelta(days=364), END), 365)
    # every group was compared with customers in it
    assert set(got.referred) == {"referred", "others"}
    assert set(got.nps) == {"promoters", "passives", "detractors", "no answer"}
    assert got.lines_revenue_e4 and got.customers_revenue_e4


def test_acquired_after_the_end_times_of_day_and_a_stale_summary(store) -> None:
    """Customers acquired (acquired_on) after the period's end with orders in it: in the
    customers' total, not in a group; orders with a time of day on the period's first and
    last days; lines written since the summary was filled (stale: read from the lines)."""
    rng = random.Random(8)
    ids = [c for (c,) in store.conn.execute("SELECT id FROM customers")]
    for cid in rng.sample(ids, len(ids) // 5):
        store.conn.execute("UPDATE customers SET acquired_on = ? WHERE id = ?",
                           ((END + timedelta(days=3)).isoformat(), cid))
    start = END - timedelta(days=89)
    for cid in rng.sample(ids, len(ids) // 4):
        for day in (f"{start.isoformat()}T00:10", f"{END.isoformat()}T23:00",
                    (start - timedelta(days=1)).isoformat()):
            store.conn.execute(
                "INSERT INTO orders (customer_id, date, month, order_ref, revenue_e4) "
                "VALUES (?, ?, ?, 'X' || ?, 11)", (cid, day, int(day[:4] + day[5:7]), cid))
    try:
        assert is_stale(store)
        assert _check(store, windows=(90,))
        got = ql.loyalty_groups(store, Period(date(2025, 1, 1), END), 365)
        counted = sum(g.revenue_e4 for g in got.referred.values())
        assert got.customers_revenue_e4 > counted  # those acquired after the end
    finally:
        store.conn.rollback()


def test_an_nps_answer_with_a_time_of_day_on_the_last_day(store) -> None:
    """Customers' latest answers given on the period's last day with a time of day (after
    the day's text): they count as of that day — in the group of that answer, not of the
    one before."""
    rng = random.Random(9)
    acquired = [c for (c,) in store.conn.execute(
        "SELECT id FROM customers WHERE coalesce(acquired_on, '') = '' "
        "OR acquired_on <= ?", (END.isoformat(),))]
    ends = [END, END - timedelta(days=89), date(2024, 6, 30)]
    answered = rng.sample(acquired, len(acquired) // 3)
    for cid in answered:
        for end in ends:
            store.conn.execute(
                "INSERT INTO surveys (date, customer_id, kind, nps) "
                "VALUES (?, ?, 'customer', 0)", (f"{end.isoformat()}T18:45", cid))
    try:
        for end in ends:
            for period in (Period(end - timedelta(days=89), end), Period(end, end)):
                got = ql.loyalty_groups(store, period, 365)
                assert got == qlists.loyalty_groups(store, period, 365), period
        # every one of them a detractor as of the file's last day
        got = ql.loyalty_groups(store, Period(END, END), 365)
        assert got.nps["detractors"].customers >= len(answered) > 0
    finally:
        store.conn.rollback()
