"""The storage errors the owner sees, and the wording of disk failures.

A leaf module (no other storage imports), so that opening, backing up and migrating can
all raise the same errors without importing each other.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


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


class UnexpectedSchemaError(DatabaseError):
    """The file's schema (tables, columns, indexes, triggers, views) is not the one this
    version of custdesk creates: something else was added or changed, and could run on the
    owner's later work. Its data can still be copied into a new file (`custdesk rescue`)."""


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
