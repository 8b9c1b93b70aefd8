"""Growth screen (issue 17), worked by hand: revenue movements (expansion, steady,
contraction, lost, new, returning) and the waterfall identity; `discount_line_pct_avg` by
month, product and segment; win rate by discount band, won-deal discount and the deep
discount lists; product mix (stopped buying, products per customer)."""

from __future__ import annotations

from datetime import date

import pytest

from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import Customer, Deal, OrderLine, Product
from custdesk.services import metrics_service as ms
from custdesk.services.screens import growth_price, growth_revenue
from custdesk.storage import queries_growth_price as qp
from custdesk.storage import queries_growth_revenue as qr
from custdesk.storage import repository

Q2 = Period(date(2025, 4, 1), date(2025, 6, 30))  # prior: 2024-12-31..2025-03-31


def _o(cid: int, d: str, rev: str, **kw) -> OrderLine:
    return OrderLine(date=d, customer_id=cid, revenue_e4=to_e4(rev), **kw)


@pytest.fixture
def moves(store):
    """A expands 100→150, B steady 200, C contracts 300→120, D lost 80→0, E new (acquired
    10 May) 60, F returning (bought in 2024, not in the prior period) 40, G lost 70 → −20 (a
    return only)."""
    names = "ABCDEFG"
    repository.save_all(
        store,
        customers=[Customer(n, id=i + 1, acquired_on="2025-05-10" if n == "E" else None)
                   for i, n in enumerate(names)],
        orders=[_o(1, "2025-02-01", "100"), _o(1, "2025-05-01", "150"),
                _o(2, "2025-01-10", "200"), _o(2, "2025-06-10", "200"),
                _o(3, "2025-03-31", "300"), _o(3, "2025-04-01", "120"),
                _o(4, "2024-12-31", "80"),
                _o(5, "2025-05-10", "60"),
                _o(6, "2024-06-01", "50"), _o(6, "2025-06-30", "40"),
                _o(7, "2025-03-01", "70"), _o(7, "2025-04-15", "-20")])
    return store


def test_revenue_movements_by_hand(moves) -> None:
    m = qr.revenue_movements(moves, Q2)
    got = {k: (v.customers, v.prior_e4 / 10_000, v.current_e4 / 10_000, v.change_e4 / 10_000)
           for k, v in m.items()}
    assert got == {"new": (1, 0, 60, 60), "returning": (1, 0, 40, 40),
                   "expansion": (1, 100, 150, 50), "steady": (1, 200, 200, 0),
                   "contraction": (1, 300, 120, -180), "lost": (2, 150, -20, -170)}


def test_waterfall_identity_and_revenue_metric(moves) -> None:
    tables, notes = growth_revenue.movements(moves, Q2)
    steps = tables["revenue_waterfall"]
    assert [s["step"] for s in steps] == ["Prior period", "New customers", "Returning",
                                          "Expansion", "Contraction", "Lost", "This period"]
    assert steps[0]["value"] == 750 and steps[-1]["value"] == 550
    assert steps[0]["value"] + sum(s["value"] for s in steps[1:-1]) == steps[-1]["value"]
    assert [s["kind"] for s in steps[1:-1]] == ["up", "up", "up", "down", "down"]
    # the ends are the catalogue's revenue of the period and of the prior period
    assert ms.compute_metrics(moves, Q2).metrics["revenue"].value == 550
    assert ms.compute_metrics(moves, Q2.prior()).metrics["revenue"].value == 750
    assert "from existing customers (bought in both periods): 470.00" in notes[0]


def test_waterfall_identity_on_the_demo(demo_store) -> None:
    span = ms.data_span(demo_store)
    for period in (span, Period(date(span.end.year, 1, 1), span.end)):
        steps = growth_revenue.movements(demo_store, period)[0]["revenue_waterfall"]
        total = steps[0]["value"] + sum(s["value"] for s in steps[1:-1])
        assert total == pytest.approx(steps[-1]["value"], abs=1e-6)
        revenue = ms.compute_metrics(demo_store, period).metrics["revenue"].value
        assert steps[-1]["value"] == pytest.approx(revenue, abs=1e-6)


@pytest.fixture
def discounts(store):
    """Lines in May and June for two products and segments: 90 at 10 % off (list 100),
    150 at 25 % (list 200), 50 with no discount known, 100 at 0 %."""
    repository.save_all(
        store,
        customers=[Customer("R", id=1, segment="Retail"), Customer("T", id=2, segment="Trade")],
        products=[Product("Pen", id=1, list_price_e4=to_e4("10")),
                  Product("Desk", id=2, list_price_e4=to_e4("100"))],
        orders=[_o(1, "2025-05-02", "90", product_id=1, discount=0.10, quantity=10),
                _o(2, "2025-05-03", "150", product_id=2, discount=0.25, quantity=2),
                _o(1, "2025-06-01", "50", product_id=1, quantity=5),
                _o(2, "2025-06-02", "100", product_id=2, discount=0.0, quantity=1)])
    return store


