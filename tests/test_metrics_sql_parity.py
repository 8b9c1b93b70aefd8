"""The SQL path (service) and the pure-Python path (records) agree on the same data,
and the bridge identity S + N + won back − lost = E holds for random data and periods."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custdesk.domain import lists
from custdesk.domain.customer_state import bridge, classify, facts_from_records
from custdesk.domain.metrics_all import catalogue_from_records
from custdesk.domain.periods import Period
from custdesk.domain.records import Customer, OrderLine, Spend
from custdesk.services import metrics_service as ms
from custdesk.storage import queries, repository
from custdesk.storage import queries_records as rec

DEMO_END = date(2026, 11, 24)


def _records(store) -> dict:
    customers = [rec.load_customer(store, r[0]) for r in
                 store.conn.execute("SELECT id FROM customers ORDER BY id")]
    orders = [OrderLine(date=r[0], customer_id=r[1], revenue_e4=r[2], cost_e4=r[3],
                        order_ref=r[4], product_id=r[5], category=r[6], discount=r[7])
              for r in store.conn.execute(
                  "SELECT date, customer_id, revenue_e4, cost_e4, order_ref, product_id, "
                  "category, discount FROM orders")]
    from custdesk.domain.records import Product
    products = [Product(name=r[1], id=r[0], list_price_e4=r[2]) for r in
                store.conn.execute("SELECT id, name, list_price_e4 FROM products")]
    return dict(customers=customers, orders=orders, deals=rec.load_deals(store),
                tickets=rec.load_tickets(store), surveys=rec.load_surveys(store),
                spend=rec.load_spend(store), products=products,
                stages=repository.load_stages(store), stage_changes=stage_changes(store),
                actions=load_actions(store))


def stage_changes(store) -> list[tuple]:
    """(deal id, from stage, stage, changed_on) of every recorded change, oldest first."""
    if not rec.has_table(store, "deal_stage_history"):
        return []
    return list(store.conn.execute(
        "SELECT h.deal_id, f.name, s.name, h.changed_on FROM deal_stage_history h "
        "JOIN stages s ON s.id = h.stage_id LEFT JOIN stages f ON f.id = h.from_stage_id "
        "ORDER BY h.changed_on, h.id"))


def load_actions(store) -> list | None:
    if not rec.has_table(store, "actions"):
        return None
    from custdesk.storage.actions import list_actions

    return list_actions(store)


def _assert_same(a: dict, b: dict) -> None:
    assert set(a) == set(b)
    for mid in a:
        for field in ("value", "n", "low", "high"):
            x, y = getattr(a[mid], field), getattr(b[mid], field)
            assert (x is None) == (y is None), (mid, field, x, y)
            if x is not None:
                assert x == pytest.approx(y, rel=1e-9, abs=1e-9), (mid, field)


PERIODS = [Period(DEMO_END - timedelta(days=364), DEMO_END),
           Period(date(2025, 3, 1), date(2025, 3, 31)),
           Period(date(2020, 1, 1), date(2020, 12, 31))]  # before any data


@pytest.mark.parametrize("period", PERIODS, ids=str)
def test_demo_sql_equals_records(demo_store, period: Period) -> None:
    data = _records(demo_store)
    sql = ms.compute_metrics(demo_store, period).metrics
    py = catalogue_from_records(period, **data)
    _assert_same(sql, py)


def test_demo_facts_equal(demo_store) -> None:
    data = _records(demo_store)
    period = PERIODS[0]
    infos = ms.load_deal_infos(demo_store)
    from custdesk.domain.metrics_all import first_won_from

    py = facts_from_records(data["customers"], data["orders"], first_won_from(infos), period)
    assert queries.customer_facts(demo_store, period) == py


def random_business(seed: int, n_customers: int = 40) -> dict:
    """Small random customers and order lines with all the awkward cases."""
    rng = random.Random(seed)
    base = date(2023, 1, 1)
    customers, orders = [], []
    for cid in range(1, n_customers + 1):
        acquired = base + timedelta(days=rng.randint(0, 900))
        status = rng.choice((None, None, None, "lost", "active"))
        lost_on = (acquired + timedelta(days=rng.randint(0, 500))).isoformat() \
            if status == "lost" and rng.random() < 0.6 else None
        customers.append(Customer(
            name=f"c{cid}", id=cid, segment=rng.choice(("X", "Y", None)),
            acquired_on=acquired.isoformat() if rng.random() < 0.7 else None,
            status=status, lost_on=lost_on, created_on=(base + timedelta(days=rng.randint(
                0, 1000))).isoformat(), source=rng.choice(("referral", "web", None))))
        for _ in range(rng.randint(0, 8)):
            d = acquired + timedelta(days=rng.randint(-30, 700))
            orders.append(OrderLine(
                date=d.isoformat(), customer_id=cid, revenue_e4=rng.randint(-500, 90_000) * 100,
                cost_e4=rng.choice((None, rng.randint(0, 50_000) * 100)),
                order_ref=rng.choice((None, f"R{rng.randint(1, 6)}-{cid}"))))
    spend = [Spend(f"2024-{m:02d}", rng.randint(0, 10_000) * 10_000) for m in range(1, 13)]
    return dict(customers=customers, orders=orders, spend=spend)


@pytest.mark.parametrize("seed", range(4))
def test_random_sql_equals_records(store, seed: int) -> None:
    data = random_business(seed)
    repository.save_all(store, **data)
    rng = random.Random(seed)
    for _ in range(3):
        start = date(2023, 1, 1) + timedelta(days=rng.randint(0, 1000))
        period = Period(start, start + timedelta(days=rng.randint(0, 400)))
        _assert_same(ms.compute_metrics(store, period).metrics,
                     catalogue_from_records(period, **data, actions=load_actions(store)))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), start=st.integers(0, 1200), length=st.integers(0, 500),
       window=st.integers(1, 400))
def test_bridge_identity(seed: int, start: int, length: int, window: int) -> None:
    data = random_business(seed, n_customers=25)
    first = date(2022, 6, 1) + timedelta(days=start)
    period = Period(first, first + timedelta(days=length))
    facts = facts_from_records(data["customers"], data["orders"], {}, period)
    b = bridge(facts, period, window)
    assert b.start + b.new + b.won_back - b.lost == b.end
    assert sum(b.lost_by_reason.values()) == b.lost


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), start=st.integers(0, 1200), length=st.integers(0, 500),
       window=st.integers(1, 400))
def test_fast_classify_applies_the_same_rules(seed: int, start: int, length: int,
                                              window: int) -> None:
    from custdesk.domain.customer_state import classify, is_lost, period_flow, year_flow

    data = random_business(seed, n_customers=25)
    first = date(2022, 6, 1) + timedelta(days=start)
    period = Period(first, first + timedelta(days=length))
    facts = facts_from_records(data["customers"], data["orders"], {}, period)
    for f, state in zip(facts, classify(facts, period, window), strict=True):
        assert state.flow == period_flow(f, period, window)
        assert state.year == year_flow(f, period.end, window)
        assert state.lost_at_end == is_lost(f, period.end, f.last_at_end, window)


@pytest.mark.parametrize("metric_id", ["revenue", "gross_margin_pct", "orders_count",
                                       "customers_new", "customers_lost", "customers_active",
                                       "customers_start", "customers_won_back",
                                       "retention_rate_pct", "churn_rate_pct", "nps",
                                       "discount_pct_avg", "win_rate_pct", "csat_pct"])
def test_monthly_series_equals_month_by_month_catalogue(demo_store, metric_id: str) -> None:
    """The shortcuts of monthly_series give what the full catalogue gives for each month."""
    series = ms.monthly_series(demo_store, metric_id, 4, date(2026, 10, 20))
    assert [m for m, _ in series] == ["2026-07", "2026-08", "2026-09", "2026-10"]
    for month, value in series:
        period = Period.month(month)
        period = Period(period.start, min(period.end, date(2026, 10, 20)))
        expected = ms.compute_metrics(demo_store, period).metrics[metric_id].value
        assert (value is None) == (expected is None)
        if value is not None:
            assert value == pytest.approx(expected), month


def _facts_path_report(store, period: Period, by: tuple[str, ...]) -> ms.MetricsReport:
    """compute_metrics forced onto the per-customer facts path (classify in Python)."""
    from custdesk.services.metrics_breakdowns import breakdown

    inputs = ms.load_inputs(store, period)
    return ms.MetricsReport(period, ms.assemble(inputs, period),
                            {b: breakdown(store, inputs, period, b) for b in by})


def _assert_same_report(a: ms.MetricsReport, b: ms.MetricsReport) -> None:
    _assert_same(a.metrics, b.metrics)
    assert set(a.breakdowns) == set(b.breakdowns)
    for by in a.breakdowns:
        assert set(a.breakdowns[by]) == set(b.breakdowns[by]), by
        for group in a.breakdowns[by]:
            _assert_same(a.breakdowns[by][group], b.breakdowns[by][group])


@pytest.mark.parametrize("seed", range(6))
def test_sql_tally_equals_python_classification(store, seed: int) -> None:
    """The state rules applied inside SQLite (per segment) give the Python path's sums."""
    from custdesk.domain.customer_state import classify
    from custdesk.domain.metrics_all import lost_days
    from custdesk.domain.metrics_customers import CustomerTally, tally_states
    from custdesk.storage.queries_tally import customer_tallies

    data = random_business(seed)
    rng = random.Random(seed)
    # blank-but-not-empty referrers and a spaced "Referral" source must not differ
    data["customers"][0] = replace(data["customers"][0], referred_by=" \u00a0", source=None)
    data["customers"][1] = replace(data["customers"][1], referred_by="Ann", segment="")
    data["customers"][2] = replace(data["customers"][2], source=" Refer-ral ")
    data["customers"][3] = replace(data["customers"][3], status="lost", lost_reason="Price",
                                   lost_on=None)
    repository.save_all(store, **data)
    last = date.fromisoformat(max(o.date for o in data["orders"]))
    for i in range(8):
        # from i = 5 on, periods end before the last order (the summary "as of `to`")
        end = last + timedelta(days=rng.randint(0, 300) if i < 5 else -rng.randint(1, 600))
        # the first period has every customer new (referrals count only among the new)
        period = Period(end - timedelta(days=rng.randint(0, 700) if i else 3000), end)
        window = rng.choice((1, 30, 365))
        tallies = customer_tallies(store, period, window)
        assert tallies is not None
        facts = queries.customer_facts(store, period)
        states = classify(facts, period, window)
        lost = queries.lost_values(store, lost_days(states, period), window)
        extra = ms.customer_extras(store, states, period, window)
        silent, firsts = extra["silent_lost"], extra["first_orders"]
        assert sum(tallies.values(), CustomerTally()) == tally_states(states, period, lost,
                                                                      silent, firsts)
        for seg, tally in tallies.items():
            members = [s for s in states if (s.facts.segment or "(none)") == seg]
            assert tally == tally_states(members, period, lost, silent, firsts), seg
        ms.save_settings(store, ms.Settings(window_days=window))
        assert ms.customers_bridge(store, period) == bridge(facts, period, window, lost)
        profit = {f.id: f.gross_profit_e4 for f in facts if f.lines}
        assert ms.profitability_groups(store, period) == lists.profit_groups(profit)


