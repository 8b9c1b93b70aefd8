"""Opening a custdesk database safely.

Order of checks, so that nothing we do not understand is ever modified:
1. the file's first 100 bytes (SQLite magic, application_id, user_version) are read raw;
2. an exclusive lock file beside it is taken (the OS drops it when a process dies);
3. only then is the file opened read-write, checked (`quick_check`) and migrated.

Before step 3, leftover `-journal` / `-wal` files are checked (`sidecars.py`): SQLite would
replay one from another database into ours. Every refusal leaves the file byte-for-byte
unchanged and, for a damaged or unreadable file, names the latest good backup.

Journal mode is the rollback journal (DELETE) with synchronous=FULL: custdesk has one
writer, and after every commit the `.db` file alone is the whole business — owners copy,
e-mail and cloud-sync that one file, which WAL's sidecar files would make unsafe.
See docs/RELIABILITY.md.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils
from filelock import FileLock, Timeout

from custdesk.storage import migrations, queries_summary
from custdesk.storage.backups import latest_good_backup, list_backups
from custdesk.storage.errors import (
    DamagedDatabaseError,
    DatabaseError,
    DatabaseInUseError,
    DiskError,
    NewerSchemaError,
    NotCustdeskFileError,
    disk_error_message,
    is_disk_error,
)
from custdesk.storage.fileformat import (
    APPLICATION_ID,
    FULL_CHECK_MAX_BYTES,
    SQLITE_MAGIC,
    read_header,
)
from custdesk.storage.sidecars import SidecarError, check_sidecars
from custdesk.storage.store import Store

# names other modules import from here (the errors, header and Store live below it)
__all__ = [
    "APPLICATION_ID", "FULL_CHECK_MAX_BYTES", "MIN_SQLITE_VERSION", "SQLITE_MAGIC",
    "DamagedDatabaseError", "DatabaseError", "DatabaseInUseError", "DiskError",
    "NewerSchemaError", "NotCustdeskFileError", "Store", "acquire_lock", "backup_advice",
    "connect", "disk_error_message", "is_disk_error", "lock_path", "open_store",
    "read_header",
]

MIN_SQLITE_VERSION = (3, 37, 0)  # STRICT tables; Debian 12 ships 3.40.1


def _check_foreign(path: Path) -> None:
    """Refuse anything that is not an empty file, an empty SQLite file, or ours."""
    latest = migrations.LATEST_VERSION  # read at call time: tests add steps
    if not path.exists() or path.stat().st_size == 0:
        return
    if not path.is_file():
        raise NotCustdeskFileError(f"{path} is not a file.")
    magic, user_version, app_id = read_header(path)
    if magic != SQLITE_MAGIC:
        raise NotCustdeskFileError(
            f"{path.name} is not a custdesk database (not an SQLite file); it was left unchanged."
        )
    if app_id == APPLICATION_ID:
        if user_version > latest:
            raise NewerSchemaError(
                f"{path.name} was written by a newer custdesk (schema {user_version}, this "
                f"version understands up to {latest}); update custdesk to open it. "
                "The file was left unchanged."
            )
        return
    if app_id != 0 or _has_tables(path):
        raise NotCustdeskFileError(
            f"{path.name} is an SQLite database of another program, not custdesk; "
            "it was left unchanged."
        )


def _has_tables(path: Path) -> bool:
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        probe = sqlite3.connect(uri, uri=True)
    except sqlite3.DatabaseError:
        return True  # unreadable: treat as not ours, never write to it
    try:
        return probe.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    except sqlite3.DatabaseError:
        return True
    finally:
        probe.close()


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def acquire_lock(path: Path) -> FileLock:
    lock = FileLock(str(lock_path(path)), timeout=0, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise DatabaseInUseError(
            f"{path.name} is already open in another custdesk window or process. "
            "Close it there first."
        ) from None
    except OSError as exc:  # read-only folder, no permission, disk gone
        raise DiskError(
            f"custdesk cannot write in the folder of {path.name} ({exc.strerror or exc}); "
            "it was left unchanged. Copy it to a folder you can write to and open that copy."
        ) from exc
    return lock


def _create_private(path: Path) -> None:
    """Create the database file readable by the owner only (0600 on POSIX)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


