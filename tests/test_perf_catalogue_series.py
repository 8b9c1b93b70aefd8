"""Monthly series in grouped SQL (issue 18) == the pure-Python references, on random
files of every record kind: the month bridge (`queries_series.month_flows`) and new
customers per month against `flows_over_periods` and against each month's own
catalogue (facts → classify), for several activity windows and series ends (one after
the last order, others with orders after the end)."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from custdesk.domain.customer_state import flows_over_periods
from custdesk.domain.metrics_all import Settings
from custdesk.domain.periods import Period
from custdesk.services import metrics_service as ms
from custdesk.storage import queries_series, queries_summary
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
SERIES = ["customers_new", "customers_start", "customers_active", "customers_won_back",
          "customers_lost", "retention_rate_pct", "churn_rate_pct"]
# the other grouped series (sales by month; Today's trends) against each month's catalogue
SALES = ["revenue", "gross_profit", "gross_margin_pct", "orders_count", "avg_order_value"]


@pytest.fixture(scope="module", params=[4, 5, 6])
def store(request, tmp_path_factory):
    rng = random.Random(request.param)
    s = random_kinds_file(Path(tmp_path_factory.mktemp("series")) / "series.db", request.param, END,
                          rng=rng, customers=(30, 250), lines=(200, 3000), deals=(50, 400),
                          tickets=(20, 200), surveys=(10, 100))
    with s.transaction():  # customers marked lost with and without a day, or acquired late
        ids = [r[0] for r in s.conn.execute("SELECT id FROM customers ORDER BY id")]
        for cid in rng.sample(ids, min(len(ids), 12)):
            s.conn.execute("UPDATE customers SET status = 'lost', lost_on = ? WHERE id = ?",
                           (rng.choice([None, "2025-06-30", "2026-03-15 10:00"]), cid))
        for cid in rng.sample(ids, min(len(ids), 6)):
            s.conn.execute("UPDATE customers SET acquired_on = ? WHERE id = ?",
                           (rng.choice(["2026-02-10", "2026-11-30", "2019-01-01"]), cid))
    yield s
    s.close()


ENDS = [END, date(2026, 12, 31), date(2025, 7, 31), date(2024, 3, 15), date(2019, 1, 1)]


@pytest.mark.parametrize("window", [30, 90, 365])
@pytest.mark.parametrize("end", ENDS)
def test_month_flows_equal_python_bridge(store, window: int, end: date) -> None:
    periods = [p for _, p in ms._month_periods(12, end)]
    assert queries_series.month_flows(store, periods, window) == flows_over_periods(
        ms._series_customers(store, end), periods, window)


@pytest.mark.parametrize("end", ENDS)
def test_new_customers_equal_facts(store, end: date) -> None:
    periods = ms._month_periods(12, end)
    facts = ms.queries.customer_facts(store, Period(periods[0][1].start, end))
    assert queries_series.new_customers(store, periods) == {
        key: sum(1 for f in facts if p.contains(f.acquired)) for key, p in periods}


@pytest.mark.parametrize("window", [30, 365])
@pytest.mark.parametrize("end", [END, date(2025, 7, 31)])
def test_series_equal_each_months_catalogue(store, window: int, end: date) -> None:
    saved = ms.load_settings(store)
    ms.save_settings(store, Settings(window, saved.deep_discount_pct,
                                     saved.repeat_contact_days))
    try:
        settings = ms.load_settings(store)
        periods = ms._month_periods(12, end)
        for metric in SERIES:
            sql = ms.monthly_series(store, metric, 12, end)
            assert sql == ms._catalogue_per_month(store, metric, periods, settings), metric
            assert sql == ms.monthly_series_reference(store, metric, 12, end), metric
    finally:
        ms.save_settings(store, saved)


def test_month_flows_refuses_gaps(store) -> None:
    a = Period(date(2026, 1, 1), date(2026, 1, 31))
    b = Period(date(2026, 3, 1), date(2026, 3, 31))
    with pytest.raises(ValueError):
        queries_series.month_flows(store, [a, b], 365)
    assert queries_series.month_flows(store, [], 365) == []
    assert queries_series.new_customers(store, []) == {}
    assert queries_series.month_flows(store, [a], 365)[0][3] >= 0


def test_series_from_a_stale_summary(store) -> None:
    """Order lines changed outside custdesk: the queries read the lines themselves."""
    with store.transaction():
        store.conn.execute("UPDATE orders SET revenue_e4 = revenue_e4 "
                           "WHERE id = (SELECT min(id) FROM orders)")
    assert queries_summary.stats_source(store) != queries_summary.NAME
    periods = ms._month_periods(12, END)
    assert queries_series.month_flows(store, [p for _, p in periods], 365) == \
        flows_over_periods(ms._series_customers(store, END), [p for _, p in periods], 365)
    facts = ms.queries.customer_facts(store, Period(periods[0][1].start, END))
    assert queries_series.new_customers(store, periods) == {
        key: sum(1 for f in facts if p.contains(f.acquired)) for key, p in periods}
    queries_summary.refresh_order_stats(store)


def test_deal_series_share_one_query_until_a_write(store, monkeypatch) -> None:
    """Two deal series of the same months (both of the decided deals) run one grouped
    query; a write runs it again."""
    calls = []
    real = ms.queries_deal_months.decided_totals

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ms.queries_deal_months, "decided_totals", counting)
    win = ms.monthly_series(store, "win_rate_pct", 12, END)
    disc = ms.monthly_series(store, "discount_pct_avg", 12, END)
    assert len(calls) == 1
    assert win and disc
    sums = ms.qd.deal_totals(store, ms._month_periods(12, END))  # the full sums agree
    assert disc == [(k, ms.deal_metrics_from_totals(
        sums.get((k, ""), ms.DealTotals()), ms.load_settings(store).deep_discount_pct)
        ["discount_pct_avg"].value) for k, _ in ms._month_periods(12, END)]
    with store.transaction():
        store.conn.execute("UPDATE deals SET amount_e4 = coalesce(amount_e4, 0) + 10000 "
                           "WHERE id = (SELECT min(id) FROM deals)")
    ms.monthly_series(store, "win_rate_pct", 12, END)
    assert len(calls) == 2


@pytest.mark.parametrize("end", [END, date(2025, 7, 31)])
def test_sales_series_equal_each_months_catalogue(store, end: date) -> None:
    settings = ms.load_settings(store)
    periods = ms._month_periods(12, end)
    for metric in SALES:
        assert ms.monthly_series(store, metric, 12, end) == ms._catalogue_per_month(
            store, metric, periods, settings), metric
