"""File ▸ Export everything…: the full, re-importable workbook, written by a task.

The export is a read task of `ui.tasks` (its own connection to the file), reports
progress to a progress dialog and stops at the next row when the owner presses Cancel
(the exporter then leaves no file behind). The progress dialog is freed once closed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from custdesk.services.exporter import ExportResult, export_workbook
from custdesk.services.tab_export import ExportCancelled
from custdesk.ui import plain_text
from custdesk.ui.tasks import Cancelled, TaskHandle, TaskRunner, TaskState, default_runner

PROGRESS_SCALE = 1000  # QProgressDialog takes ints; rows are scaled to per-mille


def export_task(target: Path) -> Callable[[TaskState], ExportResult]:
    """The task: write every record of the task's store to `target`."""
    def run(state: TaskState) -> ExportResult:
        assert state.store is not None
        try:
            # the exporter polls `cancelled` itself and removes its partial file
            return export_workbook(
                state.store, target,
                progress=lambda done, total: state.progress(done, total, check=False),
                cancel=lambda: state.cancelled)
        except ExportCancelled:
            raise Cancelled from None
    return run


def start_full_export(parent: QWidget, db_path: Path, target: Path,
                      runner: TaskRunner | None = None) -> TaskHandle:
    """Start the export with a progress dialog; returns the task's handle."""
    dialog = QProgressDialog("Writing every record to the workbook…", "Cancel", 0,
                             PROGRESS_SCALE, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowTitle("Export everything")
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)

    def on_progress(done: int, total: int, _phase: str) -> None:
        dialog.setValue(int(PROGRESS_SCALE * done / total) if total else 0)

    def on_finished(result: ExportResult) -> None:
        dialog.close()
        rows = sum(result.rows.values())
        QMessageBox.information(parent, "Export everything",
                                plain_text.safe(f"{rows:,} records written to {target.name}."))

    def on_failed(exc: BaseException) -> None:
        dialog.close()
        QMessageBox.warning(parent, "Export failed",
                            plain_text.safe(str(exc) or type(exc).__name__))

    handle = (runner or default_runner()).query(
        db_path, export_task(target), on_finished, on_failed,
        progress=on_progress, cancelled=dialog.close)
    dialog.canceled.connect(handle.cancel)
    return handle


def ask_and_export(parent: QWidget, db_path: Path) -> TaskHandle | None:
    target, _ = QFileDialog.getSaveFileName(
        parent, "Export everything", f"{db_path.stem}-export.xlsx", "Excel workbook (*.xlsx)")
    if not target:
        return None
    if not target.lower().endswith(".xlsx"):
        target += ".xlsx"
    return start_full_export(parent, db_path, Path(target))
