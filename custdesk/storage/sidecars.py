"""Leftover `-journal` / `-wal` files beside a database, checked before SQLite sees them.

SQLite replays a hot `-journal` into the database it sits beside, and reads any `-wal`
file beside it, without checking that the sidecar belongs to that database. A sidecar
copied or left over from another file would therefore be written into the owner's data
(tried here: a foreign `-wal` silently replaced every table, and `integrity_check` still
said `ok`). So before the real open:

- custdesk never uses WAL; a `-wal` beside a file whose header says "rollback journal"
  cannot be ours and is refused;
- a hot `-journal` must pass a cheap identity test (the change counter of the page-1
  image it holds fits the file) and a dry run: the file and its sidecars are copied to a
  scratch folder, SQLite replays them there, and the result must be a sound custdesk
  database. Only then is the real file opened (SQLite replays the same bytes the same way).

Anything refused is left byte-for-byte untouched.
"""

from __future__ import annotations

import shutil
import sqlite3
import struct
import tempfile
from pathlib import Path

JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")
_JOURNAL_HEADER = struct.Struct(">8sIIIII")  # magic, nRec, cksumInit, dbSize, sector, page


class SidecarError(Exception):
    """A sidecar that must not be replayed; `str()` says why (the caller adds advice)."""


def sidecar_paths(path: Path) -> dict[str, Path]:
    return {s: Path(f"{path}{s}") for s in ("-journal", "-wal", "-shm")}


def _present(p: Path) -> bool:
    return p.is_file() and p.stat().st_size > 0


def check_sidecars(path: Path, max_version: int) -> None:
    """Raise `SidecarError` when a leftover journal or WAL beside `path` is not safe to replay.

    After a replay the file must keep its application_id and stay within `max_version`.
    """
    sidecars = sidecar_paths(path)
    journal, wal = sidecars["-journal"], sidecars["-wal"]
    if not (_present(journal) or _present(wal)) or not _present(path):
        return  # SQLite deletes sidecars of an empty database: nothing to protect
    with open(path, "rb") as fh:
        page1 = fh.read(100)
    if _present(wal) and page1[18:20] == b"\x01\x01":
        raise SidecarError(f"a leftover {wal.name} that does not belong to it")
    if _present(journal):
        _check_journal_identity(journal, page1)
    app_id = struct.unpack(">I", page1[68:72])[0] if len(page1) >= 72 else 0
    _dry_run(path, sidecars, app_id, max_version)


def _check_journal_identity(journal: Path, page1: bytes) -> None:
    """A hot journal of this file starts a transaction of this file: page size and change
    counter of the page-1 image it holds must fit the file's own header."""
    with open(journal, "rb") as fh:
        head = fh.read(_JOURNAL_HEADER.size)
        if len(head) < _JOURNAL_HEADER.size or head[0] == 0:
            return  # not hot: SQLite ignores it
        magic, n_rec, _cksum, _db_size, sector, page_size = _JOURNAL_HEADER.unpack(head)
        if magic != JOURNAL_MAGIC:
            return  # not a valid journal header: SQLite ignores it too
        own_page_size = struct.unpack(">H", page1[16:18])[0] or 65536
        if page_size != own_page_size:
            raise SidecarError(f"a leftover {journal.name} written for a different database")
        if n_rec == 0 or not 512 <= sector <= 65536:
            return
        fh.seek(sector)
        pgno_raw = fh.read(4)
        image = fh.read(page_size)
    if len(pgno_raw) == 4 and struct.unpack(">I", pgno_raw)[0] == 1 and len(image) >= 100:
        journal_counter = struct.unpack(">I", image[24:28])[0]
        own_counter = struct.unpack(">I", page1[24:28])[0]
        # page 1 is written first when a commit reaches the file: +1 at most
        if own_counter not in (journal_counter, journal_counter + 1):
            raise SidecarError(f"a leftover {journal.name} that does not belong to it")


def _dry_run(path: Path, sidecars: dict[str, Path], app_id: int, max_version: int) -> None:
    with tempfile.TemporaryDirectory(prefix="custdesk-check-") as folder:
        scratch = Path(folder) / path.name
        shutil.copyfile(path, scratch)
        for suffix, sidecar in sidecars.items():
            if suffix != "-shm" and sidecar.is_file():  # -shm is rebuilt from the WAL
                shutil.copyfile(sidecar, f"{scratch}{suffix}")
        try:
            conn = sqlite3.connect(str(scratch))
            try:
                conn.execute("PRAGMA journal_mode = DELETE")  # replays journal / WAL
                result = conn.execute("PRAGMA integrity_check").fetchone()[0]
                found_app = conn.execute("PRAGMA application_id").fetchone()[0]
                version = conn.execute("PRAGMA user_version").fetchone()[0]
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise SidecarError(f"leftover sidecar files that cannot be replayed ({exc})") from exc
        if result != "ok" or found_app != app_id or version > max_version:
            names = ", ".join(p.name for s, p in sidecars.items() if s != "-shm" and _present(p))
            raise SidecarError(f"a leftover {names} that does not belong to it")
