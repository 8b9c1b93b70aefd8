"""Issue 7, point 2: SIGKILL during a migration and during a backup, 10 times each.

After every kill the file passes `integrity_check` and holds exactly the old schema and
data or exactly the new ones; a half-written backup is never listed as a restore point.
"""

from __future__ import annotations

import random
import shutil
import signal
import time
from pathlib import Path

import pytest
from reliability_util import digest, integrity, spawn, wait_for_line

from custdesk.storage import migrations, open_store
from custdesk.storage.backups import list_backups, verify_backup

KILLS = 10

# A test-only migration step that takes a while and touches many pages; the child's tiny
# page cache makes SQLite write into the file before COMMIT, as a big real step would.
_EXTRA_STEP = '''
import time
def m_test_slow(db):
    db.execute("CREATE TABLE test_extra(id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    for k in range(8):
        db.conn.executemany("INSERT INTO test_extra(v) VALUES (?)",
                            [(f"row {k}-{i} " + "x" * 80,) for i in range(1500)])
        db.execute("UPDATE orders SET discount = coalesce(discount, 0) + 1")
        time.sleep(0.01)
'''

_MIGRATING_CHILD = _EXTRA_STEP + '''
import sys
import custdesk.storage.database as database
from custdesk.storage import migrations, open_store
migrations.MIGRATIONS.append(("m_test_slow", m_test_slow))
migrations.LATEST_VERSION = len(migrations.MIGRATIONS)
plain_connect = database.connect
def small_cache_connect(path):
    db = plain_connect(path)
    db.execute("PRAGMA cache_size = 20")
    return db
database.connect = small_cache_connect
print("start", flush=True)
open_store(sys.argv[1]).close(backup_if_changed=False)
print("done", flush=True)
'''


def _add_slow_step(monkeypatch: pytest.MonkeyPatch) -> None:
    namespace: dict = {}
    exec(_EXTRA_STEP, namespace)
    steps = [*migrations.MIGRATIONS, ("m_test_slow", namespace["m_test_slow"])]
    monkeypatch.setattr(migrations, "MIGRATIONS", steps)
    monkeypatch.setattr(migrations, "LATEST_VERSION", len(steps))


def _run_child(path: Path) -> float:
    """Run the migrating child to completion; returns how long its open_store took."""
    child = spawn(_MIGRATING_CHILD, str(path))
    wait_for_line(child, b"start")
    started = time.monotonic()
    wait_for_line(child, b"done")
    child.wait()
    return time.monotonic() - started


def _copy_with_sidecars(path: Path, target: Path) -> Path:
    shutil.copyfile(path, target)
    for suffix in ("-journal", "-wal"):
        if Path(f"{path}{suffix}").exists():
            shutil.copyfile(f"{path}{suffix}", f"{target}{suffix}")
    return target


def test_kill_during_migration_10_times(demo_db_template: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    old_version = migrations.LATEST_VERSION
    reference = tmp_path / "reference.db"
    shutil.copyfile(demo_db_template, reference)
    old_digest = digest(reference)
    duration = _run_child(reference)  # uninterrupted: the exact "after" state
    new_digest = digest(reference)
    assert new_digest != old_digest
    _add_slow_step(monkeypatch)

    rng = random.Random(11)
    outcomes = {"old": 0, "new": 0, "hot journal left": 0}
    for k in range(KILLS):
        path = tmp_path / f"run{k}" / "business.db"
        path.parent.mkdir()
        shutil.copyfile(demo_db_template, path)
        child = spawn(_MIGRATING_CHILD, str(path))
        wait_for_line(child, b"start")
        time.sleep(rng.uniform(0.0, duration))
        child.send_signal(signal.SIGKILL)
        child.wait()
        outcomes["hot journal left"] += Path(f"{path}-journal").exists()
        probe = _copy_with_sidecars(path, tmp_path / f"probe{k}.db")
        assert integrity(probe) == "ok"  # a fresh connection rolls a hot journal back
        state = digest(probe)
        assert state in (old_digest, new_digest), f"kill {k}: half-migrated"
        outcomes["old" if state == old_digest else "new"] += 1
        for backup in list_backups(path):  # the before-migration copy, if it got that far
            verify_backup(backup.path)
            assert digest(backup.path) == old_digest
        store = open_store(path)  # the killed state itself, journal and all: next start
        assert store.schema_version() == old_version + 1
        store.close(backup_if_changed=False)
        assert digest(path) == new_digest
    print(f"\n{KILLS} kills during migration ({duration:.2f} s long): {outcomes}")
    assert outcomes["old"] >= 2  # the kills really landed inside the migration


_BACKING_UP_CHILD = '''
import sys
from custdesk.storage import open_store
from custdesk.storage.backups import create_backup
store = open_store(sys.argv[1])
print("start", flush=True)
for _ in range(40):
    create_backup(store, reason="manual")
print("done", flush=True)
'''


def test_kill_during_backup_10_times(demo_db_template: Path, tmp_path: Path) -> None:
    rng = random.Random(12)
    path = tmp_path / "business.db"
    shutil.copyfile(demo_db_template, path)
    original = digest(path)
    killed_mid_run = 0
    for k in range(KILLS):
        child = spawn(_BACKING_UP_CHILD, str(path))
        wait_for_line(child, b"start")
        time.sleep(rng.uniform(0.0, 0.5))
        finished = child.poll() is not None
        child.send_signal(signal.SIGKILL)
        child.wait()
        killed_mid_run += not finished
        backups = list_backups(path)
        for backup in backups:  # everything offered as a restore point is whole and sound
            verify_backup(backup.path)
        if backups:
            assert digest(backups[0].path) == original
        assert digest(path) == original, f"kill {k}: the database itself changed"
    leftovers = list((path.parent / "backups").glob(".*.partial"))
    print(f"\n{KILLS} kills during backup: {killed_mid_run} mid-run, "
          f"{len(list_backups(path))} backups listed, {len(leftovers)} partial files unlisted")
    assert killed_mid_run >= KILLS // 2
    names = {b.path.name for b in list_backups(path)}
    assert not any(p.name in names for p in leftovers)
    store = open_store(path)
    store.close(backup_if_changed=False)
