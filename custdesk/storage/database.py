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
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils
from filelock import FileLock, Timeout

from custdesk.storage.sidecars import SidecarError, check_sidecars

APPLICATION_ID = 0x43555344  # "CUSD"
SQLITE_MAGIC = b"SQLite format 3\x00"
MIN_SQLITE_VERSION = (3, 37, 0)  # STRICT tables; Debian 12 ships 3.40.1
FULL_CHECK_MAX_BYTES = 8 * 1024 * 1024  # integrity_check ~45 ms/MB here; above: quick_check


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


class DiskError(DatabaseError, sqlite3.OperationalError):
    """The disk or folder refused a write (full, read-only, I/O error, file moved away).

    Also an `sqlite3.OperationalError`, so code that caught SQLite's own error still does.
    """


_DISK_ERRORS = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN",
                "SQLITE_PERM")


def is_disk_error(exc: BaseException) -> bool:
    """True for SQLite errors caused by the disk or folder rather than the file's content."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return any(name == code or name.startswith(code + "_") for code in _DISK_ERRORS)


def disk_error_message(path: Path, exc: BaseException) -> str:
    """One owner-readable line for a failed write; committed data is never at stake."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    kept = "the last change was not saved; everything saved before it is intact."
    if name.startswith("SQLITE_FULL") or getattr(exc, "errno", None) == 28:
        return f"The disk holding {path.name} is full: {kept} Free some space and try again."
    if name == "SQLITE_READONLY_DBMOVED":
        return f"{path.name} was moved or deleted while custdesk had it open: {kept}"
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")) or getattr(
            exc, "errno", None) in (1, 13, 30):
        return (f"custdesk cannot write to {path.name} or its folder {path.parent} (read-only "
                f"or no permission): {kept}")
    return f"The disk reported an error with {path.name} ({exc}): {kept}"


class Store:
    """An open custdesk database: the sqlite-utils `db`, its path and its lock."""

    def __init__(self, path: Path, db: sqlite_utils.Database, lock: FileLock | None) -> None:
        self.path = path
        self.db = db
        self._lock = lock
        self._changes_at_open = db.conn.total_changes
        self._inode = _inode(path)
        self.closed = False
        self.close_warning: str | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """All-or-nothing: one transaction (nested blocks become savepoints).

        A write the disk refuses raises `DiskError` (rolled back, nothing half-saved);
        when the file was deleted or moved meanwhile, what was committed is first written
        back to its path (see `rescue`).
        """
        try:
            with self.db.atomic() as db:
                yield db
        except sqlite3.OperationalError as exc:
            if isinstance(exc, DiskError) or not is_disk_error(exc):
                raise
            message = disk_error_message(self.path, exc)
            if self.file_gone():
                message += " " + self._rescue_note()
            raise DiskError(message) from exc

    def file_gone(self) -> bool:
        """True when the file at `path` is no longer the one this store has open."""
        return _inode(self.path) != self._inode

    def rescue(self) -> Path:
        """Write what this connection holds back to `path` (or beside it if taken)."""
        from custdesk.storage.backups import write_copy

        target = self.path
        if target.exists():
            target = self.path.with_name(f"{self.path.stem}-rescued{self.path.suffix}")
        write_copy(self.conn, target)
        if target == self.path:
            self._inode = _inode(target)  # rescued once; do not rescue again on close
        return target

    def _rescue_note(self) -> str:
        try:
            return f"Everything saved so far was written back to {self.rescue()}."
        except (OSError, sqlite3.Error) as exc:
            return f"custdesk could not write it back ({exc}); keep custdesk open and copy it."

    @property
    def changed_since_open(self) -> bool:
        return self.db.conn.total_changes != self._changes_at_open

    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self, backup_if_changed: bool = True) -> None:
        """Close; take a rotating backup first when this session changed anything.

        Never raises for a failed backup or rescue (a full disk must not stop the owner
        from quitting; what was committed is already in the file): the reason is left in
        `close_warning` for the caller to show.
        """
        if self.closed:
            return
        try:
            if self.file_gone():
                self.close_warning = (f"{self.path.name} was moved or deleted while custdesk "
                                      f"had it open. {self._rescue_note()}")
            if backup_if_changed and self.changed_since_open:
                from custdesk.storage.backups import create_backup

                create_backup(self, reason="on-close")
        except (OSError, sqlite3.Error, DatabaseError) as exc:
            self.close_warning = f"The closing backup was not written: {exc}"
        finally:
            self.db.close()
            if self._lock is not None:
                self._lock.release()
            self.closed = True

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _inode(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


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
               check: bool = True) -> Store:
    """Open (or create) a custdesk database, migrated to the latest schema.

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
        return _open(path, lock=lock, check=check)
    except (DatabaseInUseError, DiskError):
        raise
    except DatabaseError as exc:
        raise type(exc)(f"{exc} {backup_advice(path)}") from exc.__cause__


def _open(path: Path, *, lock: bool, check: bool) -> Store:
    from custdesk.storage.backups import list_backups
    from custdesk.storage.migrations import LATEST_VERSION, migrate

    try:
        if path.is_file() and path.stat().st_size == 0 and list_backups(path):
            # a new database is never empty once used: this one was cut short
            raise DamagedDatabaseError(
                f"{path.name} is empty although custdesk has backups of it, so it was cut "
                "short (full disk, sync client, copy error).")
        _check_foreign(path)
    except OSError as exc:
        raise DiskError(f"custdesk cannot read {path.name} ({exc.strerror or exc}).") from exc
    file_lock = acquire_lock(path) if lock else None
    try:
        try:
            check_sidecars(path, LATEST_VERSION)
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
            migrate(store)
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


def backup_advice(path: Path) -> str:
    """'The latest good backup is …' (or that there is none), for refusal messages."""
    from custdesk.storage.backups import latest_good_backup

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
