"""The business file as the GUI and the CLI see it: open, refuse, back up, restore, where.

`ui/` reaches storage only through services (an import-linter contract); this module is
that door for the file itself — opening (with its refusals), backups, the default and
demo locations, the folder file dialogs start in, and what a restore would take back —
so a screen never imports `custdesk.storage` directly.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from custdesk.storage import (
    DamagedDatabaseError,
    DatabaseError,
    DatabaseInUseError,
    NewerSchemaError,
    NotCustdeskFileError,
    Store,
    beside,
    open_store,
)
from custdesk.storage.backups import list_backups, restore_backup
from custdesk.storage.database import acquire_lock, connect, load_first_use_imports
from custdesk.storage.import_writes import list_batches
from custdesk.storage.location import location_warning_once
from custdesk.storage.queries import records_estimate
from custdesk.storage.repository import is_empty, table_counts

DEFAULT_NAME = "custdesk.db"
DEMO_NAME = "custdesk-demo.db"


def _app_data_folder() -> Path:
    # QtCore only (no GUI): the same folder Qt apps use on every OS.
    from PySide6.QtCore import QCoreApplication, QStandardPaths

    QCoreApplication.setOrganizationName("custdesk")
    QCoreApplication.setApplicationName("custdesk")
    return Path(QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation))


def default_db_path() -> Path:
    """`$CUSTDESK_DB`, else the OS's app-data folder (QStandardPaths.AppDataLocation)."""
    override = os.environ.get("CUSTDESK_DB")
    if override:
        return Path(override)
    return _app_data_folder() / DEFAULT_NAME


def demo_db_path() -> Path:
    """Where "Explore the demo business" writes: its own file beside the owner's default
    one (`custdesk-demo.db`), never the owner's `custdesk.db`."""
    return default_db_path().with_name(DEMO_NAME)


def documents_folder() -> Path:
    """The user's Documents folder (home when the OS has none): where file dialogs start
    before any folder was used — never the program's own folder."""
    from PySide6.QtCore import QStandardPaths

    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(found) if found else Path.home()
    return folder if folder.is_dir() else Path.home()


def start_folder(last_used: object) -> Path:
    """The folder a file dialog opens in: the last one used (QSettings value `last_used`)
    while it still exists, else Documents."""
    if isinstance(last_used, str) and last_used and Path(last_used).is_dir():
        return Path(last_used)
    return documents_folder()


@dataclass
class RestoreLoss:
    """What restoring a backup takes back: per table, rows now minus rows in the backup
    (only the tables that differ), and the imports made after it."""

    counts_now: dict[str, int]
    counts_backup: dict[str, int]
    imports_after: list[dict[str, Any]] = field(default_factory=list)

    def differences(self) -> dict[str, int]:
        return {t: n - self.counts_backup.get(t, 0) for t, n in self.counts_now.items()
                if n != self.counts_backup.get(t, 0)}

    def nothing(self) -> bool:
        return not self.differences() and not self.imports_after


def _read_only(path: Path) -> Store:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    return Store(path, sqlite_utils.Database(conn), None)


def restore_loss(store: Store, backup: Path) -> RestoreLoss:
    """Compare the open file with `backup` (opened read-only, never migrated): counts per
    table and the imports in the file that the backup does not hold."""
    old = _read_only(backup)
    try:
        counts_backup = table_counts(old)
        kept = {(b["id"], b["started_at"]) for b in list_batches(old)}
    finally:
        old.db.conn.close()
    after = [b for b in list_batches(store) if (b["id"], b["started_at"]) not in kept]
    return RestoreLoss(table_counts(store), counts_backup, after)


def watch_stop(store: Store, stop: Callable[[], bool], steps: int) -> None:
    """Interrupt the store's statements — and those of the parts it hands to a second
    connection (`storage/beside.py`) — once `stop()` is true (checked every `steps` VM
    steps): a cancelled task stops inside its SQL."""
    beside.set_progress_handler(store, stop, steps)


def close_task_store(store: Store) -> None:
    """Close a task's own connection and its second connections (a part still running
    closes its own when done)."""
    beside.close_twin(store)
    store.close(backup_if_changed=False)


__all__ = [
    "DEMO_NAME", "DamagedDatabaseError", "DatabaseError", "DatabaseInUseError",
    "NewerSchemaError", "NotCustdeskFileError", "RestoreLoss", "Store", "acquire_lock", "connect",
    "close_task_store", "default_db_path", "demo_db_path", "documents_folder", "is_empty",
    "list_backups", "load_first_use_imports",
    "location_warning_once", "open_store", "records_estimate", "restore_backup",
    "restore_loss", "start_folder", "table_counts", "watch_stop",
]
