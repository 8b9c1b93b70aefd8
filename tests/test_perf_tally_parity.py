"""The catalogue's customer tallies (`queries_tally._tallies_by_segment_and_reason`: the
summary as of the end by CASEs, the first order's value by covering index seeks, the flags
computed once per customer) must equal the statement they replaced
(`queries_tally.tallies_reference`) per segment and lost reason, on random files of every
record kind with the order keys' odd corners mixed in (lines without an order_ref, an
order_ref spelled like a day key, an order spread over two days), for one-year, 90-day,
whole-span, earlier and prior periods and several lapse windows — with the per-customer
summary fresh and stale."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, periods, random_store

from custdesk.domain.periods import Period
from custdesk.storage import queries_summary
from custdesk.storage import queries_tally as qt


def _odd_keys(store) -> None:
    """Order keys that are not one ref per order: lines without a ref (keyed by their
    day), refs equal to another line's day key, orders whose lines fall on two days, and
    a customer's second line moved onto their first day."""
    c = store.conn
    c.execute("UPDATE orders SET order_ref = NULL WHERE id % 5 = 0")
    c.execute("UPDATE orders SET order_ref = 'd' || date WHERE id % 17 = 0")
    c.execute("UPDATE orders SET order_ref = (SELECT o2.order_ref FROM orders o2 "
              "WHERE o2.customer_id = orders.customer_id AND o2.id < orders.id "
              "ORDER BY o2.id DESC LIMIT 1) WHERE id % 7 = 0")
    c.execute("UPDATE orders SET date = (SELECT min(o2.date) FROM orders o2 "
              "WHERE o2.customer_id = orders.customer_id) WHERE id % 11 = 0")
    c.commit()


@pytest.fixture(scope="module", params=[71, 72, 73])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("tally")), request.param)
    _odd_keys(s)
    yield s
    s.close()


def _periods() -> list[Period]:
    out = periods()
    out += [p.prior() for p in out[:3]]
    out += [Period(END - timedelta(days=d + 89), END - timedelta(days=d))
            for d in (1, 30, 200)]
    out += [Period(date(2024, 3, 1), date(2024, 3, 1))]  # one day
    return out


@pytest.mark.parametrize("stale", [True, False], ids=["stale", "fresh"])
def test_tallies_equal_reference(store, stale: bool) -> None:
    if stale:  # order lines changed outside custdesk (as _odd_keys did): triggers mark it
        assert queries_summary.is_stale(store)
    else:
        queries_summary.refresh_order_stats(store)
        assert not queries_summary.is_stale(store)
    seen = {"new": 0, "lost": 0, "first": 0, "repeat": 0}
    for period in _periods():
        for window in (1, 30, 90, 365):
            got = qt._tallies_by_segment_and_reason(store, period, window)
            assert got == qt.tallies_reference(store, period, window), (period, window)
            for _, _, t in got:
                seen["new"] += t.new
                seen["lost"] += t.lost
                seen["first"] += t.first_e4
                seen["repeat"] += t.repeat_90d
    assert all(seen.values()), seen  # the files do reach every kind of sum compared
