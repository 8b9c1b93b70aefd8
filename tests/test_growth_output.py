"""Export and print of the Growth tab (pytest-qt, offscreen). The tab builds only the page
shown, but an export or a print holds every page: the missing pages are asked for in the
background like a page switch's (never built on the GUI thread), the output runs when they
have been drawn, and it is dropped if the period or the data changed meanwhile."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QFileDialog

from custdesk.domain.periods import Period
from custdesk.services.screens import growth
from custdesk.ui import tab_output, tasks
from custdesk.ui.tabs.growth_tab import PAGES, GrowthTab
from tests.ui_helpers import HeldRunner, make_tab

YEAR = Period(date(2025, 12, 2), date(2026, 12, 1))
QUARTER = Period(date(2026, 9, 2), date(2026, 12, 1))


Deferred = HeldRunner  # (the name these tests use)


@pytest.fixture
def builds(monkeypatch) -> list[tuple[str, bool, bool]]:
    """Every page builder call: (page, in a runner's task, on the GUI thread)."""
    calls: list[tuple[str, bool, bool]] = []
    for page, builder in list(growth.PAGE_BUILDERS.items()):
        def counted(store, period, shared, _page=page, _builder=builder):
            calls.append((_page, tasks.current_task() is not None,
                          threading.current_thread() is threading.main_thread()))
            return _builder(store, period, shared)
        monkeypatch.setitem(growth.PAGE_BUILDERS, page, counted)
    return calls


@pytest.fixture
def save_as(monkeypatch, tmp_path: Path) -> list[Path]:
    """The export's file dialog answers a new file each time; the files asked for."""
    asked: list[Path] = []

    def answer(*_args):
        asked.append(tmp_path / f"growth{len(asked)}.xlsx")
        return str(asked[-1]), tab_output.XLSX_FILTER

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    return asked


def cells(path: Path) -> dict[str, list[tuple]]:
    book = load_workbook(path)
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


def every_page_shown(qtbot, store, period: Period) -> GrowthTab:
    """The reference: a tab whose pages were all visited (what an export held before)."""
    tab = make_tab(qtbot, GrowthTab, store, period)
    for i in range(len(PAGES)):
        tab.pages.setCurrentIndex(i)
    assert tab.built == set(PAGES)
    return tab


def test_an_export_builds_the_missing_pages_through_the_runner(qtbot, quiet_ui, demo_store,
                                                               builds, save_as) -> None:
    runner = Deferred()
    tab = make_tab(qtbot, GrowthTab, demo_store, YEAR, runner)
    runner.drain()
    assert tab.built == {"acquisition"}
    builds.clear()
    tab.export_dialog()
    # asked for, not built: the GUI thread goes on; the busy bar says it is coming
    assert builds == [] and save_as == [] and not tab.busy.isHidden()
    assert runner.keys[-1] == (tab, "output")
    runner.drain()
    assert sorted(page for page, _task, _gui in builds) == sorted(set(PAGES) - {"acquisition"})
    assert all(in_task for _page, in_task, _gui in builds)  # each in the runner's task
    assert tab.built == set(PAGES) and len(save_as) == 1 and tab.busy.isHidden()
    # the same workbook as a tab whose pages were all shown
    reference = every_page_shown(qtbot, demo_store, YEAR)
    expected = tmp = save_as[0].with_name("reference.xlsx")
    tab_output.write_export(tmp, reference.export_tables(),
                            tab_output.export_heading("Growth", YEAR))
    assert cells(save_as[0]) == cells(expected)
    screen = growth.build(demo_store, YEAR)
    for key, panel in tab.panels.items():
        assert panel.model.rowCount() == len(screen.tables[key]), key


def test_an_export_never_builds_pages_on_the_gui_thread(qtbot, demo_store, builds, save_as,
                                                        monkeypatch) -> None:
    """With the real (thread) runner, as on a big file."""
    monkeypatch.setattr(tasks, "HEAVY_RECORDS", 0)  # the demo counts as big: no inline
    runner = tasks.ThreadRunner()
    try:
        tab = GrowthTab()
        qtbot.addWidget(tab)
        tab.runner = runner
        tab.set_period(YEAR, refresh=False)
        tab.store = demo_store
        tab.refresh()
        qtbot.waitUntil(lambda: not runner.is_busy(), timeout=60_000)
        tab.export_dialog()
        assert save_as == []  # not written in this call: it waits for the pages
        qtbot.waitUntil(lambda: bool(save_as) and save_as[0].exists(), timeout=60_000)
        assert {page for page, _task, _gui in builds} == set(PAGES)
        assert not any(on_gui for _page, _task, on_gui in builds)
        assert tab.error.isHidden() and tab.built == set(PAGES)
        book = cells(save_as[0])
        assert len(book) == len(tab.panels) + 1
        assert len(book["By country"]) - 2 == len(growth.build(demo_store, YEAR)
                                                  .tables["by_country"])
    finally:
        runner.shutdown()


def test_a_period_change_while_waiting_exports_nothing_stale(qtbot, quiet_ui, demo_store,
                                                             save_as) -> None:
    runner = Deferred()
    tab = make_tab(qtbot, GrowthTab, demo_store, YEAR, runner)
    runner.drain()
    tab.export_dialog()
    tab.set_period(QUARTER, label="Quarter")  # the year's pages are no longer wanted
    runner.drain()
    assert save_as == [] and tab.built == {"acquisition"} and tab.busy.isHidden()
    assert "by_country" not in tab.data.tables
    tab.export_dialog()  # asked again: the quarter's pages
    runner.drain()
    assert len(save_as) == 1 and tab.built == set(PAGES)
    quarter = growth.build(demo_store, QUARTER, "Quarter")
    for key, panel in tab.panels.items():
        assert panel.model.rowCount() == len(quarter.tables[key]), key


def test_an_export_asked_during_the_tabs_load_waits_for_it(qtbot, quiet_ui, demo_store,
                                                           save_as) -> None:
    runner = Deferred()
    tab = make_tab(qtbot, GrowthTab, demo_store, YEAR, runner)
    tab.export_dialog()  # the tab's own load is still queued
    assert runner.keys == [tab] and save_as == []
    runner.drain()
    assert runner.keys == [tab, (tab, "output")]
    assert len(save_as) == 1 and tab.built == set(PAGES)


def test_a_hidden_tab_whose_period_changed_exports_nothing(qtbot, quiet_ui, demo_store,
                                                           save_as) -> None:
    from PySide6.QtWidgets import QTabWidget

    runner = Deferred()
    window = QTabWidget()
    qtbot.addWidget(window)
    tab = GrowthTab()
    tab.runner = runner
    window.addTab(tab, "Growth")
    window.show()
    tab.set_period(YEAR, refresh=False)
    tab.set_store(demo_store)
    runner.drain()
    tab.export_dialog()
    window.addTab(GrowthTab(), "Other")
    window.setCurrentIndex(1)  # the owner went to another tab...
    tab.set_period(QUARTER, label="Quarter")  # ...and changed the period: noted, not loaded
    runner.drain()
    assert save_as == [] and "by_country" not in tab.data.tables


def test_a_print_holds_every_page(qtbot, quiet_ui, demo_store, monkeypatch) -> None:
    printed: list[str] = []
    monkeypatch.setattr(tab_output, "print_preview", lambda _tab, html: printed.append(html))
    runner = Deferred()
    tab = make_tab(qtbot, GrowthTab, demo_store, YEAR, runner)
    runner.drain()
    tab.print_dialog()
    assert printed == []
    runner.drain()
    assert printed == [every_page_shown(qtbot, demo_store, YEAR).report_html()]


def test_a_page_that_fails_says_so_and_exports_nothing(qtbot, quiet_ui, demo_store,
                                                       save_as, monkeypatch) -> None:
    def broken(*_args):
        raise RuntimeError("no markets today")

    monkeypatch.setitem(growth.PAGE_BUILDERS, "markets", broken)
    tab = make_tab(qtbot, GrowthTab, demo_store, YEAR)
    assert tab.error.isHidden()
    tab.export_dialog()
    assert save_as == [] and tab.busy.isHidden()
    assert not tab.error.isHidden() and "no markets today" in tab.error.text()
    assert tab._output is None  # nothing left waiting


def test_a_hidden_tab_gives_its_screen_back_once_the_export_it_held_it_for_is_done(
        qtbot, quiet_ui, demo_store, save_as, monkeypatch) -> None:
    """A hidden tab keeps its screen while an export waits for its pages (the export needs
    it); once the export has its pages, or was dropped, the screen is given back as for
    any hidden tab (the release used to be tried once, on hiding, and never again)."""
    from PySide6.QtWidgets import QTabWidget, QWidget

    from custdesk.ui.tabs import dashboard_tab

    monkeypatch.setattr(dashboard_tab, "RELEASE_ROWS", 0)  # the demo's screen is "big"
    monkeypatch.setattr(dashboard_tab, "RELEASE_AFTER_MS", 20)
    for drop in (False, True):
        runner = Deferred()
        window = QTabWidget()
        qtbot.addWidget(window)
        tab = GrowthTab()
        tab.runner = runner
        window.addTab(tab, "Growth")
        window.addTab(QWidget(), "Other")
        window.show()
        tab.set_period(YEAR, refresh=False)
        tab.set_store(demo_store)
        runner.drain()
        tab.export_dialog()
        window.setCurrentIndex(1)  # hidden while the export waits for its pages
        qtbot.wait(80)
        assert tab.data is not None  # held for the export
        if drop:
            tab._drop_output()  # what a reload or a failed page does
        else:
            runner.drain()  # the pages come, the file is asked for and written
            assert save_as
        qtbot.waitUntil(lambda t=tab: t.data is None, timeout=3000)
