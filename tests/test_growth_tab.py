"""The Growth tab (pytest-qt, offscreen) draws the growth screen: its eight pages, the
waterfall's steps, the tables by key with their per-channel/source/product columns, the
page notes; an empty file shows the import invitation. It builds only the page shown: a
switch builds that page, a period change rebuilds the visible page alone, and what it
shows equals `custdesk screen growth --json`."""

from __future__ import annotations

from datetime import date

import pytest

from custdesk.domain.periods import Period
from custdesk.services.screens import growth
from custdesk.services.screens.model import to_json
from custdesk.ui.tabs.growth_tab import PAGE_KEYS, PAGES, GrowthTab
from custdesk.ui.tasks import SyncRunner
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
    for i in range(tab.pages.count()):
        tab.pages.setCurrentIndex(i)  # each page is built when shown
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


YEAR = Period(date(2025, 12, 2), date(2026, 12, 1))
QUARTER = Period(date(2026, 9, 2), date(2026, 12, 1))


@pytest.fixture
def built_pages(monkeypatch) -> list[str]:
    """Every page builder call, in order (the builders `build_pages` looks up)."""
    calls: list[str] = []
    for page, builder in list(growth.PAGE_BUILDERS.items()):
        def counted(store, period, shared, _page=page, _builder=builder):
            calls.append(_page)
            return _builder(store, period, shared)
        monkeypatch.setitem(growth.PAGE_BUILDERS, page, counted)
    return calls


def test_only_the_visible_page_is_built(qtbot, quiet_ui, demo_store, built_pages) -> None:
    tab = make_tab(qtbot, GrowthTab, demo_store, YEAR)
    assert built_pages == ["acquisition"] and tab.built == {"acquisition"}
    assert tab.panels["by_source"].model.rowCount() > 0
    assert tab.panels["revenue_moves"].model.rowCount() == 0  # not built: never shown
    assert tab.cards["customers_new"].value.text() not in ("", "—")


def test_switching_page_builds_it_once(qtbot, quiet_ui, demo_store, built_pages,
                                       monkeypatch) -> None:
    tab = make_tab(qtbot, GrowthTab, demo_store, YEAR)
    cards: list[object] = []
    figures = growth.card_figures
    monkeypatch.setattr(growth, "card_figures", lambda *a: cards.append(a) or figures(*a))
    tab.pages.setCurrentIndex(PAGES.index("markets"))
    assert built_pages == ["acquisition", "markets"]
    assert tab.built == {"acquisition", "markets"} and cards == []  # the cards stay
    assert tab.panels["by_country"].model.rowCount() > 0
    tab.pages.setCurrentIndex(PAGES.index("acquisition"))
    tab.pages.setCurrentIndex(PAGES.index("markets"))
    assert built_pages == ["acquisition", "markets"]  # shown before: not built again


def test_a_period_change_rebuilds_only_the_visible_page(qtbot, quiet_ui, demo_store,
                                                      built_pages) -> None:
    tab = make_tab(qtbot, GrowthTab, demo_store, YEAR)
    tab.pages.setCurrentIndex(PAGES.index("price"))
    tab.pages.setCurrentIndex(PAGES.index("costs"))
    built_pages.clear()
    tab.set_period(QUARTER, label="Quarter")
    assert built_pages == ["costs"] and tab.built == {"costs"}  # the others are stale
    expected = to_json(growth.build(demo_store, QUARTER, "Quarter"))
    assert to_json(tab.data)["cards"] == expected["cards"]
    built_pages.clear()
    tab.pages.setCurrentIndex(PAGES.index("price"))  # stale: rebuilt for the quarter
    assert built_pages == ["price"]
    assert tab.panels["discount_by_month"].model.rowCount() == len(
        expected["tables"]["discount_by_month"])


