"""The one task runner: every long piece of work in the window runs through here.

Tab refreshes, the import wizard's scan/preview/import, the full export, restoring a
backup and laying out a print preview are all tasks. The rules, learned from Anki's
QueryOp/CollectionOp and Orange's TaskState:

- A task is a plain function `fn(state) -> result`. `state.store` is the task's *own*
  connection to the database file (opened and closed around the task, never the window's
  connection: SQLite connections must not be shared between threads while in use).
  `state.progress(done, total, phase)` reports, `state.check_cancelled()` stops.
- Reads (`query`) and writes (`write`) are split: a write names what it changes (a set
  of kinds/tables) and the runner emits `changed(frozenset)` once it has committed, so the
  window refreshes only the screens that show those.
- `done(result)` / `failed(exc)` / `cancelled()` run on the GUI thread (queued signals).
  Tasks never touch widgets.
- Tasks with the same `key` supersede each other: a newer one cancels the older, whose
  result (or error) is then never delivered. The check runs on the GUI thread, where both
  the submit and the delivery happen, so a stale result cannot slip through.
- `ThreadRunner` (a QThreadPool) is the real one; `SyncRunner` runs each task at once on
  the caller's thread through the very same bookkeeping, for tests
  (`set_default_runner(SyncRunner())`).

This is the only module of custdesk that starts threads.
"""

from __future__ import annotations

import atexit
import gc
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal, Slot

from custdesk.services.screen_process import (
    CANNOT_START,
    FAILED,
    FINISHED,
    ScreenJob,
    ScreenProcess,
)

# Light on purpose: the start-up thread (`in_background`) runs before the storage layer is
# imported, so it is imported where a task opens a file.
if TYPE_CHECKING:
    from custdesk.services.files import Store

log = logging.getLogger(__name__)

Changes = frozenset[str]
EVERYTHING: Changes = frozenset({"*"})  # a write that replaced the whole file (restore)
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]
ProgressFn = Callable[[int, int, str], None]
# the database file a task opens (None: no database)
Source: TypeAlias = "Store | Path | str | None"
# Below this many records (order lines + deals + tickets + surveys) a tab refresh runs
# inline: a thread hop buys nothing. Measured on the real-data mix (10k lines, 8.8k deals,
# 8.5k tickets) Today took 2.4 s: far above the GUI's 100 ms, so the bar is low.
HEAVY_RECORDS = 2_000
PROGRESS_INTERVAL = 0.05  # seconds between two progress signals of one task
CANCEL_POLL_STEPS = 100_000 # SQLite VM steps between two looks at a task's cancel flag


class Cancelled(Exception):
    """Raised inside a task by `check_cancelled()` once its result is no longer wanted."""


class TaskState:
    """One running task's handle on its own store, its progress and its cancel flag."""

    def __init__(self, store: Store | None, cancel: threading.Event,
                 report: ProgressFn | None = None) -> None:
        self.store = store
        self._cancel = cancel
        self._report = report
        self._last = 0.0

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            raise Cancelled

    def progress(self, done: int, total: int = 0, phase: str = "", *,
                 check: bool = True) -> None:
        """Report progress (throttled) and stop here if the task was cancelled (unless
        `check` is False: for code that polls `cancelled` and cleans up itself)."""
        if check:
            self.check_cancelled()
        now = time.monotonic()
        if self._report is not None and (now - self._last >= PROGRESS_INTERVAL
                                         or (total and done >= total)):
            self._last = now
            self._report(done, total, phase)


_local = threading.local()  # the TaskState of the task running on this thread


def current_task() -> TaskState | None:
    return getattr(_local, "state", None)


def check_cancelled() -> None:
    """For code deep inside a task (screen builders): stop if the task was cancelled.
    Does nothing outside a task."""
    state = current_task()
    if state is not None:
        state.check_cancelled()


def describe(exc: BaseException) -> str:
    """One line for an error shown to the owner."""
    return f"{type(exc).__name__}: {exc}"


def open_task_store(path: Path | str) -> Store:
    """The task's own connection: no lock file (the window holds it), no migration (the
    window's store already migrated the file)."""
    from custdesk.services.files import Store, connect

    return Store(Path(path), connect(Path(path)), None)


