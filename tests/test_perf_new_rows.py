"""The New screen's list of the period's new customers (`new.new_rows`: one statement over
the customers acquired in the period, `queries_new.new_customers`) must equal the Customers
tab's path (`new.new_rows_reference`: every customer's state flags, then the new ones'
first orders looked up by id) on random files of every record kind with the order keys'
odd corners, for periods ending on the file's last day, before it, long before any record,
one day long, starting and ending on acquisition days, under several lapse windows, with
first orders after the period's end, with a time of day, and a stale summary."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, periods, random_store
from random_kinds import boundary_periods
from test_perf_lists_loyalty_sql import _odd_keys

from custdesk.domain.periods import Period
from custdesk.services.screens import new
from custdesk.storage import queries_cache
from custdesk.storage.queries_summary import is_stale


@pytest.fixture(scope="module", params=[31, 32, 33])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("new_rows")), request.param)
    _odd_keys(s, request.param)
    yield s
    s.close()


def _periods(store) -> list[Period]:
    """The usual periods, the boundary ones, and periods starting or ending on an
    acquisition day (and the days either side)."""
    days = [date.fromisoformat(d) for (d,) in store.conn.execute(
        "SELECT DISTINCT substr(acquired_on, 1, 10) FROM customers "
        "WHERE length(acquired_on) >= 10 ORDER BY 1 DESC LIMIT 4")]
    out = [*periods(), *boundary_periods(END)]
    for d in days:
        for shift in (-1, 0, 1):
            if d + timedelta(days=shift) <= END:
                out.append(Period(d + timedelta(days=shift), END))
            out.append(Period(d - timedelta(days=90), d + timedelta(days=shift)))
    return out


def _check(store, window: int = 365) -> dict[str, int]:
    seen = {"rows": 0, "repeat": 0, "no_repeat": 0, "too_recent": 0, "no_first": 0,
            "deal": 0}
    for period in _periods(store):
        got = new.new_rows(store, period)
        assert got == new.new_rows_reference(store, period, window), period
        seen["rows"] += len(got)
        seen["repeat"] += sum(r["repeat_90d"] is True for r in got)
        seen["no_repeat"] += sum(r["repeat_90d"] is False for r in got)
        seen["too_recent"] += sum(r["repeat_90d"] is None and r["first_order_value"] is not None
                                  for r in got)
        seen["no_first"] += sum(r["first_order_value"] is None for r in got)
        seen["deal"] += sum(r["first_deal"] is not None or r["first_deal_on"] is not None
                            for r in got)
    return seen


@pytest.mark.parametrize("window", [30, 365])
def test_new_rows_equal_the_reference(store, window: int) -> None:
    seen = _check(store, window)
    # every kind of row was compared: with and without a repeat, too recent to tell, no
    # order up to the end, a first won deal
    assert all(seen.values()), seen


def test_empty_period_and_first_orders_after_the_end(store) -> None:
    assert new.new_rows(store, Period(date(2001, 1, 1), date(2001, 3, 31))) == []
    # customers acquired on a day (acquired_on) before their first order: in a period
    # ending between the two they have no first order up to the end
    rng = random.Random(4)
    ids = [c for (c,) in store.conn.execute(
        "SELECT customer_id FROM customer_order_stats WHERE first_date > '2025-06-01'")]
    for cid in rng.sample(ids, min(len(ids), 8)):
        store.conn.execute("UPDATE customers SET acquired_on = '2025-03-01' WHERE id = ?",
                           (cid,))
    try:
        period = Period(date(2025, 1, 1), date(2025, 5, 31))
        got = new.new_rows(store, period)
        assert got == new.new_rows_reference(store, period, 365)
        assert any(r["first_order_value"] is None and r["first_order_on"] is not None
                   for r in got)
    finally:
        store.conn.rollback()


def test_times_of_day_and_a_stale_summary(store) -> None:
    """First orders with a time of day (on the period's last day: after its text), and
    lines written since the summary was filled (stale: read from the lines)."""
    rng = random.Random(6)
    ids = [c for (c,) in store.conn.execute("SELECT id FROM customers")]
    for cid in rng.sample(ids, len(ids) // 4):
        store.conn.execute(
            "INSERT INTO orders (customer_id, date, month, order_ref, revenue_e4) "
            "VALUES (?, ?, ?, 'T' || ?, 7)",
            (cid, f"{END.isoformat()}T09:30", END.year * 100 + END.month, cid))
    store.conn.execute(
        "INSERT INTO customers (name, name_key, created_on, acquired_on) "
        "VALUES ('Late', 'late', '2026-01-01', ?)", (END.isoformat(),))
    try:
        assert is_stale(store)
        seen = _check(store)
        assert seen["rows"] and seen["repeat"]
    finally:
        store.conn.rollback()


def test_a_second_order_on_the_repeat_window_s_edge(store) -> None:
    """Customers whose second order comes 89, 90 and 91 days after the first (only the 90
    days count), the first with and without a ref."""
    first = date(2025, 9, 1)
    edge = []
    for i in range(6):
        cur = store.conn.execute(
            "INSERT INTO customers (name, name_key, created_on) VALUES (?, ?, '2025-01-01')",
            (f"Edge {i}", f"edge {i}"))
        edge.append(cur.lastrowid)
        second = first + timedelta(days=89 + i % 3)
        for day, ref in ((first, None if i < 3 else f"F{i}"), (second, f"S{i}")):
            store.conn.execute(
                "INSERT INTO orders (customer_id, date, month, order_ref, revenue_e4) "
                "VALUES (?, ?, ?, ?, 3)",
                (cur.lastrowid, day.isoformat(), day.year * 100 + day.month, ref))
    try:
        period = Period(date(2025, 6, 1), END)
        got = new.new_rows(store, period)
        assert got == new.new_rows_reference(store, period, 365)
        flags = [r["repeat_90d"] for r in sorted(got, key=lambda r: r["customer_id"])
                 if r["customer_id"] in edge]
        assert flags == [True, True, False, True, True, False]
    finally:
        store.conn.rollback()


def test_first_orders_from_the_quality_tables_first_days(store) -> None:
    """When the quality tables are made in the same build, the list takes the new
    customers' first orders from their first days: the same rows; kept tables (nothing
    read) or a period reaching before their two years leave the list to look them up."""
    handed = 0
    for period in _periods(store):
        queries_cache.clear(store)
        read: list = []
        tables = new.end_quality_tables(store, period.end, 365, read=read)
        assert tables == new.end_quality_tables(store, period.end, 365)
        firsts = new._first_orders(read, period)
        lo = Period.trailing_year(period.end).prior().start
        assert (firsts is None) == (period.start < lo or not read)
        got = new.new_rows(store, period, firsts)
        assert got == new.new_rows_reference(store, period, 365), period
        handed += firsts is not None and any(r["first_order_value"] is not None for r in got)
        # kept now: nothing read again, nothing handed
        again: list = []
        assert new.end_quality_tables(store, period.end, 365, read=again) == tables
        assert not again and new._first_orders(again, period) is None
    assert handed


def test_first_orders_missing_a_customer_are_looked_up(store) -> None:
    """First orders read before a write (another process's import) may miss a customer
    acquired since: the list then looks them all up instead of failing."""
    period = Period(END - timedelta(days=364), END)
    queries_cache.clear(store)
    read: list = []
    new.end_quality_tables(store, period.end, 365, read=read)
    firsts = new._first_orders(read, period)
    assert firsts
    reference = new.new_rows_reference(store, period, 365)
    dropped = next(r["customer_id"] for r in reference if r["first_order_value"] is not None)
    missing = {cid: first for cid, first in firsts.items() if cid != dropped}
    assert new.new_rows(store, period, missing) == reference
