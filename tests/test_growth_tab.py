"""The Growth tab (pytest-qt, offscreen) draws the growth screen: its eight pages, the
waterfall's steps, the tables by key with their per-channel/source/product columns, the
page notes; an empty file shows the import invitation."""

from __future__ import annotations

from datetime import date

import pytest

from custdesk.domain.periods import Period
from custdesk.services.screens import growth
from custdesk.ui.tabs.growth_tab import PAGE_KEYS, GrowthTab
from tests.test_growth_moves_price import Q2
from tests.ui_helpers import make_tab


def test_growth_tab_draws_the_screen(qtbot, quiet_ui, demo_store) -> None:
    period = Period(date(2025, 12, 2), date(2026, 12, 1))
    tab = make_tab(qtbot, GrowthTab, demo_store, period)
    assert tab.error.isHidden() and not tab.is_empty_state()
    screen = growth.build(demo_store, period)
    assert [tab.pages.tabText(i) for i in range(tab.pages.count())] == [
        "Acquisition", "Revenue moves", "Price", "Discounting", "Pipeline", "Costs",
        "Markets", "Products"]
    assert len(PAGE_KEYS) == tab.pages.count()
    for key, panel in tab.panels.items():
        assert panel.model.rowCount() == len(screen.tables[key]), key
    steps = tab.waterfall.steps
    assert steps[0][0] == "Prior period" and steps[-1][0] == "This period"
    assert steps[0][1] + sum(v for _l, v, _k in steps[1:-1]) == pytest.approx(steps[-1][1])
    headers = [c.header for c in tab.panels["leads_by_month"].model.columns]
    assert headers[:3] == ["Month", "New leads", "Qualified"]
    assert set(headers[3:]) == {r["source"] for r in screen.lists["lead_sources"]}
    tab.pages.setCurrentIndex(PAGE_KEYS.index("costs"))
    assert "cost per support contact" in tab.page_note.text()


def test_growth_tab_page_notes_follow_the_page(qtbot, quiet_ui, store) -> None:
    from custdesk.domain.records import Customer
    from custdesk.storage import repository
    from tests.test_growth_moves_price import _o

    repository.save_all(store, customers=[Customer("A", id=1)],
                        orders=[_o(1, "2025-02-01", "100"), _o(1, "2025-05-01", "150")])
    tab = make_tab(qtbot, GrowthTab, store, Q2)
    tab.pages.setCurrentIndex(PAGE_KEYS.index("moves"))
    assert "from existing customers (bought in both periods): $150" in tab.page_note.text()
    assert tab.panels["costs_by_month"].model.rowCount() == 0  # no costs: no zero months


def test_growth_tab_empty_file(qtbot, quiet_ui, store) -> None:
    tab = make_tab(qtbot, GrowthTab, store, Q2)
    assert tab.is_empty_state()


def test_showing_the_tab_records_this_months_pipeline_snapshot_once(qtbot, quiet_ui,
                                                                    store) -> None:
    from custdesk.domain.money import to_e4
    from custdesk.domain.records import Deal
    from custdesk.storage import pipeline_snapshots, repository

    repository.save_all(store, deals=[Deal("Lead", amount_e4=to_e4("200"),
                                           created_on="2025-01-02")])
    month = date.today().strftime("%Y-%m")
    tab = make_tab(qtbot, GrowthTab, store, Q2)
    qtbot.waitUntil(lambda: month in pipeline_snapshots.load(store), timeout=5000)
    assert pipeline_snapshots.load(store)[month][:2] == (1, to_e4("200"))
    # written once a month: a later refresh finds it and writes nothing
    repository.save_all(store, deals=[Deal("Lead", amount_e4=to_e4("50"),
                                           created_on="2025-01-03")])
    tab.refresh()
    assert pipeline_snapshots.load(store)[month][:2] == (1, to_e4("200"))


def test_cost_settings_from_the_business_settings_dialog(qtbot, quiet_ui, store) -> None:
    from custdesk.services.screens.growth_costs import cost_settings
    from custdesk.ui.dialogs.settings_dialog import BusinessSettingsDialog

    assert cost_settings(store) == {"cost_per_contact": None, "cost_per_delivery": None}
    dialog = BusinessSettingsDialog(store)
    qtbot.addWidget(dialog)
    assert dialog.cost_spins["cost_per_contact"].text() == "not set"
    dialog.cost_spins["cost_per_contact"].setValue(4.5)
    assert dialog.save()
    assert cost_settings(store) == {"cost_per_contact": 4.5, "cost_per_delivery": None}
