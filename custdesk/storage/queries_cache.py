"""A small per-store cache of computed results, dropped by any write to the database.

One screen refresh asks for the same per-customer work several times (the bridge, the
at-risk list, the customer table and the profitability groups all need the customers'
facts for the same day or period). Each result is kept under (key, data version), where
the data version is `PRAGMA data_version` (changes when another connection commits) plus
this connection's `total_changes` (changes with every row it writes, committed or not):
any write makes every older entry unreachable, so a stale number is never served. Nothing
computed while the connection has a transaction open is kept: it may hold rows a rollback
takes back (a rollback never lowers `total_changes`).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from custdesk.storage.database import Store

T = TypeVar("T")
MAX_ENTRIES = 4  # each entry can hold ~100k small tuples (tens of MB on a big file)
# results of a few dozen rows (a catalogue, its per-segment sums) are kept apart, so the
# big per-customer results do not push them out: every tab showing cards asks for the same
# period's and prior period's catalogue until the data or the period changes
# (64: each period's whole-file sums — order counts, discounts, qualified leads — are
# small entries too since round 6, ~10 more per period and its prior)
MAX_SMALL_ENTRIES = 64

_lock = threading.Lock()
_caches: weakref.WeakKeyDictionary[Store, OrderedDict] = weakref.WeakKeyDictionary()
_small_caches: weakref.WeakKeyDictionary[Store, OrderedDict] = weakref.WeakKeyDictionary()
# results of thousands of rows asked for one day at a time (a day's detractors): one entry
# per name (`one_of`) and store, the latest key's — browsing the days would otherwise fill
# the small entries with megabytes each
_named_caches: weakref.WeakKeyDictionary[Store, dict[str, OrderedDict]] = (
    weakref.WeakKeyDictionary())
# a second connection working for a store (storage/beside.py) -> (the store, the store's
# data version when that work began, the helper's own `PRAGMA data_version` then): what it
# computes is filed with the store's results while nobody has committed since
_shared: weakref.WeakKeyDictionary[Store, tuple[Store, tuple[int, int], int]] = (
    weakref.WeakKeyDictionary())


def data_version(store: Store) -> tuple[int, int]:
    """Changes whenever the database's content may have changed."""
    conn = store.conn
    return conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes


def cached(store: Store, key: Hashable, compute: Callable[[], T], *,
           small: bool = False, one_of: str | None = None) -> T:
    """compute(), or its result from an earlier call with the same key and data version.
    `small`: a result of a few dozen rows, kept among the `MAX_SMALL_ENTRIES`; `one_of`: a
    result kept only until another key of the same name is asked for.

    Callers must treat the result as read-only (it is shared)."""
    before = data_version(store)
    hit = _kept(store, before, key, small, one_of)
    if hit is not None:
        return hit
    value = compute()
    after = data_version(store)  # compute() may have refreshed a summary table (ours)
    if after[0] != before[0]:  # another connection wrote meanwhile: maybe a mixed result
        return value
    if store.conn.in_transaction:  # uncommitted rows, maybe: a rollback would keep them
        return value
    home, version = _home(store, after)
    with _lock:
        entries, limit = _shelf(home, small, one_of)
        entries[(key, version)] = value
        while len(entries) > limit:
            entries.popitem(last=False)
    return value


def peek(store: Store, key: Hashable, *, small: bool = False,
         one_of: str | None = None) -> Any:
    """The result `cached` keeps under `key` for the current data, or None: nothing is
    computed (a screen that can read another screen's result when it is there, and runs a
    cheaper statement of its own when it is not: storage/queries_kept.py)."""
    return _kept(store, data_version(store), key, small, one_of)


def _kept(store: Store, version: tuple[int, int], key: Hashable, small: bool,
          one_of: str | None) -> Any:
    """The result kept under `key` for `store`'s data at `version` (its home's), or None;
    a hit is the shelf's most recently used."""
    home, version = _home(store, version)
    with _lock:
        entries, _limit = _shelf(home, small, one_of)
        hit = entries.get((key, version))
        if hit is not None:
            entries.move_to_end((key, version))
        return hit


def _shelf(store: Store, small: bool, one_of: str | None) -> tuple[OrderedDict, int]:
    """Where `cached` keeps a result for `store`, and how many entries it holds (call
    with `_lock` held)."""
    if one_of is not None:
        return _named_caches.setdefault(store, {}).setdefault(one_of, OrderedDict()), 1
    if small:
        return _small_caches.setdefault(store, OrderedDict()), MAX_SMALL_ENTRIES
    return _caches.setdefault(store, OrderedDict()), MAX_ENTRIES


def home(store: Store, version: tuple[int, int]) -> tuple[Store, tuple[int, int]]:
    """Whose entries `store` files its results with, under which data version, given
    `store`'s own `version` just read: its own, or for a connection working for another
    store (`share`) that store's — unless another connection committed since the work
    began (then its results are its own: they are not the other store's snapshot)."""
    return _home(store, version)


def _home(store: Store, version: tuple[int, int]) -> tuple[Store, tuple[int, int]]:
    with _lock:
        shared = _shared.get(store)
    if shared is None or version[0] != shared[2]:
        return store, version
    return shared[0], shared[1]


def share(helper: Store, store: Store, since: tuple[int, int],
          helper_version: tuple[int, int]) -> None:
    """File what `helper` (a second read connection to `store`'s file) computes among
    `store`'s results under `store`'s data version `since`, until `unshare`.
    `helper_version`: `helper`'s own data version read while `store`'s stood at `since`
    (the same snapshot); once another connection commits, `helper`'s version moves and
    its results stay its own."""
    with _lock:
        _shared[helper] = (store, since, helper_version[0])


def unshare(helper: Store) -> None:
    with _lock:
        _shared.pop(helper, None)


def seed(store: Store, key: Hashable, value: object, since: tuple[int, int], *,
         small: bool = False) -> None:
    """Keep `value`, computed from the data as of version `since` (`data_version` taken
    before the computation began), as `cached` would have kept it under `key`: only when
    no other connection committed meanwhile (the value may mix both states), and in place
    of any entry already there (a value computed earlier is no better)."""
    now = data_version(store)
    if now[0] != since[0] or store.conn.in_transaction:
        return
    store, now = _home(store, now)
    with _lock:
        entries, limit = _shelf(store, small, None)
        entries[(key, now)] = value
        entries.move_to_end((key, now))
        while len(entries) > limit:
            entries.popitem(last=False)


def clear(store: Store) -> None:
    """Forget everything cached for the store (tests, or after closing it)."""
    with _lock:
        _caches.pop(store, None)
        _small_caches.pop(store, None)
        _named_caches.pop(store, None)
