"""Rotating backups in a `backups/` folder beside the database.

A backup is written with SQLite's online backup API to a hidden `.partial` file, checked,
fsynced and only then renamed to its final `.db` name: a half-written backup is never
listed, so never offered as a restore point.

Backups are ordered by a sequence number in their name (one more than the highest in the
folder), never by the wall-clock stamp beside it: a clock set back must not make
`restore latest` bring back a pre-jump copy, nor make rotation prune the newer ones as old
(issue 20 M4). Names from before the sequence number sort before every numbered one.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from filelock import BaseFileLock

from custdesk.storage.errors import DamagedDatabaseError, DatabaseError, DiskError
from custdesk.storage.fileformat import APPLICATION_ID, FULL_CHECK_MAX_BYTES, read_header

KEEP_LATEST = 10  # the newest N, whatever their age
KEEP_DAILY_DAYS = 14  # plus the newest of each of the last 14 days
KEEP_MONTHLY = 12  # plus the newest of each of the last 12 months
BACKUP_FULL_CHECK_MAX_BYTES = 64 * 1024 * 1024



class OpenDatabase(Protocol):
    """What a backup needs of an open store (`store.Store` is one): backups sit below the
    store in the import order, so they name only these two attributes."""

    @property
    def path(self) -> Path: ...

    @property
    def conn(self) -> sqlite3.Connection: ...


_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6}-\d{6})(?:-n(?P<seq>\d{6,}))?"
                   r"-(?P<reason>[a-z-]+)\.db$")


@dataclass(frozen=True)
class Backup:
    path: Path
    taken_at: datetime  # the wall clock when it was taken (shown; never used for order)
    reason: str
    seq: int = 0  # the order backups were taken in (0: a name from an older version)

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def backup_dir(db_path: Path) -> Path:
    return db_path.parent / "backups"


def write_copy(source: sqlite3.Connection, target: Path) -> None:
    """Copy an open database to `target` (0600) through a hidden `.partial` file: `target`
    appears, by an atomic rename, only once the copy is complete, checked and on disk."""
    partial = _new_private_file(target.parent, "." + target.name + "-", ".partial")
    try:
        dest = sqlite3.connect(str(partial))
        try:
            source.backup(dest)
            # above 8 MB open_store only runs quick_check, so this is where damage that only
            # integrity_check sees is caught; above 64 MB it would add ~10 s to every
            # backup (measured: 8.9 s on 86 MB), so those get quick_check too
            full = partial.stat().st_size <= BACKUP_FULL_CHECK_MAX_BYTES
            pragma = "integrity_check" if full else "quick_check"
            if dest.execute(f"PRAGMA {pragma}").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("backup copy failed its check")
        finally:
            dest.close()
        with open(partial, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, target)
        _fsync_dir(target.parent)
    finally:
        if partial.exists():
            partial.unlink()


_write_backup = write_copy  # the foundation's name

# Never follow a link planted where custdesk writes (issue 20, H1): every file custdesk
# writes beside the database or into backups/ is one it has just created itself, under a
# random name (mkstemp: O_CREAT | O_EXCL, and O_NOFOLLOW where the OS has it), 0600.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _new_private_file(folder: Path, prefix: str, suffix: str) -> Path:
    """A new, empty, owner-only file with a random name that nobody could have planted."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    os.close(fd)
    os.chmod(name, 0o600)
    return Path(name)


def _copy_into(source: Path, target: Path, *, new: bool = True) -> None:
    """Copy `source` into `target`, never through a link: a `new` target must not exist
    yet; otherwise it is one `_new_private_file` just made."""
    flags = os.O_CREAT | os.O_EXCL if new else os.O_TRUNC
    fd = os.open(target, os.O_WRONLY | flags | _NOFOLLOW, 0o600)
    with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
        shutil.copyfileobj(src, dst, 1024 * 1024)
        dst.flush()
        os.fsync(dst.fileno())


