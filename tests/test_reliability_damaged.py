"""Issue 7, point 3: 200 damaged variants of a real custdesk file.

For every variant: open_store never raises anything but a `DatabaseError`; it never opens
a file that an independent `integrity_check` finds damaged; a refused file (and its
sidecars) is left byte-for-byte unchanged; and the refusal names the latest *good* backup.
Leftover `-journal`/`-wal` files from other databases are never replayed into ours.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import struct
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from reliability_util import digest, integrity

from custdesk.storage import DatabaseError, open_store
from custdesk.storage.backups import backup_dir, create_backup
from custdesk.storage.database import DatabaseInUseError, DiskError

PAGE = 4096
SIDE = ("-journal", "-wal")


def _spilled_journal(db: Path, work: str, setup: str = "") -> tuple[bytes, bytes]:
    """(main bytes, hot journal bytes) as a crash in the middle of a big write leaves them:
    a tiny cache makes SQLite sync the journal and write pages into the file mid-way."""
    conn = sqlite3.connect(str(db), isolation_level=None)
    try:
        if setup:
            conn.executescript(setup)
        conn.execute("PRAGMA cache_size = 5")
        conn.execute("BEGIN")
        for statement in filter(str.strip, work.split(";")):  # executescript would COMMIT
            conn.execute(statement)
        state = (db.read_bytes(), Path(f"{db}-journal").read_bytes())
        conn.execute("ROLLBACK")
    finally:
        conn.close()
    assert state[1][:8] == bytes.fromhex("d9d505f920a163d7") and state[1][8:12] != bytes(4)
    return state


def _wal_of(db: Path, work: str) -> bytes:
    conn = sqlite3.connect(str(db), isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.executescript(work)
        return Path(f"{db}-wal").read_bytes()
    finally:
        conn.close()


_TOUCH_ORDERS = "UPDATE orders SET discount = coalesce(discount, 0) + 0.01;"


@pytest.fixture(scope="module")
def material(demo_db_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The real file, its backups (newest one damaged) and foreign sidecars."""
    work = tmp_path_factory.mktemp("damaged")
    main = work / "business.db"
    shutil.copyfile(demo_db_template, main)
    store = open_store(main)
    older = create_backup(store, "manual", now=datetime(2026, 11, 20, 9, 0))
    good = create_backup(store, "on-close", now=datetime(2026, 11, 23, 18, 30))
    store.close(backup_if_changed=False)
    bad = backup_dir(main) / "business-20261124-080000-000000-on-close.db"
    bad.write_bytes(main.read_bytes()[: 10 * PAGE])  # newest backup, truncated: not good
    original = main.read_bytes()

    other = work / "other.db"  # another program's database, 1 KiB pages
    conn = sqlite3.connect(other)
    conn.executescript("PRAGMA page_size = 1024; CREATE TABLE notes(x TEXT);"
                       "INSERT INTO notes SELECT hex(randomblob(300)) FROM "
                       "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n "
                       "WHERE i < 400) SELECT i FROM n);")
    conn.close()
    sibling = work / "sibling.db"  # a copy of the same business that went its own way
    shutil.copyfile(main, sibling)
    conn = sqlite3.connect(sibling)
    conn.execute("DELETE FROM surveys WHERE id % 2 = 0")
    conn.commit()
    conn.close()
    same_page_other = work / "other4k.db"
    conn = sqlite3.connect(same_page_other)
    conn.executescript("CREATE TABLE t(x TEXT); INSERT INTO t SELECT hex(randomblob(500)) "
                       "FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n "
                       "WHERE i < 300) SELECT i FROM n);")
    conn.close()

    mains_own, journals_own = [], []
    for k in range(5):  # this file's own crash states: must open, as before the crash
        copy = work / f"own{k}.db"
        shutil.copyfile(main, copy)
        m, j = _spilled_journal(copy, f"UPDATE orders SET quantity = quantity + {k + 1};"
                                      "DELETE FROM tickets WHERE id % 3 = 0;")
        mains_own.append(m)
        journals_own.append(j)
    return {
        "dir": work, "original": original, "digest": digest(main),
        "good_backup": good.path.name, "older": older.path.name, "bad": bad.name,
        "journal_other": _spilled_journal(other, "UPDATE notes SET x = lower(x);")[1],
        "journal_other4k": _spilled_journal(same_page_other, "UPDATE t SET x = lower(x);")[1],
        "journal_sibling": _spilled_journal(sibling, _TOUCH_ORDERS)[1],
        "wal_other": _wal_of(work / "walother.db", "CREATE TABLE u(y); INSERT INTO u VALUES (2);"),
        "wal_sibling": _wal_of(_copy(sibling, work / "walsib.db"), _TOUCH_ORDERS),
        "own": list(zip(mains_own, journals_own, strict=True)),
    }