def test_the_tab_shows_the_numbers_of_screen_growth_json(qtbot, quiet_ui, demo_store) -> None:
    tab = make_tab(qtbot, GrowthTab, demo_store, YEAR)
    for page in reversed(PAGES):
        tab.pages.setCurrentIndex(PAGES.index(page))
    shown, expected = to_json(tab.data), to_json(growth.build(demo_store, YEAR, tab.period_label))
    assert shown["cards"] == expected["cards"]
    assert shown["tables"] == {k: expected["tables"][k] for k in shown["tables"]}
    assert set(shown["tables"]) == set(expected["tables"])
    assert sorted(map(str, shown["lists"]["page_notes"])) == sorted(
        map(str, expected["lists"]["page_notes"]))
    for key, panel in tab.panels.items():
        assert panel.model.rowCount() == len(expected["tables"][key]), key


class Held(SyncRunner):
    """Runs the tab's own loads at once and holds page loads until released (a slow
    worker); `held` is per runner."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list = []

    def submit(self, store, task, done, failed=None, key=None):
        if isinstance(key, tuple) and key[1] == "page":
            self.held.append(lambda: done(task(store)))
            return
        super().submit(store, task, done, failed, key)


def test_a_page_from_before_a_period_change_is_dropped(qtbot, quiet_ui, demo_store) -> None:
    runner = Held()
    tab = make_tab(qtbot, GrowthTab, demo_store, YEAR, runner)
    tab.pages.setCurrentIndex(PAGES.index("moves"))
    assert len(runner.held) == 1
    tab.set_period(QUARTER, label="Quarter")  # the moves page reloads for the quarter...
    runner.held.pop(0)()  # ...and the year's, arriving late, is not drawn
    assert "revenue_moves" not in tab.data.tables or tab.data.period == QUARTER
    assert tab.built == {"moves"}
    assert to_json(tab.data)["tables"]["revenue_moves"] == to_json(
        growth.build(demo_store, QUARTER))["tables"]["revenue_moves"]


def test_a_stale_page_shows_no_rows_of_the_period_before(qtbot, quiet_ui,
                                                         demo_store) -> None:
    """Markets visited for the year, then the period changes on another page: switching
    back to Markets shows no year rows while the quarter's are built (searched or opened
    they would mislead), then the quarter's."""
    runner = Held()
    tab = make_tab(qtbot, GrowthTab, demo_store, YEAR, runner)
    tab.pages.setCurrentIndex(PAGES.index("markets"))
    runner.held.pop(0)()
    assert tab.panels["by_country"].model.rowCount() > 0
    tab.pages.setCurrentIndex(PAGES.index("moves"))
    runner.held.pop(0)()
    tab.set_period(QUARTER, label="Quarter")
    tab.pages.setCurrentIndex(PAGES.index("markets"))  # asked for, not yet come
    assert tab.panels["by_country"].model.rowCount() == 0
    runner.held.pop(0)()
    assert to_json(tab.data)["tables"]["by_country"] == to_json(
        growth.build(demo_store, QUARTER))["tables"]["by_country"]
    assert tab.panels["by_country"].model.rowCount() == len(
        tab.data.tables["by_country"])


def test_pages_through_the_screen_process(qtbot, demo_store, monkeypatch) -> None:
    """As on a big file: the visible page and a switched-to page are built in the screen
    process and drawn; what the tab holds equals the screen's own pages."""
    from custdesk.ui import tasks

    monkeypatch.setattr(tasks, "HEAVY_RECORDS", 0)  # the demo counts as big: no inline
    runner = tasks.ThreadRunner()
    runner.use_screen_process()
    try:
        tab = GrowthTab()
        qtbot.addWidget(tab)
        tab.runner = runner
        tab.set_period(YEAR, refresh=False)
        tab.store = demo_store
        tab.refresh()
        qtbot.waitUntil(lambda: not runner.is_busy(), timeout=60_000)
        assert tab.built == {"acquisition"}
        tab.pages.setCurrentIndex(PAGES.index("products"))
        qtbot.waitUntil(lambda: not runner.is_busy() and "products" in tab.built,
                        timeout=60_000)
        assert tab.built == {"acquisition", "products"} and tab.error.isHidden()
        expected = to_json(growth.build(demo_store, YEAR, tab.period_label))
        shown = to_json(tab.data)
        assert shown["cards"] == expected["cards"]
        assert shown["tables"] == {k: expected["tables"][k] for k in shown["tables"]}
        assert tab.panels["products_per_customer"].model.rowCount() == len(
            expected["tables"]["products_per_customer"])
    finally:
        runner.shutdown()
