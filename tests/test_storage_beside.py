"""`storage/beside.py`: a part of a screen's work on a second read connection, on a thread,
with the same result as inline, its results filed in the store's cache, and inline
whenever the second connection would not see what the store sees."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from custdesk.storage import beside, queries_cache
from custdesk.storage.database import connect

COUNT = "SELECT count(*) FROM customers"


def _count(store) -> int:
    return store.conn.execute(COUNT).fetchone()[0]


def test_a_part_runs_on_another_thread_and_connection_with_the_same_result(demo_store):
    seen: list = []

    def part(s):
        seen.append((s is demo_store, threading.current_thread() is threading.main_thread(),
                     s.conn.execute("PRAGMA query_only").fetchone()[0]))
        return _count(s)

    assert beside.beside(demo_store, part).result() == _count(demo_store) > 0
    assert seen == [(False, False, 1)]  # the twin: read-only, on its own thread


def test_what_a_part_computes_is_filed_in_the_stores_cache(demo_store):
    computed: list[str] = []

    def tally(s, who):
        return queries_cache.cached(s, ("test tally",),
                                    lambda: computed.append(who) or _count(s))

    twin_value = beside.beside(demo_store, lambda s: tally(s, "twin")).result()
    assert tally(demo_store, "store") == twin_value
    assert computed == ["twin"]  # the store found the twin's result
    # a write makes it unreachable, as any cached result
    with demo_store.transaction():
        demo_store.conn.execute("UPDATE customers SET segment = segment")
    tally(demo_store, "store")
    assert computed == ["twin", "store"]


def test_seeded_values_of_a_part_reach_the_store_too(demo_store):
    def part(s):
        queries_cache.seed(s, ("seeded",), 42, queries_cache.data_version(s))
        return None

    beside.beside(demo_store, part).result()
    assert queries_cache.cached(demo_store, ("seeded",), lambda: pytest.fail("not found")) == 42


def test_a_commit_by_another_connection_during_the_part_keeps_its_result_out(demo_store):
    other = connect(demo_store.path)
    computed: list[str] = []

    def part(s):
        def compute():
            computed.append("twin")
            other.conn.execute("UPDATE customers SET segment = segment")
            other.conn.commit()
            return _count(s)
        return queries_cache.cached(s, ("mixed",), compute)

    beside.beside(demo_store, part).result()
    queries_cache.cached(demo_store, ("mixed",), lambda: computed.append("store"))
    assert computed == ["twin", "store"]
    other.close()


def test_uncommitted_rows_of_the_store_keep_the_part_inline(demo_store):
    """The twin would not see them: the part runs on the store itself, at once."""
    before = _count(demo_store)
    demo_store.conn.execute("BEGIN")
    demo_store.conn.execute("INSERT INTO customers (name, name_key, created_on) "
                            "VALUES ('Uncommitted Ltd', 'uncommitted ltd', '2026-12-01')")
    threads: list[bool] = []

    def part(s):
        threads.append(threading.current_thread() is threading.main_thread())
        return _count(s)

    assert beside.beside(demo_store, part).result() == before + 1
    assert threads == [True]
    demo_store.conn.execute("ROLLBACK")


def test_a_part_of_a_part_goes_to_another_twin_and_is_filed_with_the_store(demo_store):
    stores: list = []
    computed: list[str] = []

    def inner(s):
        stores.append(s)
        return queries_cache.cached(s, ("inner",), lambda: computed.append("inner")
                                    or _count(s))

    def outer(s):
        stores.append(s)
        return beside.beside(s, inner).result()

    assert beside.beside(demo_store, outer).result() == _count(demo_store)
    outer_store, inner_store = stores
    assert len({id(demo_store), id(outer_store), id(inner_store)}) == 3  # two twins
    queries_cache.cached(demo_store, ("inner",), lambda: computed.append("store"))
    assert computed == ["inner"]  # filed with the store, under its version


def test_while_every_twin_is_busy_a_part_runs_inline(demo_store):
    release = threading.Event()
    started: list[threading.Event] = [threading.Event() for _ in range(beside.TWINS)]

    def hold(i):
        def part(s):
            started[i].set()
            release.wait(10)
            return _count(s)
        return part

    held = [beside.beside(demo_store, hold(i)) for i in range(beside.TWINS)]
    assert all(e.wait(10) for e in started)
    where: list[bool] = []
    inline = beside.beside(demo_store, lambda s: where.append(s is demo_store) or _count(s))
    assert where == [True]  # ran at once, on the store itself
    release.set()
    assert [p.result() for p in held] == [inline.result()] * beside.TWINS


def test_an_error_in_a_part_is_raised_by_result(demo_store):
    pending = beside.beside(demo_store, lambda s: s.conn.execute("SELECT nope FROM nowhere"))
    with pytest.raises(sqlite3.OperationalError, match="nowhere"):
        pending.result()
    # the twin is free again
    assert beside.beside(demo_store, _count).result() == _count(demo_store)


def test_a_part_cannot_write(demo_store):
    pending = beside.beside(demo_store, lambda s: s.conn.execute(
        "UPDATE customers SET segment = 'x'"))
    with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
        pending.result()


def test_a_stop_set_on_the_store_stops_its_part(demo_store):
    slow = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            "WHERE i < 100000000) SELECT count(*) FROM n")
    beside.set_progress_handler(demo_store, lambda: True, 1000)
    try:
        pending = beside.beside(demo_store, lambda s: s.conn.execute(slow).fetchone())
        with pytest.raises(sqlite3.OperationalError, match="interrupted"):
            pending.result()
    finally:
        beside.set_progress_handler(demo_store, None, 0)
    assert beside.beside(demo_store, _count).result() == _count(demo_store)


def test_switched_off_or_closed_twin_runs_inline(demo_store, monkeypatch):
    monkeypatch.setattr(beside, "ENABLED", False)
    assert beside.beside(demo_store, lambda s: s is demo_store).result() is True
    monkeypatch.setattr(beside, "ENABLED", True)
    beside.beside(demo_store, _count).result()
    beside.close_twin(demo_store)
    assert beside.beside(demo_store, _count).result() == _count(demo_store)  # a new twin


def test_a_store_no_longer_used_is_freed_with_its_twins_closed(tmp_path, demo_store):
    """Task stores come and go (one per task in the window's process): their second
    connections and cached results must go with them."""
    import gc
    import shutil
    import weakref

    from custdesk.services.files import close_task_store
    from custdesk.storage.store import Store

    path = tmp_path / "copy.db"
    shutil.copyfile(demo_store.path, path)
    twins = []
    for closing in (close_task_store, lambda s: s.close(backup_if_changed=False)):
        store = Store(path, connect(path), None)
        beside.beside(store, lambda s: twins.append(s) or _count(s)).result()
        queries_cache.cached(store, ("kept",), lambda: 1)
        gone = weakref.ref(store)
        closing(store)
        del store
        gc.collect()
        assert gone() is None  # freed: nothing holds it (its cache entries went with it)
        assert twins[-1].closed  # and its second connection is closed


def test_closing_a_store_while_its_part_runs_closes_the_twin_when_the_part_is_done(
        demo_store):
    release, started = threading.Event(), threading.Event()
    errors: list = []
    threading.excepthook, hook = (lambda args: errors.append(args.exc_value)), \
        threading.excepthook
    try:
        def part(s):
            started.set()
            release.wait(10)
            return _count(s)

        pending = beside.beside(demo_store, part)
        assert started.wait(10)
        twin = next(iter(beside._twins[demo_store]))
        beside.close_twin(demo_store)
        assert not twin.store.closed  # not under the running part
        release.set()
        assert pending.result() == _count(demo_store)
        pending._thread.join(10)
        assert twin.store.closed and errors == []
    finally:
        threading.excepthook = hook


def test_a_commit_before_the_parts_first_read_keeps_its_result_out(demo_store):
    """The part reads after another connection committed: its result is of the newer
    data, so it must not be filed under the store's older version."""
    other = connect(demo_store.path)

    def part(s):
        other.conn.execute("UPDATE customers SET segment = segment")
        other.conn.commit()
        return queries_cache.cached(s, ("after a commit",), lambda: _count(s))

    before = queries_cache.data_version(demo_store)
    beside.beside(demo_store, part).result()
    home, version = queries_cache.home(demo_store, before)
    assert (home, version) == (demo_store, before)
    entries = queries_cache._caches.get(demo_store, {})
    assert all(key != ("after a commit",) for key, _v in entries)
    other.close()


def test_a_cancelled_task_stops_its_part_too(qtbot, demo_store):
    """The window's task runner interrupts a cancelled task's SQL — its part's too."""
    from custdesk.ui import tasks

    slow = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
            "SELECT count(*) FROM n")
    parts: list = []

    def task(store):  # submit() hands a query task its own store
        pending = beside.beside(store, lambda s: s.conn.execute(slow).fetchone())
        parts.append(pending)
        return pending.result()

    runner = tasks.ThreadRunner()
    try:
        runner.submit(demo_store, task, lambda _r: None, lambda _e: None, key="slow")
        qtbot.waitUntil(lambda: bool(parts), timeout=10_000)
        runner.cancel("slow")
        parts[0]._thread.join(10)
        assert not parts[0]._thread.is_alive()  # the endless part was interrupted
    finally:
        runner.shutdown()


