"""Today's 12-month trends at a fraction of their cost (issue 18) == their references, on
random files of every record kind: the month bridge from three order days per customer
(`queries_series._ends_sql`, when no customer can lapse between two orders of the span)
against the per-customer sums (`month_flows_reference`) and the Python bridge
(`flows_over_periods`); the revenue per month from the month index
(`queries_series.revenue_by_month`) against every sales sum of the months
(`queries.sales_by`); every trend of Today against `monthly_series_reference`. Series
ending on a month end, mid-month, the day before the last record, after an empty month,
on a leap February's last day; lines at a time of day (on month ends and on the end day),
customers marked lost with and without a day, acquired late."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.customer_state import flows_over_periods
from custdesk.domain.metrics_all import Settings
from custdesk.domain.periods import Period, trailing_months
from custdesk.services import metrics_service as ms
from custdesk.services.screens import today
from custdesk.services.screens.labels import series_metric
from custdesk.services.screens.model import SeriesPoint
from custdesk.storage import queries, queries_renewal_months, queries_series, queries_summary
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
EMPTY_MONTH = "2026-06"  # no order line in it (the files' lines of that month deleted)


# (seed, lines at a time of day, a stale order summary): the Python references read days
# only; a stale summary (lines changed after it was built) must never be read as the truth
@pytest.fixture(scope="module", params=[(21, True, False), (22, True, False),
                                        (21, False, False), (23, False, False),
                                        (24, False, True), (25, True, True)],
                ids=lambda p: f"{p[0]}{'-timed' if p[1] else ''}{'-stale' if p[2] else ''}")
def store(request, tmp_path_factory):
    seed, timed, stale = request.param
    rng = random.Random(seed)
    s = random_kinds_file(Path(tmp_path_factory.mktemp("trends")) / "trends.db",
                          seed, END, rng=rng, customers=(40, 250),
                          lines=(300, 3000), deals=(50, 300), tickets=(20, 150),
                          surveys=(20, 150))
    with s.transaction():
        ids = [r[0] for r in s.conn.execute("SELECT id FROM customers ORDER BY id")]
        for cid in rng.sample(ids, min(len(ids), 12)):
            s.conn.execute("UPDATE customers SET status = 'lost', lost_on = ? WHERE id = ?",
                           (rng.choice([None, "2025-06-30", "2026-03-15 10:00"]), cid))
        for cid in rng.sample(ids, min(len(ids), 6)):
            s.conn.execute("UPDATE customers SET acquired_on = ? WHERE id = ?",
                           (rng.choice(["2026-02-10", "2026-11-30", "2019-01-01"]), cid))
        s.conn.execute("DELETE FROM orders WHERE substr(date, 1, 7) = ?", (EMPTY_MONTH,))
        # lines at a time of day: some at random, and on month ends and the series' ends
        # (sorting after the day: out of a period ending that day, as the references say)
        if timed:
            s.conn.execute("UPDATE orders SET date = date || ' 10:00' WHERE id % 13 = 0")
        days = ["2026-10-31", "2026-11-24", "2026-11-23", "2024-02-29", "2025-12-31"]
        for cid in rng.sample(ids, min(len(ids), 10)):
            day = rng.choice(days)
            s.conn.execute(
                "INSERT INTO orders(customer_id, date, month, revenue_e4) VALUES (?, ?, ?, ?)",
                (cid, day + rng.choice(["", " 09:30"] if timed else [""]),
                 int(day[:4]) * 100 + int(day[5:7]), rng.randint(-5_000, 900_000)))
        queries_summary.refresh_order_stats(s)
        if stale:  # lines moved, added and taken away after the summary was built
            s.conn.execute("UPDATE orders SET date = date(substr(date, 1, 10), '-200 days')"
                           " WHERE id % 7 = 0")
            s.conn.execute("UPDATE orders SET month = CAST(strftime('%Y%m', substr(date, 1, "
                           "10)) AS INTEGER) WHERE id % 7 = 0")
            s.conn.execute("DELETE FROM orders WHERE id % 11 = 0")
            s.conn.execute("UPDATE summary_state SET dirty = 1")
    s.timed = timed  # type: ignore[attr-defined]
    yield s
    s.close()


def _ends(store) -> list[date]:
    last = date.fromisoformat(store.conn.execute("SELECT max(date) FROM orders")
                              .fetchone()[0][:10])
    return [END, date(2026, 10, 31), date(2026, 7, 15), last - timedelta(days=1),
            date(2024, 2, 29), date(2026, 6, 30), date(2019, 1, 1)]


def _windows(periods: list[Period]) -> list[int]:
    """Windows on both sides of the span's length (the fast statement holds from it on)."""
    days = periods[-1].end.toordinal() - periods[0].day_before().toordinal()
    return [30, 90, days - 2, days - 1, days, days + 1, 365, 366, 400]