def _remove_stale_partials(folder: Path, older_than: timedelta = timedelta(hours=1)) -> None:
    """Drop `.partial` files a killed backup left behind (never listed, only wasted space)."""
    cutoff = datetime.now().timestamp() - older_than.total_seconds()
    for entry in folder.glob(".*.partial"):
        try:
            if entry.stat().st_mtime < cutoff:
                entry.unlink()
        except OSError:
            pass


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_backup(store: OpenDatabase, reason: str, now: datetime | None = None) -> Backup:
    """Copy the open database into backups/ and prune old copies."""
    now = now or datetime.now()
    folder = backup_dir(store.path)
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise DiskError(f"custdesk cannot create the backups folder {folder} "
                        f"({exc.strerror or exc}); the database itself is unchanged.") from exc
    seq = next_sequence(store.path)
    target = folder / _file_name(store.path, now, seq, reason)
    try:
        _remove_stale_partials(folder)
        write_copy(store.conn, target)
    except (OSError, sqlite3.Error) as exc:
        raise DiskError(f"The backup of {store.path.name} could not be written to {folder} "
                        f"({exc}); the database itself is unchanged.") from exc
    prune_backups(store.path, now=now)
    return Backup(target, now, reason, seq)


def _file_name(db_path: Path, now: datetime, seq: int, reason: str) -> str:
    # the database's full name: shop.db ≠ shop.sqlite
    return f"{db_path.name}-{now:%Y%m%d-%H%M%S-%f}-n{seq:06d}-{reason}.db"


def next_sequence(db_path: Path) -> int:
    """One more than the highest sequence number among this database's backups (the newest
    is never pruned, so numbers only grow while the folder is kept)."""
    return max((b.seq for b in list_backups(db_path)), default=0) + 1


def list_backups(db_path: Path) -> list[Backup]:
    """Finished backups of this database, newest first."""
    folder = backup_dir(db_path)
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match and match["stem"] == db_path.name and entry.is_file() and entry.stat().st_size:
            taken = datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S-%f")
            found.append(Backup(entry, taken, match["reason"], int(match["seq"] or 0)))
    return sorted(found, key=lambda b: (b.seq, b.taken_at), reverse=True)


def backups_to_keep(backups: list[Backup], now: datetime) -> set[Path]:
    """Grandfather rotation over backups newest first (by sequence): the newest N, the
    newest of each day for D days, the newest of each month for M months."""
    keep = {b.path for b in backups[:KEEP_LATEST]}
    days: set[tuple[int, int, int]] = set()
    months: set[tuple[int, int]] = set()
    for backup in backups:
        moment = backup.taken_at
        day = (moment.year, moment.month, moment.day)
        if now - moment <= timedelta(days=KEEP_DAILY_DAYS) and day not in days:
            days.add(day)
            keep.add(backup.path)
        month = (moment.year, moment.month)
        if month not in months and len(months) < KEEP_MONTHLY:
            months.add(month)
            keep.add(backup.path)
    return keep


def prune_backups(db_path: Path, now: datetime | None = None) -> list[Path]:
    now = now or datetime.now()
    backups = list_backups(db_path)
    keep = backups_to_keep(backups, now)
    removed = []
    for backup in backups:
        if backup.path not in keep:
            backup.path.unlink(missing_ok=True)
            removed.append(backup.path)
    return removed


def latest_good_backup(db_path: Path, tries: int = 5) -> Backup | None:
    """The newest backup that passes `verify_backup` (looking at the newest `tries`).

    Backups over 8 MB get `quick_check` here (this runs while a refusal message is being
    written); each had the full `integrity_check` when it was taken.
    """
    for backup in list_backups(db_path)[:tries]:
        try:
            verify_backup(backup.path, full=backup.size <= FULL_CHECK_MAX_BYTES)
        except (DatabaseError, OSError):
            continue
        return backup
    return None


def verify_backup(path: Path, full: bool = True) -> None:
    """Raise `DamagedDatabaseError` unless `path` is a sound custdesk database
    (`integrity_check`, or the faster `quick_check` when `full` is False)."""
    magic, _version, app_id = read_header(path)
    if app_id != APPLICATION_ID or magic != b"SQLite format 3\x00":
        raise DamagedDatabaseError(f"{path.name} is not a custdesk backup.")
    try:
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DamagedDatabaseError(f"backup {path.name} cannot be read ({exc}).") from exc
    try:
        pragma = "integrity_check" if full else "quick_check"
        result = probe.execute(f"PRAGMA {pragma}").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        result = str(exc)
    finally:
        probe.close()
    if result != "ok":
        raise DamagedDatabaseError(f"backup {path.name} is damaged ({result}).")


