"""Business case per product (issue 16): expected volume, price, margin, investment and start
date against the product's actual sales since the start, payback, behind-its-case flags —
on hand-built order lines with hand-computed expectations."""

from __future__ import annotations

from datetime import date

import pytest

from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import Customer, OrderLine, Product
from custdesk.services import business_case_service as bc
from custdesk.services.screens import margins
from custdesk.storage import repository


def _o(d: str, product: int, qty: float, rev: str, cost: str) -> OrderLine:
    return OrderLine(date=d, customer_id=1, product_id=product, quantity=qty,
                     revenue_e4=to_e4(rev), cost_e4=to_e4(cost))


@pytest.fixture
def shop(store):
    repository.save_all(
        store, customers=[Customer(name="Ann", id=1, acquired_on="2025-01-01")],
        products=[Product(name="Widget", id=1), Product(name="Gadget", id=2),
                  Product(name="Plain", id=3)],
        orders=[_o("2025-12-20", 1, 100, "9000", "1000"),  # before the case started
                _o("2026-01-10", 1, 10, "1000", "500"), _o("2026-02-10", 1, 10, "1000", "500"),
                _o("2026-03-05", 1, 5, "500", "250"), _o("2026-02-15", 2, 1, "200", "120"),
                _o("2026-03-10", 3, 1, "50", "10")])
    bc.save(store, [
        bc.CaseRow(1, "Widget", expected_volume=10, expected_price=100,
                   expected_margin_pct=40, investment=1000, start_on="2026-01-01"),
        bc.CaseRow(2, "Gadget", expected_margin_pct=50, start_on="2026-02-01")])
    return store


def test_cases_round_trip_and_products_without_one(shop) -> None:
    rows = {r.name: r for r in bc.load_cases(shop)}
    assert rows["Widget"] == bc.CaseRow(1, "Widget", 10.0, 100.0, 40.0, 1000.0, "2026-01-01")
    assert not rows["Plain"].has_case
    bc.save(shop, [bc.CaseRow(2, "Gadget")])  # every field empty: the case goes
    assert not {r.name: r for r in bc.load_cases(shop)}["Gadget"].has_case


def test_widget_is_behind_pro_rata_but_paid_back(shop) -> None:
    march = {r.name: r for r in bc.results(shop, date(2026, 3, 31))}
    w = march["Widget"]
    months = 90 / 30.4375  # 1 Jan .. 31 Mar, both included
    assert w.months == pytest.approx(months)
    assert w.actual_volume == 25 and w.expected_volume == pytest.approx(10 * months)
    assert w.actual_revenue == 2500 and w.expected_revenue == pytest.approx(1000 * months)
    assert w.margin_pct == pytest.approx(50.0) and w.gross_profit == pytest.approx(1250)
    assert w.payback_months == 2  # 500 in January + 500 in February = the 1,000 invested
    assert w.behind and w.behind_why == "volume 85 % of the case; revenue 85 % of the case"
    february = {r.name: r for r in bc.results(shop, date(2026, 2, 28))}["Widget"]
    assert february.actual_volume == 20  # 20 ≥ 90 % of 10 × 59/30.4375 = 19.4
    assert not february.behind and february.payback_months == 2


def test_margin_below_the_case_and_no_investment(shop) -> None:
    g = {r.name: r for r in bc.results(shop, date(2026, 3, 31))}["Gadget"]
    assert g.margin_pct == pytest.approx(40.0)
    assert g.behind and g.behind_why == "margin 10.0 pts below the case"
    assert g.payback_months is None and g.expected_revenue is None
    # a case that starts after the day is not measured yet
    assert [r.name for r in bc.results(shop, date(2026, 1, 31))] == ["Widget"]


def test_payback_counts_calendar_months_from_the_start() -> None:
    assert bc.payback_months(202611, [(202611, 400), (202701, 700)], 1000) == 3
    assert bc.payback_months(202611, [(202611, 400)], 1000) is None
    assert bc.payback_months(202611, [(202611, 400)], None) is None