@dataclass
class TaskHandle:
    """What `query`/`write`/`run` return: cancel it, or ask whether it is still wanted."""

    token: int
    key: object
    cancel_event: threading.Event = field(default_factory=threading.Event)
    live: bool = True

    def cancel(self) -> None:
        """Ask the task to stop at its next check; `cancelled()` is called once it has."""
        self.cancel_event.set()


@dataclass
class _Entry:
    handle: TaskHandle
    done: Done
    failed: Failed | None
    cancelled: Callable[[], object] | None
    progress: ProgressFn | None
    changes: Changes | None  # None for a read


class _Bridge(QObject):
    """Lives on the GUI thread; signals emitted by pool threads are queued to it."""

    finished = Signal(int, object)
    failed = Signal(int, object)
    stopped = Signal(int)
    progress = Signal(int, int, int, str)


Sink = Callable[..., None]  # (event, token, *args): how a job reports to its runner


class _Job(QRunnable):
    def __init__(self, sink: Sink, token: int, source: Path | None,
                 fn: Callable[[TaskState], Any], cancel: threading.Event) -> None:
        super().__init__()
        self.sink, self.token, self.source, self.fn = sink, token, source, fn
        self.cancel = cancel

    def run(self) -> None:  # on a pool thread (or inline for SyncRunner): no widgets here
        previous = current_task()
        outcome: tuple[str, Any] = ("stopped", None)
        try:
            state = TaskState(None, self.cancel,
                              lambda d, t, p: self.sink("progress", self.token, d, t, p))
            _local.state = state
            state.check_cancelled()
            store = open_task_store(self.source) if self.source is not None else None
            if store is not None:
                # a superseded or cancelled task stops inside its SQL too (SQLite polls this
                # every few thousand VM steps; a true answer interrupts the statement), so a
                # stale refresh never keeps a core busy after a newer one started
                # (and the parts it hands to a second connection: storage/beside.py)
                from custdesk.services.files import watch_stop

                watch_stop(store, self.cancel.is_set, CANCEL_POLL_STEPS)
            state.store = store
            try:
                outcome = ("finished", self.fn(state))
            finally:
                if store is not None:
                    from custdesk.services.files import close_task_store

                    close_task_store(store)
        except Cancelled:
            outcome = ("stopped", None)
        except Exception as exc:
            # an interrupted statement of a cancelled task is its stop, not a failure
            outcome = ("stopped", None) if self.cancel.is_set() else ("failed", exc)
        finally:
            _local.state = previous
        if outcome[0] == "stopped":
            self.sink("stopped", self.token)
        else:
            self.sink(outcome[0], self.token, outcome[1])


class _ProcessJob(QRunnable):
    """A screen build sent to the screen process: this pool thread only waits on the pipe
    (without the GIL) and reports like a `_Job`."""

    def __init__(self, sink: Sink, token: int, source: Path, job: ScreenJob,
                 cancel: threading.Event, process: ScreenProcess) -> None:
        super().__init__()
        self.sink, self.token, self.source, self.job = sink, token, source, job
        self.cancel, self.process = cancel, process

    def run(self) -> None:
        outcome: tuple[str, Any] = ("stopped", None)
        while not self.cancel.is_set():
            self.process.asked(self.job)  # a start-up warm-up of another screen stops
            if self.process.lock.acquire(timeout=0.05):  # one build at a time
                try:
                    outcome = self.process.run(self.source, self.job, self.cancel)
                finally:
                    self.process.lock.release()
                break
        if outcome[0] == CANNOT_START:  # built here then, on a thread, as before the process
            log.warning("screen process could not start (%s): building on a thread",
                        describe(outcome[1]))
            job = self.job
            _Job(self.sink, self.token, self.source, lambda state: job(state.store),
                 self.cancel).run()
            return
        if outcome[0] == FINISHED:
            # a screen is long-lived data (100k rows on a big file): out of the cyclic
            # collector's reach, or its next full collection walks every screen shown so far
            # while holding the GIL (0.3-0.5 s stalls on the big file)
            gc.freeze()
        if outcome[0] in (FINISHED, FAILED):
            self.sink(outcome[0], self.token, outcome[1])
        else:
            self.sink("stopped", self.token)


