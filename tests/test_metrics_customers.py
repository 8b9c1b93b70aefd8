"""Customer state, the bridge and customer metrics, against hand-computed figures.

The business is in tests/metrics_fixtures.py; period 2024 (366 days), W = 365:
S = {A, D, E}; N = {C, H}; won back = {B}; E(end) = {A, B, E, H}; lost = {C, D}.
E lapses nowhere at the endpoints (last order 2023-01-05 → 360 days at the start,
2024-10 order at the end): a customer "lost and won back inside one period" counts in
S and E only.
"""

from __future__ import annotations

from datetime import date

import pytest
from metrics_fixtures import CUSTOMERS, ORDERS, SPEND, YEAR_2024

from custdesk.domain.metrics_all import catalogue_from_records
from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import Customer, OrderLine
from custdesk.services import metrics_service as ms
from custdesk.storage import repository


@pytest.fixture(params=["records", "sql"])
def metrics(request, store):
    if request.param == "records":
        return catalogue_from_records(YEAR_2024, customers=CUSTOMERS, orders=ORDERS,
                                      spend=SPEND)
    repository.save_all(store, customers=CUSTOMERS, orders=ORDERS, spend=SPEND)
    return ms.compute_metrics(store, YEAR_2024).metrics


def v(m, mid):
    return m[mid].value


def test_bridge_counts(metrics) -> None:
    assert v(metrics, "customers_total") == 8
    assert v(metrics, "customers_start") == 3
    assert v(metrics, "customers_new") == 2
    assert v(metrics, "customers_won_back") == 1
    assert v(metrics, "customers_lost") == 2
    assert v(metrics, "customers_active") == 4  # 3 + 2 + 1 − 2


def test_rates(metrics) -> None:
    assert v(metrics, "customers_lost_pct") == pytest.approx(300 / 7)  # C, D, G of 7
    assert metrics["customers_lost_pct"].n == 7
    assert v(metrics, "retention_rate_pct") == pytest.approx(200 / 3)  # A, E of S = A, D, E
    assert v(metrics, "churn_rate_pct") == pytest.approx(100 / 3)  # 2 ÷ 6
    assert metrics["churn_rate_pct"].n == 6
    assert metrics["churn_rate_pct"].small_sample
    assert v(metrics, "renewal_rate_pct") == pytest.approx(200 / 3)  # A, E of A, D, E
    assert v(metrics, "repeat_customer_pct") == pytest.approx(80)  # A, B, D, E of 5
    assert v(metrics, "referral_rate_pct") == pytest.approx(50)  # H of C, H


def test_values(metrics) -> None:
    assert v(metrics, "customers_new_value") == pytest.approx(500)  # C 500, H 0
    # C: 500 in the 365 days to 2024-08-01; D: 40 + 60 up to its last order
    assert v(metrics, "customers_lost_value") == pytest.approx(600)
    assert v(metrics, "ltv_historical_avg") == pytest.approx((240 + 60 + 200 + 60 + 29) / 5)
    assert v(metrics, "cac") == pytest.approx(750)  # (1000 + 500) ÷ 2
    # annual profit of A, B, E, H = (150 + 20 + 18 + 0) ÷ 4 = 47; yearly churn 2 ÷ 6
    assert v(metrics, "ltv_predictive") == pytest.approx(141)
    assert v(metrics, "ltv_cac_ratio") == pytest.approx(141 / 750)


def test_sales(metrics) -> None:
    assert v(metrics, "revenue") == pytest.approx(985)
    assert v(metrics, "gross_profit") == pytest.approx(318)  # 915 − 597 over costed lines
    assert v(metrics, "gross_margin_pct") == pytest.approx(318 / 915 * 100)
    assert v(metrics, "orders_count") == 5  # A3, B's line, C1, E2, E3
    assert v(metrics, "avg_order_value") == pytest.approx(197)


def test_bridge_reasons_and_money(store) -> None:
    repository.save_all(store, customers=CUSTOMERS, orders=ORDERS)
    b = ms.customers_bridge(store, YEAR_2024)
    assert (b.start, b.new, b.won_back, b.lost, b.end) == (3, 2, 1, 2, 4)
    assert b.lost_by_reason == {"Price": 1, "Lapsed": 1}
    assert b.new_value == pytest.approx(500)
    assert b.lost_value == pytest.approx(600)


def test_segment_breakdown(store) -> None:
    repository.save_all(store, customers=CUSTOMERS, orders=ORDERS)
    seg = ms.compute_metrics(store, YEAR_2024, by=["segment"]).breakdowns["segment"]
    assert set(seg) == {"Retail", "Trade", "(none)"}
    assert seg["Retail"]["revenue"].value == pytest.approx(300 + 50 + 120 + 20 - 5)
    assert seg["Trade"]["customers_lost"].value == 2
    assert seg["Trade"]["churn_rate_pct"].value == pytest.approx(100)  # C, D of D + C
    assert seg["(none)"]["customers_new"].value == 1  # H


