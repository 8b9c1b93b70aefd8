"""The Customers build's parts that need nothing from its lists, shared by its lanes
(Qt-free; issue 18).

The build runs on up to three connections (storage/beside.py): its own makes the lost and
new lists; a second the cards' figures of the period; a third those of the prior period.
After Today the figures are kept (both lanes beside are idle at once), after a period
change keeping the last day the table is (the lists and figures are the work). So the parts
below — the table's LTV and rows, the cohort rows, the promoters, the renewals and the
referrers — are made by whichever lane gets to them first: the prior's lane goes through
them in order once its figures are made, the build's own lane from the other end once its
lost and new lists are made, and each part is made once (`Part`): a lane finding one
being made goes on to the next, and waits only when it needs its result.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from custdesk.storage import Store
from custdesk.storage.beside import Once

T = TypeVar("T")


class Part(Once[T]):
    """`make(connection)`, made once (`Once`: `__call__` waits for it, making it when
    nobody has begun); `help` makes it only when nobody has begun it (never waits), `take`
    is `__call__` for its one reader: the part lets its result go. Once made, `make` (and
    what it holds: a list's 35k customer states) is let go too."""

    def __init__(self, make: Callable[[Store], T]) -> None:
        super().__init__(make)
        self._taken = False

    def take(self, store: Store) -> T:
        with self._lock:
            self._make_now(store)
            if self._taken:
                raise RuntimeError("a part's result taken twice")
            self._taken = True
            return self._made.pop()

    def help(self, store: Store) -> None:
        if self._made or self._taken or not self._lock.acquire(blocking=False):
            return  # made, or being made on another lane
        try:
            self._make_now(store)
        finally:
            self._lock.release()

    def _make_now(self, store: Store) -> None:  # (with the lock held)
        if not self._taken:
            super()._make_now(store)


class Parts:
    """Named parts, gone through in order by `help` (`reverse`: from the last); parts added
    `first` (once some input is known) come before those there, also for a lane already
    going through them."""

    def __init__(self, parts: Iterable[tuple[str, Part[Any]]]) -> None:
        self._parts = dict(parts)
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> Part[Any]:
        with self._lock:
            return self._parts[name]

    def first(self, parts: Iterable[tuple[str, Part[Any]]]) -> None:
        with self._lock:
            self._parts = {**dict(parts), **self._parts}

    def help(self, store: Store, *, reverse: bool = False) -> None:
        done: set[int] = set()
        while True:
            with self._lock:
                order = list(self._parts.values())
            left = [p for p in (reversed(order) if reverse else order) if id(p) not in done]
            if not left:
                return
            done.add(id(left[0]))
            left[0].help(store)
