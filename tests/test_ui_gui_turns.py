"""The window's GUI thread in short turns (issue 18): work queued one step per event-loop
turn (idle_queue), Today's sparkline plots made one per turn, Customers' long hidden lists
filled after the main table, and a hidden tab giving back its big screen and reloading the
same cells when shown again."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QTabWidget, QWidget
from ui_helpers import make_tab

from custdesk.domain.periods import Period
from custdesk.ui import idle_queue

YEAR = Period(date(2025, 12, 1), date(2026, 11, 24))


@pytest.fixture(autouse=True)
def _empty_queue():
    idle_queue.run_pending()
    yield
    idle_queue.run_pending()


def _cells(model) -> list[list[object]]:
    return [[model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())]


# ----- idle_queue ---------------------------------------------------------------------------
def test_queued_steps_run_one_per_turn_in_order(qtbot) -> None:
    owner = QObject()
    ran: list[int] = []
    for i in range(3):
        idle_queue.later(owner, lambda i=i: ran.append(i))
    assert ran == [] and idle_queue.pending(owner) == 3
    QApplication.processEvents()
    assert ran == [0]  # one step, then the loop turns (the heartbeat, a repaint) first
    qtbot.waitUntil(lambda: ran == [0, 1, 2], timeout=2000)
    assert idle_queue.pending() == 0


def test_cancel_and_run_pending_act_on_one_owner(qtbot) -> None:
    mine, theirs = QObject(), QObject()
    ran: list[str] = []
    idle_queue.later(mine, lambda: ran.append("mine 1"))
    idle_queue.later(theirs, lambda: ran.append("theirs"))
    idle_queue.later(mine, lambda: ran.append("mine 2"))
    idle_queue.run_pending(mine)
    assert ran == ["mine 1", "mine 2"] and idle_queue.pending() == 1
    idle_queue.later(mine, lambda: ran.append("dropped"))
    idle_queue.cancel(mine)
    qtbot.waitUntil(lambda: idle_queue.pending() == 0, timeout=2000)
    assert ran == ["mine 1", "mine 2", "theirs"]


def test_a_deleted_owners_step_is_skipped(qtbot) -> None:
    import shiboken6

    owner, other = QObject(), QObject()
    ran: list[str] = []
    idle_queue.later(owner, lambda: ran.append("gone"))
    idle_queue.later(other, lambda: ran.append("kept"))
    shiboken6.delete(owner)
    qtbot.waitUntil(lambda: idle_queue.pending() == 0, timeout=2000)
    assert ran == ["kept"]


def test_sparklines_make_their_plots_one_per_turn(qtbot) -> None:
    from custdesk.ui.charts import Sparkline

    sparks = [Sparkline(f"S{i}", "money") for i in range(3)]
    for s in sparks:
        qtbot.addWidget(s)
    assert [s._plot is None for s in sparks] == [True, True, True]
    QApplication.processEvents()
    assert [s._plot is None for s in sparks] == [False, True, True]
    qtbot.waitUntil(lambda: all(s._plot is not None for s in sparks), timeout=2000)


@pytest.mark.usefixtures("quiet_ui")
def test_today_shows_its_trend_figures_at_once_and_draws_each_line_in_a_turn(
        qtbot, demo_store) -> None:
    """The screen's turn sets every figure and tooltip; the seven lines (a plot made and
    drawn each: 35-65 ms in all on the big file) come one per later turn — and a print
    first draws what still waits."""
    from custdesk.ui.tabs.today_tab import TodayTab

    tab = make_tab(qtbot, TodayTab, demo_store, YEAR)
    lines = list(tab.sparklines.values())
    series = tab.data.series
    assert all(line.points == series[m] for m, line in tab.sparklines.items())
    assert all("$" in line.latest.text() or "%" in line.latest.text() or
               any(c.isdigit() for c in line.latest.text()) for line in lines)
    assert idle_queue.pending(tab) == len(lines)  # nothing drawn yet

    def drawn() -> int:
        return sum(1 for line in lines
                   if line._plot is not None and line._plot.getPlotItem().listDataItems())

    assert drawn() == 0
    QApplication.processEvents()
    assert drawn() <= 1  # one line per turn
    idle_queue.run_pending(tab)  # what a print does first
    assert drawn() == len(lines)


# ----- Customers: long hidden lists after the main table ----------------------------------
@pytest.mark.usefixtures("quiet_ui")
def test_customers_long_hidden_lists_are_filled_in_later_turns(qtbot, demo_store,
                                                               monkeypatch) -> None:
    from custdesk.ui.tabs import customers_tab
    from custdesk.ui.tabs.customers_tab import LIST_PANELS, CustomersTab

    monkeypatch.setattr(customers_tab, "LATER_ROWS", 0)  # every non-empty list is "long"
    tab = make_tab(qtbot, CustomersTab, demo_store, YEAR)
    screen = tab.data
    long_lists = [k for k in LIST_PANELS if screen.lists.get(k)]
    assert len(long_lists) >= 2
    assert tab.model.rowCount() == len(screen.tables["customers"])  # the main table at once
    assert all(tab.lists[k].model.rowCount() == 0 for k in long_lists)
    for i, (key, (title, _c, _cards)) in enumerate(LIST_PANELS.items(), start=1):
        assert tab.list_tabs.tabText(i) == f"{title} ({len(screen.lists.get(key, [])):,})"
    qtbot.waitUntil(lambda: idle_queue.pending(tab) == 0, timeout=5000)
    for key in long_lists:
        assert tab.lists[key].model.all_rows() == list(screen.lists[key]), key


@pytest.mark.usefixtures("quiet_ui")
def test_choosing_a_list_fills_it_at_once_and_a_new_screen_drops_the_old_steps(
        qtbot, demo_store, monkeypatch) -> None:
    from custdesk.ui.tabs import customers_tab
    from custdesk.ui.tabs.customers_tab import LIST_PANELS, CustomersTab

    monkeypatch.setattr(customers_tab, "LATER_ROWS", 0)
    tab = make_tab(qtbot, CustomersTab, demo_store, YEAR)
    tab.refresh()  # a second screen: the first one's queued lists never land after it
    # its lists, and the step that frees the first screen a turn later
    assert idle_queue.pending(tab) == sum(1 for k in LIST_PANELS if tab.data.lists.get(k)) + 1
    key = next(k for k in LIST_PANELS if tab.data.lists.get(k))
    tab.list_tabs.setCurrentIndex(list(LIST_PANELS).index(key) + 1)
    assert idle_queue.pending(tab) == 0
    assert tab.lists[key].model.all_rows() == list(tab.data.lists[key])


# ----- a hidden tab gives its screen back ------------------------------------------------------
@pytest.mark.usefixtures("quiet_ui")
def test_hidden_tab_releases_its_big_screen_and_reloads_the_same_cells(
        qtbot, demo_store, monkeypatch) -> None:
    from custdesk.ui.tabs import dashboard_tab
    from custdesk.ui.tabs.customers_tab import CustomersTab

    monkeypatch.setattr(dashboard_tab, "RELEASE_ROWS", 100)  # the demo's screen is "big"
    monkeypatch.setattr(dashboard_tab, "RELEASE_AFTER_MS", 20)
    window = QTabWidget()
    qtbot.addWidget(window)
    tab = CustomersTab()
    window.addTab(tab, "Customers")
    window.addTab(QWidget(), "Other")
    window.show()
    tab.set_period(YEAR, refresh=False)
    tab.set_store(demo_store)  # shown: loads now
    assert dashboard_tab.screen_rows(tab.data) > 100
    before = _cells(tab.model)
    segments = _cells(tab.segment_model)
    assert len(before) > 100

    window.setCurrentIndex(1)
    qtbot.waitUntil(lambda: tab.data is None, timeout=3000)
    assert tab.model.rowCount() == 0 and tab.segment_model.rowCount() == 0
    assert all(p.model.rowCount() == 0 for p in tab.lists.values())

    window.setCurrentIndex(0)  # shown again: the normal load, the same cells
    assert tab.data is not None
    assert _cells(tab.model) == before
    assert _cells(tab.segment_model) == segments


@pytest.mark.usefixtures("quiet_ui")
@pytest.mark.usefixtures("quiet_ui")
def test_the_screen_drawn_before_is_freed_a_turn_later(qtbot, demo_store) -> None:
    import weakref

    from custdesk.ui.tabs.customers_tab import CustomersTab

    tab = make_tab(qtbot, CustomersTab, demo_store, YEAR)
    idle_queue.run_pending()
    first = weakref.ref(tab.data)
    tab.refresh()
    assert first() is not None  # still held: not freed in the turn that draws the new one
    qtbot.waitUntil(lambda: idle_queue.pending() == 0, timeout=3000)
    assert first() is None


@pytest.mark.usefixtures("quiet_ui")
def test_small_screens_and_shown_tabs_are_kept(qtbot, demo_store) -> None:
    from custdesk.ui.tabs import dashboard_tab
    from custdesk.ui.tabs.customers_tab import CustomersTab

    window = QTabWidget()
    qtbot.addWidget(window)
    tab = CustomersTab()
    window.addTab(tab, "Customers")
    window.addTab(QWidget(), "Other")
    window.show()
    tab.set_period(YEAR, refresh=False)
    tab.set_store(demo_store)
    assert dashboard_tab.screen_rows(tab.data) <= dashboard_tab.RELEASE_ROWS
    assert tab.release_screen() is False  # shown
    window.setCurrentIndex(1)
    assert tab._release_timer.isActive()
    assert tab.release_screen() is False  # hidden, but a small screen: kept (no reload)
    assert tab.data is not None and tab.model.rowCount() > 0


def test_the_busy_bar_never_moves_the_page(qtbot) -> None:
    """Shown and hidden for every load, the bar keeps its place: the page below it is not
    laid out and painted again twice per load (Margins' charts: 104 → 40 ms a period
    change)."""
    from PySide6.QtWidgets import QLabel, QVBoxLayout

    from custdesk.ui.empty_state import BusyBar

    page = QWidget()
    qtbot.addWidget(page)
    layout = QVBoxLayout(page)
    bar, below = BusyBar(), QLabel("the page")
    layout.addWidget(bar)
    layout.addWidget(below, 1)
    page.resize(400, 300)
    page.show()
    QApplication.processEvents()
    top = below.geometry()
    for busy in (True, False):
        bar.set_busy(busy)
        layout.activate()
        assert bar.isVisibleTo(page) is busy
        assert below.geometry() == top


def test_the_banner_keeps_its_buttons_and_runs_the_new_action(qtbot) -> None:
    """A period change re-says the banner: the same button stays (no new widget polished
    and laid out with the window), clicking it runs the action given last."""
    from custdesk.ui.banner import Banner

    banner = Banner("test_banner")
    qtbot.addWidget(banner)
    ran: list[str] = []
    banner.show_message("Your data runs …; showing last 12 months",
                        (("Up to today", lambda: ran.append("first")),))
    button = banner.button("Up to today")
    banner.show_message("Your data runs …; showing last 90 days",
                        (("Up to today", lambda: ran.append("second")),))
    assert banner.button("Up to today") is button
    assert banner.text.text().endswith("last 90 days")
    button.click()
    assert ran == ["second"]
    banner.show_message("Other", (("Follow the data", lambda: ran.append("third")),))
    assert banner.button("Up to today") is None
    banner.button("Follow the data").click()
    assert ran == ["second", "third"]


@pytest.mark.usefixtures("quiet_ui")
def test_loyalty_long_lists_on_pages_not_shown_come_in_later_turns(qtbot, demo_store,
                                                                   monkeypatch) -> None:
    from custdesk.ui.tabs import loyalty_tab
    from custdesk.ui.tabs.loyalty_tab import LoyaltyTab

    monkeypatch.setattr(loyalty_tab, "LATER_ROWS", 0)
    tab = make_tab(qtbot, LoyaltyTab, demo_store, YEAR)  # never shown: every page hidden
    screen = tab.data
    queued = {k: p for k, p in tab.panels.items()
              if k != "cohorts" and screen.lists.get(k, screen.tables.get(k))
              and k != "quality_compare"}
    assert queued and all(p.model.rowCount() == 0 for p in queued.values())
    tab.pages.setCurrentIndex(tab.pages.count() - 1)  # choosing a page fills what waits
    assert idle_queue.pending(tab) == 0
    for key, panel in queued.items():
        assert panel.model.all_rows() == list(screen.lists.get(key, screen.tables.get(key)))


@pytest.mark.usefixtures("quiet_ui")
def test_export_from_the_window_finishes_the_queued_tables(qtbot, demo_store,
                                                           monkeypatch) -> None:
    from custdesk.ui.main_window import MainWindow
    from custdesk.ui.tabs import customers_tab

    monkeypatch.setattr(customers_tab, "LATER_ROWS", 0)
    window = MainWindow(demo_store, persist_state=False)
    qtbot.addWidget(window)
    page = next(p for p in window.tab_pages if p.slug == "customers")
    window.tabs.setCurrentWidget(page)
    page.refresh()
    assert idle_queue.pending(page) > 0
    seen: list[int] = []
    monkeypatch.setattr(page, "export_dialog", lambda: seen.append(idle_queue.pending(page)))
    window.export_dialog()
    assert seen == [0]