def test_a_write_waits_for_a_long_read_in_flight_instead_of_failing(demo_store):
    """A screen build's reads (on up to three connections) hold the file's shared lock while
    their statements run; a write commits once they end — 5.5 s here, longer than SQLite's
    usual 5 s — instead of failing with "database is locked"."""
    import time

    reader = connect(demo_store.path)
    reading = threading.Event()

    def long_read():
        reader.conn.execute("BEGIN")
        reader.conn.execute(COUNT).fetchone()  # the shared lock, held until the end
        reading.set()
        time.sleep(5.5)
        reader.conn.execute("COMMIT")

    thread = threading.Thread(target=long_read)
    thread.start()
    assert reading.wait(10)
    started = time.monotonic()
    with demo_store.transaction():
        demo_store.conn.execute("UPDATE customers SET segment = segment")
    assert time.monotonic() - started > 4  # it did wait for the read
    thread.join()
    reader.close()


def test_waited_on_failure_waits_for_every_part_before_the_error_goes_on(demo_store):
    """A build whose own work fails: its parts beside (None among them: skipped) are
    waited for before the error reaches the caller; when it succeeds nothing is waited."""
    import time

    ended: list[str] = []

    def slow(_twin) -> str:
        time.sleep(0.3)
        ended.append("slow")
        return "done"

    part = beside.beside(demo_store, slow)
    with pytest.raises(RuntimeError, match="own work"):
        with beside.waited_on_failure(None, part):
            raise RuntimeError("own work failed")
    assert ended == ["slow"]
    part = beside.beside(demo_store, slow)
    with beside.waited_on_failure(part):
        pass
    assert ended == ["slow"]  # not waited: still at work
    assert part.result() == "done" and ended == ["slow", "slow"]