class TaskRunner(QObject):
    """Bookkeeping shared by both runners; subclasses only decide where a job runs."""

    changed = Signal(object)  # frozenset[str]: what a committed write task changed
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = _Bridge(self)
        self._bridge.finished.connect(self._on_finished)
        self._bridge.failed.connect(self._on_failed)
        self._bridge.stopped.connect(self._on_stopped)
        self._bridge.progress.connect(self._on_progress)
        self._next = 0
        self._live: dict[int, _Entry] = {}
        self._writes: dict[int, Changes] = {}  # every write still running, stale or not
        self.screen_process: ScreenProcess | None = None  # see `use_screen_process`

    # ----- submitting ---------------------------------------------------------------
    def query(self, source: Source, fn: Callable[[TaskState], Any], done: Done,
              failed: Failed | None = None, *, key: object = None,
              progress: ProgressFn | None = None,
              cancelled: Callable[[], object] | None = None) -> TaskHandle:
        """Run a read-only task on its own connection to `source`'s file."""
        return self._start(source, fn, _Entry(TaskHandle(0, key), done, failed, cancelled,
                                              progress, None))

    def write(self, source: Source, fn: Callable[[TaskState], Any], changes: Iterable[str],
              done: Done, failed: Failed | None = None, *, key: object = None,
              progress: ProgressFn | None = None,
              cancelled: Callable[[], object] | None = None) -> TaskHandle:
        """Run a task that writes; `changed(changes)` follows its success."""
        return self._start(source, fn, _Entry(TaskHandle(0, key), done, failed, cancelled,
                                              progress, frozenset(changes)))

    def submit(self, store: Store | None, task: Callable[[Any], Any], done: Done,
               failed: Callable[[str], None] | None = None, key: object = None) -> None:
        """A tab's refresh: `task(store)` reads; `failed` gets a one-line message. Light
        files run inline (see `runs_inline`)."""
        def on_failed(exc: BaseException) -> None:
            if failed is None:
                raise exc
            failed(describe(exc))

        entry = _Entry(TaskHandle(0, key), done, on_failed, None, None, None)
        inline = self.runs_inline(store)
        if (not inline and store is not None and self.screen_process is not None
                and isinstance(task, ScreenJob)):
            self._start(store, task, entry, process=self.screen_process)
            return
        self._start(store, lambda state: task(state.store), entry, inline=inline)

    def builds_apart(self, store: Store | None) -> bool:
        """Whether a `ScreenJob` on `store` is built in the screen process, where the
        per-store caches outlive one job (a screen's second stage then reuses what its
        first computed; on a task's own connection it would compute it all again)."""
        return (store is not None and self.screen_process is not None
                and not self.runs_inline(store))

    def release_files(self) -> threading.Event:
        """The screen process lets go of every file it has open (it ends; a new one starts
        with the next screen): on Windows an open file cannot be replaced (a restore) or
        moved, and the owner expects a file they switched away from to be free. Its end
        (~0.15 s) is waited for on a thread, not by the window; the event returned is set
        once it has ended (a restore waits for it before replacing the file)."""
        ended = threading.Event()
        if self.screen_process is None:
            ended.set()
            return ended
        reap = self.screen_process.stop(wait=False)

        def wait_for_the_end() -> None:
            try:
                reap()
            finally:
                ended.set()

        threading.Thread(target=wait_for_the_end, name="custdesk-reap", daemon=True).start()
        return ended

    def use_screen_process(self, on: bool = True) -> None:
        """Build screens (`submit` of a `ScreenJob` on a file too big for inline) in a
        process of their own, started now so that it is ready for the first tab."""
        if on and self.screen_process is None:
            self.screen_process = ScreenProcess()
            try:
                self.screen_process.start()
            except Exception as exc:  # each job tries again, and builds on a thread meanwhile
                log.warning("screen process could not start: %s", describe(exc))
        elif not on and self.screen_process is not None:
            self.screen_process.stop()
            self.screen_process = None

    def cancel(self, key: object, *, quiet: bool = False) -> None:
        """Drop every task of `key`: they are told to stop and never report."""
        for token, entry in list(self._live.items()):
            if entry.handle.key == key:
                self._drop(token)
        if not quiet:
            self._idle_check()

    def has_task(self, key: object) -> bool:
        """Whether a task of `key` is still wanted (queued or running)."""
        return any(entry.handle.key == key for entry in self._live.values())

    def stop(self, key: object) -> None:
        """Ask the tasks of `key` to stop (the owner pressed Cancel); unlike `cancel`, each
        still reports, through its `cancelled` callback (or `done`, if it was too late)."""
        for entry in self._live.values():
            if entry.handle.key == key:
                entry.handle.cancel()

    def _start(self, source: Source, fn: Callable[[TaskState], Any], entry: _Entry,
               inline: bool = False, process: ScreenProcess | None = None) -> TaskHandle:
        was_idle = not self._live
        if entry.handle.key is not None:
            self.cancel(entry.handle.key, quiet=True)  # the newer task supersedes the older
        self._next += 1
        entry.handle.token = self._next
        path = source if source is None or isinstance(source, Path | str) else source.path
        self._live[self._next] = entry
        if entry.changes is not None:
            self._writes[self._next] = entry.changes
        if was_idle:
            self.busy_changed.emit(True)
        job: QRunnable
        if process is not None and path is not None and isinstance(fn, ScreenJob):
            job = _ProcessJob(self._sink, self._next, Path(path), fn,
                              entry.handle.cancel_event, process)
        else:
            job = _Job(self._deliver if inline else self._sink, self._next,
                       None if path is None else Path(path), fn, entry.handle.cancel_event)
        if inline:
            job.run()
        else:
            self._launch(job)
        return entry.handle

    def _deliver(self, event: str, token: int, *args: Any) -> None:
        """Report on this (the GUI) thread, at once."""
        getattr(self, "_on_" + event)(token, *args)

    def _sink(self, event: str, token: int, *args: Any) -> None:
        """How a job reports: queued signals from a pool thread (ThreadRunner), or at once."""
        self._deliver(event, token, *args)

    def _launch(self, job: QRunnable) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def runs_inline(self, store: Store | None) -> bool:
        return False

    def _drop(self, token: int) -> None:
        entry = self._live.pop(token, None)
        if entry is not None:
            entry.handle.live = False
            entry.handle.cancel_event.set()

    # ----- results (GUI thread) ----------------------------------------------------------
    def _take(self, token: int) -> _Entry | None:
        entry = self._live.pop(token, None)
        if entry is not None:
            entry.handle.live = False
        self._idle_check()
        if entry is not None and not _receiver_alive(entry.done):
            return None  # its page (or dialog) was deleted meanwhile: nobody to tell
        return entry

    @Slot(int, object)
    def _on_finished(self, token: int, result: object) -> None:
        changes = self._writes.pop(token, None)
        entry = self._take(token)
        if entry is not None:
            entry.done(result)
        if changes is not None:  # committed, even if superseded: the screens must know
            self.changed.emit(changes)

    @Slot(int, object)
    def _on_failed(self, token: int, exc: BaseException) -> None:
        self._writes.pop(token, None)
        entry = self._take(token)
        if entry is None:
            return  # stale: a newer task of the same key replaced it
        log.warning("task failed: %s", describe(exc), exc_info=exc)
        if entry.failed is not None:
            entry.failed(exc)

    @Slot(int)
    def _on_stopped(self, token: int) -> None:
        self._writes.pop(token, None)
        entry = self._take(token)
        if entry is not None and entry.cancelled is not None:
            entry.cancelled()

    @Slot(int, int, int, str)
    def _on_progress(self, token: int, done: int, total: int, phase: str) -> None:
        entry = self._live.get(token)
        if entry is not None and entry.progress is not None:
            entry.progress(done, total, phase)

    def _idle_check(self) -> None:
        if not self._live:
            self.busy_changed.emit(False)

    def is_busy(self) -> bool:
        return bool(self._live)

    def wait(self, msecs: int = 60_000) -> bool:
        """Block until no job runs (queued results still need the event loop)."""
        return True

    def shutdown(self, msecs: int = 3000) -> None:
        for token in list(self._live):
            self._drop(token)
        self._idle_check()


