"""Work beside a screen's: a second read connection to the same file, on a thread.

SQLite releases the GIL while a statement runs, so two statements on two connections run
on two cores at once. A screen builder hands one big part of its work (the catalogue of a
period and its prior period: seconds on a big file) to `beside(store, fn)`, goes on with the
rest on its own connection, and takes the part's result when it needs it. The builder's
result is the same either way: the part is the same call, only on another connection.

The second connection (the store's *twin*, read-only: `PRAGMA query_only`) files what it
computes in the store's own cache (`queries_cache.share`), under the store's data version
at the moment the part began, so the later tabs find it as if the store had computed it.
It is used only when it sees exactly what the store sees: a file on disk, no transaction
open on the store (uncommitted rows would be invisible to it), and not from inside a part
(a part's own parts run inline). Otherwise — and while the twin is busy — the part runs
inline, at once, on the caller's connection.

A stop set on the store (the screen process's progress handler: a newer load) is set on
the twin too, so a part stops with the rest of the build.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from custdesk.storage import queries_cache
from custdesk.storage.database import connect
from custdesk.storage.store import Store

T = TypeVar("T")
ENABLED = True  # tests switch it off to compare with the inline path

_lock = threading.Lock()
_twins: weakref.WeakKeyDictionary[Store, _Twin] = weakref.WeakKeyDictionary()
_handlers: weakref.WeakKeyDictionary[Store, tuple[Callable[[], Any], int]] = (
    weakref.WeakKeyDictionary())
_inside = threading.local()  # set on a twin's thread: nested parts run inline


class _Twin:
    """A store's second connection and the lock saying whether a part is using it."""

    def __init__(self, store: Store) -> None:
        db = connect(store.path)
        db.conn.execute("PRAGMA query_only = ON")  # it only reads: a write fails, never waits
        self.store = Store(store.path, db, None)
        self.busy = threading.Lock()

    def close(self) -> None:
        # only the connection: Store.close would back up or rescue, which is the store's job
        if not self.store.closed:
            self.store.closed = True
            self.store.db.close()


class Pending(Generic[T]):
    """A part's result: `result()` waits for it (re-raising what the part raised)."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._value: Any = None
        self._error: BaseException | None = None

    @classmethod
    def ran(cls, fn: Callable[[], T]) -> Pending[T]:
        """The part run inline, now."""
        pending: Pending[T] = cls()
        pending._run(fn)
        return pending

    def _run(self, fn: Callable[[], T]) -> None:
        try:
            self._value = fn()
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    def result(self) -> T:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        value: T = self._value
        return value


def set_progress_handler(store: Store, handler: Callable[[], Any] | None, steps: int) -> None:
    """`store.conn.set_progress_handler(handler, steps)`, also for the store's parts."""
    store.conn.set_progress_handler(handler, steps)
    with _lock:
        if handler is None:
            _handlers.pop(store, None)
        else:
            _handlers[store] = (handler, steps)


def beside(store: Store, fn: Callable[[Store], T]) -> Pending[T]:
    """`fn(store)` on the store's twin, on a thread of its own, while the caller goes on;
    inline (now, on `store`) when the twin cannot be used or is busy."""
    twin = _free_twin(store)
    if twin is None:
        return Pending.ran(lambda: fn(store))
    since = queries_cache.data_version(store)
    with _lock:
        handler = _handlers.get(store)
    twin.store.conn.set_progress_handler(*(handler or (None, 0)))
    queries_cache.share(twin.store, store, since)
    pending: Pending[T] = Pending()

    def work() -> None:
        _inside.active = True
        try:
            pending._run(lambda: fn(twin.store))
        finally:
            queries_cache.unshare(twin.store)
            twin.store.conn.set_progress_handler(None, 0)
            twin.busy.release()

    pending._thread = threading.Thread(target=work, name="custdesk-beside", daemon=True)
    pending._thread.start()
    return pending


def _free_twin(store: Store) -> _Twin | None:
    """The store's twin, taken for one part; None when the part must run inline."""
    if (not ENABLED or getattr(_inside, "active", False) or store.closed
            or store.conn.in_transaction or not store.path.is_file()):
        return None
    with _lock:
        twin = _twins.get(store)
        if twin is None:
            try:
                twin = _Twin(store)
            except (sqlite3.Error, OSError):
                return None
            _twins[store] = twin
            weakref.finalize(store, twin.close)
    return twin if twin.busy.acquire(blocking=False) else None


def close_twin(store: Store) -> None:
    """Close the store's twin (the store is closing; a part still running ends first)."""
    with _lock:
        twin = _twins.pop(store, None)
    if twin is not None:
        with twin.busy:
            twin.close()
