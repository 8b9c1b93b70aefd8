"""Issue 7, points 8 and 9: private files, and a year of daily backups that stays bounded,
recent, sound and restorable to the exact content it was taken from."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from reliability_util import digest

from custdesk.storage import open_store
from custdesk.storage.backups import (
    KEEP_DAILY_DAYS,
    KEEP_LATEST,
    KEEP_MONTHLY,
    backup_dir,
    create_backup,
    list_backups,
    restore_backup,
    verify_backup,
)
from custdesk.storage.database import acquire_lock

FIRST_DAY = date(2025, 11, 25)


def _restore_locked(path: Path, backup: Path) -> Path | None:
    """`restore_backup` as the CLI runs it: under the file's lock."""
    lock = acquire_lock(path)
    try:
        return restore_backup(path, backup, lock=lock)
    finally:
        lock.release()
DAYS = 365  # up to and including 2026-11-24


def _day_of_work(store, day: date, n: int) -> None:
    """What an owner does in a day: a few new customers and orders, one edit."""
    with store.transaction():
        ids = []
        for k in range(3):
            cur = store.conn.execute(
                "INSERT INTO customers(name, name_key, created_on) VALUES (?, ?, ?)",
                (f"Customer {n}-{k}", f"customer {n}-{k}", day.isoformat()))
            ids.append(cur.lastrowid)
        store.conn.executemany(
            "INSERT INTO orders(customer_id, date, month, revenue_e4) VALUES (?, ?, ?, ?)",
            [(cid, day.isoformat(), day.year * 100 + day.month, 125_000 + n) for cid in ids])
        store.conn.execute("UPDATE customers SET notes = ? WHERE id = 1", (f"seen {day}",))


@pytest.fixture
def fast_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder on tmpfs when there is one: 365 days of fsyncs cost ~12 s on disk, and
    this test is about rotation and restore, not durability (the kill tests cover that)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="custdesk-year-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_year_of_daily_backups(fast_dir: Path) -> None:
    tmp_path = fast_dir
    path = tmp_path / "business.db"
    store = open_store(path)
    taken: dict[datetime, str] = {}  # when -> digest of the database at that moment
    most_kept = 0
    for n in range(DAYS):
        day = FIRST_DAY + timedelta(days=n)
        _day_of_work(store, day, n)
        when = datetime.combine(day, datetime.min.time()) + timedelta(hours=18)
        store.conn.commit()
        taken[when] = digest(path)
        create_backup(store, reason="on-close", now=when)
        most_kept = max(most_kept, len(list_backups(path)))
    store.close(backup_if_changed=False)

    kept = list_backups(path)
    bound = KEEP_LATEST + KEEP_DAILY_DAYS + KEEP_MONTHLY
    print(f"\n{DAYS} days of use: {len(kept)} backups kept (at most {most_kept} at any time, "
          f"bound {bound})")
    assert most_kept <= bound
    # hand-computed rotation on 2026-11-24 18:00 (newest 10, every day of the last 14,
    # newest of each of the last 12 months):
    expected_days = {date(2026, 11, d) for d in range(10, 25)} | {
        date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31),
        date(2026, 4, 30), date(2026, 5, 31), date(2026, 6, 30), date(2026, 7, 31),
        date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31)}
    assert {b.taken_at.date() for b in kept} == expected_days
    assert len(kept) == 26
    assert kept[0].taken_at == datetime(2026, 11, 24, 18, 0)  # the newest is today's
    for backup in kept:  # each is sound and brings back exactly what it was taken from
        verify_backup(backup.path)
        target = tmp_path / "restored" / "business.db"
        target.parent.mkdir(exist_ok=True)
        _restore_locked(target, backup.path)
        assert digest(target) == taken[backup.taken_at], backup.path.name


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_database_backups_and_safety_copies_are_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a typical umask that would give 0644 files
    try:
        path = tmp_path / "business.db"
        store = open_store(path)
        first = create_backup(store, reason="manual", now=datetime(2026, 11, 1, 9))
        store.close()  # a new database changed: on-close backup
        safety = _restore_locked(path, first.path)
        db_mode = os.stat(path).st_mode
    finally:
        os.umask(old)
    assert stat.S_IMODE(db_mode) == 0o600
    assert stat.S_IMODE(backup_dir(path).stat().st_mode) == 0o700
    files = [b.path for b in list_backups(path)]
    assert len(files) == 3 and safety in files
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f.name


def test_a_journal_created_while_writing_is_private(tmp_path: Path) -> None:
    """SQLite gives the -journal the database file's permissions: checked mid-write."""
    path = tmp_path / "business.db"
    old = os.umask(0o022)
    try:
        store = open_store(path)
        with store.transaction():
            store.conn.execute("INSERT INTO customers(name, name_key, created_on) "
                               "VALUES ('A', 'a', '2026-01-01')")
            journal = Path(f"{path}-journal")
            assert journal.exists()
            assert stat.S_IMODE(journal.stat().st_mode) == 0o600
        store.close(backup_if_changed=False)
    finally:
        os.umask(old)


