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


def endless_part(store) -> int:  # the endless query as a part on a second connection
    from custdesk.storage.beside import beside

    return beside(store, endless_query).result()


def niceness(store) -> int:
    import os

    return os.nice(0)


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


def margins_through(runner, qtbot, store):
    """Margins loaded through `runner` as the window does: (the tab, what it drew and what
    it should have drawn, both without the series)."""
    from custdesk.ui.tabs.margins_tab import MarginsTab

    tab = MarginsTab()
    qtbot.addWidget(tab)
    tab.runner = runner
    tab.set_period(PERIOD, refresh=False)
    tab.store = store
    tab.refresh()
    qtbot.waitUntil(lambda: not runner.is_busy(), timeout=60_000)
    shown, expected = to_json(tab.data), to_json(tab.load(store, PERIOD))
    shown.pop("series")
    expected.pop("series")
    return tab, shown, expected


def test_a_tab_on_a_big_file_draws_the_screen_the_process_built(qtbot, demo_store,
                                                                  monkeypatch) -> None:
    from custdesk.ui import tasks

    monkeypatch.setattr(tasks, "HEAVY_RECORDS", 0)  # the demo counts as big: no inline
    runner = tasks.ThreadRunner()
    runner.use_screen_process()
    try:
        tab, shown, expected = margins_through(runner, qtbot, demo_store)
        assert shown == expected
        assert tab.data.series  # the second stage came through the process too
    finally:
        runner.shutdown()
    assert runner.screen_process is None


def _actions_json(worker, path) -> str:
    import json

    outcome, screen = worker.run(path, ScreenJob(SCREENS["actions"], (PERIOD, "")),
                                 threading.Event())
    assert outcome == FINISHED
    return json.dumps(to_json(screen))


def _rename_first_open_action(path, title: str) -> None:
    import sqlite3

    conn = sqlite3.connect(path, timeout=0)  # no waiting: a lock the worker kept fails here
    with conn:
        conn.execute("UPDATE actions SET title = ? WHERE id = (SELECT min(id) FROM actions "
                     "WHERE status = 'open')", (title,))
    conn.close()


def test_the_worker_keeps_no_lock_and_sees_every_write_at_once(worker, demo_store) -> None:
    path = demo_store.path
    for name in ("today", "customers", "actions"):  # its connection stays open between jobs
        assert worker.run(path, ScreenJob(SCREENS[name], (PERIOD, "")),
                          threading.Event())[0] == FINISHED
    before = _actions_json(worker, path)
    _rename_first_open_action(path, "Call Ana about the renewal")  # would fail if locked
    after = _actions_json(worker, path)
    assert "Call Ana about the renewal" not in before
    assert "Call Ana about the renewal" in after  # not the screen it built before the write
    assert _actions_json(worker, path) == after  # the same data: the same screen


def test_a_file_replaced_under_the_worker_is_read_anew(worker, demo_store, tmp_path) -> None:
    import os
    import shutil

    path = demo_store.path
    before = _actions_json(worker, path)
    copy = tmp_path / "restored.db"
    shutil.copyfile(path, copy)
    _rename_first_open_action(copy, "From the backup")
    os.replace(copy, path)  # what a restore does: another file at the same path
    after = _actions_json(worker, path)
    assert "From the backup" not in before and "From the backup" in after


def test_long_lists_travel_in_chunks_and_come_back_whole() -> None:
    import pickle

    from custdesk.services.screen_process import CHUNK_ROWS, join_pickled, split_pickled

    rows = [{"customer": f"c{i}", "revenue": i * 1.5, "on": date(2026, 1, 1 + i % 28)}
            for i in range(CHUNK_ROWS * 3 + 7)]
    short = rows[:5]
    value = {"tables": {"all": rows, "again": rows, "short": short},
             "nested": [[rows]], "n": len(rows)}
    main, layout, chunks = split_pickled(value)
    assert layout == [4]  # one long list (shown twice, sent once), in four chunks
    assert all(len(pickle.loads(c)) <= CHUNK_ROWS for c in chunks)
    assert len(main) < len(pickle.dumps(short)) * 10  # the rows are not in the main part
    back = join_pickled(main, layout, chunks)
    assert back == value
    assert back["tables"]["all"] is back["tables"]["again"]