def test_month_flows_equal_references(store) -> None:
    fast = moved = 0
    for end in _ends(store):
        for months in (12, 13, 3):
            periods = [p for _, p in ms._month_periods(months, end)]
            for window in _windows(periods):
                got = queries_series.month_flows(store, periods, window)
                assert got == queries_series.month_flows_reference(store, periods, window), (
                    end, months, window)
                fast += queries_series._ends_decide(periods, window)
                moved += sum(r[2] + r[4] for r in got)
    assert fast > 50 and moved  # the fast statement ran; customers lost and won back


@pytest.mark.parametrize("window", [334, 365, 366])
def test_month_flows_equal_python_bridge(store, window: int) -> None:
    if store.timed:
        pytest.skip("the Python bridge reads days without a time")
    for end in _ends(store):
        periods = [p for _, p in ms._month_periods(12, end)]
        assert queries_series.month_flows(store, periods, window) == flows_over_periods(
            ms._series_customers(store, end), periods, window), end


def test_fast_statement_equals_the_grouped_one_on_other_periods(store) -> None:
    """Back-to-back periods of other lengths, windows at least the span: both statements
    give the same groups."""
    rng = random.Random(5)
    for _ in range(20):
        start = date(2023, 1, 1) + timedelta(days=rng.randint(0, 1400))
        periods = []
        for _ in range(rng.randint(1, 14)):
            end = start + timedelta(days=rng.randint(0, 60))
            periods.append(Period(start, end))
            start = end + timedelta(days=1)
        span = periods[-1].end.toordinal() - periods[0].day_before().toordinal()
        window = span + rng.choice([0, 0, 1, 30])
        params = queries_series._flow_params(periods, window)
        stats = queries_summary.stats_source(store)
        n = len(periods)
        fast = store.conn.execute(queries_series._ends_sql(n, stats), params).fetchall()
        grouped = store.conn.execute(queries_series._grouped_sql(n, stats), params).fetchall()
        assert sorted(fast) == sorted(grouped)


def test_fast_statement_only_where_it_holds() -> None:
    year = [p for _, p in ms._month_periods(12, date(2026, 12, 31))]  # 365 days
    leap = [p for _, p in ms._month_periods(12, date(2028, 12, 31))]  # 366 days
    assert queries_series._ends_decide(year, 365)
    assert not queries_series._ends_decide(year, 364)
    assert not queries_series._ends_decide(leap, 365)
    assert queries_series._ends_decide(leap, 366)


def test_a_lapse_between_two_orders_of_the_span_needs_the_grouped_statement(store) -> None:
    """A customer ordering in January and in November with a 90-day window lapses between:
    the fast statement would miss it (why `_ends_decide` refuses a window under the span)."""
    periods = [p for _, p in ms._month_periods(12, date(2026, 12, 31))]
    params = queries_series._flow_params(periods, 90)
    stats = queries_summary.stats_source(store)
    fast = store.conn.execute(queries_series._ends_sql(12, stats), params).fetchall()
    grouped = store.conn.execute(queries_series._grouped_sql(12, stats), params).fetchall()
    assert sorted(fast) != sorted(grouped)
    assert queries_series.month_flows(store, periods, 90) == \
        queries_series.month_flows_reference(store, periods, 90)


def test_revenue_by_month_equals_sales_by(store) -> None:
    for end in _ends(store) + [date(2026, 1, 31), date(2026, 1, 1)]:
        for months in (12, 1, 2):
            periods = ms._month_periods(months, end)
            span = Period(periods[0][1].start, end)
            sales = queries.sales_by_reference(store, span, "month")
            assert queries_series.revenue_by_month(store, periods) == {
                k: t.revenue_e4 for k, t in sales.items() if t.lines}, (end, months)
    assert queries_series.revenue_by_month(store, []) == {}
    periods = ms._month_periods(12, END)
    assert EMPTY_MONTH not in queries_series.revenue_by_month(store, periods)