_SIDECARS = ("-journal", "-wal")


def _has_sidecars(db_path: Path) -> bool:
    return any(Path(str(db_path) + side).is_file()
               and Path(str(db_path) + side).stat().st_size > 0 for side in _SIDECARS)


def _recovered_safety_copy(db_path: Path, safety: Path) -> None:
    """The before-restore copy of a file a crash left with a hot journal (issue 20 M3).

    The file alone is not the business: its last, unfinished write is only undone by the
    journal. So file and journal are copied into a scratch folder and opened there, where
    SQLite rolls the journal back; the recovered result, if it passes `integrity_check`
    and is still a custdesk file, becomes the safety copy. Otherwise (a journal that does
    not belong to the file, or is damaged) the file is copied as it is and every sidecar
    is kept beside the copy under a name SQLite never replays (`….db.journal-kept`):
    a hot journal is never deleted unrecovered. The originals are not touched here.
    """
    scratch = Path(tempfile.mkdtemp(prefix=".recover-", dir=safety.parent))
    try:
        work = scratch / "recover.db"
        _copy_into(db_path, work)
        for side in _SIDECARS:
            if Path(str(db_path) + side).is_file():
                _copy_into(Path(str(db_path) + side), Path(str(work) + side))
        try:
            conn = sqlite3.connect(str(work), isolation_level=None)
            try:
                conn.execute("PRAGMA trusted_schema = OFF")
                sound = (conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                         and conn.execute("PRAGMA application_id").fetchone()[0]
                         == APPLICATION_ID
                         and conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete")
                if sound:
                    write_copy(conn, safety)
            finally:
                conn.close()
        except sqlite3.Error:
            sound = False
        if not sound:
            _copy_into(db_path, safety)
        # a -wal beside a rollback-mode file is never replayed by SQLite: kept all the same
        for side in _SIDECARS if not sound else ("-wal",):
            if Path(str(db_path) + side).is_file():
                _copy_into(Path(str(db_path) + side),
                           safety.with_name(f"{safety.name}.{side.lstrip('-')}-kept"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def require_lock(lock: BaseFileLock, db_path: Path) -> None:
    """Refuse to go on unless `lock` is the one-writer lock of `db_path` and is held."""
    wanted = db_path.with_name(db_path.name + ".lock")
    if (Path(lock.lock_file).resolve() != wanted.resolve()) or not lock.is_locked:
        raise DatabaseError(f"custdesk does not hold the lock of {db_path.name}; "
                            "nothing was changed.")


def restore_backup(db_path: Path, backup: Path, *, lock: BaseFileLock) -> Path | None:
    """Replace the (closed) database at `db_path` with `backup`.

    `lock` is the file's one-writer lock, held by the caller from before the store was
    closed until the restored file is open again (`Store.close(keep_lock=True)`, then
    `open_store(path, lock=held)`): no other process can open the file in between
    (issue 20 M6). It is checked here and left held.

    The current file is first kept as a 'before-restore' backup (when it is readable; a
    file a crash left with a hot journal is recovered first: `_recovered_safety_copy`),
    then the restore is written beside it and renamed over it in one step.
    Returns the path of the safety copy, if one was made.
    """
    require_lock(lock, db_path)
    verify_backup(backup)
    safety: Path | None = None
    if db_path.exists() and db_path.stat().st_size > 0:
        folder = backup_dir(db_path)
        folder.mkdir(mode=0o700, exist_ok=True)
        safety = folder / _file_name(db_path, datetime.now(), next_sequence(db_path),
                                     "before-restore")
        if _has_sidecars(db_path):
            _recovered_safety_copy(db_path, safety)
        else:
            _copy_into(db_path, safety)
    staging = _new_private_file(db_path.parent, "." + db_path.name + "-", ".restoring")
    try:
        _copy_into(backup, staging, new=False)
        for sidecar in ("-journal", "-wal", "-shm"):
            Path(str(db_path) + sidecar).unlink(missing_ok=True)
        os.replace(staging, db_path)
    finally:
        staging.unlink(missing_ok=True)
    _fsync_dir(db_path.parent)
    return safety
