"""Work beside a screen's: a second read connection to the same file, on a thread.

SQLite releases the GIL while a statement runs, so two statements on two connections run
on two cores at once. A screen builder hands one big part of its work (the catalogue of a
period and its prior period: seconds on a big file) to `beside(store, fn)`, goes on with the
rest on its own connection, and takes the part's result when it needs it. The builder's
result is the same either way: the part is the same call, only on another connection.

A second connection (a *twin* of the store, read-only: `PRAGMA query_only`) files what it
computes in the store's own cache (`queries_cache.share`), under the store's data version
at the moment the part began, so the later tabs find it as if the store had computed it.
It is used only when it sees exactly what the store sees: a file on disk, no transaction
open on the store (uncommitted rows would be invisible to it). Otherwise — and while every
twin is busy — the part runs inline, at once, on the caller's connection. A part may hand
on a part of its own (to another twin of the same store, filed the same way).

A stop set on the store (the screen process's progress handler: a newer load) is set on
the twin too, so a part stops with the rest of the build.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from custdesk.storage import queries_cache
from custdesk.storage.database import connect_read_only
from custdesk.storage.store import Store

T = TypeVar("T")
ENABLED = True  # tests switch it off to compare with the inline path
# second connections per store: the caller and two parts (a part may hand on a part of its
# own) keep two cores busy while one of the three is in Python
TWINS = 2

_lock = threading.Lock()
_twins: weakref.WeakKeyDictionary[Store, list[_Twin]] = weakref.WeakKeyDictionary()
# a twin's store -> the store it works for (weak both ways: a store no longer used is
# freed, and its twins closed, like any other)
_owners: weakref.WeakKeyDictionary[Store, weakref.ref[Store]] = weakref.WeakKeyDictionary()
_handlers: weakref.WeakKeyDictionary[Store, tuple[Callable[[], Any], int]] = (
    weakref.WeakKeyDictionary())


class _Twin:
    """A store's second connection and whether a part is using it. Closed when its
    store is freed or closes — at once when idle, else by the part's thread when done."""

    def __init__(self, store: Store) -> None:
        # it only reads: a write fails, never waits, and no journal is replayed through it
        # (the first tab is built during the open's integrity check: open_store(checking=))
        db = connect_read_only(store.path)
        self.store = Store(store.path, db, None)
        self._state = threading.Lock()
        self._busy = False
        self._closing = False

    def take(self) -> bool:
        """Take it for one part; False when busy or closed."""
        with self._state:
            if self._busy or self._closing or self.store.closed:
                return False
            self._busy = True
            return True

    def release(self) -> None:
        """The part is done (closing it now if that was asked meanwhile)."""
        with self._state:
            self._busy = False
            if self._closing:
                self._close_now()

    def close(self) -> None:
        with self._state:
            self._closing = True
            if not self._busy:
                self._close_now()

    def _close_now(self) -> None:
        # only the connection: Store.close would back up or rescue, which is the store's job
        if not self.store.closed:
            self.store.closed = True
            self.store.db.close()


class Once(Generic[T]):
    """`make(connection)`, made once by whichever connection asks first — a build's own or
    its part's beside (the other waits for it and gets the same): sums both need. Once
    made, `make` (and what it holds) is let go."""

    def __init__(self, make: Callable[[Store], T]) -> None:
        self._make: Callable[[Store], T] | None = make
        self._lock = threading.Lock()
        self._made: list[T] = []

    def __call__(self, store: Store) -> T:
        with self._lock:
            self._make_now(store)
            return self._made[0]

    def _make_now(self, store: Store) -> None:  # (with the lock held)
        if self._made:
            return
        assert self._make is not None
        self._made.append(self._make(store))
        self._make = None


@contextmanager
def waited_on_failure(*parts: Pending[Any] | None) -> Iterator[None]:
    """The block, and when it raises, every part given (None: none) waited for before the
    error goes on: a build whose own work failed does not leave its parts beside running
    on their twins into the next build (`Pending.wait`)."""
    try:
        yield
    except BaseException:
        for part in parts:
            if part is not None:
                part.wait()
        raise


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
        self.wait()
        if self._error is not None:
            raise self._error
        value: T = self._value
        return value

    def wait(self) -> None:
        """Until the part is done, not asking its result: a caller whose own part failed
        waits for it before raising (else the part goes on on its twin after the build
        ended, into the next one)."""
        if self._thread is not None:
            self._thread.join()


def set_progress_handler(store: Store, handler: Callable[[], Any] | None, steps: int) -> None:
    """`store.conn.set_progress_handler(handler, steps)`, also for the store's parts."""
    store.conn.set_progress_handler(handler, steps)
    with _lock:
        if handler is None:
            _handlers.pop(store, None)
        else:
            _handlers[store] = (handler, steps)


def beside(store: Store, fn: Callable[[Store], T]) -> Pending[T]:
    """`fn(store)` on one of the store's twins, on a thread of its own, while the caller
    goes on; inline (now, on `store`) when no twin can be used or all are busy. From inside
    a part (`store` a twin) the next part goes to another twin of the same store."""
    owner = _owner_of(store)
    twin = _free_twin(owner, store)
    if twin is None:
        return Pending.ran(lambda: fn(store))
    # one snapshot for both: the twin's version read while the store's stands still
    own = queries_cache.data_version(store)
    twin_version = queries_cache.data_version(twin.store)
    if queries_cache.data_version(store)[0] != own[0]:  # a commit landed in between
        twin.release()
        return Pending.ran(lambda: fn(store))
    home, since = queries_cache.home(store, own)  # the owner, its version for this part
    with _lock:
        handler = _handlers.get(owner)
    twin.store.conn.set_progress_handler(*(handler or (None, 0)))
    queries_cache.share(twin.store, home, since, twin_version)
    pending: Pending[T] = Pending()

    def work() -> None:
        try:
            pending._run(lambda: fn(twin.store))
        finally:
            try:
                queries_cache.unshare(twin.store)
                if not twin.store.closed:
                    twin.store.conn.set_progress_handler(None, 0)
            finally:
                twin.release()

    pending._thread = threading.Thread(target=work, name="custdesk-beside", daemon=True)
    pending._thread.start()
    return pending


def _owner_of(store: Store) -> Store:
    with _lock:
        ref = _owners.get(store)
    owner = ref() if ref is not None else None
    return owner if owner is not None else store


def _free_twin(owner: Store, store: Store) -> _Twin | None:
    """A free twin of `owner`, taken for one part (a new one while fewer than TWINS);
    None when the part must run inline."""
    if (not ENABLED or owner.closed or store.conn.in_transaction
            or not owner.path.is_file()):
        return None
    with _lock:
        twins = _twins.setdefault(owner, [])
        twins[:] = [t for t in twins if not t.store.closed]
        for twin in twins:
            if twin.take():
                return twin
        if len(twins) >= TWINS:
            return None
        try:
            twin = _Twin(owner)
        except (sqlite3.Error, OSError):
            return None
        twins.append(twin)
        _owners[twin.store] = weakref.ref(owner)
        weakref.finalize(owner, twin.close)
        twin.take()
        return twin


def close_twin(store: Store) -> None:
    """Close the store's twins (the store is closing): now if idle, else when their part
    is done."""
    with _lock:
        twins = _twins.pop(store, [])
    for twin in twins:
        twin.close()
