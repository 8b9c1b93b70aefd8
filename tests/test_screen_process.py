"""Screens built in the screen process (issue 18): the same screen as built in the window's
process, errors come back readable, a stopped build stops its SQL, a dead worker is
replaced — and a tab on a big file gets its screen through it."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from custdesk.domain.periods import Period
from custdesk.services.screen_process import (
    FAILED,
    FINISHED,
    STOPPED,
    ScreenJob,
    ScreenProcess,
    WorkerGone,
)
from custdesk.services.screens.model import to_json
from custdesk.services.screens.registry import SCREENS

PERIOD = Period(date(2025, 11, 25), date(2026, 11, 24))


def endless_query(store) -> int:  # a job that only a stop ends (module-level: picklable)
    sql = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
           "SELECT count(*) FROM n")
    return int(store.conn.execute(sql).fetchone()[0])


def failing_job(store) -> None:
    raise ValueError(f"no column named revenue in {store.path.name}")


@pytest.fixture
def worker():
    process = ScreenProcess()
    yield process
    process.stop()


@pytest.mark.parametrize("name", ["today", "customers", "margins", "pipeline", "loyalty"])
def test_a_screen_built_in_the_process_equals_the_one_built_here(worker, demo_store,
                                                                   name) -> None:
    build = SCREENS[name]
    outcome, screen = worker.run(demo_store.path, ScreenJob(build, (PERIOD, "Last 12 months")),
                                 threading.Event())
    assert outcome == FINISHED
    assert to_json(screen) == to_json(build(demo_store, PERIOD, "Last 12 months"))


def test_an_error_comes_back_with_its_type_and_message(worker, store) -> None:
    outcome, error = worker.run(store.path, ScreenJob(failing_job), threading.Event())
    assert outcome == FAILED
    assert isinstance(error, ValueError)
    assert str(error) == f"no column named revenue in {store.path.name}"


def test_a_stopped_build_stops_its_sql_and_the_worker_takes_the_next_job(worker,
                                                                          demo_store) -> None:
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    started = time.perf_counter()
    outcome, value = worker.run(demo_store.path, ScreenJob(endless_query), stop)
    assert (outcome, value) == (STOPPED, None)
    assert time.perf_counter() - started < 10  # the endless query was interrupted
    pid = worker.pid
    outcome, screen = worker.run(demo_store.path, ScreenJob(SCREENS["actions"], (PERIOD, "")),
                                 threading.Event())
    assert outcome == FINISHED and screen.name == "actions"
    assert worker.pid == pid  # the same worker: stopping a job did not kill it


def test_a_worker_that_dies_during_a_build_is_reported_and_replaced(worker,
                                                                   demo_store) -> None:
    worker.start()
    first = worker.pid
    # the OS ends it (out of memory, say) while it builds
    threading.Timer(1.0, lambda: worker._process.kill()).start()
    outcome, error = worker.run(demo_store.path, ScreenJob(endless_query), threading.Event())
    assert outcome == FAILED and isinstance(error, WorkerGone)
    outcome, screen = worker.run(demo_store.path, ScreenJob(SCREENS["actions"], (PERIOD, "")),
                                 threading.Event())
    assert outcome == FINISHED and worker.pid not in (None, first)


def test_a_tab_on_a_big_file_draws_the_screen_the_process_built(qtbot, demo_store,
                                                                  monkeypatch) -> None:
    from custdesk.ui import tasks
    from custdesk.ui.tabs.margins_tab import MarginsTab

    monkeypatch.setattr(tasks, "HEAVY_RECORDS", 0)  # the demo counts as big: no inline
    runner = tasks.ThreadRunner()
    runner.use_screen_process()
    try:
        tab = MarginsTab()
        qtbot.addWidget(tab)
        tab.runner = runner
        tab.set_period(PERIOD, refresh=False)
        tab.store = demo_store
        tab.refresh()
        qtbot.waitUntil(lambda: not runner.is_busy(), timeout=60_000)
        shown = to_json(tab.data)
        shown.pop("series")
        expected = to_json(tab.load(demo_store, PERIOD))
        expected.pop("series")
        assert shown == expected
        assert tab.data.series  # the second stage came through the process too
    finally:
        runner.shutdown()
    assert runner.screen_process is None