def _copy(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


def _variants(m: dict, rng: random.Random) -> list[tuple[str, bytes, dict[str, bytes]]]:
    """(kind, main bytes, sidecars) × 200."""
    orig = m["original"]
    size, pages = len(orig), len(orig) // PAGE
    out: list[tuple[str, bytes, dict[str, bytes]]] = []
    cuts = [0, 1, 50, 99, 100, PAGE, PAGE + 1, size - 1, size - PAGE]
    cuts += [rng.randrange(1, size) for _ in range(40 - len(cuts))]
    out += [("truncated", orig[:c], {}) for c in cuts]
    for n in range(50):
        raw = bytearray(orig)
        for _ in range(1 if n < 25 else rng.randint(2, 8)):
            raw[rng.randrange(size)] ^= rng.randint(1, 255)
        out.append(("flipped", bytes(raw), {}))
    for _ in range(25):
        raw = bytearray(orig)
        raw[rng.randrange(100)] ^= rng.randint(1, 255)
        out.append(("header-flip", bytes(raw), {}))
    for n in range(30):
        page = 0 if n == 0 else rng.randrange(pages)
        raw = bytearray(orig)
        raw[page * PAGE:(page + 1) * PAGE] = bytes(PAGE)
        out.append(("zeroed-page", bytes(raw), {}))
    wrong = [(0, b"SQLite format 4\x00"), (0, b"\x00" * 16), (16, b"\x00\x03"),
             (16, b"\xff\xff"), (68, b"\x00\x00\x00\x01"), (60, b"\xff\xff\xff\xff"),
             (18, b"\x03\x03"), (56, b"\x00\x00\x00\x07"), (20, b"\x40"), (21, b"\x00"),
             (28, b"\x00\x00\x00\x02"), (32, b"\x00\x00\x10\x00"), (44, b"\x00\x00\x00\x09"),
             (0, b"PK\x03\x04"), (60, b"\x00\x00\x00\x00")]
    for offset, patch in wrong:
        raw = bytearray(orig)
        raw[offset:offset + len(patch)] = patch
        out.append(("wrong-header", bytes(raw), {}))
    for k in range(10):
        key = "journal_other" if k < 5 else "journal_other4k"
        out.append(("foreign-journal", orig, {"-journal": _damage_tail(m[key], rng, k)}))
    out += [("sibling-journal", orig, {"-journal": _damage_tail(m["journal_sibling"], rng, k)})
            for k in range(10)]
    out += [("foreign-wal", orig, {"-wal": m["wal_other"]}) for _ in range(5)]
    out += [("sibling-wal", orig, {"-wal": m["wal_sibling"]}) for _ in range(5)]
    out += [("own-hot-journal", main, {"-journal": j}) for main, j in m["own"]]
    for _ in range(5):
        garbage = bytes.fromhex("d9d505f920a163d7") + rng.randbytes(rng.randrange(28, 3 * PAGE))
        out.append(("garbage-journal", orig, {"-journal": garbage}))
    assert len(out) == 200
    return out


def _damage_tail(journal: bytes, rng: random.Random, k: int) -> bytes:
    """Half of the foreign journals are cut short, as a crash while writing them would."""
    if k % 2 == 0:
        return journal
    return journal[: rng.randrange(512, len(journal))]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _open_variant(m: dict, i: int, kind: str, raw: bytes, sidecars: dict[str, bytes]) -> str:
    """Check one variant; returns 'opened' or 'refused', raises AssertionError otherwise."""
    folder = m["dir"] / f"v{i:03d}"
    (folder / "backups").mkdir(parents=True)
    for b in backup_dir(m["dir"] / "business.db").iterdir():
        os.link(b, folder / "backups" / b.name)  # each variant gets the same backups, cheaply
    path = folder / "business.db"
    path.write_bytes(raw)
    for suffix, data in sidecars.items():
        Path(f"{path}{suffix}").write_bytes(data)
    before = _snapshot(folder)
    try:
        store = open_store(path)
    except (DatabaseInUseError, DiskError) as exc:
        raise AssertionError(f"{kind} #{i}: wrong kind of refusal: {exc}") from exc
    except DatabaseError as exc:
        message = str(exc)
        assert m["good_backup"] in message, f"{kind} #{i}: no backup offered: {message}"
        assert m["bad"] not in message
        after = _snapshot(folder)
        after.pop("business.db.lock", None)
        assert after == before, f"{kind} #{i}: refused file was modified"
        return "refused"
    except Exception as exc:
        raise AssertionError(f"{kind} #{i}: crashed with {type(exc).__name__}: {exc}") from exc
    try:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        store.close(backup_if_changed=False)
    if sidecars:  # a sidecar may only ever bring back this file's own last saved state
        assert digest(path) == m["digest"], f"{kind} #{i}: foreign sidecar replayed into data"
    else:  # opened as-is: it must be sound by an independent check of the untouched bytes
        probe = m["dir"] / f"probe{i:03d}.db"
        probe.write_bytes(raw)
        assert integrity(probe) == "ok", f"{kind} #{i}: a damaged file was opened silently"
    return "opened"


def test_200_damaged_variants_never_crash_never_open_silently(material: dict) -> None:
    outcomes: Counter[tuple[str, str]] = Counter()
    failures = []
    for i, (kind, raw, sidecars) in enumerate(_variants(material, random.Random(7))):
        try:
            outcomes[(kind, _open_variant(material, i, kind, raw, sidecars))] += 1
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
    print(f"\n200 damaged variants: {sorted(outcomes.items())}")
    assert not failures, f"{len(failures)} of 200 variants failed:\n" + "\n".join(failures)
    assert sum(outcomes.values()) == 200
    # this file's own crash states are recovered, never refused
    assert outcomes[("own-hot-journal", "opened")] == 5
    # every kind of foreign sidecar is refused
    for kind in ("foreign-wal", "sibling-wal"):
        assert outcomes[(kind, "refused")] == 5


def test_empty_file_with_backups_is_refused_not_recreated(material: dict, tmp_path: Path) -> None:
    (tmp_path / "backups").mkdir()
    for b in backup_dir(material["dir"] / "business.db").iterdir():
        os.link(b, tmp_path / "backups" / b.name)
    path = tmp_path / "business.db"
    path.write_bytes(b"")
    with pytest.raises(DatabaseError, match=material["good_backup"]):
        open_store(path)
    assert path.read_bytes() == b""


def test_no_backup_says_so(tmp_path: Path) -> None:
    path = tmp_path / "business.db"
    path.write_bytes(b"SQLite format 3\x00" + bytes(84) + b"garbage" * 100)
    with pytest.raises(DatabaseError, match="No good backup of business.db"):
        open_store(path)


def test_journal_header_reads_as_expected(material: dict) -> None:
    """Guards the journal format the identity check relies on (SQLite's pager.c)."""
    journal = material["journal_sibling"]
    magic, n_rec, _ck, db_pages, sector, page_size = struct.unpack(">8sIIIII", journal[:28])
    assert magic == bytes.fromhex("d9d505f920a163d7")
    assert page_size == PAGE and sector >= 512 and n_rec > 0
    assert db_pages == len(material["original"]) // PAGE