@pytest.mark.parametrize("period", PERIODS[:2], ids=str)
def test_demo_segment_breakdown_same_on_both_paths(demo_store, period: Period) -> None:
    fast = ms.compute_metrics(demo_store, period, by=("segment", "month", "reason"))
    _assert_same_report(fast, _facts_path_report(demo_store, period,
                                                 ("segment", "month", "reason")))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), first=st.integers(0, 30), window=st.integers(1, 400))
def test_monthly_flows_in_one_pass_equal_the_bridge(seed: int, first: int, window: int) -> None:
    """flows_over_periods (one pass) gives each month's bridge computed on its own."""
    from custdesk.domain.customer_state import SeriesCustomer, flows_over_periods
    from custdesk.services.metrics_service import _month_periods

    data = random_business(seed, n_customers=25)
    end = date(2023, 6, 15) + timedelta(days=first * 20)
    periods = [p for _, p in _month_periods(12, end)]
    facts = facts_from_records(data["customers"], data["orders"], {}, Period(end, end))
    days: dict[int, set[int]] = {}
    for o in data["orders"]:
        if o.date <= end.isoformat():
            days.setdefault(o.customer_id, set()).add(date.fromisoformat(o.date).toordinal())
    customers = [SeriesCustomer(f.acquired.toordinal(),
                                f.lost_on.toordinal() if f.lost_on else None,
                                f.status == "lost", sorted(days.get(f.id, ())))
                 for f in facts]
    counts = flows_over_periods(customers, periods, window)
    for p, c in zip(periods, counts, strict=True):
        facts_p = facts_from_records(data["customers"], data["orders"], {}, p)
        b = bridge(facts_p, p, window)
        retained = sum(st.flow.start and st.flow.end for st in classify(facts_p, p, window))
        assert c == [b.start, b.new, b.won_back, b.end, b.lost, retained], p


