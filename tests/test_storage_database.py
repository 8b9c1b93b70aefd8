"""Foundation storage: create, reopen, migrate, refuse what is not ours, one writer."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import struct
import time
from datetime import date
from pathlib import Path

import pytest
from reliability_util import digest, spawn, wait_for_line

from custdesk.storage import (
    DatabaseInUseError,
    NewerSchemaError,
    NotCustdeskFileError,
    open_store,
)
from custdesk.storage.backups import create_backup, list_backups, restore_backup
from custdesk.storage.database import APPLICATION_ID, acquire_lock, lock_path
from custdesk.storage.migrations import LATEST_VERSION, MIGRATIONS, migrate


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_create_then_reopen_keeps_data(db_path: Path) -> None:
    s = open_store(db_path)
    assert s.schema_version() == len(MIGRATIONS)
    assert s.conn.execute("PRAGMA application_id").fetchone()[0] == 0x43555344
    with s.transaction():
        s.conn.execute("INSERT INTO customers(name, name_key, created_on) "
                       "VALUES ('Ann Lee', 'ann lee', '2026-01-02')")
    s.close(backup_if_changed=False)
    again = open_store(db_path)
    assert again.conn.execute("SELECT name FROM customers").fetchall() == [("Ann Lee",)]
    assert again.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert again.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    again.close(backup_if_changed=False)


def test_migrate_twice_is_a_no_op(db_path: Path) -> None:
    s = open_store(db_path)
    before = digest(db_path)
    assert migrate(s) == []
    assert migrate(s) == []
    s.close(backup_if_changed=False)
    assert digest(db_path) == before
    assert list_backups(db_path) == []


def test_transaction_is_all_or_nothing(store) -> None:
    with pytest.raises(ZeroDivisionError), store.transaction():
        store.conn.execute("INSERT INTO customers(name, name_key, created_on) "
                           "VALUES ('A', 'a', '2026-01-01')")
        _ = 1 / 0
    assert store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 0


@pytest.mark.parametrize("content", [
    b"name,email\nAnn,ann@example.com\n",
    b"PK\x03\x04" + bytes(200),
    b"SQLite format 3",  # too short to be a database
])
def test_foreign_file_refused_byte_for_byte_unchanged(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(NotCustdeskFileError, match="notes.db"):
        open_store(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


@pytest.mark.parametrize("mode", ["delete", "wal"])
def test_other_programs_sqlite_file_refused_unchanged(tmp_path: Path, mode: str) -> None:
    """Refused, unchanged, and nothing made beside it: probing a WAL-mode file for tables
    must not leave -wal/-shm files (a file we do not understand is never touched)."""
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode = {mode}")
    conn.execute("CREATE TABLE t(x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(NotCustdeskFileError, match="another program"):
        open_store(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_newer_schema_refused_unchanged(db_path: Path) -> None:
    open_store(db_path).close(backup_if_changed=False)
    raw = bytearray(db_path.read_bytes())
    raw[60:64] = struct.pack(">I", LATEST_VERSION + 1)  # user_version, as a newer custdesk
    db_path.write_bytes(bytes(raw))
    with pytest.raises(NewerSchemaError, match=f"schema {LATEST_VERSION + 1}"):
        open_store(db_path)
    assert db_path.read_bytes() == bytes(raw)


def test_new_database_and_lock_are_private(db_path: Path) -> None:
    old = os.umask(0o022)
    try:
        s = open_store(db_path)
        s.close(backup_if_changed=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(lock_path(db_path).stat().st_mode) & 0o077 == 0


_HOLDER = """
import sys, time
from custdesk.storage import open_store
s = open_store(sys.argv[1])
print("open", flush=True)
time.sleep(60)
"""


def test_second_process_refused_quickly_and_kill_frees_the_file(db_path: Path) -> None:
    open_store(db_path).close(backup_if_changed=False)
    holder = spawn(_HOLDER, str(db_path))
    try:
        wait_for_line(holder, b"open")
        before = _snapshot(db_path.parent)
        started = time.monotonic()
        with pytest.raises(DatabaseInUseError, match="already open"):
            open_store(db_path)
        elapsed = time.monotonic() - started
        assert elapsed < 2.0, f"refusal took {elapsed:.2f} s"
        assert _snapshot(db_path.parent) == before  # the refused opener wrote nothing
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    s = open_store(db_path)  # the OS dropped the dead process's lock
    assert s.schema_version() == LATEST_VERSION
    s.close(backup_if_changed=False)


def test_backup_restore_round_trip(demo_store) -> None:
    path = demo_store.path
    original = digest(path)
    backup = create_backup(demo_store, reason="manual")
    assert list_backups(path)[0].path == backup.path
    assert digest(backup.path) == original
    with demo_store.transaction():
        demo_store.conn.execute("DELETE FROM orders")
    demo_store.close(backup_if_changed=False)
    assert digest(path) != original
    lock = acquire_lock(path)
    try:
        safety = restore_backup(path, backup.path, lock=lock)
    finally:
        lock.release()
    assert digest(path) == original
    assert safety is not None and digest(safety) != original  # the replaced state is kept
    s = open_store(path)
    assert s.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    s.close(backup_if_changed=False)


def test_bundled_sqlite_meets_the_documented_minimum() -> None:
    from custdesk.storage.database import MIN_SQLITE_VERSION

    assert MIN_SQLITE_VERSION == (3, 38, 0)  # docs/RELIABILITY.md states this number
    found = tuple(int(p) for p in sqlite3.sqlite_version.split(".")[:3])
    assert found >= MIN_SQLITE_VERSION


def test_too_old_sqlite_is_refused_clearly(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from custdesk.storage import DatabaseError

    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 37, 2))  # STRICT, no unixepoch
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.37.2")
    with pytest.raises(DatabaseError, match=r"needs SQLite 3\.38 or newer \(found 3\.37\.2\)"):
        open_store(db_path)
    assert not db_path.exists()


def test_replace_refuses_a_file_another_process_has_open(tmp_path: Path) -> None:
    """`demo --force` (open_store(replace=True)) takes the lock before deleting."""
    from custdesk.services.demo import create_demo
    from custdesk.storage.database import DatabaseInUseError

    path = tmp_path / "shop.db"
    first = open_store(path)
    try:
        with pytest.raises(DatabaseInUseError):
            create_demo(path, end=date(2026, 11, 24), replace=True)
        assert path.exists() and first.schema_version() > 0  # untouched
    finally:
        first.close(backup_if_changed=False)
    counts = create_demo(path, end=date(2026, 11, 24), replace=True)
    assert counts["customers"] > 0
    counts_again = create_demo(path, seed=8, end=date(2026, 11, 24), replace=True)
    assert counts_again["customers"] > 0
