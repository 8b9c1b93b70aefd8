"""The first tab's screen built ahead (issue 18: Today sooner after start): the file opens
while the window's tabs import, and the screen process builds Today's screen meanwhile,
so the Today page, built after the imports, gets it from the worker's memory."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from custdesk.domain.periods import PRESET_LABELS, Period
from custdesk.services import screen_process
from custdesk.services.period_service import resolve_period
from custdesk.services.screen_process import FINISHED, ScreenJob, ScreenProcess, Warm
from custdesk.services.screens import today
from custdesk.services.screens.model import to_json
from custdesk.services.screens.registry import SCREENS
from custdesk.ui import app, tab_list

ROOT = Path(__file__).resolve().parents[1]
KEY = "last_12_months"
LABEL = PRESET_LABELS[KEY]


def start_job(store, preset: str) -> ScreenJob:  # a warm-up that only a stop ends
    from tests.test_screen_process import endless_query

    return ScreenJob(endless_query)


def test_the_worker_builds_todays_screen_ahead_and_serves_the_tabs_job_from_memory(
        demo_store, monkeypatch) -> None:
    monkeypatch.setattr(today, "FIRST_STAGE_RECORDS", 0)  # two stages, as on a big file
    files = screen_process._WorkerFiles()
    path = str(demo_store.path)
    assert files.run(path, Warm(app.TODAY_SCREEN, KEY, LABEL), lambda: False) is None
    assert len(files.recent) == 1
    built = next(iter(files.recent.values()))
    resolved = resolve_period(demo_store, preset=KEY)
    # the job the Today tab sends first for the period its bar resolves on this file: its
    # first stage (the cards and the customers at risk)
    asked = today.first_job(resolved.period, LABEL)
    assert files.run(path, asked, lambda: False) is built  # from memory, not built again
    assert to_json(built) == to_json(today.build_first(demo_store, resolved.period, LABEL))
    # then the whole screen, from what the first stage kept: as built alone
    whole = files.run(path, today.load_job(resolved.period, LABEL), lambda: False)
    assert len(files.recent) == 2
    assert to_json(whole) == to_json(SCREENS["today"](demo_store, resolved.period, LABEL))


@pytest.mark.parametrize("staged", [True, False])
def test_the_today_tab_asks_for_exactly_the_job_built_ahead(qtbot, demo_store, monkeypatch,
                                                             staged) -> None:
    from custdesk.ui.main_window import MainWindow

    if staged:  # two stages, as on a big file (the demo is small: one)
        monkeypatch.setattr(today, "FIRST_STAGE_RECORDS", 0)
    window = MainWindow(None, persist_state=False)
    qtbot.addWidget(window)
    window.set_store(demo_store, close_previous="no")
    page = window.tabs.widget(0)
    assert type(page).__name__ == "TodayTab"
    assert page.screen_module.__name__ == app.TODAY_SCREEN
    ahead = app.first_tab_ahead(window)
    assert ahead == Warm(app.TODAY_SCREEN, window.period_bar.current_key(),
                         window.period_bar.label())
    tab_job = (page.first_job(window.period_bar.period()) if staged
               else page.load_job(window.period_bar.period()))
    assert (page.first_job(window.period_bar.period()) is None) is not staged
    assert pickle.dumps(tab_job) == pickle.dumps(today.start_job(demo_store, ahead.preset))
    assert ahead.wanted_by(tab_job)
    assert ahead.wanted_by(page.load_job(window.period_bar.period()))  # its second stage
    window.set_store(None, close_previous="no")


def test_no_warm_up_when_another_tab_shows_first_or_the_period_is_custom(qtbot) -> None:
    from custdesk.ui.main_window import MainWindow

    window = MainWindow(None, persist_state=False, deferred=True)
    qtbot.addWidget(window)
    assert app.first_tab_ahead(window) == Warm(app.TODAY_SCREEN, KEY, LABEL)
    window.period_bar.set_custom(date(2026, 1, 1), date(2026, 3, 31))
    assert app.first_tab_ahead(window) is None
    window.period_bar.set_choice(KEY)
    assert app.first_tab_ahead(window) is not None
    window.tabs.setCurrentIndex(1)
    assert app.first_tab_ahead(window) is None


def test_only_todays_job_for_its_period_label_is_wanted() -> None:
    ahead = Warm(app.TODAY_SCREEN, KEY, LABEL)
    period = Period(date(2025, 12, 2), date(2026, 12, 1))
    assert ahead.wanted_by(ScreenJob(today.build, (period, LABEL), {"with_series": True}))
    assert not ahead.wanted_by(ScreenJob(today.build, (period, "Last 90 days")))
    assert not ahead.wanted_by(ScreenJob(SCREENS["customers"], (period, LABEL)))
    assert not ahead.wanted_by(ScreenJob(today.build_series, (period,)))


def test_a_tab_asking_for_another_screen_stops_the_warm_up(demo_store) -> None:
    worker = ScreenProcess()
    worker.start()  # (the start-up starts it first; a warm-up never starts one)
    try:
        built: list[bool] = []
        warming = threading.Thread(
            target=lambda: built.append(worker.warm(demo_store.path,
                                                    Warm(__name__, KEY, LABEL))))
        warming.start()
        deadline = time.monotonic() + 60
        while worker._warming is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert worker._warming is not None
        assert not worker.warm(demo_store.path, Warm(__name__, KEY, LABEL))  # one at a time
        period = resolve_period(demo_store, preset=KEY).period
        # this module's screen for the same period label: wanted, it keeps building
        worker.asked(ScreenJob(start_job, (period, LABEL)))
        time.sleep(0.5)
        assert warming.is_alive()
        worker.asked(ScreenJob(SCREENS["actions"], (period, "")))  # another screen
        warming.join(30)
        assert not warming.is_alive() and built == [False]  # stopped, not built
        with worker.lock:
            outcome, screen = worker.run(demo_store.path,
                                         ScreenJob(SCREENS["actions"], (period, "")),
                                         threading.Event())
        assert outcome == FINISHED and screen.name == "actions"
    finally:
        worker.stop()


def test_a_file_is_opened_at_once_only_when_known_without_asking(tmp_path,
                                                                monkeypatch) -> None:
    given = tmp_path / "shop.db"
    assert app.known_start_path(str(given)) == given
    assert app.known_start_path(None, smoke_test=True) is None  # the default file: looked up
    recent = tmp_path / "recent.db"
    monkeypatch.setattr(app, "recent_files", lambda: [tmp_path / "gone.db", recent])
    assert app.known_start_path(None) is None  # no recent file exists: the default, or ask
    recent.write_bytes(b"")
    assert app.known_start_path(None) == recent
    assert app.start_path(None, ask=lambda: pytest.fail("asked")) == recent


OPENING = """
import json, sys, threading, importlib
from custdesk.ui.app import make_application
from custdesk.ui import tab_list
app = make_application()
from custdesk.ui.tasks import default_runner
default_runner().use_screen_process()  # as the start-up does, before the imports
for name in tab_list.OPEN_MODULES:
    importlib.import_module(name)