@pytest.mark.parametrize("seed", range(3))
def test_customer_states_equal_facts(store, seed: int) -> None:
    """The light per-customer state query agrees with the full facts on what it holds."""
    from custdesk.storage import queries_lists as ql

    data = random_business(seed)
    repository.save_all(store, **data)
    for as_of in (date(2023, 3, 1), date(2024, 6, 30), date(2026, 1, 1)):
        full = queries.customer_facts(store, Period(as_of, as_of))
        light = ql.customer_states(store, as_of)
        keep = ("id", "acquired", "segment", "source", "referred_by", "status", "lost_on",
                "lost_reason", "first_order", "last_at_end")
        assert [[getattr(f, k) for k in keep] for f in light] == \
            [[getattr(f, k) for k in keep] for f in full]


def test_orders_count_by_segment_equals_records(demo_store) -> None:
    from custdesk.domain.metrics_sales import totals_of

    data = _records(demo_store)
    data["orders"].append(OrderLine(date="2026-11-01", customer_id=data["customers"][0].id,
                                    revenue_e4=1, order_ref=None))  # a line without a ref
    repository.save_all(demo_store, orders=data["orders"][-1:])
    segment = {c.id: c.segment or "(none)" for c in data["customers"]}
    for period in PERIODS:
        lines = [o for o in data["orders"] if period.contains(date.fromisoformat(o.date))]
        expected = {}
        for g in set(segment.values()):
            n = totals_of([o for o in lines if segment[o.customer_id] == g]).orders
            if n:
                expected[g] = n
        assert queries.orders_count(demo_store, period, by_segment=True) == expected