def test_revenue_by_month_refuses_other_periods(store) -> None:
    a = Period(date(2026, 1, 1), date(2026, 1, 31))
    b = Period(date(2026, 2, 1), date(2026, 2, 28))
    for periods in ([("2026-01", Period(date(2026, 1, 2), date(2026, 1, 31))), ("2026-02", b)],
                    [("2026-01", Period(date(2026, 1, 1), date(2026, 1, 30))), ("2026-02", b)],
                    [("2026-01", a), ("2026-03", Period(date(2026, 3, 1), date(2026, 3, 5)))],
                    [("2026-02", a)],
                    [("2026-01", Period(date(2026, 1, 1), date(2026, 2, 3)))],
                    # the same month number a year later (review: month alone compared)
                    [("2025-01", Period(date(2025, 1, 1), date(2026, 1, 15)))]):
        with pytest.raises(ValueError):
            queries_series.revenue_by_month(store, periods)


@pytest.mark.parametrize("window", [90, 365])
def test_todays_trends_equal_reference(store, window: int) -> None:
    if store.timed:
        pytest.skip("the Python bridge reads days without a time")
    saved = ms.load_settings(store)
    ms.save_settings(store, Settings(window, saved.deep_discount_pct,
                                     saved.repeat_contact_days))
    try:
        for end in _ends(store):
            built = today.build_series(store, Period(end - timedelta(days=364), end))
            slots = trailing_months(end, today.TREND_MONTHS)
            for trend in today.TRENDS:
                values = dict(ms.monthly_series_reference(store, series_metric(trend),
                                                          today.TREND_MONTHS, end))
                assert built[trend] == [SeriesPoint.of(s, values.get(s.key)) for s in slots], (
                    trend, end)
    finally:
        ms.save_settings(store, saved)


def test_month_renewals_equal_reference(store) -> None:
    renewed = 0
    for end in _ends(store):
        for months in (12, 1, 24):
            periods = ms._month_periods(months, end)
            got = queries_renewal_months._renewals(store, periods)
            assert got == queries.renewals_by_period_reference(store, periods), (end, months)
            assert got == queries.renewals_by_period(store, periods)
            renewed += sum(r for r, _ in got.values())
    assert renewed


def test_other_renewal_periods_equal_reference(store) -> None:
    """Periods of any length, overlapping, one day, before any line; and more cuts than a
    mask holds (the per-period statements)."""
    rng = random.Random(3)
    for count in (1, 5, 14, 30):
        keyed = []
        for i in range(count):
            start = date(2022, 1, 1) + timedelta(days=rng.randint(0, 1800))
            keyed.append((str(i), Period(start, start + timedelta(days=rng.choice(
                [0, 1, 6, 30, 89, 364])))))
        keyed.append(("old", Period(date(2001, 1, 1), date(2001, 3, 31))))
        got = queries_renewal_months._renewals(store, keyed)
        assert got == queries.renewals_by_period_reference(store, keyed), count
        assert "old" not in got
    assert queries_renewal_months._renewals(store, []) == {}


def test_month_renewals_kept_until_a_write(store) -> None:
    periods = ms._month_periods(12, END)
    first = queries_renewal_months.renewals_by_month(store, periods)
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        assert queries_renewal_months.renewals_by_month(store, periods) == first
        assert not [s for s in statements if "mask" in s]
        with store.transaction():
            store.conn.execute("DELETE FROM orders WHERE id = (SELECT min(id) FROM orders "
                               "WHERE date >= ?)", (periods[3][1].start.isoformat(),))
        queries_renewal_months.renewals_by_month(store, periods)
        assert [s for s in statements if "mask" in s]
    finally:
        store.conn.set_trace_callback(None)


def test_trends_kept_for_each_last_day_until_a_write(store, monkeypatch) -> None:
    """12 months -> last month -> 12 months: the way back finds the year's trends; a write
    drops them."""
    made: list[Period] = []
    series = today.build_series
    monkeypatch.setattr(today, "build_series", lambda st, p: made.append(p) or series(st, p))
    year = Period(END - timedelta(days=364), END)
    month = Period(date(2026, 10, 1), date(2026, 10, 31))
    first = today.kept_series(store, year)
    assert today.kept_series(store, month) == series(store, month)
    assert today.kept_series(store, year) == first and made == [year, month]
    with store.transaction():
        store.conn.execute("UPDATE orders SET revenue_e4 = revenue_e4 + 1 WHERE id = "
                           "(SELECT max(id) FROM orders)")
    assert today.kept_series(store, year) == series(store, year)
    assert made == [year, month, year]
