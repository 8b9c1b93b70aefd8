"""`Store`: an open custdesk database — the sqlite-utils `db`, its path and its lock.

Opening (checks, lock, migration) is `database.open_store`; this module only holds what
an open store does: transactions, rescue of a file moved away, the closing backup.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils
from filelock import BaseFileLock

from custdesk.storage.backups import create_backup, write_copy
from custdesk.storage.errors import (
    DatabaseError,
    DiskError,
    disk_error_message,
    is_disk_error,
)


class Store:
    """An open custdesk database: the sqlite-utils `db`, its path and its lock."""

    def __init__(self, path: Path, db: sqlite_utils.Database, lock: BaseFileLock | None) -> None:
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

    def close(self, backup_if_changed: bool = True, *, keep_lock: bool = False,
              rescue_if_gone: bool = True) -> BaseFileLock | None:
        """Close; take a rotating backup first when this session changed anything.

        `keep_lock=True` (a restore) leaves the one-writer lock held and returns it: the
        caller hands it to `restore_backup` and then to `open_store(path, lock=held)`, so
        no other process can open the file in between (issue 20 M6). `rescue_if_gone=False`:
        a reader's connection (the screen process) never writes the file back — the
        window's own store does.

        Never raises for a failed backup or rescue (a full disk must not stop the owner
        from quitting; what was committed is already in the file): the reason is left in
        `close_warning` for the caller to show.
        """
        if self.closed:
            return None
        kept: BaseFileLock | None = None
        try:
            if rescue_if_gone and self.file_gone():
                self.close_warning = (f"{self.path.name} was moved or deleted while custdesk "
                                      f"had it open. {self._rescue_note()}")
            if backup_if_changed and self.changed_since_open:
                create_backup(self, reason="on-close")
        except (OSError, sqlite3.Error, DatabaseError) as exc:
            self.close_warning = f"The closing backup was not written: {exc}"
        finally:
            self.db.close()
            if self._lock is not None:
                if keep_lock:
                    kept = self._lock
                else:
                    self._lock.release()
                self._lock = None
            self.closed = True
        return kept

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
