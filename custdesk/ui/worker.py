"""Running a tab's refresh queries off the GUI thread.

A task is a plain function `fn(store) -> result` that only reads the database and returns
plain objects; `done(result)` then runs on the GUI thread and fills the widgets. The worker
never touches a widget.

SQLite: the window's connection allows other threads, but only one may use it at a time. A
background task therefore gets its own connection to the same file (opened and closed inside
the task), so it never shares the window's connection with the GUI thread. It is not
read-only: the metrics engine rebuilds its summary table when order lines changed
(`queries_summary.ensure_order_stats`); SQLite's file locks (busy timeout 5 s) serialise
that with the window's own writes.

`ThreadRunner` (QThreadPool) is the real one; `SyncRunner` runs the task at once and is what
tests use (`set_default_runner(SyncRunner())`). Small files are refreshed synchronously even
by `ThreadRunner`: a thread hop buys nothing at a few thousand rows and would flash a
busy indicator.
"""

from __future__ import annotations

import atexit
import sqlite3
import threading
import traceback
from collections.abc import Callable
from typing import Any

import sqlite_utils
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal, Slot

from custdesk.storage import Store

Task = Callable[[Store], Any]
Done = Callable[[Any], None]
Failed = Callable[[str], None]
HEAVY_ORDER_LINES = 50_000


def open_reader(path: Any) -> Store:
    """A Store on the same file for one background task: its own connection, no lock file,
    no migration (the window's store already migrated it)."""
    from pathlib import Path

    conn = sqlite3.connect(str(path), check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA foreign_keys = ON")
    return Store(Path(path), sqlite_utils.Database(conn), None)


def is_heavy(store: Store) -> bool:
    """Big enough that a refresh would freeze the window (max rowid: no table scan)."""
    row = store.conn.execute("SELECT coalesce(max(id), 0) FROM orders").fetchone()
    return int(row[0]) >= HEAVY_ORDER_LINES


class Cancelled(Exception):  # noqa: N818 - a signal, not an error
    """Raised inside a task by `check_cancelled()` when its result is no longer wanted."""


_job_state = threading.local()


def check_cancelled() -> None:
    """Call between the steps of a long task: stops it when a newer refresh replaced it or
    the app is quitting. Does nothing outside a background job (SyncRunner, tests)."""
    event = getattr(_job_state, "cancel", None)
    if event is not None and event.is_set():
        raise Cancelled


class SyncRunner:
    """Runs every task at once on the caller's thread, on the caller's connection."""

    busy_changed: Any = None

    def submit(self, store: Store, task: Task, done: Done, failed: Failed | None = None,
               key: object = None) -> None:
        try:
            result = task(store)
        except Cancelled:
            return
        except Exception as exc:  # noqa: BLE001 - shown to the owner, never a crash
            if failed is None:
                raise
            failed(f"{type(exc).__name__}: {exc}")
            return
        done(result)

    def is_busy(self) -> bool:
        return False


class _TaskSignals(QObject):
    finished = Signal(int, object)
    failed = Signal(int, str)


class _Job(QRunnable):
    def __init__(self, token: int, path: Any, task: Task, signals: _TaskSignals) -> None:
        super().__init__()
        self.token, self.path, self.task, self.signals = token, path, task, signals
        self.cancel = threading.Event()

    def run(self) -> None:  # runs on a pool thread: no widgets here
        _job_state.cancel = self.cancel
        try:
            check_cancelled()
            reader = open_reader(self.path)
            try:
                result = self.task(reader)
            finally:
                reader.close(backup_if_changed=False)
        except Cancelled:
            self._emit(self.signals.failed, self.token, CANCELLED)
            return
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            self._emit(self.signals.failed, self.token, f"{type(exc).__name__}: {exc}")
            return
        finally:
            _job_state.cancel = None
        self._emit(self.signals.finished, self.token, result)

    @staticmethod
    def _emit(signal: Any, *args: Any) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:
            pass  # the app quit while this job ran: nobody is waiting for it


CANCELLED = "cancelled"


class ThreadRunner(QObject):
    """QThreadPool runner. Results arrive by signal on the GUI thread; stale ones are dropped.

    Jobs submitted with the same `key` (a tab) replace each other: the older one is asked to
    stop at its next `check_cancelled()` and its result is never delivered.
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool.globalInstance()
        self._signals = _TaskSignals(self)
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._next = 0
        self._pending: dict[int, tuple[Done, Failed | None]] = {}
        self._jobs: dict[int, tuple[_Job, object]] = {}
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def submit(self, store: Store, task: Task, done: Done, failed: Failed | None = None,
               key: object = None) -> None:
        """Run `task` in the pool (or at once for a small file); `done` gets its result."""
        if not is_heavy(store):
            SyncRunner().submit(store, task, done, failed)
            return
        if key is not None:
            for token, (job, job_key) in list(self._jobs.items()):
                if job_key == key:
                    self._drop(token, job)
        self._next += 1
        job = _Job(self._next, store.path, task, self._signals)
        self._pending[self._next] = (done, failed)
        self._jobs[self._next] = (job, key)
        self.busy_changed.emit(True)
        self.pool.start(job)

    def _drop(self, token: int, job: _Job) -> None:
        job.cancel.set()
        self._pending.pop(token, None)
        self._jobs.pop(token, None)

    def shutdown(self, msecs: int = 3000) -> None:
        """Ask every job to stop and wait a little for them (app quitting)."""
        for token, (job, _key) in list(self._jobs.items()):
            self._drop(token, job)
        self.pool.clear()
        self.pool.waitForDone(msecs)

    def is_busy(self) -> bool:
        return bool(self._pending)

    def wait(self, msecs: int = 60_000) -> None:
        """Block until the pool is idle; queued results still need the event loop."""
        self.pool.waitForDone(msecs)

    @Slot(int, object)
    def _on_finished(self, token: int, result: object) -> None:
        self._jobs.pop(token, None)
        callbacks = self._pending.pop(token, None)
        self._idle_check()
        if callbacks is not None:
            callbacks[0](result)

    @Slot(int, str)
    def _on_failed(self, token: int, message: str) -> None:
        self._jobs.pop(token, None)
        callbacks = self._pending.pop(token, None)
        self._idle_check()
        if callbacks is not None and callbacks[1] is not None and message != CANCELLED:
            callbacks[1](message)

    def _idle_check(self) -> None:
        if not self._pending:
            self.busy_changed.emit(False)


_default: dict[str, Any] = {"runner": None}


def default_runner() -> ThreadRunner | SyncRunner:
    """The app's shared runner (created on first use)."""
    if _default["runner"] is None:
        runner = ThreadRunner()
        _default["runner"] = runner
        # The smoke test never runs the event loop, so aboutToQuit never comes: stop the
        # jobs at interpreter exit too, or Qt's pool would wait for them to finish.
        atexit.register(_shutdown_quietly, runner)
    return _default["runner"]


def _shutdown_quietly(runner: ThreadRunner) -> None:
    try:
        runner.shutdown()
    except RuntimeError:
        pass  # Qt objects already gone


def set_default_runner(runner: ThreadRunner | SyncRunner | None) -> None:
    """Replace the shared runner (tests: `SyncRunner()`); None restores the real one."""
    _default["runner"] = runner


class RefreshGate:
    """One tab's refreshes: a newer refresh makes an older, still running one's result stale."""

    def __init__(self) -> None:
        self.generation = 0

    def start(self) -> int:
        self.generation += 1
        return self.generation

    def current(self, generation: int) -> bool:
        return generation == self.generation
