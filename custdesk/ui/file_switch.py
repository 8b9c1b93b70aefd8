"""Opening and closing database files off the GUI thread (issue 18: opening, restore).

Opening a file runs its integrity check, migrations and summary upkeep (0.9 s warm and up
to 3 s cold on a 375 MB file); closing one that changed takes its rotating backup (1.6 s
on that file). On the GUI thread each was a frozen window. Here each runs on a thread, and
the window switches when it is done.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from custdesk.ui.tasks import Outcome, in_background, start_background, when_done

log = logging.getLogger(__name__)
# how long a close waits for the screen process to end (it is killed after 1 s)
RELEASE_WAIT_S = 5.0

if TYPE_CHECKING:
    from filelock import BaseFileLock

    from custdesk.services.files import Store


# how long an open waits for this process's own close of the same file (its backup)
CLOSE_WAIT_S = 600.0
_closing: dict[Path, threading.Event] = {}  # file -> set once its close here has ended
_closing_lock = threading.Lock()


def open_and_span(path: Path, lock: BaseFileLock | None = None,
                  checking: Callable[[Store], object] | None = None) -> Store:
    """Open the file (with `lock` when the caller already holds it: a restore) and find
    its data's span (the period bar's anchor: 0.1 s on a big file); the span is kept per
    store, so the bar's own call is free. Runs on a thread. A close of the same file
    still running here (the owner went back to the file just left) is waited for: its
    lock is ours, not another program's."""
    from custdesk.services import files
    from custdesk.services.period_service import resolve_period

    with _closing_lock:
        closing = _closing.get(Path(path).resolve())
    if closing is not None and not closing.wait(CLOSE_WAIT_S):
        log.warning("opening %s while its close still runs", path)
    store = (files.open_store(path, checking=checking) if lock is None
             else files.open_store(path, lock=lock, checking=checking))
    try:
        resolve_period(store)
    except Exception:  # the bar asks again on the GUI thread and reports it there
        pass
    return store


def open_later(path: Path, opened: Callable[[Store], object],
               refused: Callable[[BaseException], object],
               lock: BaseFileLock | None = None,
               prepare: Callable[[], object] | None = None) -> None:
    """Open `path` on a thread (after `prepare()` there, e.g. writing the demo file); then
    `opened(store)` or `refused(exc)` on the GUI thread."""
    when_done(start_opening(path, lock, prepare), opened, refused)


def start_opening(path: Path, lock: BaseFileLock | None = None,
                  prepare: Callable[[], object] | None = None,
                  readable: Callable[[Store], Callable[[], object] | None] | None = None
                  ) -> Outcome:
    """Start opening `path` on a thread (from any thread: the start-up's import thread);
    its outcome (the store, or why not) lands in the list returned (`tasks.when_done`).
    `readable(store)` runs on that thread as soon as other connections may read the file
    (during its integrity check when the open writes nothing, else once it is open): the
    start-up has the screen process build the first tab then. It must only read, and may
    return what takes that reading back, called when the check then refuses the file
    (before the refusal is reported). Its failure is logged, never the open's."""
    told: list[Callable[[], object] | None] = []

    def tell(store: Store) -> None:
        if readable is not None and not told:
            try:
                told.append(readable(store))
            except Exception:  # an optional head start: never the open's failure
                told.append(None)
                log.exception("reading %s ahead", path)

    def work() -> Store:
        if prepare is not None:
            prepare()
        try:
            store = open_and_span(path, lock, checking=tell)
        except BaseException:
            take_back = told[0] if told else None
            if take_back is not None:  # read ahead, then refused: nothing may keep it open
                try:
                    take_back()
                except Exception:
                    log.exception("letting go of %s after its refusal", path)
            raise
        tell(store)  # (not told during the check: a migration or summary refill ran)
        return store

    return start_background(work)


def close_later(store: Store, closed: Callable[[BaseFileLock | None], object],
                failed: Callable[[BaseException], object], *, keep_lock: bool = False,
                after: threading.Event | None = None) -> None:
    """Close `store` (its backup first, when this session changed it) on a thread the
    process waits for at exit, once `after` is set (the screen process has let the file
    go: a restore replaces it next); then `closed(the lock, when kept)` — or
    `failed(exc)` — on the GUI thread. Nothing else may use the store meanwhile.
    (`Store.close` does not raise for a failed backup: its reason is in `close_warning`.)"""
    ended = threading.Event()
    with _closing_lock:
        _closing[store.path] = ended

    def close() -> Any:
        try:
            if after is not None and not after.wait(RELEASE_WAIT_S):
                log.warning("the screen process had not let %s go after %.0f s",
                            store.path.name, RELEASE_WAIT_S)
            return store.close(keep_lock=keep_lock)
        finally:
            with _closing_lock:
                if _closing.get(store.path) is ended:
                    del _closing[store.path]
            ended.set()

    in_background(close, closed, failed, daemon=False)