class SyncRunner(TaskRunner):
    """Runs each task at once on the caller's thread (tests), on its own connection."""

    def _launch(self, job: QRunnable) -> None:
        job.run()


class ThreadRunner(TaskRunner):
    """Runs tasks on a QThreadPool of its own."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def _launch(self, job: QRunnable) -> None:
        self.pool.start(job)

    def _sink(self, event: str, token: int, *args: Any) -> None:
        signal = getattr(self._bridge, event)
        try:
            signal.emit(token, *args)
        except RuntimeError:
            pass  # the runner was deleted (app quitting): nobody waits for this result

    def runs_inline(self, store: Store | None) -> bool:
        """A small file refreshes inline: no thread hop, no busy flash."""
        if store is None:
            return True
        from custdesk.services.files import records_estimate

        return records_estimate(store) < HEAVY_RECORDS

    def wait(self, msecs: int = 60_000) -> bool:
        return bool(self.pool.waitForDone(msecs))

    def shutdown(self, msecs: int = 3000) -> None:
        """Ask every task to stop and wait a little for them (app quitting)."""
        super().shutdown(msecs)
        self.pool.clear()
        self.pool.waitForDone(msecs)
        self.use_screen_process(False)


_default: dict[str, TaskRunner | None] = {"runner": None}


def default_runner() -> TaskRunner:
    """The app's shared runner (created on first use)."""
    runner = _default["runner"]
    if runner is None:
        # Everything alive now (modules, the window, Qt wrappers) is long-lived: move it
        # out of the cyclic collector's reach, so a full collection triggered by a
        # worker's allocations walks only the new objects — such a collection holds the
        # GIL and froze the GUI for up to 1.5 s on a big file (DESIGN.md "Measured here").
        gc.freeze()
        runner = ThreadRunner()
        _default["runner"] = runner
        # without an event loop aboutToQuit never comes (smoke test): stop at exit too
        atexit.register(_shutdown_quietly, runner)
    return runner


