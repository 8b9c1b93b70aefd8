"""The one task runner (custdesk.ui.tasks) and what runs on it: full export, restore,
print layout. Thread order is forced with threading.Event, never with sleeps."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QThread
from PySide6.QtWidgets import QMessageBox, QWidget

from custdesk.ui.tasks import SyncRunner, TaskState, ThreadRunner

REPO = Path(__file__).resolve().parent.parent
WAIT = 10.0  # seconds a held task waits before the test is taken as hung


def add_customer(state: TaskState, name: str) -> int:
    assert state.store is not None
    with state.store.transaction():
        cur = state.store.conn.execute(
            "INSERT INTO customers(name, name_key, created_on) VALUES (?, ?, '2026-01-01')",
            (name, name.lower()))
    return int(cur.lastrowid or 0)


def test_an_older_task_of_the_same_key_finishing_last_is_dropped(qtbot, store) -> None:
    runner = ThreadRunner()
    started, release, old_returned = threading.Event(), threading.Event(), threading.Event()
    delivered: list[str] = []

    def old(_state: TaskState) -> str:
        started.set()
        assert release.wait(WAIT)  # held until the newer task has reported
        old_returned.set()
        return "old"

    first = runner.query(store, old, delivered.append, key="tab")
    assert started.wait(WAIT)  # running (and never checking for cancel) when superseded
    second = runner.query(store, lambda _s: "new", delivered.append, key="tab")
    qtbot.waitUntil(lambda: delivered == ["new"], timeout=10_000)
    release.set()
    assert old_returned.wait(WAIT) and runner.wait(10_000)
    qtbot.wait(50)  # the old result's queued signal arrives now, and must be dropped
    assert delivered == ["new"]
    assert first.cancel_event.is_set() and not first.live and not second.live
    assert not runner.is_busy()


def test_a_result_for_a_page_deleted_meanwhile_is_dropped(qtbot, store) -> None:
    """A window closed while its tab's task ran: the result has nobody to go to (calling
    the deleted page raised inside the event loop)."""
    import shiboken6
    from PySide6.QtCore import QObject

    class Page(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.got: list[object] = []

        def show(self, result: object) -> None:
            self.setObjectName(str(result))  # a Qt call: raises once the object is deleted
            self.got.append(result)

    runner = ThreadRunner()
    started, release = threading.Event(), threading.Event()

    def slow(_state: TaskState) -> str:
        started.set()
        assert release.wait(WAIT)
        return "late"

    page, alive = Page(), Page()
    runner.query(store, slow, page.show, key="gone")
    runner.query(store, lambda _s: "on time", alive.show, key="kept")
    assert started.wait(WAIT)
    shiboken6.delete(page)
    release.set()
    assert runner.wait(10_000)
    qtbot.waitUntil(lambda: alive.got == ["on time"], timeout=10_000)
    qtbot.wait(50)  # the late result's signal arrives now: dropped, no error in the loop
    assert not runner.is_busy()


def test_stale_errors_are_dropped_too_and_other_keys_are_untouched(qtbot, store) -> None:
    runner = SyncRunner()
    out: list[object] = []
    runner.query(store, lambda _s: 1, out.append, key="a")
    runner.query(store, lambda _s: 2, out.append, key="b")
    assert out == [1, 2]  # different keys never supersede each other


def test_cancel_stops_the_task_and_reports_cancelled_not_done(qtbot, store) -> None:
    runner = ThreadRunner()
    started = threading.Event()
    steps: list[int] = []
    done: list[object] = []
    cancelled: list[bool] = []

    def long(state: TaskState) -> str:
        started.set()
        for i in range(10_000):
            state.progress(i, 10_000)
            steps.append(i)
            QThread.msleep(1)
        return "finished"

    handle = runner.query(store, long, done.append, done.append, key="long",
                          cancelled=lambda: cancelled.append(True))
    assert started.wait(WAIT)
    handle.cancel()
    qtbot.waitUntil(lambda: bool(cancelled), timeout=10_000)
    assert done == [] and len(steps) < 10_000
    assert runner.wait(5000) and not runner.is_busy()


def test_each_task_has_its_own_connection_off_the_gui_thread(qtbot, store) -> None:
    gui = QThread.currentThread()
    seen: list[tuple[bool, bool, bool]] = []

    def look(state: TaskState) -> tuple[bool, bool, bool]:
        assert state.store is not None
        return (state.store is not store, state.store.conn is not store.conn,
                QThread.currentThread() is not gui)

    runner = ThreadRunner()
    runner.query(store, look, seen.append)
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    assert seen == [(True, True, True)]
    SyncRunner().query(store, look, seen.append)  # tests' runner: own connection as well
    assert seen[1][:2] == (True, True)
    assert runner.wait(5000)


def test_a_write_says_what_it_changed(qtbot, store) -> None:
    runner = ThreadRunner()
    changed: list[frozenset[str]] = []
    ids: list[int] = []
    runner.changed.connect(changed.append)
    runner.write(store, lambda state: add_customer(state, "Ann"), {"customers"}, ids.append)
    qtbot.waitUntil(lambda: bool(changed) and bool(ids), timeout=10_000)
    assert changed == [frozenset({"customers"})]
    # committed on the task's connection, seen on the window's
    assert store.conn.execute("SELECT name FROM customers WHERE id = ?", ids).fetchone() == \
        ("Ann",)
    assert runner.wait(5000)


def test_a_read_changes_nothing_and_a_failed_write_says_nothing(store) -> None:
    runner = SyncRunner()
    changed: list[frozenset[str]] = []
    errors: list[BaseException] = []
    runner.changed.connect(changed.append)
    runner.query(store, lambda _s: None, lambda _r: None)

    def broken(state: TaskState) -> None:
        add_customer(state, "Bo")
        raise ValueError("half-way")

    runner.write(store, broken, {"customers"}, lambda _r: None, errors.append)
    assert changed == [] and [str(e) for e in errors] == ["half-way"]


def test_errors_reach_the_failed_callback_on_the_gui_thread(qtbot, store) -> None:
    gui = QThread.currentThread()
    errors: list[tuple[str, bool]] = []
    runner = ThreadRunner()
    runner.query(store, lambda s: s.store.conn.execute("SELECT * FROM no_such_table"),
                 lambda _r: None,
                 lambda exc: errors.append((str(exc), QThread.currentThread() is gui)))
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert "no such table" in errors[0][0] and errors[0][1]
    messages: list[str] = []  # a tab's refresh (`submit`) gets one line
    SyncRunner().submit(store, lambda s: s.conn.execute("SELECT nope"), print,
                        messages.append)
    assert messages and messages[0].startswith("OperationalError:")
    assert runner.wait(5000)


def test_progress_arrives_on_the_gui_thread(qtbot, store) -> None:
    seen: list[tuple[int, int]] = []
    SyncRunner().query(store, lambda s: s.progress(5, 5, "write"), lambda _r: None,
                       progress=lambda d, t, _p: seen.append((d, t)))
    assert seen == [(5, 5)]


def test_only_the_task_module_starts_threads() -> None:
    """The window's background work goes through its task runner; the one other thread
    starter is a build's part on a second connection (storage/beside.py), which the build
    waits for before it returns."""
    pattern = re.compile(r"QThreadPool|QRunnable|threading\.Thread|QThread\(")
    users = sorted(str(p.relative_to(REPO)) for p in (REPO / "custdesk").rglob("*.py")
                   if pattern.search(p.read_text(encoding="utf-8")))
    assert users == ["custdesk/storage/beside.py", "custdesk/ui/tasks.py"]


def test_full_export_runs_as_a_task_and_cancel_leaves_no_file(qtbot, store, tmp_path,
                                                              monkeypatch) -> None:
    from custdesk.ui.dialogs.full_export_dialog import start_full_export

    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    parent = QWidget()
    qtbot.addWidget(parent)
    target = tmp_path / "everything.xlsx"
    start_full_export(parent, store.path, target, SyncRunner())
    assert target.exists() and "everything.xlsx" in told[0]

    never = tmp_path / "never.xlsx"
    runner = ThreadRunner()
    handle = start_full_export(parent, store.path, never, runner)
    handle.cancel()  # before its first row: the exporter stops and removes its file
    assert runner.wait(30_000)
    qtbot.wait(50)
    assert not never.exists() and len(told) == 1


def test_restore_runs_as_a_task_then_reopens(qtbot, tmp_path) -> None:
    from custdesk.storage import open_store
    from custdesk.storage.backups import create_backup
    from custdesk.ui.dialogs.restore_backup_dialog import start_restore

    db = tmp_path / "shop.db"
    store = open_store(db)
    backup = create_backup(store, reason="manual")
    store.conn.execute("INSERT INTO customers(name, name_key, created_on) "
                       "VALUES ('Late', 'late', '2026-01-01')")
    store.conn.commit()
    store.close(backup_if_changed=False)
    parent = QWidget()
    qtbot.addWidget(parent)
    changed: list[frozenset[str]] = []
    reopened: list[int] = []
    runner = SyncRunner()
    runner.changed.connect(changed.append)

    def reopen() -> None:
        again = open_store(db)
        reopened.append(again.conn.execute("SELECT count(*) FROM customers").fetchone()[0])
        again.close(backup_if_changed=False)

    start_restore(parent, db, backup.path, reopen, runner)
    assert reopened == [0] and changed == [frozenset({"*"})]


def test_print_layout_runs_as_a_task_and_a_closed_preview_is_freed(qtbot) -> None:
    from custdesk.ui.tab_output import print_preview

    parent = QWidget()
    qtbot.addWidget(parent)
    rows = "".join(f"<tr><td>{i}</td><td>row</td></tr>" for i in range(400))
    runner = ThreadRunner()
    dialog = print_preview(parent, f"<table>{rows}</table>", runner)
    qtbot.waitUntil(lambda: hasattr(dialog, "_document"), timeout=10_000)
    assert dialog._document.pageCount() >= 2
    assert dialog._document.thread() is QCoreApplication.instance().thread()
    destroyed: list[bool] = []
    dialog.destroyed.connect(lambda *_a: destroyed.append(True))
    dialog.close()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qtbot.waitUntil(lambda: bool(destroyed), timeout=5_000)
    assert not shiboken6.isValid(dialog)
    assert runner.wait(5000)
