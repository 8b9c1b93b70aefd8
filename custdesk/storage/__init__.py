"""SQLite storage through sqlite-utils: open, migrate, lock, back up, repositories."""

from custdesk.storage.database import (
    DamagedDatabaseError,
    DatabaseError,
    DatabaseInUseError,
    NewerSchemaError,
    NotCustdeskFileError,
    Store,
    open_store,
)

__all__ = [
    "DamagedDatabaseError",
    "DatabaseError",
    "DatabaseInUseError",
    "NewerSchemaError",
    "NotCustdeskFileError",
    "Store",
    "open_store",
]