def many_rows(store) -> dict:  # a result with lists far longer than a chunk
    count = int(store.conn.execute("SELECT count(*) FROM orders").fetchone()[0])
    rows = [(i, f"line {i}", date(2026, 1, 1 + i % 28)) for i in range(count)]
    return {"rows": rows, "tail": rows[-3:], "count": count}


def test_a_result_of_thousands_of_rows_comes_back_equal(worker, demo_store) -> None:
    from custdesk.services.screen_process import CHUNK_ROWS

    outcome, value = worker.run(demo_store.path, ScreenJob(many_rows), threading.Event())
    assert outcome == FINISHED
    assert value["count"] > 2 * CHUNK_ROWS  # the demo's 8.5k order lines: several chunks
    assert value == many_rows(demo_store)


def test_switching_files_lets_the_screen_process_go_of_the_old_one(qtbot, quiet_ui,
                                                                     demo_store, tmp_path,
                                                                     monkeypatch) -> None:
    """On Windows a file another process holds open cannot be replaced (a restore) or moved:
    the window's switch away from a file ends the worker, which restarts with the next job."""
    from custdesk.storage import open_store
    from custdesk.ui import tasks
    from custdesk.ui.main_window import MainWindow

    runner = tasks.ThreadRunner()
    runner.use_screen_process()
    monkeypatch.setattr(tasks, "_default", {"runner": runner})
    try:
        worker = runner.screen_process
        assert worker is not None
        assert worker.run(demo_store.path, ScreenJob(SCREENS["actions"], (PERIOD, "")),
                          threading.Event())[0] == FINISHED
        assert worker.pid is not None
        window = MainWindow(demo_store, persist_state=False)
        qtbot.addWidget(window)
        window.set_store(open_store(tmp_path / "other.db"))
        assert worker.pid is None  # ended: the demo file is no longer open anywhere
        window.set_store(None)
    finally:
        runner.shutdown()


def test_where_no_process_can_start_the_tab_builds_its_screen_on_a_thread(
        qtbot, demo_store, monkeypatch) -> None:
    from custdesk.ui import tasks

    def refused(self) -> None:
        raise OSError("this machine does not let custdesk start a process")

    monkeypatch.setattr(ScreenProcess, "start", refused)
    monkeypatch.setattr(tasks, "HEAVY_RECORDS", 0)
    runner = tasks.ThreadRunner()
    runner.use_screen_process()  # logs the refusal, does not raise
    try:
        tab, shown, expected = margins_through(runner, qtbot, demo_store)
        assert tab.error.isHidden()
        assert shown == expected
    finally:
        runner.shutdown()


def test_a_stopped_build_stops_its_part_on_the_second_connection_too(worker,
                                                                      demo_store) -> None:
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    outcome, value = worker.run(demo_store.path, ScreenJob(endless_part), stop)
    assert outcome == STOPPED and value is None
    # the part stopped too, else the next job would wait for it (busy twin: inline) or
    # the worker would never answer
    outcome, screen = worker.run(demo_store.path, ScreenJob(SCREENS["actions"], (PERIOD, "")),
                                 threading.Event())
    assert outcome == FINISHED and time.monotonic() - started < 30


@pytest.mark.skipif(__import__("sys").platform == "win32", reason="POSIX nice")
def test_the_worker_runs_below_the_windows_priority(worker, demo_store) -> None:
    """A build keeps both cores busy: the window's process must win them."""
    import os

    from custdesk.services.screen_process import WORKER_NICENESS

    outcome, nice = worker.run(demo_store.path, ScreenJob(niceness), threading.Event())
    assert outcome == FINISHED
    assert nice == min(19, os.nice(0) + WORKER_NICENESS)


