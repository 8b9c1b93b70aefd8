"""Opening another file, closing the current one and restoring a backup never freeze the
window (issue 18): the integrity check of a big file (1-3 s) and the closing backup of a
changed one (1.6 s on 375 MB) run on threads. Here each is made to take a second; the
event loop must keep turning meanwhile."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from custdesk.services import files
from custdesk.storage import open_store
from custdesk.storage.backups import backup_dir
from custdesk.storage.store import Store

SLOW_S = 1.0


class Heartbeat:
    """The longest gap between two ticks of a 10-ms timer: how long the loop was away."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.longest = 0.0
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now


@pytest.fixture
def slow_open(monkeypatch):
    real = files.open_store

    def slow(*args, **kwargs):
        time.sleep(SLOW_S)
        return real(*args, **kwargs)

    monkeypatch.setattr(files, "open_store", slow)


@pytest.fixture
def slow_close(monkeypatch):
    real = Store.close

    def slow(self, *args, **kwargs):
        if not self.closed and self.changed_since_open:  # the window's store: its backup
            time.sleep(SLOW_S)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "close", slow)


def _changed(store: Store) -> Store:
    with store.transaction():
        store.conn.execute("INSERT INTO customers(name, name_key, created_on) "
                           "VALUES ('Ann', 'ann', '2024-01-01')")
    return store


def test_opening_another_file_keeps_the_window_turning(qtbot, tmp_path: Path, slow_open,
                                                       slow_close) -> None:
    from custdesk.ui.main_window import MainWindow

    first = _changed(open_store(tmp_path / "one.db"))
    window = MainWindow(first, persist_state=False)
    qtbot.addWidget(window)
    beat = Heartbeat()
    opened: list[bool] = []
    window.open_path(tmp_path / "two.db", opened.append)
    assert window.store is first and opened == []  # at once: nothing waited
    assert window.switching == "opening two.db"
    window.open_path(tmp_path / "three.db", opened.append)  # one at a time
    assert opened == [False] and "Still opening two.db" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: opened == [False, True] and first.closed, timeout=20_000)
    assert window.store is not None and window.store.path == (tmp_path / "two.db").resolve()
    assert window.switching is None
    assert beat.longest < SLOW_S / 2  # the open and the closing backup each took 1 s
    # the closing backup of the changed file was taken (off the GUI thread)
    assert [p for p in backup_dir(first.path).iterdir() if p.name.startswith("one")]
    window.set_store(None)


def test_restore_keeps_the_window_turning(qtbot, tmp_path: Path, slow_open,
                                          slow_close) -> None:
    from custdesk.storage.backups import create_backup
    from custdesk.ui.main_window import MainWindow

    store = _changed(open_store(tmp_path / "shop.db"))
    backup = create_backup(store, reason="manual")
    with store.transaction():
        store.conn.execute("DELETE FROM customers")
    window = MainWindow(store, persist_state=False)
    qtbot.addWidget(window)
    beat = Heartbeat()
    window._restore_backup(str(backup.path))
    qtbot.waitUntil(lambda: window.store is not None and window.store is not store,
                    timeout=30_000)
    assert store.closed
    assert beat.longest < SLOW_S / 2  # the close (with its backup) and the reopen: 1 s each
    names = [r[0] for r in window.store.conn.execute("SELECT name FROM customers")]
    assert names == ["Ann"]
    window.set_store(None)


def test_a_refused_restore_reopen_releases_the_lock(qtbot, tmp_path: Path,
                                                    monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from custdesk.services.files import DatabaseError
    from custdesk.storage.backups import create_backup
    from custdesk.ui.main_window import MainWindow

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: shown.append(text))
    store = _changed(open_store(tmp_path / "shop.db"))
    backup = create_backup(store, reason="manual")
    window = MainWindow(store, persist_state=False)
    qtbot.addWidget(window)

    def refuse(*_args, **_kwargs):
        raise DatabaseError("the restored file is not readable")

    monkeypatch.setattr(files, "open_store", refuse)
    window._restore_backup(str(backup.path))
    qtbot.waitUntil(lambda: bool(shown), timeout=30_000)
    assert "not readable" in shown[0] and window.store is None
    monkeypatch.undo()
    again = open_store(tmp_path / "shop.db")  # the lock was let go: it opens
    again.close(backup_if_changed=False)