# ---- issue 20, H1: links planted where custdesk writes are never followed ---------------

def test_restore_never_follows_a_planted_link(tmp_path: Path) -> None:
    from custdesk.commands.backup import _restore

    db = tmp_path / "business.db"
    store = open_store(db)
    create_backup(store, reason="manual")
    store.close(backup_if_changed=False)
    victim = tmp_path / "victim.txt"
    victim.write_text("the owner's other file")
    victim.chmod(0o644)
    # every name an old custdesk used for its staging, safety and partial copies
    planted = [db.with_name("." + db.name + ".restoring"),
               db.with_name("." + db.name + ".partial")]
    for link in planted:
        link.symlink_to(victim)
    assert _restore(db, "latest") == 0
    assert victim.read_text() == "the owner's other file"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644
    assert not db.is_symlink() and db.is_file()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert all(link.is_symlink() for link in planted)  # left as found, never written through
    open_store(db).close(backup_if_changed=False)


def test_a_backup_never_writes_through_a_planted_partial_link(tmp_path: Path) -> None:
    from custdesk.storage.backups import write_copy

    db = tmp_path / "business.db"
    store = open_store(db)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    target = tmp_path / "copy.db"
    target.with_name("." + target.name + ".partial").symlink_to(victim)
    write_copy(store.conn, target)
    store.close(backup_if_changed=False)
    assert victim.read_text() == "keep me"
    verify_backup(target)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")
                and not p.is_symlink()]  # no leftover copy


# ---- issue 20, M4: backups follow a sequence number, never the wall clock ---------------

def test_a_clock_set_back_never_brings_back_or_prunes_the_wrong_backups(tmp_path: Path) -> None:
    """Before: 12 backups in Nov 2026, then the clock set back to June 2025 for 12 more:
    `restore latest` brought back the last pre-jump one and rotation pruned 9 of the 12
    newer ones at once (they looked a year old)."""
    from custdesk.commands.backup import _restore
    from custdesk.storage.backups import next_sequence
    from custdesk.storage.repository import get_settings, set_setting

    db = tmp_path / "business.db"
    store = open_store(db)
    times = [datetime(2026, 11, 1 + i, 18) for i in range(12)]
    times += [datetime(2025, 6, 1, 9) + timedelta(days=i) for i in range(12)]  # set back
    for n, when in enumerate(times, 1):
        set_setting(store, "business_name", f"state {n}")
        backup = create_backup(store, reason="on-close", now=when)
        assert backup.seq == n
    store.close(backup_if_changed=False)
    kept = list_backups(db)
    assert [b.seq for b in kept[:KEEP_LATEST]] == list(range(24, 24 - KEEP_LATEST, -1))
    newer = [b for b in kept if b.seq > 12]
    # the 12 after the jump: the newest 10, plus every day of the last 14 (by their own
    # clock, all of them): none pruned
    assert sorted(b.seq for b in newer) == list(range(13, 25))
    assert kept[0].taken_at == times[-1] and next_sequence(db) == 25
    assert _restore(db, "latest") == 0
    after = open_store(db)
    try:
        assert get_settings(after)["business_name"] == "state 24"
    finally:
        after.close(backup_if_changed=False)
    # the replaced file's safety copy is the newest now, whatever the clock says
    assert list_backups(db)[0].reason == "before-restore"
    assert list_backups(db)[0].seq == 25


def test_backups_named_by_an_older_version_sort_before_numbered_ones(tmp_path: Path) -> None:
    db = tmp_path / "business.db"
    store = open_store(db)
    first = create_backup(store, reason="manual", now=datetime(2030, 1, 1))
    old_name = backup_dir(db) / f"{db.name}-20300101-000000-000000-manual.db"
    first.path.rename(old_name)  # a name without a sequence number, from the future
    second = create_backup(store, reason="manual", now=datetime(2026, 1, 1))
    store.close(backup_if_changed=False)
    assert [b.path for b in list_backups(db)] == [second.path, old_name]
    assert (second.seq, list_backups(db)[1].seq) == (1, 0)


# ---- issue 20, M3: a restore right after a crash recovers the file before keeping it ---------

def _crash_state(db: Path, rows: int = 3_000) -> tuple[bytes, bytes]:
    """(file bytes, hot journal bytes) as a crash in the middle of a big write leaves them
    (a tiny cache makes SQLite write pages into the file before the commit)."""
    import sqlite3

    conn = sqlite3.connect(str(db), isolation_level=None)
    try:
        conn.execute("PRAGMA cache_size = 5")
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO customers(name, name_key, notes, created_on) "
                         "VALUES (?, ?, ?, '2026-01-01')",
                         [(f"Crash {i}", f"crash {i}", "x" * 200) for i in range(rows)])
        conn.execute("UPDATE customers SET notes = 'changed', name = 'Z' || name")
        state = (db.read_bytes(), Path(f"{db}-journal").read_bytes())
        conn.execute("ROLLBACK")
    finally:
        conn.close()
    assert state[1][:8] == bytes.fromhex("d9d505f920a163d7")
    return state