def count_builds(store) -> int:  # a job that counts its own runs (module-level: picklable)
    count_builds.runs += 1  # type: ignore[attr-defined]
    return int(count_builds.runs)  # type: ignore[attr-defined]


count_builds.runs = 0  # type: ignore[attr-defined]


def test_a_screen_built_yesterday_is_not_served_after_midnight(demo_store, monkeypatch) -> None:
    """The worker answers a screen it built on the same data from memory — on the same
    day only: a screen also reads the clock (a snooze ending, an action falling due)."""
    from custdesk.services import screen_process

    files = screen_process._WorkerFiles()
    path = str(demo_store.path)
    first = files.run(path, count_builds, lambda: False)
    assert files.run(path, count_builds, lambda: False) == first  # same day: from memory

    class Tomorrow(date):
        @classmethod
        def today(cls) -> date:
            return date.fromordinal(date.today().toordinal() + 1)

    monkeypatch.setattr(screen_process, "date", Tomorrow)
    assert files.run(path, count_builds, lambda: False) == first + 1  # built again


def test_a_worker_let_go_while_it_starts_is_not_kept(monkeypatch) -> None:
    """A file switch lets the worker go (the window's thread) while a pool thread starts
    one for the old file's job: that worker must not be kept — it would open the file
    being let go (on Windows a restore then cannot replace it)."""
    import multiprocessing.context as mp_context

    from custdesk.services.screen_process import ScreenProcess

    worker = ScreenProcess()
    real_start = mp_context.SpawnProcess.start
    spawned = []

    def start_then_let_go(process) -> None:
        real_start(process)
        spawned.append(process)
        worker.stop(wait=False)  # lands while `start` is still setting the worker up

    monkeypatch.setattr(mp_context.SpawnProcess, "start", start_then_let_go)
    worker.start()
    assert worker.pid is None  # not kept
    spawned[0].join(5)
    assert not spawned[0].is_alive()  # and ended
    monkeypatch.undo()
    worker.start()  # the next job starts a worker of its own
    assert worker.pid is not None
    worker.stop()


def collecting_during(store) -> tuple[bool, int]:
    """A job telling whether the cyclic collector runs while the worker builds it."""
    import gc

    return gc.isenabled(), id(store)


def test_the_worker_builds_with_the_collector_paused(demo_store) -> None:
    """A screen is built with no cyclic collection (its rows hold no cycles; each
    collection walks them all holding the GIL) and the collector is back on after, also
    when the build fails."""
    import gc

    from custdesk.services import screen_process

    files = screen_process._WorkerFiles()
    path = str(demo_store.path)
    assert gc.isenabled()
    collecting, _ = files.run(path, collecting_during, lambda: False)
    assert collecting is False and gc.isenabled()
    with pytest.raises(ValueError, match="no column named revenue"):
        files.run(path, failing_job, lambda: False)
    assert gc.isenabled()


def test_a_file_moved_away_is_never_written_back_or_made_anew_by_the_worker(
        tmp_path) -> None:
    """Review: the worker's store closed like the window's (Store.close rescues a file
    moved away, writing it back) recreated the file at its old path, and its next
    connection made an empty one there. The window's own store rescues; the worker, which
    only reads, neither writes nor creates a file."""
    from custdesk.services import screen_process
    from custdesk.services.demo import ensure_demo_file

    path = ensure_demo_file(tmp_path / "shop.db")
    files = screen_process._WorkerFiles()
    store = files.store(str(path))
    assert store.conn.execute("SELECT count(*) FROM orders").fetchone()[0] > 0
    path.rename(tmp_path / "moved.db")
    with pytest.raises(Exception, match="unable to open"):
        files.store(str(path))
    assert not path.exists()
    assert store.closed
