"""The sales plan by product line (issue 16): a tiny business worked out by hand, names
matched like names, plan vs actual, the plan screen's `by_line` table and the Margins tab."""

from __future__ import annotations

from datetime import date

import pytest

from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import Customer, OrderLine, Product, Target
from custdesk.services import margins_service as mg
from custdesk.services.screens import plan
from custdesk.storage import repository

AS_OF = date(2025, 12, 15)
DEC = Period(date(2025, 12, 1), date(2025, 12, 15))


def _o(cid: int, d: str, rev: str, product: int) -> OrderLine:
    return OrderLine(date=d, customer_id=cid, revenue_e4=to_e4(rev), product_id=product)


@pytest.fixture
def shop(store):
    """C1 (since 2024) buys a desk (Furniture) of 300 in each of Sep–Nov and 100 on 2 Dec;
    C2 (new in March) a desk of 200 on day one; C3 (new in June) only lamps; C4 (new on
    5 Dec) a desk of 150."""
    repository.save_all(
        store,
        customers=[Customer("C1", id=1, acquired_on="2024-01-01"),
                   Customer("C2", id=2, acquired_on="2025-03-01"),
                   Customer("C3", id=3, acquired_on="2025-06-01"),
                   Customer("C4", id=4, acquired_on="2025-12-05")],
        products=[Product("Desk", id=1, category="Furniture"),
                  Product("Lamp", id=2, category="Lighting")],
        orders=[_o(1, "2024-06-01", "100", 1), _o(1, "2025-09-10", "300", 1),
                _o(1, "2025-10-10", "300", 1), _o(1, "2025-11-10", "300", 1),
                _o(1, "2025-10-11", "100", 2), _o(1, "2025-12-02", "100", 1),
                _o(2, "2025-03-01", "200", 1), _o(2, "2025-11-20", "50", 2),
                _o(3, "2025-06-01", "500", 2), _o(4, "2025-12-05", "150", 1)],
        targets=[Target("2025-12", to_e4("1000"), 1, category="FURNITURE "),
                 Target("2025-12", to_e4("500"), None, product="desk"),
                 Target("2026-01", to_e4("400"), None, product="desk")])
    return store


def test_line_plan_by_hand(shop) -> None:
    rows = {(m.line, m.month): m for m in mg.line_plan(shop, ["2025-12", "2026-01"], AS_OF)}
    furniture = rows[("Category: FURNITURE ", "2025-12")]
    # base months Sep–Nov: C1's desks 900 ÷ 3; retention 1 of 1 over Dec 24–Nov 25
    assert furniture.recent_monthly_revenue == pytest.approx(300)
    assert furniture.retention_12m_pct == pytest.approx(100)
    assert furniture.baseline == pytest.approx(300) and furniture.gap == pytest.approx(700)
    # new in the trailing year: C2 (desk 200 in its first 90 days), C3 (no desk: left out)
    assert furniture.first_90_day_revenue == pytest.approx(200)
    assert furniture.new_customers_needed == 4  # ⌈700 ÷ 200⌉
    assert furniture.leads_needed is None  # no deals: no conversion rate
    assert furniture.new_customers_target == 1
    assert (furniture.status, furniture.actual_revenue, furniture.actual_new_customers,
            furniture.actual_days) == ("current", pytest.approx(250), 1, 15)
    desk = rows[("Product: desk", "2025-12")]
    assert desk.gap == pytest.approx(200) and desk.new_customers_needed == 1
    january = rows[("Product: desk", "2026-01")]
    assert january.status == "future" and january.actual_revenue is None
    assert january.baseline == pytest.approx(300)  # the same base months (Dec not ended)
    assert january.gap == pytest.approx(100)


def test_a_line_without_sales_is_planned_from_zero(shop) -> None:
    repository.save_all(shop, targets=[Target("2025-12", to_e4("90"), None,
                                              category="Garden")])
    garden = next(m for m in mg.line_plan(shop, ["2025-12"], AS_OF) if "Garden" in m.line)
    assert garden.baseline == 0 and garden.gap == pytest.approx(90)
    assert garden.first_90_day_revenue is None and garden.new_customers_needed is None
    assert garden.actual_revenue == 0


def test_plan_screen_carries_lines_without_a_business_target(shop) -> None:
    s = plan.build(shop, DEC, "This month", today=AS_OF)
    assert not s.empty and s.tables["plan"] == []
    lines = s.tables["by_line"]
    assert [(r["line"], r["month"]) for r in lines] == [
        ("Category: FURNITURE ", "2025-12"), ("Product: desk", "2025-12"),
        ("Product: desk", "2026-01")]
    assert lines[0]["revenue_vs_target"] == pytest.approx(250 - 1000)


def test_margins_tab_draws_the_plan_by_line(qtbot, quiet_ui, shop, monkeypatch) -> None:
    from custdesk.services import margins_service
    from custdesk.ui.tabs.margins_tab import MarginsTab
    from tests.ui_helpers import make_tab

    monkeypatch.setattr(margins_service, "plan_day", lambda period, today=None: AS_OF)
    tab = make_tab(qtbot, MarginsTab, shop, DEC)
    assert tab.line_plan.model.rowCount() == 3