def test_empty_database(store) -> None:
    assert ms.data_span(store) is None
    m = ms.compute_metrics(store, YEAR_2024, by=["segment", "month", "owner"]).metrics
    assert v(m, "customers_total") == 0
    assert v(m, "revenue") == 0
    for mid in ("retention_rate_pct", "churn_rate_pct", "gross_margin_pct", "avg_order_value",
                "cac", "ltv_predictive", "win_rate_pct", "nps", "csat_pct",
                "sales_cycle_days_avg", "ltv_historical_avg", "gross_profit"):
        assert m[mid].value is None, mid
    assert m["win_rate_pct"].n == 0


def test_one_customer_one_order(store) -> None:
    repository.save_all(store, customers=CUSTOMERS[:1], orders=ORDERS[:1])
    m = ms.compute_metrics(store, Period(date(2023, 1, 1), date(2023, 12, 31))).metrics
    assert (v(m, "customers_new"), v(m, "customers_active"), v(m, "customers_lost")) == (1, 1, 0)
    assert v(m, "retention_rate_pct") is None  # S = 0: cannot be computed, not 0
    assert v(m, "churn_rate_pct") == 0
    assert v(m, "repeat_customer_pct") == 0
    assert v(m, "ltv_predictive") is None  # nobody lost in the year: no churn history
    assert v(m, "cac") is None  # no spend recorded: unknown, not 0


def test_settings_window_is_read_from_the_database(store) -> None:
    repository.save_all(store, customers=CUSTOMERS, orders=ORDERS)
    repository.set_setting(store, "activity_window_days", "200")
    m = ms.compute_metrics(store, YEAR_2024).metrics
    # W = 200: at the start A (213 days) and E (360) have lapsed, D (60) is active
    assert v(m, "customers_start") == 1


def test_monthly_series(store) -> None:
    repository.save_all(store, customers=CUSTOMERS, orders=ORDERS)
    assert ms.monthly_series(store, "revenue", 3, date(2024, 10, 20)) == [
        ("2024-08", 0.0), ("2024-09", 0.0), ("2024-10", 15.0)]  # 20 − 5, up to the 20th
    assert ms.monthly_series(store, "customers_new", 2, date(2024, 2, 29)) == [
        ("2024-01", 0.0), ("2024-02", 1.0)]  # C
    assert ms.monthly_series(store, "gross_margin_pct", 1, date(2024, 8, 31)) == [
        ("2024-08", None)]  # no lines: unknown, not 0
    with pytest.raises(ValueError, match="unknown metric"):
        ms.monthly_series(store, "profit", 3, date(2024, 1, 1))


@pytest.mark.parametrize("path", ["records", "sql"])
def test_retention_never_counts_won_back_customers(path, store) -> None:
    # S = {A}; B lapsed before 2024 and came back in it (won back); E = {A, B}.
    # The old (E − N) ÷ S read 200 %; retention is customers of S still active ÷ S = 100 %.
    customers = [CUSTOMERS[0], CUSTOMERS[1]]
    orders = [o for o in ORDERS if o.customer_id in (1, 2)]
    if path == "records":
        m = catalogue_from_records(YEAR_2024, customers=customers, orders=orders)
    else:
        repository.save_all(store, customers=customers, orders=orders)
        m = ms.compute_metrics(store, YEAR_2024).metrics
    assert (v(m, "customers_start"), v(m, "customers_won_back"), v(m, "customers_active")) \
        == (1, 1, 2)
    assert v(m, "retention_rate_pct") == pytest.approx(100.0)
    assert m["retention_rate_pct"].n == 1


def test_ltv_predictive_is_null_without_order_lines() -> None:
    # customers from a customers sheet only, one marked lost in the trailing year: churn is
    # known but there is no profit to predict from — null, never 0 ("loses money")
    assert CUSTOMERS[2].status == "lost"  # C: new in 2024 and lost in it
    m = catalogue_from_records(YEAR_2024, customers=[CUSTOMERS[0], CUSTOMERS[2]])
    assert m["customers_active"].value == 1 and m["customers_lost"].value == 1
    assert m["ltv_predictive"].value is None
    assert m["ltv_cac_ratio"].value is None


@pytest.mark.parametrize("path", ["records", "sql"])
def test_lost_value_is_the_year_up_to_the_last_order_before_the_loss(path, store) -> None:
    # X ordered 100 on 2023-03-01 and 50 on 2024-01-10, and was marked lost on 2024-12-01.
    # METRICS.md: the W days up to the last order on or before the loss date
    # (2023-01-11..2024-01-10) = 150 — not the W days before the loss date itself (50).
    x = Customer(name="X", id=1, created_on="2020-01-01", acquired_on="2023-03-01",
                 status="lost", lost_on="2024-12-01", lost_reason="Price")
    orders = [OrderLine(date="2023-03-01", customer_id=1, revenue_e4=to_e4("100")),
              OrderLine(date="2024-01-10", customer_id=1, revenue_e4=to_e4("50"))]
    if path == "records":
        m = catalogue_from_records(YEAR_2024, customers=[x], orders=orders)
    else:
        repository.save_all(store, customers=[x], orders=orders)
        m = ms.compute_metrics(store, YEAR_2024).metrics
        assert ms.customers_bridge(store, YEAR_2024).lost_value == pytest.approx(150)
    assert m["customers_lost"].value == 1
    assert m["customers_lost_value"].value == pytest.approx(150)