from custdesk.services import files
files.load_first_use_imports()
from custdesk.ui import app as start, file_switch
from custdesk.services.screen_process import ScreenProcess, Warm
built = []
warm = ScreenProcess.warm
ScreenProcess.warm = lambda self, path, ahead: built.append(warm(self, path, ahead))
before = set(sys.modules)
from pathlib import Path
path = Path(sys.argv[1])
outcome = file_switch.start_opening(
    path, prepare=start.demo_file_writer(path),
    readable=start.warm_when_open(Warm(start.TODAY_SCREEN, "last_12_months", "Last 12 months")))
while not outcome:
    pass
ok, store = outcome[0]
assert ok, store
for thread in threading.enumerate():
    if thread.name == "custdesk-warm":
        thread.join()
new = sorted(set(sys.modules) - before)  # any module: stdlib packages can deadlock too
print(json.dumps({"new": new, "built": built, "records": store.conn.execute(
    "SELECT count(*) FROM orders").fetchone()[0]}))
default_runner().use_screen_process(False)
"""


@pytest.mark.parametrize("demo", [False, True])
def test_opening_the_file_and_warming_the_first_tab_import_nothing(tmp_path, demo) -> None:
    """The file opens on a thread while the import thread imports the tabs: anything
    imported on the opening thread could meet the import thread inside a module pair that
    import each other (a deadlock error at start). So `tab_list.OPEN_MODULES` holds all
    that opening, the demo's first writing and the warm-up need, and
    `files.load_first_use_imports` what libraries import on first use (sqlite-utils' plugin
    scan: importlib.metadata, email; datetime.strptime)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT),
           "CUSTDESK_DB": str(tmp_path / "data" / "custdesk.db")}
    if demo:  # the demo's own file, not written yet: written on the opening thread
        path = str(tmp_path / "data" / "custdesk-demo.db")
    else:
        from custdesk.services.demo import ensure_demo_file

        path = str(ensure_demo_file(tmp_path / "shop.db"))
    out = subprocess.run([sys.executable, "-c", OPENING, path], capture_output=True,
                         text=True, env=env, timeout=180, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["new"] == []
    assert seen["built"] == [True]  # the demo is big enough for the screen process
    assert seen["records"] > 0  # the demo was written on the opening thread when it was its own
    assert set(tab_list.OPEN_MODULES) <= set(tab_list.CONTENT_MODULES)


def _calls_around_the_check(path: Path, monkeypatch) -> list[str]:
    from custdesk.storage import database

    calls: list[str] = []
    check = database._check
    monkeypatch.setattr(database, "_check",
                        lambda db, p: (calls.append("check"), check(db, p))[1])
    store = database.open_store(path, checking=lambda s: calls.append(
        f"readable {s.conn.execute('SELECT count(*) FROM orders').fetchone()[0] > 0}"))
    calls.append("open")
    store.close(backup_if_changed=False)
    return calls


def test_other_readers_are_let_in_during_the_check_only_when_the_open_writes_nothing(
        tmp_path, monkeypatch) -> None:
    """The screen process may read the file while its integrity check runs (0.5 s on a big
    file) only when the open then writes nothing: no migration, no summary refill."""
    from custdesk.services.demo import ensure_demo_file

    path = ensure_demo_file(tmp_path / "shop.db")
    assert _calls_around_the_check(path, monkeypatch) == ["readable True", "check", "open"]
    store = open_store_plain(path)
    store.conn.execute("UPDATE summary_state SET dirty = 1")  # a stale order summary
    store.conn.commit()
    store.close(backup_if_changed=False)
    assert _calls_around_the_check(path, monkeypatch) == ["check", "open"]  # refilled after


def open_store_plain(path: Path):
    from custdesk.storage.database import open_store

    return open_store(path)


@pytest.mark.parametrize("stale", [False, True])
def test_the_start_reads_ahead_once_during_the_check_or_after_the_open(tmp_path, qtbot,
                                                                       stale) -> None:
    from custdesk.services.demo import ensure_demo_file
    from custdesk.ui import file_switch
    from custdesk.ui.tasks import when_done

    path = ensure_demo_file(tmp_path / "shop.db")
    if stale:
        store = open_store_plain(path)
        store.conn.execute("UPDATE summary_state SET dirty = 1")
        store.conn.commit()
        store.close(backup_if_changed=False)
    told: list[bool] = []
    opened: list[object] = []
    outcome = file_switch.start_opening(
        path, readable=lambda store: told.append(
            store.conn.execute("SELECT dirty FROM summary_state").fetchone()[0] == 0))
    when_done(outcome, opened.append, pytest.fail)
    qtbot.waitUntil(lambda: bool(opened), timeout=30_000)
    assert told == [True]  # once, and never before the summary was fresh
    opened[0].close(backup_if_changed=False)


def test_a_file_that_fails_its_check_is_refused_though_read_ahead(tmp_path) -> None:
    """Reading ahead during the check changes nothing about refusing a damaged file."""
    import sqlite3

    from custdesk.services.demo import ensure_demo_file
    from custdesk.storage.database import open_store
    from custdesk.storage.errors import DamagedDatabaseError

    path = ensure_demo_file(tmp_path / "shop.db")
    page = sqlite3.connect(path).execute("PRAGMA page_size").fetchone()[0]
    raw = bytearray(path.read_bytes())
    middle = (len(raw) // page // 2) * page  # a page of the order lines' tree, not page 1
    raw[middle + 8:middle + 200] = bytes(range(192))
    path.write_bytes(bytes(raw))
    told: list[bool] = []
    with pytest.raises(DamagedDatabaseError):
        open_store(path, checking=lambda store: told.append(True))
    assert told == [True]  # it was read ahead, then refused by the check


def test_a_file_refused_after_it_was_read_ahead_is_let_go_by_the_screen_process(
        tmp_path, qtbot) -> None:
    """The worker read the file during its check; the check refuses it: before the owner
    is told, the worker has ended (its connections closed: on Windows the file could not
    be replaced by a restore, and another program may take the lock now)."""
    import sqlite3

    from custdesk.services.demo import ensure_demo_file
    from custdesk.storage.errors import DamagedDatabaseError
    from custdesk.ui import file_switch
    from custdesk.ui.tasks import ThreadRunner, set_default_runner, when_done

    path = ensure_demo_file(tmp_path / "shop.db")
    page = sqlite3.connect(path).execute("PRAGMA page_size").fetchone()[0]
    raw = bytearray(path.read_bytes())
    middle = (len(raw) // page // 2) * page
    raw[middle + 8:middle + 200] = bytes(range(192))
    path.write_bytes(bytes(raw))
    runner = ThreadRunner()
    set_default_runner(runner)
    try:
        runner.use_screen_process()
        worker = runner.screen_process
        assert worker is not None
        pid = worker.pid
        refused: list[BaseException] = []
        outcome = file_switch.start_opening(
            path, readable=app.warm_when_open(Warm(app.TODAY_SCREEN, KEY, LABEL)))
        when_done(outcome, lambda store: pytest.fail("opened"), refused.append)
        qtbot.waitUntil(lambda: bool(refused), timeout=60_000)
        assert isinstance(refused[0], DamagedDatabaseError)
        assert worker.pid is None  # let go before the refusal was reported …
        assert not os.path.exists(f"/proc/{pid}") or _ended(pid)  # … and ended
        assert not worker.lock.locked()
    finally:
        runner.use_screen_process(False)
        set_default_runner(None)


def _ended(pid: int) -> bool:
    """True when `pid` is gone or a zombie nobody reaped yet (Linux)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1].startswith("Z")
    except FileNotFoundError:
        return True


def test_a_warm_up_after_a_stop_starts_no_worker(demo_store) -> None:
    """Quitting (or a refusal) stops the worker: a warm-up whose thread only now runs must
    not start another one that reads the file after the lock is gone."""
    worker = ScreenProcess()
    worker.start()
    worker.stop()
    assert worker.warm(demo_store.path, Warm(app.TODAY_SCREEN, KEY, LABEL)) is False
    assert worker.pid is None


def test_the_second_connections_of_a_build_only_read(demo_store) -> None:
    """A build made during the open's integrity check runs parts on second connections
    (beside.py): they are read-only to SQLite itself (no write, no journal replayed
    through them), not merely asked not to write."""
    import sqlite3

    from custdesk.storage.beside import beside

    def write(twin) -> str:
        try:
            twin.conn.execute("PRAGMA query_only = OFF")
            twin.conn.execute("DELETE FROM orders")
        except sqlite3.OperationalError as exc:
            return str(exc)
        return "written"

    assert "readonly" in beside(demo_store, write).result()
    assert demo_store.conn.execute("SELECT count(*) FROM orders").fetchone()[0] > 0


def test_the_worker_imports_the_builders_only_while_no_job_waits(tmp_path,
                                                                 monkeypatch) -> None:
    names = ("custdesk_idle_a", "custdesk_idle_b")
    for name in names:
        (tmp_path / f"{name}.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))

    class Pipe:  # a job arrives once the first module is in
        def poll(self) -> bool:
            return names[0] in sys.modules

    try:
        screen_process.import_while_idle(Pipe(), names)  # type: ignore[arg-type]
        assert names[0] in sys.modules and names[1] not in sys.modules
        screen_process.import_while_idle(Pipe(), names[1:])  # type: ignore[arg-type]
        assert names[1] not in sys.modules  # the job first: nothing imported
        monkeypatch.setattr(Pipe, "poll", lambda self: False)  # idle: the rest comes in
        screen_process.import_while_idle(Pipe(), names)  # type: ignore[arg-type]
        assert names[1] in sys.modules
    finally:
        for name in names:
            sys.modules.pop(name, None)
    assert screen_process.IDLE_IMPORTS[0] == app.TODAY_SCREEN  # the first tab's, first