def test_letting_the_screen_process_go_never_waits_on_the_window() -> None:
    """Switching files ends the screen process (its files must be free); its end took
    ~0.15 s, waited for on the window's thread. Now a thread waits, and says when."""
    from custdesk.ui.tasks import ThreadRunner

    class SlowToEnd:
        def stop(self, wait: bool = True):
            def reap() -> None:
                time.sleep(SLOW_S)

            if wait:
                reap()
            return reap

    runner = ThreadRunner()
    runner.screen_process = SlowToEnd()  # type: ignore[assignment]
    began = time.perf_counter()
    ended = runner.release_files()
    assert time.perf_counter() - began < SLOW_S / 4 and not ended.is_set()
    assert ended.wait(10 * SLOW_S)


def test_going_back_to_the_file_just_left_waits_for_its_close(qtbot, tmp_path: Path,
                                                             slow_close) -> None:
    """A -> B -> A while A's closing backup still runs: A's lock is this process's own
    close, not another program's — the open waits for it instead of refusing."""
    from custdesk.ui.main_window import MainWindow

    first = _changed(open_store(tmp_path / "one.db"))
    window = MainWindow(first, persist_state=False)
    qtbot.addWidget(window)
    opened: list[bool] = []
    window.open_path(tmp_path / "two.db", opened.append)
    qtbot.waitUntil(lambda: opened == [True], timeout=20_000)
    assert not first.closed  # its backup (1 s) still runs
    window.open_path(tmp_path / "one.db", opened.append)
    qtbot.waitUntil(lambda: len(opened) == 2, timeout=20_000)
    assert opened == [True, True] and first.closed
    assert window.store is not None and window.store.path == first.path
    window.set_store(None)


def test_no_other_switch_while_a_restore_runs(qtbot, tmp_path: Path, slow_close) -> None:
    """A second restore would cancel the first's task (one key), an open would be closed
    by the restore's reopen: both are refused, with a note, until the restore is done."""
    from custdesk.storage.backups import create_backup
    from custdesk.ui.main_window import MainWindow

    store = _changed(open_store(tmp_path / "shop.db"))
    backup = create_backup(store, reason="manual")
    window = MainWindow(store, persist_state=False)
    qtbot.addWidget(window)
    window._restore_backup(str(backup.path))
    assert window.switching == "restoring a backup"
    opened: list[bool] = []
    window.open_path(tmp_path / "other.db", opened.append)
    demo: list[bool] = []
    window.explore_demo(then=demo.append)
    assert opened == [False] and demo == [False]
    assert "Still restoring a backup" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.store is not None and window.switching is None,
                    timeout=30_000)
    assert window.store.path == store.path and not (tmp_path / "other.db").exists()
    window.set_store(None)


def test_a_restore_that_cannot_start_lets_the_lock_go_and_reopens_the_file(
        qtbot, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from custdesk.storage.backups import create_backup
    from custdesk.ui import error_dialog
    from custdesk.ui.dialogs import restore_backup_dialog
    from custdesk.ui.main_window import MainWindow

    reported: list[str] = []
    monkeypatch.setattr(error_dialog, "report_error",
                        lambda what, exc, parent=None: reported.append(what))
    monkeypatch.setattr(QMessageBox, "warning", lambda *_a: None)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the task could not start")

    monkeypatch.setattr(restore_backup_dialog, "start_restore", broken)
    store = _changed(open_store(tmp_path / "shop.db"))
    backup = create_backup(store, reason="manual")
    window = MainWindow(store, persist_state=False)
    qtbot.addWidget(window)
    window._restore_backup(str(backup.path))
    qtbot.waitUntil(lambda: window.store is not None and window.switching is None,
                    timeout=30_000)
    assert reported == ["Restoring the backup"]
    assert window.store.path == store.path  # reopened: its lock was let go first
    window.set_store(None)
