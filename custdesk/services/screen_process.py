"""Screen builds in a process of their own, so the window's thread never waits on them.

A screen builder is Python between SQL statements; run on a thread of the window's process
it holds the GIL for most of its seconds on a big file, and the window stutters (issue 18:
"keep the heavy lifting in SQLite or in a process"). Here a *job* — a picklable call
`job(store) -> result`, e.g. a `ScreenJob` — runs in a separate process on its own
read-only connection, and its result comes back pickled.

- `ScreenProcess` is the parent's handle on one worker process: `run(path, job, stop)`
  blocks (the calling thread, never the GUI's, waits on a pipe without the GIL) until the
  result, an error, or `stop` is set — then the worker's SQL is interrupted through a
  shared flag and the call returns `STOPPED`.
- `serve` is the worker's loop. It never writes: the window's own connection does that.
  It keeps one read connection per file open between jobs (the per-store caches then serve
  the next tab) and the last few screens built on unchanged data.

The process is started with "spawn" (never fork: the parent has Qt threads); the frozen app
calls `multiprocessing.freeze_support()` first thing (packaging/launcher.py).
"""

from __future__ import annotations

import io
import pickle
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from custdesk.domain import gc_pause
from custdesk.domain.gc_pause import collector_paused

if TYPE_CHECKING:  # multiprocessing loads when the worker starts, not with the window
    from multiprocessing.connection import Connection

FINISHED, FAILED, STOPPED = "finished", "failed", "stopped"
CANNOT_START = "cannot start"  # no worker process here: the caller builds in its own
POLL_S = 0.05  # how often a waiting caller looks at its stop flag
CANCEL_POLL_STEPS = 50_000  # SQLite VM steps between two looks at the stop flag


@dataclass(frozen=True)
class ScreenJob:
    """`fn(store, *args, **kwargs)` as a picklable value: `fn` must be a module-level
    function (a screen's `build`), the arguments plain data (a Period, a label)."""

    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    # (cut, what the asker holds): the answer is `cut(screen, held)` — e.g. the Customers
    # screen without the table rows the tab already shows. Not part of what is built: the
    # worker keeps the screen whole, under the job without it (`key`)
    trim: tuple[Callable[[Any, Any], Any], Any] | None = None

    def __call__(self, store: Any) -> Any:
        return self.answer(self.build(store))

    def build(self, store: Any) -> Any:
        return self.fn(store, *self.args, **self.kwargs)

    def answer(self, built: Any) -> Any:
        return built if self.trim is None else self.trim[0](built, self.trim[1])

    def key(self) -> bytes:
        """What names the screen built (the trim left out)."""
        return pickle.dumps((self.fn, self.args, self.kwargs))


@dataclass(frozen=True)
class Warm:
    """A screen built ahead of its asking: the worker calls `module.start_job(store,
    preset)` for the job the window's first tab will send (the period resolved on the
    file, as the period bar will resolve it), builds it and keeps it among its recent
    screens; it answers only None. The tab's own job, the same, is then answered from
    memory. Named by module, not imported: the window sends it while its own modules
    still import. `label`: the period label the tab's job carries (see `wanted_by`)."""

    module: str
    preset: str
    label: str

    def wanted_by(self, job: Any) -> bool:
        """Whether `job` (a tab asking) is the screen being built ahead: its builder's
        module and period label. Another one stops the warm-up (the tab waits for it).
        (Not the period itself: the worker resolves it. A tab asking for the same preset
        on another anchor — across midnight — waits for the warm-up, then builds its own.)"""
        fn = getattr(job, "fn", None)
        args = getattr(job, "args", ())
        return getattr(fn, "__module__", None) == self.module and args[1:2] == (self.label,)


class WorkerGone(Exception):
    """The worker process ended (killed, out of memory) before it answered."""


