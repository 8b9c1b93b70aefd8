"""Opening a custdesk database safely.

Order of checks, so that nothing we do not understand is ever modified:
1. the file's first 100 bytes (SQLite magic, application_id, user_version) are read raw;
2. an exclusive lock file beside it is taken (the OS drops it when a process dies);
3. only then is the file opened read-write, checked (`quick_check`) and migrated.

Journal mode is the rollback journal (DELETE) with synchronous=FULL: custdesk has one
writer, and after every commit the `.db` file alone is the whole business — owners copy,
e-mail and cloud-sync that one file, which WAL's sidecar files would make unsafe.
"""

from __future__ import annotations

import os
import sqlite3
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils
from filelock import FileLock, Timeout

APPLICATION_ID = 0x43555344  # "CUSD"
SQLITE_MAGIC = b"SQLite format 3\x00"
MIN_SQLITE_VERSION = (3, 37, 0)  # STRICT tables; Debian 12 ships 3.40.1


class DatabaseError(Exception):
    """A problem the owner can act on; `str(err)` is the one-line message we show."""


class NotCustdeskFileError(DatabaseError):
    pass


class NewerSchemaError(DatabaseError):
    pass


class DatabaseInUseError(DatabaseError):
    pass


class DamagedDatabaseError(DatabaseError):
    pass


class Store:
    """An open custdesk database: the sqlite-utils `db`, its path and its lock."""

    def __init__(self, path: Path, db: sqlite_utils.Database, lock: FileLock | None) -> None:
        self.path = path
        self.db = db
        self._lock = lock
        self._changes_at_open = db.conn.total_changes
        self.closed = False

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """All-or-nothing: one transaction (nested blocks become savepoints)."""
        with self.db.atomic() as db:
            yield db

    @property
    def changed_since_open(self) -> bool:
        return self.db.conn.total_changes != self._changes_at_open

    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self, backup_if_changed: bool = True) -> None:
        """Close; take a rotating backup first when this session changed anything."""
        if self.closed:
            return
        try:
            if backup_if_changed and self.changed_since_open:
                from custdesk.storage.backups import create_backup

                create_backup(self, reason="on-close")
        finally:
            self.db.close()
            if self._lock is not None:
                self._lock.release()
            self.closed = True

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_header(path: Path) -> tuple[bytes, int, int]:
    """(magic, user_version, application_id) from the raw 100-byte SQLite header."""
    with open(path, "rb") as fh:
        header = fh.read(100)
    if len(header) < 100:
        return header[:16], 0, 0
    user_version, = struct.unpack(">I", header[60:64])
    application_id, = struct.unpack(">I", header[68:72])
    return header[:16], user_version, application_id


def _check_foreign(path: Path) -> None:
    """Refuse anything that is not an empty file, an empty SQLite file, or ours."""
    from custdesk.storage.migrations import LATEST_VERSION

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
        if user_version > LATEST_VERSION:
            raise NewerSchemaError(
                f"{path.name} was written by a newer custdesk (schema {user_version}, this "
                f"version understands up to {LATEST_VERSION}); update custdesk to open it. "
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
               check: bool = True) -> Store:
    """Open (or create) a custdesk database, migrated to the latest schema.

    Raises a `DatabaseError` subclass with an owner-readable message; a refused file is
    never modified.
    """
    from custdesk.storage.migrations import migrate

    if sqlite3.sqlite_version_info < MIN_SQLITE_VERSION:
        raise DatabaseError(f"custdesk needs SQLite 3.37 or newer (found {sqlite3.sqlite_version}).")
    path = Path(path).expanduser().resolve()
    if not path.exists() and not create:
        raise DatabaseError(f"{path} does not exist.")
    _check_foreign(path)
    file_lock = acquire_lock(path) if lock else None
    try:
        if not path.exists():
            _create_private(path)
        db = connect(path)
        try:
            if check:
                _quick_check(db, path)
            store = Store(path, db, file_lock)
            migrate(store)
        except BaseException:
            db.close()
            raise
    except sqlite3.DatabaseError as exc:
        if file_lock is not None:
            file_lock.release()
        raise DamagedDatabaseError(
            f"{path.name} is damaged ({exc}); restore the latest backup (File ▸ Restore backup…)."
        ) from exc
    except BaseException:
        if file_lock is not None:
            file_lock.release()
        raise
    return store


def _quick_check(db: sqlite_utils.Database, path: Path) -> None:
    result = db.conn.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise DamagedDatabaseError(
            f"{path.name} is damaged ({result}); restore the latest backup "
            "(File ▸ Restore backup…)."
        )
