"""File ▸ Restore backup…: pick a finished backup, see what restoring it would take back
(records per table and the imports made after it), then `start_restore` writes it back.

The window closes its store but keeps the file's one-writer lock
(`Store.close(keep_lock=True)`), then calls `start_restore` with it: the copy (and the
safety copy of the current file) is a write task of `ui.tasks` — a big file takes
seconds — and `reopen` runs on the GUI thread once it is done, or failed, and opens the
file with that same lock (`open_store(path, lock=held)`). No other process can open the
file at any moment in between (issue 20 M6).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

from filelock import BaseFileLock
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

from custdesk.services.files import (
    RestoreLoss,
    Store,
    acquire_lock,
    list_backups,
    restore_backup,
    restore_loss,
)
from custdesk.ui import plain_text
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
TABLE_WORDS = {
    "customers": "customer", "orders": "order line", "products": "product", "deals": "deal",
    "tickets": "support ticket", "surveys": "survey answer", "spend": "spend row",
    "targets": "target", "assessments": "scorecard assessment",
}


def _count(n: int, table: str) -> str:
    word = TABLE_WORDS.get(table, table)
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def loss_text(loss: RestoreLoss) -> str:
    """What restoring takes back, in words (HTML): rows per table now vs in the backup,
    and the imports made after it."""
    if loss.nothing():
        return "This backup holds the same records as the open file: you lose nothing."
    lines = []
    for table, diff in loss.differences().items():
        if diff > 0:
            lines.append(f"{_count(diff, table)} added since this backup would be lost")
        else:
            lines.append(f"{_count(-diff, table)} deleted since this backup would come back")
    for batch in loss.imports_after:
        when = str(batch["started_at"])[:16].replace("T", " ")
        lines.append(f"the import of {escape(Path(str(batch['source_file'])).name)} "
                     f"({escape(str(batch['kind']))}, {when}, "
                     f"{int(batch['created']):,} added, {int(batch['updated']):,} updated) "
                     "would be undone")
    items = "".join(f"<li>{line}</li>" for line in lines)
    return f"<b>Restoring this backup:</b><ul style='margin: 0'>{items}</ul>"


class RestoreBackupDialog(QDialog):
    restore_requested = Signal(str)

    def __init__(self, db_path: Path, parent: QWidget | None = None, *,
                 store: Store | None = None) -> None:
        """`store`: the open file, to say what restoring would take back from it."""
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # freed once closed
        self.setWindowTitle("Restore backup")
        self.resize(640, 460)
        self.store = store
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(
            f"Backups of <b>{escape(db_path.name)}</b>, newest first. Restoring keeps a copy "
            "of the current file, so you can go back."))
        self.list = QListWidget()
        for backup in list_backups(db_path):
            why = REASONS.get(backup.reason, backup.reason)
            item = QListWidgetItem(
                f"{backup.taken_at:%d %b %Y %H:%M}  —  {why}  ({backup.size / 1024:,.0f} KB)")
            item.setData(256, str(backup.path))
            self.list.addItem(item)
        self.loss = QLabel()
        self.loss.setWordWrap(True)
        self.loss.setTextFormat(Qt.TextFormat.RichText)
        self.list.currentRowChanged.connect(self._show_loss)
        if self.list.count():
            self.list.setCurrentRow(0)
        else:
            layout.addWidget(QLabel("<i>No backups yet.</i>"))
        layout.addWidget(self.list, 1)
        layout.addWidget(self.loss)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button = buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setEnabled(self.list.count() > 0)
        buttons.accepted.connect(self._confirm)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def selected_path(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(256))

    def loss_for(self, backup: str) -> str:
        """What restoring `backup` takes back from the open file, in words."""
        if self.store is None:
            return ""
        try:
            return loss_text(restore_loss(self.store, Path(backup)))
        except Exception as exc:  # an unreadable backup is said, never fatal to the dialog
            return f"custdesk could not compare this backup with the open file: {exc}"

    def _show_loss(self, _row: int) -> None:
        chosen = self.selected_path()
        self.loss.setText(self.loss_for(chosen) if chosen else "")

    def _confirm(self) -> None:
        chosen = self.selected_path()
        if chosen is None:
            return
        lost = self.loss.text()
        answer = QMessageBox.question(
            self, "Restore backup",
            (f"{lost}<br>" if lost else "")
            + "Replace the open database with this backup? The current file is kept as a "
            "backup, so you can go back.")
        if answer == QMessageBox.StandardButton.Yes:
            self.accept()
            self.restore_requested.emit(chosen)


def start_restore(parent: QWidget, db_path: Path, backup: Path, reopen: Callable[[], object],
                  runner: TaskRunner | None = None, *,
                  lock: BaseFileLock | None = None) -> TaskHandle:
    """Write `backup` over the (closed) database `db_path` in a task; then `reopen()`.

    The caller must have closed its store first, keeping its lock (`lock`, held until
    `reopen` opens the file with it): the task replaces the file itself, so it opens no
    connection. A failure is shown, and the file (untouched) is reopened too.
    Without `lock` (a caller whose `reopen` takes the lock itself) the lock is taken here
    for the swap and released just before `reopen`; the window always passes its own.
    """
    own = lock is None
    held = acquire_lock(db_path) if lock is None else lock

    def handed_back() -> None:
        if own:
            held.release()

    busy = QProgressDialog("Restoring the backup…", "", 0, 0, parent)
    busy.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    busy.setCancelButton(None)  # a half-done rename cannot be stopped
    busy.setWindowTitle("Restore backup")
    busy.setMinimumDuration(300)

    def work(_state: TaskState) -> Path | None:
        return restore_backup(db_path, backup, lock=held)

    def done(_safety: Path | None) -> None:
        busy.close()
        handed_back()
        reopen()
        status = getattr(parent, "statusBar", None)
        if status is not None:
            status().showMessage(f"Restored from {backup.name}", 8000)

    def failed(exc: BaseException) -> None:
        busy.close()
        QMessageBox.warning(parent, "Restore failed", plain_text.safe(str(exc)))
        handed_back()
        reopen()

    return (runner or default_runner()).write(None, work, EVERYTHING, done, failed,
                                              key="restore")
