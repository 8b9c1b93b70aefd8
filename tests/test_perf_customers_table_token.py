"""The Customers tab gets its 100k table rows only when they are not the ones it shows
(issue 18): `customers.build_for_tab` names the kept rows by a token, and
`customers.without_rows_named` (the tab's job's trim) leaves them out for a tab showing
those rows. Its screen equals `build`'s (the `custdesk screen` JSON) with the token, and
without the rows only for their own token: not for another, nor after a write, another
last day or in a fresh build; the tab then shows the same rows as a tab loading
everything. The screen process keeps the whole screen under the job without its trim:
going back to a period, or a tab asking again after giving its screen back, is answered
from its recent screens. Random files of every record kind, the boundary periods."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from ui_helpers import make_tab

from custdesk.domain.periods import Period
from custdesk.services import metrics_service as ms  # noqa: F401  (completes metrics_lists)
from custdesk.services.screens import customers
from custdesk.services.screens.model import to_json
from custdesk.storage import beside, queries_cache
from tests.random_kinds import MID_SIZE, boundary_periods, random_kinds_file

END = date(2026, 11, 24)
PERIODS = boundary_periods(END)
TOKEN = customers.TABLE_TOKEN


@pytest.fixture(scope="module", params=[41, 42])
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("custt")) / "custt.db", request.param,
                          END, rng=random.Random(request.param), **MID_SIZE)
    yield s
    s.close()


def _json(screen) -> dict:
    return to_json(screen)


def _without(doc: dict, *keys: str) -> dict:
    return {**doc, "tables": {k: v for k, v in doc["tables"].items() if k not in keys}}


def _for_tab(store, period, token, **kwargs):
    """What the tab showing the rows named `token` gets."""
    return customers.without_rows_named(customers.build_for_tab(store, period, "p", **kwargs),
                                        token)


def _rename_first(store, name: str) -> tuple[int, str]:
    cid, old = store.conn.execute("SELECT id, name FROM customers ORDER BY id LIMIT 1"
                                  ).fetchone()
    with store.transaction():
        store.conn.execute("UPDATE customers SET name = ? WHERE id = ?", (name, cid))
    return cid, old


@pytest.mark.parametrize("twins", [False, True])
def test_screen_for_the_tab_is_build_with_the_token_and_rows_left_out_for_it(
        store, monkeypatch, twins: bool) -> None:
    monkeypatch.setattr(beside, "ENABLED", twins)
    queries_cache.clear(store)
    for period in PERIODS:
        reference = _json(customers.build(store, period, "p", with_series=False))
        assert reference["tables"]["customers"], period  # every customer, any period
        whole = customers.build_for_tab(store, period, "p", with_series=False)
        token = whole.tables[TOKEN][0]
        doc = _json(whole)
        assert _without(doc, TOKEN) == reference, period
        # its own token: the same screen without the rows
        same = _for_tab(store, period, token, with_series=False)
        assert same.tables[TOKEN] == [token] and "customers" not in same.tables
        assert _without(_json(same), TOKEN) == _without(reference, "customers"), period
        # another period with the same last day: the same rows, left out too
        shorter = Period(max(period.start, period.end - timedelta(days=29)), period.end)
        other = _for_tab(store, shorter, token, with_series=False)
        assert "customers" not in other.tables and other.tables[TOKEN] == [token]
        assert _without(_json(other), TOKEN) == _without(
            _json(customers.build(store, shorter, "p", with_series=False)), "customers")
        # another token (another process's, or rows of before): the rows whole
        for wrong in ((token[0], token[1] + 1), ("elsewhere", token[1]), None):
            got = _for_tab(store, period, wrong, with_series=False)
            assert _without(_json(got), TOKEN) == reference
    # another last day names other rows
    year, before = PERIODS[0], PERIODS[3]
    token = customers.build_for_tab(store, year, "p").tables[TOKEN][0]
    got = _for_tab(store, before, token)
    assert got.tables[TOKEN] != [token] and got.tables["customers"]


def test_a_write_names_other_rows_and_sends_them(store) -> None:
    queries_cache.clear(store)
    year = PERIODS[0]
    token = customers.build_for_tab(store, year, "p").tables[TOKEN][0]
    cid, old = _rename_first(store, "Renamed after")
    try:
        got = _for_tab(store, year, token)
        assert got.tables[TOKEN] != [token]
        assert next(r for r in got.tables["customers"] if r.id == cid).name == "Renamed after"
        assert _without(_json(got), TOKEN) == _json(customers.build(store, year, "p"))
    finally:
        _rename_first(store, old)
    # rows computed afresh (nothing kept) are never those of a token given before
    queries_cache.clear(store)
    again = _for_tab(store, year, token)
    assert again.tables[TOKEN] != [token] and again.tables["customers"]


def _like_the_screen_process():
    """A runner building every load on one connection, the test's store, and sending it
    pickled as the screen process does (which keeps one read connection per file): the
    synchronous runner opens a connection per task, so nothing would be kept between
    loads."""
    from custdesk.services.screen_process import join_pickled, split_pickled
    from custdesk.ui.tasks import SyncRunner

    class OneConnection(SyncRunner):
        def submit(self, store, task, done, failed=None, key=None) -> None:
            super().submit(store, lambda _own: join_pickled(*split_pickled(task(store))),
                           done, failed, key)

    return OneConnection()


@pytest.mark.usefixtures("quiet_ui")
def test_tab_keeps_its_rows_over_a_period_change_and_takes_new_ones_after_a_write(
        qtbot, store) -> None:
    from custdesk.ui import idle_queue
    from custdesk.ui.tabs.customers_tab import CustomersTab

    queries_cache.clear(store)
    year, days90 = PERIODS[0], PERIODS[1]
    tab = make_tab(qtbot, CustomersTab, store, year, runner=_like_the_screen_process())
    tab.refresh()
    idle_queue.run_pending()
    rows = tab.data.tables["customers"]
    shown = tab.model.rows()
    assert rows and len(shown) == len(rows)
    # a period change keeping the last day: the rows are not sent, the tab keeps its own
    fresh = make_tab(qtbot, CustomersTab, store, days90)  # the reference: loads everything
    fresh.refresh()
    idle_queue.run_pending()
    tab.set_period(days90, refresh=False)
    tab.refresh()
    idle_queue.run_pending()
    assert tab.data.tables["customers"] is rows  # the screen whole again, the same rows
    assert tab.model.rows() == fresh.model.rows() == shown
    assert _without(_json(tab.data), TOKEN) == _without(_json(fresh.data), TOKEN)
    for key in ("lost", "new", "renewed", "promoters"):
        assert tab.lists[key].model.all_rows() == fresh.lists[key].model.all_rows()
    assert tab.bridge_text.text() == fresh.bridge_text.text()
    # the tab's own load (no runner): the whole screen, whatever rows it shows
    assert tab.load(store, days90).tables["customers"] == rows
    # every job names the screen alone (the worker's recent screens are keyed by it), cut
    # to leave out the rows shown
    shown_token = tab.data.tables[TOKEN][0]
    for period in (year, days90):
        job = tab.load_job(period)
        assert job.trim == (customers.without_rows_named, shown_token)
        assert "table_token" not in job.kwargs
    tab.set_period(year, refresh=False)
    tab.refresh()
    idle_queue.run_pending()
    assert tab.data.tables["customers"] == rows and tab.model.rows() == shown
    # a write: the rows come again, the renamed customer with them
    cid, old = _rename_first(store, "Renamed in tab")
    try:
        tab.refresh()
        idle_queue.run_pending()
        assert tab.data.tables["customers"] is not rows
        assert next(r for r in tab.model.all_rows() if r.id == cid).name == "Renamed in tab"
        # given back while hidden: the next load asks for the rows again
        assert tab.release_more() is None and tab._table_token is None
        tab.refresh()
        idle_queue.run_pending()
        assert "customers" in tab.data.tables and tab.model.rowCount() == len(rows)
    finally:
        _rename_first(store, old)


def _counting_builds(monkeypatch) -> list:
    built: list = []
    real = customers.build
    monkeypatch.setattr(customers, "build",
                        lambda *a, **k: built.append(a[1]) or real(*a, **k))
    return built


def test_the_worker_answers_from_its_recent_screens_whatever_rows_the_tab_shows(
        store, monkeypatch) -> None:
    """Review: with the token in the job, going back to a period (year -> a period with
    another last day -> year), or asking again after the tab gave its screen back (token
    None for a period first got without rows), built the screen again and kept its lists
    twice in the worker."""
    from custdesk.services.screen_process import ScreenJob, _WorkerFiles

    def job(period, shown):
        return ScreenJob(customers.build_for_tab, (period, "p"), {"with_series": True},
                         trim=None if shown is None else (customers.without_rows_named,
                                                          shown))

    year, before, days90 = PERIODS[0], PERIODS[3], PERIODS[1]
    assert before.end != year.end and days90.end == year.end
    files = _WorkerFiles()
    built = _counting_builds(monkeypatch)
    path = str(store.path)
    first = files.run(path, job(year, None), lambda: False)
    t1 = first.tables[TOKEN][0]
    left_out = files.run(path, job(days90, t1), lambda: False)
    assert "customers" not in left_out.tables
    t3 = files.run(path, job(before, t1), lambda: False).tables[TOKEN][0]
    back = files.run(path, job(year, t3), lambda: False)
    assert back.tables["customers"] is first.tables["customers"]  # whole, from memory
    again = files.run(path, job(days90, None), lambda: False)  # after a release: whole
    assert again.tables["customers"] == first.tables["customers"]
    assert again.tables[TOKEN] == [t1]
    assert built == [year, days90, before]  # nothing built twice
    assert _without(_json(again), TOKEN) == _json(customers.build(store, days90, "p"))


@pytest.mark.usefixtures("quiet_ui")
def test_a_tab_that_gave_its_screen_back_gets_its_rows_again(qtbot, store) -> None:
    """Review: the path through `release_screen` (hidden, the screen given back) after a
    period change that left the rows out: shown again, the table is whole, not empty."""
    from custdesk.ui import idle_queue
    from custdesk.ui.tabs import dashboard_tab
    from custdesk.ui.tabs.customers_tab import CustomersTab

    queries_cache.clear(store)
    year, days90 = PERIODS[0], PERIODS[1]
    tab = make_tab(qtbot, CustomersTab, store, year, runner=_like_the_screen_process())
    tab.refresh()
    idle_queue.run_pending()
    count = tab.model.rowCount()
    tab.set_period(days90, refresh=False)
    tab.refresh()
    idle_queue.run_pending()
    assert "customers" in tab.data.tables and tab.model.rowCount() == count
    tab.hide()
    dashboard_tab.RELEASE_ROWS, old = 0, dashboard_tab.RELEASE_ROWS
    try:
        assert tab.release_screen()
    finally:
        dashboard_tab.RELEASE_ROWS = old
    assert tab.model.rowCount() == 0
    tab.show()
    tab.refresh()
    idle_queue.run_pending()
    assert tab.model.rowCount() == count


@pytest.mark.usefixtures("quiet_ui")
def test_rows_kept_by_a_screen_arriving_before_their_sort_are_still_sorted(
        qtbot, store, monkeypatch) -> None:
    """Review: a long table is sorted in a later turn; a screen without rows drawn before
    that turn cancelled it, and the rows stayed in their own order."""
    from custdesk.ui import idle_queue
    from custdesk.ui.tabs import customers_tab

    monkeypatch.setattr(customers_tab, "SECOND_TURN_ROWS", 5)
    year, days90 = PERIODS[0], PERIODS[1]
    tab = make_tab(qtbot, customers_tab.CustomersTab, store, year)
    revenue = next(i for i, c in enumerate(customers_tab.CUSTOMER_COLUMNS)
                   if c.key == "revenue")
    tab.model.sort(revenue, Qt.SortOrder.DescendingOrder)  # the owner's sort
    whole = customers.build_for_tab(store, year, "p")
    token = whole.tables[TOKEN][0]
    later = customers.without_rows_named(customers.build_for_tab(store, days90, "p"), token)
    assert "customers" not in later.tables
    tab.show_screen(whole)  # its sort queued for a later turn …
    tab.show_screen(later)  # … and this one drawn before it
    idle_queue.run_pending()
    rows = whole.tables["customers"]
    by_revenue = sorted(rows, key=lambda r: r.revenue, reverse=True)
    assert [r.revenue for r in tab.model.rows()] == [r.revenue for r in by_revenue]
    assert [r.revenue for r in rows] != [r.revenue for r in by_revenue]
