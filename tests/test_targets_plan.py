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


# ----- editing the plan's targets in the app (issue 16) --------------------------------------
def test_plan_targets_load_edit_and_save(shop) -> None:
    from custdesk.services import targets_service as ts

    rows = ts.load_plan(shop)
    assert [(r.month, r.product, r.category, r.revenue_target, r.new_customers_target)
            for r in rows] == [("2025-12", None, "FURNITURE ", 1000.0, 1),
                               ("2025-12", "desk", None, 500.0, None),
                               ("2026-01", "desk", None, 400.0, None)]
    furniture, desk_dec, desk_jan = rows
    # the whole business gets November and December; desk's two months swap their targets
    edited = [ts.PlanRow("2025-11", 900.0, 2), ts.PlanRow("2025-12", 1200.5, 3),
              furniture,
              ts.PlanRow(desk_dec.month, 400.0, None, "desk", None, desk_dec.id),
              ts.PlanRow(desk_jan.month, 500.0, None, "desk", None, desk_jan.id)]
    assert ts.save_plan(shop, edited) == 5
    after = ts.load_plan(shop)
    assert [(r.month, r.line, r.revenue_target) for r in after] == [
        ("2025-11", "the whole business", 900.0), ("2025-12", "the whole business", 1200.5),
        ("2025-12", "category FURNITURE", 1000.0), ("2025-12", "product desk", 400.0),
        ("2026-01", "product desk", 500.0)]
    # plan against actual on the hand-built months: November is past, December current
    s = plan.build(shop, Period(date(2025, 11, 1), date(2025, 12, 15)), "Nov–Dec",
                   today=AS_OF)
    by_month = {r["month"]: r for r in s.tables["plan"]}
    nov, dec = by_month["2025-11"], by_month["2025-12"]
    assert nov["status"] == "past" and nov["revenue_target"] == 900
    # November's sales: C1's desk 300 + C2's lamp 50
    assert nov["actual_revenue"] == pytest.approx(350)
    assert nov["revenue_vs_target"] == pytest.approx(350 - 900)
    assert nov["new_customers_target"] == 2 and nov["actual_new_customers"] == 0
    assert dec["status"] == "current" and dec["actual_days"] == 15
    assert dec["actual_revenue"] == pytest.approx(250) and dec["actual_new_customers"] == 1
    ts.save_plan(shop, [r for r in after if r.month != "2025-11"])  # a removed row goes
    assert [r.month for r in ts.load_plan(shop)].count("2025-11") == 0


@pytest.mark.parametrize(("row", "message"), [
    (dict(month="2025-13", revenue_target=1.0), "Row 1: the month must look like 2026-03"),
    (dict(month="2025-12", revenue_target=float("nan")), "Row 1: the revenue target must be"),
    (dict(month="2025-12", revenue_target=-5.0), "Row 1: the revenue target must be"),
    (dict(month="2025-12", revenue_target=5.0, new_customers_target=-1),
     "Row 1: the new-customer target cannot be negative"),
    (dict(month="2025-12", revenue_target=5.0, product="desk", category="Furniture"),
     "Row 1: a target is for a product or a category, not both"),
])
def test_bad_plan_rows_are_named(store, row, message) -> None:
    from custdesk.services import targets_service as ts

    with pytest.raises(ts.TargetError, match=message):
        ts.save_plan(store, [ts.PlanRow(**row)])
    with pytest.raises(ts.TargetError, match="Row 2: product Desk already has a target for "
                                             "2025-12 \\(row 1\\)"):
        ts.check_plan([ts.PlanRow("2025-12", 1.0, product="desk"),
                       ts.PlanRow("2025-12", 2.0, product="Desk")])


def test_targets_dialog_edits_the_plan(qtbot, quiet_ui, shop) -> None:
    from PySide6.QtWidgets import QComboBox

    from custdesk.services import targets_service as ts
    from custdesk.ui.dialogs.targets_dialog import TargetsDialog

    dialog = TargetsDialog(shop)
    qtbot.addWidget(dialog)
    assert dialog.pages.currentIndex() == 0 and dialog.plan_table.rowCount() == 3
    box = dialog.plan_table.cellWidget(1, 1)
    assert isinstance(box, QComboBox) and box.currentData() == "product"
    assert dialog.plan_table.item(1, 2).text() == "desk"
    dialog.add_button.click()  # on the plan page: a plan row
    assert dialog.plan_table.rowCount() == 4
    dialog.plan_table.item(3, 0).setText("2026-02")
    new_box = dialog.plan_table.cellWidget(3, 1)
    assert isinstance(new_box, QComboBox)
    new_box.setCurrentIndex(new_box.findData("category"))
    dialog.plan_table.item(3, 3).setText("1,500")
    dialog.save()
    assert "Row 4: name the category" in dialog.message.text()
    dialog.plan_table.item(3, 2).setText("Lighting")
    dialog.plan_table.item(3, 4).setText("2")
    with qtbot.waitSignal(dialog.saved, timeout=2000):
        dialog.save()
    added = [r for r in ts.load_plan(shop) if r.month == "2026-02"]
    assert [(r.category, r.revenue_target, r.new_customers_target) for r in added] == [
        ("Lighting", 1500.0, 2)]
