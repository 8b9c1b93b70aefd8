"""The Customers tab gets its 100k table rows only when they are not the ones it shows
(issue 18): `customers.build_for_tab` names the kept rows by a token and leaves them out
when the tab sends that token back. Its screen equals `build`'s (the `custdesk screen`
JSON) with the token, and without the rows only for their own token: not for another, nor
after a write, another last day or in a fresh build; the tab then shows the same rows as a
tab loading everything. Random files of every record kind, the boundary periods."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
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
        same = customers.build_for_tab(store, period, "p", with_series=False,
                                       table_token=token)
        assert same.tables[TOKEN] == [token] and "customers" not in same.tables
        assert _without(_json(same), TOKEN) == _without(reference, "customers"), period
        # another period with the same last day: the same rows, left out too
        shorter = Period(max(period.start, period.end - timedelta(days=29)), period.end)
        other = customers.build_for_tab(store, shorter, "p", with_series=False,
                                        table_token=token)
        assert "customers" not in other.tables and other.tables[TOKEN] == [token]
        assert _without(_json(other), TOKEN) == _without(
            _json(customers.build(store, shorter, "p", with_series=False)), "customers")
        # another token (another process's, or rows of before): the rows whole
        for wrong in ((token[0], token[1] + 1), ("elsewhere", token[1]), None):
            got = customers.build_for_tab(store, period, "p", with_series=False,
                                          table_token=wrong)
            assert _without(_json(got), TOKEN) == reference
    # another last day names other rows
    year, before = PERIODS[0], PERIODS[3]
    token = customers.build_for_tab(store, year, "p").tables[TOKEN][0]
    got = customers.build_for_tab(store, before, "p", table_token=token)
    assert got.tables[TOKEN] != [token] and got.tables["customers"]


def test_a_write_names_other_rows_and_sends_them(store) -> None:
    queries_cache.clear(store)
    year = PERIODS[0]
    token = customers.build_for_tab(store, year, "p").tables[TOKEN][0]
    cid, old = _rename_first(store, "Renamed after")
    try:
        got = customers.build_for_tab(store, year, "p", table_token=token)
        assert got.tables[TOKEN] != [token]
        assert next(r for r in got.tables["customers"] if r.id == cid).name == "Renamed after"
        assert _without(_json(got), TOKEN) == _json(customers.build(store, year, "p"))
    finally:
        _rename_first(store, old)
    # rows computed afresh (nothing kept) are never those of a token given before
    queries_cache.clear(store)
    again = customers.build_for_tab(store, year, "p", table_token=token)
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
    # back to the period the rows came with: asked as then (the screen process answers it
    # from its recent screens, not built again for a token), the rows whole
    assert tab.load_job(year).kwargs["table_token"] is None
    assert tab.load_job(days90).kwargs["table_token"] == tab.data.tables[TOKEN][0]
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