class ScreenProcess:
    """One worker process and the pipe to it; one job at a time (callers take `lock`)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._process: Any = None
        self._conn: Connection | None = None
        self._flag: Any = None  # shared int: the number of the job to interrupt
        self._job = 0
        # `stop()` (the window's thread) and `start()` (a pool thread, inside `run`) both
        # set the worker: each stop moves the generation on, and a worker whose start
        # began before a stop is not kept (else it opened the file being let go)
        self._state = threading.Lock()
        self._generation = 0
        self._warming: tuple[Warm, threading.Event] | None = None  # see `warm`

    def start(self) -> None:
        """Start the worker now (it imports the builders while the window is built)."""
        if self._process is not None:
            if self._process.is_alive():
                return
            self.stop()  # it died between two jobs: replace it quietly
        with self._state:
            generation = self._generation
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        self._flag = ctx.Value("q", 0, lock=False)
        process = ctx.Process(target=serve, args=(child, self._flag), daemon=True,
                              name="custdesk-screens")
        try:
            process.start()
        except BaseException:
            parent.close()
            raise
        finally:
            child.close()
        with self._state:
            if self._generation == generation:
                self._process, self._conn = process, parent
                return
        parent.close()  # let go meanwhile: this worker is not kept (its run fails)
        process.kill()
        process.join(1.0)

    def warm(self, path: Path, ahead: Warm) -> bool:
        """Build `ahead` in the worker now, unless a job already runs (then it is not
        needed: a tab asked first). Blocks the calling thread (never the window's) until
        it is built, stopped (`asked`) or failed; True when it was built."""
        if not self.lock.acquire(blocking=False):
            return False
        stop = threading.Event()
        with self._state:
            self._warming = (ahead, stop)
        try:
            # never a worker of its own: after a stop (the app quitting, the file refused
            # or let go) nothing may read the file any more
            outcome, _value = self.run(path, ahead, stop, may_start=False)
        finally:
            with self._state:
                self._warming = None
            self.lock.release()
        return outcome == FINISHED

    def asked(self, job: Any) -> None:
        """A tab waits to send `job`: a warm-up of another screen (or period) stops."""
        with self._state:
            warming = self._warming
        if warming is not None and not warming[0].wanted_by(job):
            warming[1].set()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def run(self, path: Path, job: Callable[[Any], Any] | Warm, stop: threading.Event,
            *, may_start: bool = True) -> tuple[str, Any]:
        """(FINISHED, result) / (FAILED, exception) / (STOPPED, None), or (CANNOT_START,
        exception) when no worker could be started. Call with `lock` held.
        `stop()` from another thread (a file switch) ends the wait with WorkerGone.
        `may_start=False`: only on the worker running now (none: FAILED)."""
        try:
            if may_start:
                self.start()
        except Exception as exc:  # a machine that refuses child processes
            return CANNOT_START, exc
        conn, process, flag = self._conn, self._process, self._flag
        if conn is None or process is None:  # let go while it started (a file switch)
            return FAILED, WorkerGone("the screen process was let go while it started")
        self._job += 1
        number = self._job
        try:
            conn.send((number, str(path), job))
            while not conn.poll(POLL_S):
                if stop.is_set():
                    flag.value = number  # the worker's SQL stops at its next poll
                    break
                if not process.is_alive():
                    raise WorkerGone
            while True:  # drain this job's answer (a stopped job still answers)
                if conn.poll(POLL_S):
                    answered, outcome, value, layout = conn.recv()
                    # the big lists follow, a message per chunk, each unpickled on its own
                    chunks = [conn.recv_bytes() for _ in range(sum(layout))]
                    if answered == number:
                        break
                elif not process.is_alive():
                    raise WorkerGone
        except (EOFError, OSError, WorkerGone):
            if self._process is process:
                self.stop()
            return FAILED, WorkerGone("the screen process ended unexpectedly")
        if stop.is_set():
            return STOPPED, None
        return outcome, join_pickled(value, layout, chunks)

    def stop(self, wait: bool = True) -> Callable[[], None]:
        """End the worker (the app quits, a file is let go, or it broke): a new one starts
        with the next job. A worker busy with a job is killed at once, not waited for.
        Returns what waits for its end (~0.15 s: its connections close, its interpreter
        ends; run here unless `wait=False`: the window's thread must not wait for it)."""
        with self._state:
            self._generation += 1
            process, conn = self._process, self._conn
            self._process = self._conn = None
        busy = self.lock.locked()
        if conn is not None:
            if not busy:  # idle: it reads this and ends by itself
                try:
                    conn.send(None)
                except OSError:
                    pass
            conn.close()
        if process is not None and busy:
            process.kill()

        def reap() -> None:
            if process is not None:
                process.join(1.0)
                if process.is_alive():
                    process.kill()
                    process.join(1.0)

        if wait:
            reap()
        return reap


def _error_value(exc: BaseException) -> Any:
    """The exception, pickled if it can be (its type and message survive), else a
    RuntimeError with its text — the window shows either on the tab's error line."""
    try:
        return pickle.dumps(exc)
    except Exception:
        return pickle.dumps(RuntimeError(f"{type(exc).__name__}: {exc}"))


# ----- a result in pieces: no single unpickling holds the window's GIL for long -------------
# Unpickling is one C call that keeps the GIL: a screen with 100k rows (Pipeline on a big
# file: 6 MB, 0.65 s) would freeze the window for all of it. So every list longer than
# CHUNK_ROWS is cut out of the result and sent in chunks, unpickled one by one: between two
# chunks the waiting thread runs Python again and the window gets the GIL.
CHUNK_ROWS = 2_000


class _ListsPickler(pickle.Pickler):
    """Leaves every list longer than CHUNK_ROWS out, by reference (module-level, no
    closure: a class made per call is a reference cycle that would keep every row alive)."""

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.parts: list[list[Any]] = []
        self.seen: dict[int, int] = {}

    def persistent_id(self, obj: Any) -> int | None:
        if type(obj) is not list or len(obj) <= CHUNK_ROWS:
            return None
        if id(obj) not in self.seen:  # one list shown twice is sent once
            self.seen[id(obj)] = len(self.parts)
            self.parts.append(obj)
        return self.seen[id(obj)]


class _ListsUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, parts: list[list[Any]]) -> None:
        super().__init__(file)
        self.parts = parts

    def persistent_load(self, pid: Any) -> Any:
        return self.parts[pid]


def split_pickled(value: Any) -> tuple[bytes, list[int], list[bytes]]:
    """(the value pickled with its long lists left out, chunks per list, the chunks)."""
    buffer = io.BytesIO()
    pickler = _ListsPickler(buffer)
    pickler.dump(value)
    layout, chunks = [], []
    for rows in pickler.parts:
        pieces = [pickle.dumps(rows[i:i + CHUNK_ROWS], protocol=pickle.HIGHEST_PROTOCOL)
                  for i in range(0, len(rows), CHUNK_ROWS)]
        layout.append(len(pieces))
        chunks += pieces
    return buffer.getvalue(), layout, chunks


def join_pickled(main: bytes, layout: list[int], chunks: list[bytes]) -> Any:
    """The value `split_pickled` cut up, whole again.

    No cyclic collection meanwhile: the rows made so far are young objects, and each full
    collection the unpickling triggers walks all of them holding the GIL (45-130 ms each,
    several per big screen, collecting nothing: rows hold no cycles). The caller freezes
    the result out of the collector's reach (ui/tasks.py)."""
    gc_pause.pause()  # (not `with collector_paused()`: making its context manager could
    try:  # set off a collection before the pause began)
        pieces = iter(chunks)
        parts = []
        for count in layout:
            rows: list[Any] = []
            for _ in range(count):
                rows += pickle.loads(next(pieces))
            parts.append(rows)
        return _ListsUnpickler(io.BytesIO(main), parts).load()
    finally:
        gc_pause.resume()


RECENT_SCREENS = 6  # built screens the worker keeps, for a tab shown again on unchanged data


class _WorkerFiles:
    """The worker's open files and its recently built screens.

    One read connection per file stays open between jobs, so the per-store caches
    (`storage/queries_cache.py`: customer facts, tallies) serve the next tab and the second
    stage too; it is reopened when the file at the path was replaced (a restore). A screen
    built on the same data version (`PRAGMA data_version` + this connection's changes,
    which moves with every commit by any connection) is answered from memory."""

    def __init__(self) -> None:
        from collections import OrderedDict

        self.stores: dict[str, Any] = {}
        self.recent: OrderedDict[tuple[str, bytes, tuple[int, int], date], Any] = OrderedDict()

    def store(self, path: str) -> Any:
        from custdesk.services.files import Store
        from custdesk.storage.beside import close_twin
        from custdesk.storage.database import connect_read_only

        store = self.stores.get(path)
        if store is not None and store.file_gone():
            close_twin(store)
            store.close(backup_if_changed=False, rescue_if_gone=False)  # the window's job
            store = None
            self.recent.clear()
        if store is None:  # read-only: it never writes, nor makes a file where none is
            store = self.stores[path] = Store(Path(path), connect_read_only(Path(path)), None)
        return store

    def run(self, path: str, job: Callable[[Any], Any] | Warm, stop: Callable[[], bool]
            ) -> Any:
        import importlib

        from custdesk.storage.beside import set_progress_handler
        from custdesk.storage.queries_cache import data_version

        store = self.store(path)
        set_progress_handler(store, stop, CANCEL_POLL_STEPS)  # its parts' twin stops too
        if isinstance(job, Warm):  # built and kept, not sent: the tab asks for it next
            self.run(path, importlib.import_module(job.module).start_job(store, job.preset),
                     stop)
            return None
        # today's date too: a screen also reads the clock (a snooze ending, an action
        # falling due), so one built yesterday is not served after midnight
        screen_job = job if isinstance(job, ScreenJob) else ScreenJob(job)
        key = (path, screen_job.key(), data_version(store), date.today())
        if key in self.recent:
            self.recent.move_to_end(key)
            return screen_job.answer(self.recent[key])
        # no cyclic collection while a screen is built: its rows (100k on a big file) are
        # young objects with no cycles, and each collection they trigger walks them all
        # holding the GIL (Today: ~330 collections, 0.2-0.4 s CPU on the big file)
        with collector_paused():
            result = screen_job.build(store)
        if data_version(store) == key[2]:  # nobody wrote meanwhile: a whole, current screen
            self.recent[key] = result
            while len(self.recent) > RECENT_SCREENS:
                self.recent.popitem(last=False)
        return screen_job.answer(result)


# below the window's process (POSIX nice; Windows: below normal). 10, not 5: a build keeps
# both cores busy with up to three threads, and Linux shares a core by weight (nice 0: 1024,
# 5: 335, 10: 110): at 5 a window thread sharing a core with one build thread got 75 % of
# it, with two 60 % — a 45-ms turn of the window became a 75–110-ms stall (measured with
# /proc/<tid>/schedstat: the time the window's thread waited in the run queue); at 10, 90 %
WORKER_NICENESS = 10


def _lower_priority() -> None:
    """Let the window's process win the cores: a screen build keeps both busy (a part on
    a second connection, storage/beside.py), and a window thread waiting for a core while
    its pool thread holds the GIL is a stutter."""
    import os
    import sys

    try:
        if sys.platform == "win32":
            import ctypes

            below_normal = 0x4000  # BELOW_NORMAL_PRIORITY_CLASS
            kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
            kernel32.SetPriorityClass(kernel32.GetCurrentProcess(), below_normal)
        else:
            os.nice(WORKER_NICENESS)
    except (OSError, AttributeError):
        pass  # not allowed here: the same builds, at the same priority


def _stop_check(flag: Any, number: int) -> Callable[[], bool]:
    """SQLite's progress handler: a true answer interrupts the running statement."""
    return lambda: bool(flag.value == number)


# the builders' modules, imported one by one while the worker waits (`import_while_idle`):
# the first tab's first, then the registry that names every screen
IDLE_IMPORTS = ("custdesk.services.screens.today", "custdesk.services.screens.customers",
                "custdesk.services.screens.registry")


def import_while_idle(conn: Connection, modules: tuple[str, ...] = IDLE_IMPORTS) -> None:
    """Import `modules` one by one until a job waits on `conn`: a job that arrives first is
    served first and imports only what it needs (the window's first screen, sent while the
    window still starts, began ~1 s after the worker when it waited for every builder's
    import: 0.4 s alone, ~1 s while the window imports beside it). Free once all are in."""
    import importlib
    import sys

    try:
        for name in modules:
            if name not in sys.modules:
                if conn.poll():
                    return
                importlib.import_module(name)
    except (OSError, EOFError):  # the window went: `recv` next ends the worker
        return
    except Exception:  # a broken module: the job that needs it reports it, in its answer
        return


def serve(conn: Connection, flag: Any) -> None:
    """The worker's loop: run each (number, path, job) on the worker's read connection to
    the file; answer (number, outcome, value). `None` ends it."""
    _lower_priority()
    files = _WorkerFiles()
    while True:
        import_while_idle(conn)
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        number, path, job = message
        outcome: tuple[str, Any]
        try:
            if flag.value == number:
                raise InterruptedError
            outcome = (FINISHED, files.run(path, job, _stop_check(flag, number)))
        except BaseException as exc:
            outcome = (STOPPED, None) if flag.value == number else (FAILED, _error_value(exc))
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                return
        try:
            kind, value = outcome
            main, layout, chunks = (split_pickled(value) if kind == FINISHED
                                    else (value, [], []) if kind == FAILED
                                    else (pickle.dumps(None), [], []))
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            kind, main, layout, chunks = FAILED, _error_value(exc), [], []
        try:
            conn.send((number, kind, main, layout))
            for chunk in chunks:
                conn.send_bytes(chunk)
        except (OSError, BrokenPipeError):
            return
