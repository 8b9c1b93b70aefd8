"""Customers on a big file (issue 18): the main table is drawn in a turn of its own, the
side widgets (bridge, rates, work lists, cohorts) in the next, so the two and their first
paints do not hold the window in one pass; a newer screen drops the older one's side step,
and an export draws what waits first (pytest-qt, offscreen)."""

from __future__ import annotations

from datetime import date

import pytest
from ui_helpers import make_tab

from custdesk.domain.periods import Period
from custdesk.ui import idle_queue

YEAR = Period(date(2025, 12, 1), date(2026, 11, 24))

pytestmark = pytest.mark.usefixtures("quiet_ui")


@pytest.fixture(autouse=True)
def _empty_queue():
    idle_queue.run_pending()
    yield
    idle_queue.run_pending()


def _side(tab) -> tuple:
    """What the side widgets show."""
    from custdesk.ui.tabs.customers_tab import LIST_PANELS

    return (tab.segment_model.all_rows(), tab.renewal_text.text(),
            tab.cohorts.model.all_rows(),
            [tab.list_tabs.tabText(i) for i in range(1, len(LIST_PANELS) + 1)],
            {k: tab.lists[k].model.all_rows() for k in LIST_PANELS})


def test_a_long_main_table_gets_its_turn_alone(qtbot, demo_store, monkeypatch) -> None:
    from custdesk.ui.tabs import customers_tab
    from custdesk.ui.tabs.customers_tab import CustomersTab

    reference = make_tab(qtbot, CustomersTab, demo_store, YEAR)  # short: all in one call
    assert idle_queue.pending(reference) == 0
    expected = _side(reference)
    monkeypatch.setattr(customers_tab, "SECOND_TURN_ROWS", 10)  # the demo's table is "long"
    tab = make_tab(qtbot, CustomersTab, demo_store, YEAR)
    assert tab.model.all_rows() == reference.model.all_rows()  # the main table's rows at once
    # ...in their own order, not painted until sorted (the sort is a turn of its own)
    assert not tab.table.updatesEnabled()
    assert tab.segment_model.rowCount() == 0 and tab.cohorts.model.rowCount() == 0
    side = len(tab._side_steps(tab.data))  # the bridge, the rates, the lists (the trend)
    assert side >= 3
    assert idle_queue.pending(tab) == 1 + side  # the sort and filters, then the side steps
    idle_queue._run_one()  # the next turn's step
    assert idle_queue.pending(tab) == side and tab.table.updatesEnabled()
    assert tab.model.rows() == reference.model.rows()  # sorted (by revenue) as at once
    assert tab.segment_model.rowCount() == 0  # the side: next, a turn per part
    idle_queue._run_one()  # the bridge
    assert tab.bridge_text.text() == reference.bridge_text.text()
    assert tab.segment_model.rowCount() == 0
    idle_queue._run_one()  # the rates and the segments
    assert tab.segment_model.rowCount() > 0 and tab.cohorts.model.rowCount() == 0
    idle_queue._run_one()  # the lists and cohorts
    assert tab.cohorts.model.rowCount() == reference.cohorts.model.rowCount()
    qtbot.waitUntil(lambda: idle_queue.pending(tab) == 0, timeout=5000)
    assert _side(tab) == expected


def test_a_newer_screen_drops_the_side_step_and_export_draws_it(qtbot, demo_store,
                                                                 monkeypatch) -> None:
    from custdesk.ui import tab_output
    from custdesk.ui.tabs import customers_tab
    from custdesk.ui.tabs.customers_tab import CustomersTab

    monkeypatch.setattr(customers_tab, "SECOND_TURN_ROWS", 10)
    tab = make_tab(qtbot, CustomersTab, demo_store, YEAR)
    first = tab.data
    tab.refresh()
    # the first screen's steps are gone; the second's sort and side steps wait (and the
    # first's release)
    assert tab.data is not first
    assert idle_queue.pending(tab) == 2 + len(tab._side_steps(tab.data))
    tables: list[list] = []
    monkeypatch.setattr(tab_output, "export_dialog",
                        lambda _tab, _name, exported: tables.append(exported))
    tab.export_dialog()
    assert idle_queue.pending(tab) == 0
    sheets = {t.title: t for t in tables[0]}
    assert len(sheets["By segment"].rows) == tab.segment_model.rowCount() > 0