def test_margins_screen_flags_products_behind_their_case(shop) -> None:
    screen = margins.build(shop, Period(date(2026, 3, 1), date(2026, 3, 31)), "March",
                           with_series=False)
    rows = {r["name"]: r for r in screen.tables["by_product"]}
    assert rows["Widget"]["has_case"] and rows["Widget"]["behind_case"]
    assert "volume 85 % of the case" in rows["Widget"]["behind_why"]
    assert not rows["Plain"]["has_case"] and not rows["Plain"]["behind_case"]
    assert [c["name"] for c in screen.tables["cases"]] == ["Gadget", "Widget"]


@pytest.mark.parametrize(("row", "message"), [
    (bc.CaseRow(1, "Widget", expected_price=-1, start_on="2026-01-01"),
     "Widget: the expected price must be a number of 0 or more"),
    (bc.CaseRow(1, "Widget", expected_volume=5), "Widget: a business case needs a start date"),
    (bc.CaseRow(1, "Widget", expected_volume=5, start_on="31/01/2026"),
     "Widget: the start date must look like 2026-01-31"),
    (bc.CaseRow(1, "Widget", expected_margin_pct=140, start_on="2026-01-01"),
     "Widget: the expected margin must be a percentage"),
])
def test_bad_cases_are_refused_with_the_product_named(shop, row, message) -> None:
    with pytest.raises(bc.CaseError, match=message):
        bc.save(shop, [row])
    assert {r.name: r for r in bc.load_cases(shop)}["Widget"].expected_volume == 10


# ----- the dialog (pytest-qt) ----------------------------------------------------------------
def test_dialog_edits_measures_and_saves(qtbot, quiet_ui, shop) -> None:
    from custdesk.ui.dialogs.business_case_dialog import BusinessCaseDialog

    dialog = BusinessCaseDialog(shop, date(2026, 3, 31))
    qtbot.addWidget(dialog)
    names = [dialog.table.item(n, 0).text() for n in range(dialog.table.rowCount())]
    assert names == ["Gadget", "Plain", "Widget"]
    widget = names.index("Widget")
    assert dialog.table.item(widget, 1).text() == "10"
    assert dialog.table.item(widget, 5).text() == "2026-01-01"
    assert dialog.table.item(widget, 9).text() == "2 months"  # payback
    assert dialog.table.item(widget, 10).text().startswith("✗ volume 85 % of the case")
    plain = names.index("Plain")
    dialog.table.item(plain, 2).setText("abc")  # a price that is not a number
    dialog.table.item(plain, 5).setText("2026-03-01")
    dialog.save()
    assert "Plain: the expected price must be a number" in dialog.message.text()
    dialog.table.item(plain, 2).setText("$50")
    dialog.table.item(plain, 3).setText("60 %")
    with qtbot.waitSignal(dialog.saved, timeout=2000) as saved:
        dialog.save()
    assert saved.args == [3]
    case = {c.name: c for c in bc.load_cases(shop)}["Plain"]
    assert (case.expected_price, case.expected_margin_pct, case.start_on) == (
        50.0, 60.0, "2026-03-01")
    assert dialog.table.item(plain, 10).text() == "✓ on its case"  # 80 % margin ≥ 60 %


def test_margins_tab_opens_the_dialog(qtbot, quiet_ui, shop, monkeypatch) -> None:
    from custdesk.ui.dialogs.business_case_dialog import BusinessCaseDialog
    from custdesk.ui.tabs.margins_tab import MarginsTab
    from tests.ui_helpers import make_tab

    opened = []
    monkeypatch.setattr(BusinessCaseDialog, "open", lambda self: opened.append(self))
    tab = make_tab(qtbot, MarginsTab, shop, Period(date(2026, 3, 1), date(2026, 3, 31)))
    tab.cases_button.click()
    assert len(opened) == 1 and opened[0].as_of == date(2026, 3, 31)
    opened[0].close()
