"""File ▸ Restore backup…: pick a finished backup; `start_restore` writes it back.

The window closes its store (releasing the lock), then calls `start_restore`: the copy
(and the safety copy of the current file) is a write task of `ui.tasks` — a big file
takes seconds — and `reopen` runs on the GUI thread once it is done, or failed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from custdesk.services.files import list_backups, restore_backup
from custdesk.ui.tasks import EVERYTHING, TaskHandle, TaskRunner, TaskState, default_runner

REASONS = {
    "on-close": "when custdesk closed",
    "before-import": "before an import",
    "before-migration": "before an upgrade",
    "before-restore": "before a restore",
    "before-undo": "before undoing an import",
    "before-delete": "before deleting a customer",
    "before-merge": "before merging customers",
    "manual": "taken by hand",
}


class RestoreBackupDialog(QDialog):
    restore_requested = Signal(str)

    def __init__(self, db_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # freed once closed
        self.setWindowTitle("Restore backup")
        self.resize(560, 380)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(
            f"Backups of <b>{db_path.name}</b>, newest first. Restoring keeps a copy of the "
            "current file, so you can go back."))
        self.list = QListWidget()
        for backup in list_backups(db_path):
            why = REASONS.get(backup.reason, backup.reason)
            item = QListWidgetItem(
                f"{backup.taken_at:%d %b %Y %H:%M}  —  {why}  ({backup.size / 1024:,.0f} KB)")
            item.setData(256, str(backup.path))
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        else:
            layout.addWidget(QLabel("<i>No backups yet.</i>"))
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button = buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setEnabled(self.list.count() > 0)
        buttons.accepted.connect(self._confirm)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def selected_path(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(256))

    def _confirm(self) -> None:
        chosen = self.selected_path()
        if chosen is None:
            return
        answer = QMessageBox.question(
            self, "Restore backup",
            "Replace the open database with this backup? The current file is kept as a backup.")
        if answer == QMessageBox.StandardButton.Yes:
            self.accept()
            self.restore_requested.emit(chosen)


def start_restore(parent: QWidget, db_path: Path, backup: Path, reopen: Callable[[], object],
                  runner: TaskRunner | None = None) -> TaskHandle:
    """Write `backup` over the (closed) database `db_path` in a task; then `reopen()`.

    The caller must have closed its store first: the task replaces the file itself, so it
    opens no connection. A failure is shown, and the file (untouched) is reopened too.
    """
    busy = QProgressDialog("Restoring the backup…", "", 0, 0, parent)
    busy.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    busy.setCancelButton(None)  # a half-done rename cannot be stopped
    busy.setWindowTitle("Restore backup")
    busy.setMinimumDuration(300)

    def work(_state: TaskState) -> Path | None:
        return restore_backup(db_path, backup)

    def done(_safety: Path | None) -> None:
        busy.close()
        reopen()
        status = getattr(parent, "statusBar", None)
        if status is not None:
            status().showMessage(f"Restored from {backup.name}", 8000)

    def failed(exc: BaseException) -> None:
        busy.close()
        QMessageBox.warning(parent, "Restore failed", str(exc))
        reopen()

    return (runner or default_runner()).write(None, work, EVERYTHING, done, failed,
                                              key="restore")
