"""`queries.sales_by(..., "month")` (the day sums of the covering date index added up per
month, distinct order refs as (ref, month) pairs) must equal the grouped statement it
replaced (`sales_by_reference`) on random files of every record kind, with lines at a time
of day, lines without an order ref or a cost, and an order whose lines span two months."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, periods, random_store

from custdesk.domain.periods import Period
from custdesk.services import metrics_service as ms
from custdesk.storage import queries


@pytest.fixture(scope="module", params=[81, 82, 83])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("sales_month")), request.param)
    s.conn.execute("UPDATE orders SET date = date || ' 23:59' WHERE id % 13 = 0")
    s.conn.execute("UPDATE orders SET order_ref = NULL WHERE id % 7 = 0")
    s.conn.execute("UPDATE orders SET cost_e4 = NULL WHERE id % 5 = 0")
    # one order ref on lines of two months (and of two customers): counted in each month
    s.conn.execute("UPDATE orders SET order_ref = 'SPAN' WHERE id IN "
                   "(SELECT id FROM orders WHERE date >= '2026-09-01' ORDER BY id LIMIT 5)")
    s.conn.commit()
    yield s
    s.close()


def test_month_sales_equal_reference(store) -> None:
    seen = 0
    for p in [*periods(), Period(END, END), Period(date(2016, 1, 1), END + timedelta(days=9))]:
        got = queries.sales_by(store, p, "month")
        want = queries.sales_by_reference(store, p, "month")
        assert got == want
        assert list(got) == list(want)  # the same (month) order
        seen += len(got)
    assert seen  # the periods do hold lines


def test_trend_months_equal_reference(store) -> None:
    for end in (END, END - timedelta(days=40)):
        months = ms._month_periods(12, end)
        span = Period(months[0][1].start, end)
        got = queries.sales_by(store, span, "month")
        assert got == queries.sales_by_reference(store, span, "month")
        assert sum(t.orders for t in got.values()) > 0


def test_other_groupings_unchanged(store) -> None:
    p = Period(END - timedelta(days=364), END)
    for by in ("product", "category"):
        assert queries.sales_by(store, p, by) == queries.sales_by_reference(store, p, by)