def _shutdown_quietly(runner: TaskRunner) -> None:
    try:
        runner.shutdown()
    except RuntimeError:
        pass  # Qt objects already gone


def set_default_runner(runner: TaskRunner | None) -> None:
    """Replace the shared runner (tests: `SyncRunner()`); None restores the real one."""
    _default["runner"] = runner


def _receiver_alive(callback: Callable[..., object]) -> bool:
    """False when `callback` is a bound method of a Qt object already deleted (a window
    closed while its task ran): calling it would raise inside the event loop."""
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)


class RefreshGate:
    """A counter for callers that chain several tasks: is this generation still current?"""

    def __init__(self) -> None:
        self.generation = 0

    def start(self) -> int:
        self.generation += 1
        return self.generation

    def current(self, generation: int) -> bool:
        return generation == self.generation


def in_background(work: Callable[[], Any], then: Callable[[Any], object],
                  failed: Callable[[BaseException], object], *, daemon: bool = True) -> None:
    """Run `work` on a thread of its own, then `then(result)` or `failed(exc)` on the GUI
    thread, which keeps turning meanwhile (it polls every 5 ms; no signal needed). For work
    outside the task runner: the start-up (the runner and the storage layer not loaded
    yet) and switching files (ui/file_switch.py). `daemon=False`: the process waits for it
    at exit (a file's closing backup must never be cut off)."""
    when_done(start_background(work, daemon=daemon), then, failed)


Outcome: TypeAlias = "list[tuple[bool, Any]]"  # [] until the work ends, then [(ok, value)]


def start_background(work: Callable[[], Any], *, daemon: bool = True,
                     name: str = "custdesk-background") -> Outcome:
    """Start `work` on a thread of its own (from any thread: the start-up's import thread
    starts the file's opening); its outcome lands in the list returned."""
    outcome: Outcome = []

    def run() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as exc:  # handed to the GUI thread
            outcome.append((False, exc))

    threading.Thread(target=run, name=name, daemon=daemon).start()
    return outcome


def when_done(outcome: Outcome, then: Callable[[Any], object],
              failed: Callable[[BaseException], object]) -> None:
    """`then(result)` or `failed(exc)` on the GUI thread (call it there) once the work of
    `start_background` has ended."""
    from PySide6.QtCore import QTimer

    def check() -> None:
        if not outcome:
            QTimer.singleShot(5, check)
            return
        ok, value = outcome[0]
        if ok:
            then(value)
        else:
            failed(value)

    QTimer.singleShot(5, check)