def test_discount_line_pct_avg_by_month_product_segment(discounts) -> None:
    assert ms.compute_metrics(discounts, Q2).metrics[
        "discount_line_pct_avg"].value == pytest.approx(60 / 400 * 100)
    tables, _notes = growth_price.price(discounts, Q2)
    months = {r["month"]: r for r in tables["discount_by_month"]}
    assert months["2025-04"]["discount_line_pct_avg"] is None
    assert months["2025-05"]["discount_line_pct_avg"] == pytest.approx(60 / 300 * 100)
    assert months["2025-06"]["discount_line_pct_avg"] == 0
    products = {r["product"]: r["discount_line_pct_avg"] for r in tables["discount_by_product"]}
    assert products == {"Pen": pytest.approx(10), "Desk": pytest.approx(50 / 300 * 100)}
    segments = {r["segment"]: r for r in tables["discount_by_segment"]}
    assert segments["Trade"]["discount"] == pytest.approx(50)
    assert segments["Trade"]["list"] == pytest.approx(300)
    # realised unit price: Pen 140 / 15 against 10; Desk 250 / 3 against 100
    units = {r["product"]: r for r in tables["unit_prices"]}
    assert units["Pen"]["unit_price"] == pytest.approx(140 / 15)
    assert units["Desk"]["vs_list_pct"] == pytest.approx((250 / 3 / 100 - 1) * 100)
    # deep-discount lines (20 % by default): the 25 % line, 50 given, no cost known
    assert [(r["customer"], r["given"], r["profit"]) for r in tables["deep_lines"]] == [
        ("T", pytest.approx(50), None)]


@pytest.fixture
def banded(store):
    """Deals closed in Q2 against a list of 100: won at 100 (0 %), lost at 95 (5 %), won at 90
    (10 %: the 10–20 band), won at 80 (20 %: deep), lost at 70 (30 %), won at 85 with the
    product's list price 100 (15 %); a won deal without a list and one closed in March are
    left out. Product P costs 60."""
    repository.save_all(
        store,
        products=[Product("P", id=1, list_price_e4=to_e4("100"), unit_cost_e4=to_e4("60"))],
        deals=[Deal("Won", id=1, amount_e4=to_e4("100"), list_amount_e4=to_e4("100"),
                    created_on="2025-04-01", closed_on="2025-04-10"),
               Deal("Lost", id=2, amount_e4=to_e4("95"), list_amount_e4=to_e4("100"),
                    created_on="2025-04-01", closed_on="2025-04-11"),
               Deal("Won", id=3, amount_e4=to_e4("90"), list_amount_e4=to_e4("100"),
                    created_on="2025-04-01", closed_on="2025-05-12"),
               Deal("Won", id=4, title="Big", product_id=1, amount_e4=to_e4("80"),
                    list_amount_e4=to_e4("100"), created_on="2025-04-01",
                    closed_on="2025-06-01"),
               Deal("Lost", id=5, amount_e4=to_e4("70"), list_amount_e4=to_e4("100"),
                    created_on="2025-04-01", closed_on="2025-06-02"),
               Deal("Won", id=6, product_id=1, amount_e4=to_e4("85"), created_on="2025-04-01",
                    closed_on="2025-06-03"),
               Deal("Won", id=7, amount_e4=to_e4("50"), created_on="2025-04-01",
                    closed_on="2025-06-04"),
               Deal("Won", id=8, amount_e4=to_e4("10"), list_amount_e4=to_e4("100"),
                    created_on="2025-01-01", closed_on="2025-03-04")])
    return store


def test_win_rate_by_discount_band_and_deep_deals(banded) -> None:
    assert qp.win_rate_by_band(banded, Q2) == {"0 %": (1, 0), "0–10 %": (0, 1),
                                               "10–20 %": (2, 0), "20 % +": (1, 1)}
    tables, notes = growth_price.price(banded, Q2)
    rates = {r["band"]: r["win_rate_pct"] for r in tables["win_rate_by_discount"]}
    assert rates == {"0 %": 100, "0–10 %": 0, "10–20 %": 100, "20 % +": 50}
    deep = tables["deep_deals"]
    assert [(d["deal"], d["given"], d["profit"]) for d in deep] == [("Big", 20, 20)]
    assert "1 won deals at 20 % off or more gave away 20.00" in " ".join(notes)
    months = {r["month"]: r for r in tables["deal_months"]}
    assert months["2025-06"]["discount_pct_avg"] == pytest.approx((20 + 15) / 2)
    assert months["2025-04"]["win_rate_pct"] == 50
    q2 = ms.compute_metrics(banded, Q2).metrics["discount_pct_avg"].value
    assert q2 == pytest.approx((0 + 10 + 20 + 15) / 4)


def test_product_mix_by_hand(store) -> None:
    """X bought Pen and Desk in Q1 and only Desk in Q2 (still active): Pen is on the
    recovery list; Y bought Pen in Q1 and nothing since but is within the activity window
    (no order in Q2 — yet still active); Z stopped and is lost by status."""
    repository.save_all(
        store,
        customers=[Customer("X", id=1), Customer("Y", id=2),
                   Customer("Z", id=3, status="lost")],
        products=[Product("Pen", id=1), Product("Desk", id=2)],
        orders=[_o(1, "2025-02-01", "30", product_id=1), _o(1, "2025-02-02", "500",
                                                              product_id=2),
                _o(1, "2025-05-01", "400", product_id=2),
                _o(2, "2025-03-01", "20", product_id=1),
                _o(3, "2025-03-01", "99", product_id=1)])
    stopped, total = qr.stopped_buying(store, Q2, 365)
    assert total == 2
    assert [(s.customer, s.product, s.prior_revenue_e4 / 10_000) for s in stopped] == [
        ("X", "Pen", 30), ("Y", "Pen", 20)]
    assert qr.stopped_buying(store, Q2, 100)[1] == 1  # Y lapsed after 100 days
    assert qr.products_per_customer(store, Period(date(2025, 1, 1), date(2025, 6, 30))) == {
        1: 2, 2: 1}
    tables, _ = growth_revenue.product_mix(store, Q2)
    months = {r["month"]: r for r in tables["product_months"]}
    assert months["2025-05"]["Desk"] == 400 and "Pen" not in months["2025-05"]
