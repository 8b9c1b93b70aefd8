"""The business file as the GUI and the CLI see it: open, refuse, back up, restore, where.

`ui/` reaches storage only through services (an import-linter contract); this module is
that door for the file itself — opening (with its refusals), backups and the default
location — so a screen never imports `custdesk.storage` directly.
"""

from __future__ import annotations

import os
from pathlib import Path

from custdesk.storage import (
    DamagedDatabaseError,
    DatabaseError,
    DatabaseInUseError,
    NewerSchemaError,
    NotCustdeskFileError,
    Store,
    open_store,
)
from custdesk.storage.backups import list_backups, restore_backup
from custdesk.storage.database import connect
from custdesk.storage.location import location_warning_once
from custdesk.storage.queries import records_estimate
from custdesk.storage.repository import is_empty


def default_db_path() -> Path:
    """`$CUSTDESK_DB`, else the OS's app-data folder (QStandardPaths.AppDataLocation)."""
    override = os.environ.get("CUSTDESK_DB")
    if override:
        return Path(override)
    # QtCore only (no GUI): the same folder Qt apps use on every OS.
    from PySide6.QtCore import QCoreApplication, QStandardPaths

    QCoreApplication.setOrganizationName("custdesk")
    QCoreApplication.setApplicationName("custdesk")
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder) / "custdesk.db"


__all__ = [
    "DamagedDatabaseError", "DatabaseError", "DatabaseInUseError", "NewerSchemaError",
    "NotCustdeskFileError", "Store", "connect", "default_db_path", "is_empty", "list_backups",
    "location_warning_once", "open_store", "records_estimate", "restore_backup",
]