def connect(path: Path) -> sqlite_utils.Database:
    conn = sqlite3.connect(str(path), check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return sqlite_utils.Database(conn)


def open_store(path: str | os.PathLike[str], *, create: bool = True, lock: bool = True,
               check: bool = True, replace: bool = False) -> Store:
    """Open (or create) a custdesk database, migrated to the latest schema.

    `replace=True` (`custdesk demo --force`) deletes an existing custdesk file first and
    starts an empty one — only after taking its lock, so a file another custdesk process
    has open is refused (`DatabaseInUseError`), never deleted under it.

    Raises a `DatabaseError` subclass with an owner-readable message; a refused file is
    never modified. When the file is damaged or not recognised and good backups exist,
    the message names the latest one.
    """
    if sqlite3.sqlite_version_info < MIN_SQLITE_VERSION:
        raise DatabaseError(
            f"custdesk needs SQLite 3.37 or newer (found {sqlite3.sqlite_version}).")
    path = Path(path).expanduser().resolve()
    if not path.exists() and not create:
        raise DatabaseError(f"{path} does not exist.")
    try:
        return _open(path, lock=lock, check=check, replace=replace)
    except (DatabaseInUseError, DiskError):
        raise
    except DatabaseError as exc:
        raise type(exc)(f"{exc} {backup_advice(path)}") from exc.__cause__


def _open(path: Path, *, lock: bool, check: bool, replace: bool = False) -> Store:
    try:
        if (not replace and path.is_file() and path.stat().st_size == 0
                and list_backups(path)):
            # a new database is never empty once used: this one was cut short
            raise DamagedDatabaseError(
                f"{path.name} is empty although custdesk has backups of it, so it was cut "
                "short (full disk, sync client, copy error).")
        _check_foreign(path)
    except OSError as exc:
        raise DiskError(f"custdesk cannot read {path.name} ({exc.strerror or exc}).") from exc
    file_lock = acquire_lock(path) if lock or replace else None
    try:
        if replace:  # ours (checked above) and locked: nobody else has it open
            _remove_database(path)
        try:
            check_sidecars(path, migrations.LATEST_VERSION)
        except SidecarError as exc:
            raise DamagedDatabaseError(
                f"{path.name} has {exc}; custdesk left both untouched, because replaying it "
                "would write another file's data into yours. Move that file elsewhere to open "
                f"{path.name} as it was last saved."
            ) from None
        if not path.exists():
            _create_private(path)
        db = connect(path)
        try:
            if check:
                _check(db, path)
            store = Store(path, db, file_lock)
            migrations.migrate(store)
            # a file an older custdesk (or another program) left with a stale order
            # summary is fixed here, once, under the write lock: reads never write
            queries_summary.ensure_order_stats(store)
        except BaseException:
            db.close()
            raise
    except DiskError:  # already worded (it is also an sqlite3 error: catch it first)
        if file_lock is not None:
            file_lock.release()
        raise
    except sqlite3.DatabaseError as exc:
        if file_lock is not None:
            file_lock.release()
        if is_disk_error(exc):
            raise DiskError(disk_error_message(path, exc)) from exc
        raise DamagedDatabaseError(f"{path.name} is damaged ({exc}).") from exc
    except OSError as exc:
        if file_lock is not None:
            file_lock.release()
        raise DiskError(disk_error_message(path, exc)) from exc
    except BaseException:
        if file_lock is not None:
            file_lock.release()
        raise
    return store


def _remove_database(path: Path) -> None:
    for name in (path.name, *(path.name + s for s in ("-journal", "-wal", "-shm"))):
        path.with_name(name).unlink(missing_ok=True)


def backup_advice(path: Path) -> str:
    """'The latest good backup is …' (or that there is none), for refusal messages."""
    try:
        good = latest_good_backup(path)
    except OSError:
        good = None
    if good is None:
        return f"No good backup of {path.name} was found; the file was left unchanged."
    return (f"The latest good backup is {good.path.name} (taken {good.taken_at:%Y-%m-%d %H:%M}); "
            f"restore it with File ▸ Restore backup… or "
            f"`custdesk backup restore {good.path.name}`.")


def _check(db: sqlite_utils.Database, path: Path) -> None:
    """integrity_check (also compares indexes with tables) on files up to 8 MB; above that
    quick_check (~30x faster); the full check then runs on backup copies up to 64 MB."""
    pragma = "integrity_check" if path.stat().st_size <= FULL_CHECK_MAX_BYTES else "quick_check"
    result = db.conn.execute(f"PRAGMA {pragma}").fetchone()[0]
    if result != "ok":
        raise DamagedDatabaseError(f"{path.name} is damaged ({pragma}: {result[:200]}).")
