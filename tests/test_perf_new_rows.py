"""The New screen's list of the period's new customers (`new.new_rows`: one statement over
the customers acquired in the period, `queries_new.new_customers`) must equal the Customers
tab's path (`new.new_rows_reference`: every customer's state flags, then the new ones'
first orders looked up by id) on random files of every record kind with the order keys'
odd corners, for periods ending on the file's last day, before it, long before any record,
one day long, starting and ending on acquisition days, under several lapse windows, with
first orders after the period's end, with a time of day, a stale summary, ties in the
list's order — each with the first orders looked up and taken from the quality tables'
first days — and when another connection commits between the build's two reads."""

from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, periods, random_store
from random_kinds import boundary_periods
from test_perf_lists_loyalty_sql import _odd_keys

from custdesk.domain.periods import Period
from custdesk.services import metrics_service
from custdesk.services.screens import new
from custdesk.storage import beside, queries_cache
from custdesk.storage import queries_new as qnew
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


def _rows_with_firsts(store, period: Period) -> tuple[list, bool]:
    """`new_rows` as the New screen makes it: the first orders from the first days read
    for its quality tables (nothing kept); and whether they were handed in."""
    version = queries_cache.data_version(store)
    read: list = []
    new._end_quality_tables(store, period.end, 365, read)
    firsts = new._first_orders(read, period, version)
    return new.new_rows(store, period, firsts), firsts is not None


def _check(store, window: int = 365) -> dict[str, int]:
    seen = {"rows": 0, "repeat": 0, "no_repeat": 0, "too_recent": 0, "no_first": 0,
            "deal": 0, "handed": 0}
    for period in _periods(store):
        got = new.new_rows(store, period)
        reference = new.new_rows_reference(store, period, window)
        assert got == reference, period
        with_firsts, handed = _rows_with_firsts(store, period)
        assert with_firsts == reference, period
        seen["handed"] += handed and any(r["first_order_value"] is not None for r in got)
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
        assert seen["rows"] and seen["repeat"] and seen["handed"]
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
        # the first orders taken from the quality tables' first days: the same flags
        assert _rows_with_firsts(store, period) == (got, True)
    finally:
        store.conn.rollback()


def test_ties_in_the_list_s_order(store) -> None:
    """Customers of the same name acquired on the same day (the sort key's tie): in the
    reference's order (by id), with the first orders looked up or handed in."""
    day = END - timedelta(days=40)
    twins = []
    for i in range(3):
        cur = store.conn.execute(
            "INSERT INTO customers (name, name_key, created_on, acquired_on) "
            "VALUES ('Twin', 'twin', '2025-01-01', ?)", (day.isoformat(),))
        twins.append(cur.lastrowid)
        if i < 2:  # the third without an order
            store.conn.execute(
                "INSERT INTO orders (customer_id, date, month, order_ref, revenue_e4) "
                "VALUES (?, ?, ?, ?, ?)",
                (cur.lastrowid, day.isoformat(), day.year * 100 + day.month, f"TW{i}",
                 5 + i))
    try:
        for period in (Period(END - timedelta(days=364), END), Period(day, day)):
            reference = new.new_rows_reference(store, period, 365)
            assert [r["customer_id"] for r in reference if r["customer"] == "Twin"] == twins
            assert new.new_rows(store, period) == reference
            assert _rows_with_firsts(store, period) == (reference, True)
    finally:
        store.conn.rollback()


def test_first_orders_from_the_quality_tables_first_days(store) -> None:
    """When the quality tables are made in the same build, the list takes the new
    customers' first orders from their first days: the same rows; kept tables (nothing
    read) or a period reaching before their two years leave the list to look them up."""
    handed = 0
    for period in _periods(store):
        queries_cache.clear(store)
        version = queries_cache.data_version(store)
        read: list = []
        tables = new.end_quality_tables(store, period.end, 365, read=read)
        assert tables == new.end_quality_tables(store, period.end, 365)
        firsts = new._first_orders(read, period, version)
        lo = Period.trailing_year(period.end).prior().start
        assert (firsts is None) == (period.start < lo or not read)
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        try:
            got = new.new_rows(store, period, firsts)
        finally:
            store.conn.set_trace_callback(None)
        assert got == new.new_rows_reference(store, period, 365), period
        # handed in (nothing written since): not looked up again
        assert firsts is None or not any("first_key" in sql for sql in statements)
        handed += firsts is not None and any(r["first_order_value"] is not None for r in got)
        # kept now: nothing read again, nothing handed
        again: list = []
        assert new.end_quality_tables(store, period.end, 365, read=again) == tables
        assert not again and new._first_orders(again, period, version) is None
    assert handed


def test_first_orders_read_before_a_commit_are_looked_up(store) -> None:
    """First orders of another data version (a commit landed since they were read) are
    not used, whatever they hold: the list looks them all up."""
    period = Period(END - timedelta(days=364), END)
    reference = new.new_rows_reference(store, period, 365)
    ids = [r["customer_id"] for r in reference if r["first_order_value"] is not None]
    assert ids
    now = queries_cache.data_version(store)
    wrong = {cid: (1, False) for cid in ids[1:]}  # one missing, the others wrong
    stale = qnew.FirstOrders(wrong, (now[0] - 1, now[1]))
    assert new.new_rows(store, period, stale) == reference


@pytest.mark.parametrize("seed", [32, 33])
@pytest.mark.parametrize("shift", [10, -1])
def test_a_commit_between_the_build_s_two_reads(tmp_path, monkeypatch, seed: int,
                                                shift: int) -> None:
    """Another connection commits an order (another process's import) just after the New
    screen read its first days: the list is read after it, so each of its rows must be the
    reference's after the write, not the first days' repeat flag or first order beside the
    new revenue — the order 10 days after a first order without a repeat (it has one now),
    or the day before the first order (the first order changes)."""
    store = random_store(tmp_path, seed)
    monkeypatch.setattr(beside, "ENABLED", False)
    period = Period(END - timedelta(days=364), END)
    window = metrics_service.load_settings(store).window_days
    before = new.new_rows_reference(store, period, window)
    victim = next(r for r in before if r["first_order_value"] is not None
                  and r["first_order_on"] > period.start + timedelta(days=2)
                  and (shift < 0 or r["repeat_90d"] is False))
    read_first_days = new.ql.first_days

    def first_days_then_a_commit(*args, **kwargs):
        rows = read_first_days(*args, **kwargs)
        day = victim["first_order_on"] + timedelta(days=shift)
        other = sqlite3.connect(store.path)
        other.execute("INSERT INTO orders (customer_id, date, month, order_ref, revenue_e4) "
                      "VALUES (?, ?, ?, 'IMPORTED', 123400)",
                      (victim["customer_id"], day.isoformat(), day.year * 100 + day.month))
        other.commit()
        other.close()
        return rows

    monkeypatch.setattr(new.ql, "first_days", first_days_then_a_commit)
    try:
        queries_cache.clear(store)
        screen = new.build(store, period, "x", with_series=False)
        monkeypatch.setattr(new.ql, "first_days", read_first_days)
        after = new.new_rows_reference(store, period, window)
        changed = next(r for r in after if r["customer_id"] == victim["customer_id"])
        assert changed != victim  # the write changed the victim's row
        assert [{k: v for k, v in r.items() if k != "onboarding"}
                for r in screen.lists["new"]] == after
    finally:
        store.close()