def _business(tmp_path: Path, name: str) -> Path:
    from custdesk.storage.repository import set_setting

    db = tmp_path / name
    store = open_store(db)
    with store.transaction():
        store.conn.executemany("INSERT INTO customers(name, name_key, created_on) "
                               "VALUES (?, ?, '2025-01-01')",
                               [(f"Kept {i}", f"kept {i}") for i in range(50)])
    set_setting(store, "business_name", name)
    store.close()  # an on-close backup: the restore point
    return db


def test_a_restore_after_a_crash_keeps_the_recovered_file(tmp_path: Path) -> None:
    """Before: the before-restore copy was the file without its journal (half a write,
    often malformed) and the hot journal was deleted."""
    from custdesk.commands.backup import _restore

    db = _business(tmp_path, "business.db")
    before = digest(db)
    main, journal = _crash_state(db)
    db.write_bytes(main)
    Path(f"{db}-journal").write_bytes(journal)
    assert _restore(db, "latest") == 0
    safety = next(b for b in list_backups(db) if b.reason == "before-restore")
    verify_backup(safety.path)
    assert digest(safety.path) == before  # exactly the business as it was before the crash
    assert not Path(f"{db}-journal").exists()
    assert not list(backup_dir(db).glob("*-kept"))
    assert not [p for p in backup_dir(db).iterdir() if p.name.startswith(".recover-")]
    open_store(db).close(backup_if_changed=False)


def test_a_journal_that_does_not_recover_is_kept_never_deleted(tmp_path: Path) -> None:
    """A journal from another program's file: replayed in the scratch copy it gives a file
    that is not custdesk's, so the file is kept as it is and the journal beside it."""
    import sqlite3

    from custdesk.commands.backup import _restore

    db = _business(tmp_path, "business.db")
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(str(foreign))
    conn.execute("CREATE TABLE customers(name, name_key, notes, created_on)")
    conn.commit()
    conn.close()
    _main, journal = _crash_state(foreign)
    Path(f"{db}-journal").write_bytes(journal)
    original = db.read_bytes()
    assert _restore(db, "latest") == 0
    safety = next(b for b in list_backups(db) if b.reason == "before-restore")
    kept = safety.path.with_name(safety.path.name + ".journal-kept")
    assert safety.path.read_bytes() == original and kept.read_bytes() == journal
    assert not Path(f"{db}-journal").exists()  # not beside the restored file: kept aside
    open_store(db).close(backup_if_changed=False)


# ---- issue 20, M6: the lock is held from the closing of the store to its reopening --------

_OTHER_OPENER = """
import sys
from custdesk.storage import DatabaseInUseError, open_store
try:
    open_store(sys.argv[1], create=False).close(backup_if_changed=False)
    print("opened")
except DatabaseInUseError:
    print("refused")
"""


def _other_process_opens(path: Path) -> str:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _OTHER_OPENER, str(path)],
                          capture_output=True, text=True, timeout=60)
    return done.stdout.strip() or done.stderr.strip()[-300:]


def test_a_restore_keeps_the_lock_from_close_to_reopen(tmp_path: Path) -> None:
    """Before: a store could only be closed with its lock released, and `restore_backup`
    ran without one, so another process could open the file during a restore."""
    path = tmp_path / "business.db"
    store = open_store(path)
    with store.transaction():
        store.conn.execute("INSERT INTO customers(name, name_key, created_on) "
                           "VALUES ('Ann', 'ann', '2026-01-01')")
    backup = create_backup(store, reason="manual")
    with store.transaction():
        store.conn.execute("DELETE FROM customers")
    held = store.close(keep_lock=True)
    assert held is not None and held.is_locked
    assert _other_process_opens(path) == "refused"
    restore_backup(path, backup.path, lock=held)
    assert _other_process_opens(path) == "refused"
    again = open_store(path, lock=held)  # adopted, never released in between
    assert again.conn.execute("SELECT name FROM customers").fetchall() == [("Ann",)]
    assert _other_process_opens(path) == "refused"
    again.close(backup_if_changed=False)
    assert _other_process_opens(path) == "opened"


def test_a_restore_without_the_held_lock_is_refused(tmp_path: Path) -> None:
    from filelock import FileLock

    from custdesk.storage import DatabaseError

    path = tmp_path / "business.db"
    store = open_store(path)
    backup = create_backup(store, reason="manual")
    store.close(backup_if_changed=False)
    before = digest(path)
    with pytest.raises(DatabaseError, match="does not hold the lock"):
        restore_backup(path, backup.path, lock=FileLock(str(path) + ".lock"))  # not taken
    other = acquire_lock(tmp_path / "other.db")
    try:
        with pytest.raises(DatabaseError, match="does not hold the lock"):
            restore_backup(path, backup.path, lock=other)  # another file's lock
        with pytest.raises(DatabaseError, match="does not hold the lock"):
            open_store(path, lock=other)
    finally:
        other.release()
    assert digest(path) == before
    assert [b.reason for b in list_backups(path)] == ["manual"]  # no safety copy either
