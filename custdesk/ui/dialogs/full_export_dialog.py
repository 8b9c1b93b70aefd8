"""File ▸ Export everything…: the full, re-importable workbook, written off the GUI thread.

The export runs on a pool thread with its own connection to the file (`worker.open_reader`),
reports progress by signal, and stops at the next row when the owner presses Cancel
(the exporter then leaves no file behind).
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from custdesk.services.exporter import export_workbook
from custdesk.sheets.writer import ExportCancelled
from custdesk.ui.worker import open_reader

PROGRESS_SCALE = 1000  # QProgressDialog takes ints; rows are scaled to per-mille


class _Signals(QObject):
    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)


class FullExportJob(QRunnable):
    """Writes the workbook; never touches a widget."""

    def __init__(self, db_path: Path, target: Path) -> None:
        super().__init__()
        self.db_path, self.target = db_path, target
        self.signals = _Signals()
        self.cancelled = threading.Event()

    def run(self) -> None:
        store = open_reader(self.db_path)
        try:
            result = export_workbook(store, self.target, progress=self.signals.progress.emit,
                                     cancel=self.cancelled.is_set)
        except ExportCancelled:
            self.signals.failed.emit("")
        except Exception as exc:  # noqa: BLE001 - shown to the owner, never a crash
            self.signals.failed.emit(str(exc) or type(exc).__name__)
        else:
            self.signals.finished.emit(result)
        finally:
            store.db.close()


def start_full_export(parent: QWidget, db_path: Path, target: Path,
                      pool: QThreadPool | None = None) -> FullExportJob:
    """Start the export with a progress dialog; returns the job (tests wait on the pool)."""
    dialog = QProgressDialog("Writing every record to the workbook…", "Cancel", 0,
                             PROGRESS_SCALE, parent)
    dialog.setWindowTitle("Export everything")
    dialog.setMinimumDuration(300)
    job = FullExportJob(db_path, target)
    job.setAutoDelete(False)  # the dialog's closures keep using its signals

    def on_progress(done: int, total: int) -> None:
        dialog.setValue(int(PROGRESS_SCALE * done / total) if total else 0)

    def on_finished(result: object) -> None:
        dialog.reset()
        rows = sum(getattr(result, "rows", {}).values())
        QMessageBox.information(parent, "Export everything",
                                f"{rows:,} records written to {target.name}.")

    def on_failed(message: str) -> None:
        dialog.reset()
        if message:
            QMessageBox.warning(parent, "Export failed", message)

    job.signals.progress.connect(on_progress)
    job.signals.finished.connect(on_finished)
    job.signals.failed.connect(on_failed)
    dialog.canceled.connect(job.cancelled.set)
    (pool or QThreadPool.globalInstance()).start(job)
    parent._full_export_job = job  # type: ignore[attr-defined]  # keep alive until done
    return job


def ask_and_export(parent: QWidget, db_path: Path) -> FullExportJob | None:
    target, _ = QFileDialog.getSaveFileName(
        parent, "Export everything", f"{db_path.stem}-export.xlsx", "Excel workbook (*.xlsx)")
    if not target:
        return None
    if not target.lower().endswith(".xlsx"):
        target += ".xlsx"
    return start_full_export(parent, db_path, Path(target))
