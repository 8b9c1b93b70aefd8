"""The import wizard: file → sheet/kind → mapping → preview with errors → import.

All reading, validating and writing runs through a runner: `ThreadRunner` (QThreadPool)
keeps the window responsive; `SyncRunner` runs at once and is what tests use. Workers never
touch widgets: results come back through Qt signals. The wizard calls the same service as
`custdesk import` (custdesk.services.importer), so both import identically.

While the import page writes, the worker uses the window's database connection; the
wizard is modal, so nothing else uses it meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from custdesk.services import importer
from custdesk.sheets import mapping as mp
from custdesk.sheets.catalogue import KINDS, fields
from custdesk.sheets.reader import open_source, read_table
from custdesk.sheets.values import DAYFIRST, MONTHFIRST
from custdesk.storage.database import Store

FILE_FILTER = "Spreadsheets (*.xlsx *.xlsm *.xls *.ods *.csv *.txt);;All files (*)"
IGNORE = "(ignore)"
MAX_ERRORS_SHOWN = 2000
SAMPLE_ROWS = 3


class CancelledError(Exception):
    """The owner pressed Cancel: the transaction rolls back."""


# ---- runners -----------------------------------------------------------------------------

class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(str, int, int)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[Callable[[str, int, int], None]], Any],
                 signals: _Signals) -> None:
        super().__init__()
        self.fn, self.signals = fn, signals

    def run(self) -> None:
        try:
            result = self.fn(self.signals.progress.emit)
        except Exception as exc:  # noqa: BLE001 - reported to the owner by the wizard
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


class ThreadRunner:
    """Runs a job on the global QThreadPool; callbacks arrive on the GUI thread."""

    def __init__(self) -> None:
        self._keep: list[_Signals] = []

    def run(self, fn: Callable[..., Any], done: Callable[[Any], None],
            failed: Callable[[Exception], None],
            progress: Callable[[str, int, int], None] | None = None) -> None:
        signals = _Signals()
        self._keep.append(signals)  # alive until the job reports

        def finish(*_args: object) -> None:
            # Qt deletes it once this emission is over; never left to Python's GC
            if signals in self._keep:
                self._keep.remove(signals)
                signals.deleteLater()

        signals.done.connect(done)
        signals.failed.connect(failed)
        if progress is not None:
            signals.progress.connect(progress)
        signals.done.connect(finish)
        signals.failed.connect(finish)
        QThreadPool.globalInstance().start(_Job(fn, signals))


class SyncRunner:
    """Runs the job at once on the caller's thread (tests)."""

    def run(self, fn: Callable[..., Any], done: Callable[[Any], None],
            failed: Callable[[Exception], None],
            progress: Callable[[str, int, int], None] | None = None) -> None:
        try:
            result = fn(progress or (lambda *_a: None))
        except Exception as exc:  # noqa: BLE001
            failed(exc)
        else:
            done(result)


@dataclass
class SheetScan:
    name: str
    headers: list[str]
    samples: list[list[str]]  # per column, a few sample values
    kind: str | None


def scan_sheets(path: Path, encoding: str | None) -> list[SheetScan]:
    """Every visible sheet's headers, sample values and guessed kind (runs off the GUI)."""
    source = open_source(path, encoding)
    try:
        scans = []
        for name in source.visible_sheets or source.sheet_names:
            table = read_table(source, None if source.type == "csv" else name)
            rows = [row for _n, (_, row) in zip(range(SAMPLE_ROWS), table.rows, strict=False)]
            samples = [[_cell(r[i]) for r in rows if i < len(r)] for i in range(len(table.headers))]
            scans.append(SheetScan(table.sheet, table.headers, samples,
                                   mp.guess_kind(table.headers) if table.headers else None))
        return scans
    finally:
        source.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)[:40]


# ---- pages -------------------------------------------------------------------------------

class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.setTitle("Choose a spreadsheet")
        self.setSubTitle("Excel (.xlsx, .xls), OpenDocument (.ods) or CSV. Nothing is "
                         "written until the last step, and every import can be undone.")
        self.path_edit = QLineEdit()
        self.path_edit.textChanged.connect(self.completeChanged)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.encoding = QComboBox()
        self.encoding.addItems(["Automatic (UTF-8)", "Windows (cp1252)", "Latin-1"])
        row = QHBoxLayout()
        row.addWidget(self.path_edit)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("File:", row)
        form.addRow("Text encoding (CSV):", self.encoding)
        self._wizard = wizard

    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Import", "", FILE_FILTER)
        if path:
            self.path_edit.setText(path)

    def chosen_encoding(self) -> str | None:
        return [None, "cp1252", "latin-1"][self.encoding.currentIndex()]

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return Path(self.path_edit.text()).is_file()


class SheetPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.setTitle("What is in it?")
        self._wizard = wizard
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.sheet = QComboBox()
        self.kind = QComboBox()
        self.kind.addItems(KINDS)
        self.sheet.currentIndexChanged.connect(self._sheet_changed)
        form = QFormLayout(self)
        form.addRow(self.status)
        form.addRow("Sheet:", self.sheet)
        form.addRow("The rows are:", self.kind)
        self.scans: list[SheetScan] = []

    def initializePage(self) -> None:  # noqa: N802
        self.scans = []
        self.sheet.clear()
        self.status.setText("Reading the file…")
        w = self._wizard
        path, encoding = Path(w.file_page.path_edit.text()), w.file_page.chosen_encoding()
        w.runner.run(lambda _p: scan_sheets(path, encoding), self._scanned, self._failed)
        self.completeChanged.emit()

    def _scanned(self, scans: list[SheetScan]) -> None:
        self.scans = scans
        self.sheet.blockSignals(True)
        self.sheet.addItems([s.name for s in scans])
        best = next((i for i, s in enumerate(scans) if s.kind), 0)
        self.sheet.setCurrentIndex(best)
        self.sheet.blockSignals(False)
        self._sheet_changed(best)
        self.status.setText(f"{len(scans)} sheet(s) found.")
        self.completeChanged.emit()

    def _failed(self, exc: Exception) -> None:
        self.status.setText(f"This file cannot be imported: {exc}")
        self.completeChanged.emit()

    def _sheet_changed(self, index: int) -> None:
        if 0 <= index < len(self.scans) and self.scans[index].kind:
            self.kind.setCurrentText(self.scans[index].kind or "")

    def current(self) -> SheetScan | None:
        index = self.sheet.currentIndex()
        return self.scans[index] if 0 <= index < len(self.scans) else None

    def isComplete(self) -> bool:  # noqa: N802
        scan = self.current()
        return scan is not None and bool(scan.headers)


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.setTitle("Match the columns")
        self.setSubTitle("Each column of the sheet goes into a field, or is ignored.")
        self._wizard = wizard
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Column", "Sample values", "Goes into"])
        self.date_order = QComboBox()
        self.date_order.addItems(["Decide from the data", "Day first (31/12/2024)",
                                  "Month first (12/31/2024)"])
        self.mode = QComboBox()
        self.mode.addItems(["Add new and update existing", "Only add new",
                            "Only update existing"])
        self.missing = QLabel()
        self.missing.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        form = QFormLayout()
        form.addRow("Text dates:", self.date_order)
        form.addRow("Records already there:", self.mode)
        layout.addLayout(form)
        layout.addWidget(self.missing)
        self.combos: list[QComboBox] = []

    def initializePage(self) -> None:  # noqa: N802
        w = self._wizard
        scan = w.sheet_page.current()
        kind = w.sheet_page.kind.currentText()
        assert scan is not None
        saved = importer.saved_mapping(w.store, scan.headers)
        mapping = (mp.mapping_from_json(scan.headers, saved[1], kind)
                   if saved and saved[0] == kind else mp.auto_map(scan.headers, kind))
        names = [IGNORE] + [f.name for f in fields(kind)]
        self.table.setRowCount(len(scan.headers))
        self.combos = []
        for row, header in enumerate(scan.headers):
            self.table.setItem(row, 0, QTableWidgetItem(header))
            sample = scan.samples[row] if row < len(scan.samples) else []
            self.table.setItem(row, 1, QTableWidgetItem(", ".join(sample)))
            combo = QComboBox()
            combo.setEditable(True)  # type to filter a long field list
            combo.addItems(names)
            combo.setCurrentText(mapping[row] or IGNORE)
            combo.currentTextChanged.connect(self._changed)
            self.table.setCellWidget(row, 2, combo)
            self.combos.append(combo)
        self._changed()

    def mapping(self) -> list[str | None]:
        kind = self._wizard.sheet_page.kind.currentText()
        known = {f.name for f in fields(kind)}
        return [c.currentText() if c.currentText() in known else None for c in self.combos]

    def _changed(self, *_args: object) -> None:
        from custdesk.sheets.catalogue import missing_required

        kind = self._wizard.sheet_page.kind.currentText()
        chosen = [m for m in self.mapping() if m]
        missing = missing_required(kind, set(chosen))
        twice = sorted({m for m in chosen if chosen.count(m) > 1})
        text = []
        if missing:
            text.append("Still needed: " + ", ".join(missing))
        if twice:
            text.append("Used twice: " + ", ".join(twice))
        self.missing.setText(". ".join(text))
        self.completeChanged.emit()

    def date_choice(self) -> str | None:
        return [None, DAYFIRST, MONTHFIRST][self.date_order.currentIndex()]

    def mode_choice(self) -> str:
        return ["upsert", "create", "update"][self.mode.currentIndex()]

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self.combos) and not self.missing.text()


class PreviewPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.setTitle("Check before importing")
        self._wizard = wizard
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.errors = QTableWidget(0, 5)
        self.errors.setHorizontalHeaderLabels(["Sheet", "Row", "Column", "Value", "Problem"])
        self.skip_invalid = QCheckBox("Import the valid rows only (leave out the rows above)")
        self.skip_invalid.toggled.connect(self.completeChanged)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.errors)
        layout.addWidget(self.skip_invalid)
        self.preview: importer.Preview | None = None

    def request(self) -> importer.ImportRequest:
        w = self._wizard
        scan = w.sheet_page.current()
        assert scan is not None
        return importer.ImportRequest(
            Path(w.file_page.path_edit.text()), kind=w.sheet_page.kind.currentText(),
            sheet=scan.name, mapping=w.mapping_page.mapping(),
            date_order=w.mapping_page.date_choice(), mode=w.mapping_page.mode_choice(),
            skip_invalid=self.skip_invalid.isChecked(),
            encoding=w.file_page.chosen_encoding())

    def initializePage(self) -> None:  # noqa: N802
        self.preview = None
        self.errors.setRowCount(0)
        self.summary.setText("Reading and checking every row…")
        request, store = self.request(), self._wizard.store
        self._wizard.runner.run(lambda p: importer.make_preview(store, request, p),
                                self._ready, self._failed)
        self.completeChanged.emit()

    def _ready(self, preview: importer.Preview) -> None:
        self.preview = preview
        c, plan = preview.counts(), preview.plan
        self.summary.setText(
            f"{c['rows_read']:,} rows read: {c['created']:,} to create, {c['updated']:,} to "
            f"update, {c['unchanged']:,} already there, {c['invalid']:,} invalid. "
            f"New customers: {plan.new_customers:,}, new products: {plan.new_products:,}"
            + (f", new stages: {', '.join(plan.new_stages)}" if plan.new_stages else "") + ".")
        shown = preview.errors[:MAX_ERRORS_SHOWN]
        self.errors.setRowCount(len(shown))
        for row, e in enumerate(shown):
            for col, text in enumerate((e.sheet, str(e.row), e.column, e.value, e.reason)):
                self.errors.setItem(row, col, QTableWidgetItem(text))
        self.skip_invalid.setVisible(bool(c["invalid"]))
        self.completeChanged.emit()

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, importer.AmbiguousDatesError):
            self.summary.setText(f"{exc}. Go back and choose day first or month first.")
        else:
            self.summary.setText(f"This file cannot be imported: {exc}")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        p = self.preview
        return p is not None and (p.invalid == 0 or self.skip_invalid.isChecked())


class ImportPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.setTitle("Importing")
        self._wizard = wizard
        self.progress = QProgressBar()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel import")
        self.cancel_button.clicked.connect(self.cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.cancel_button)
        self.cancelled = False
        self.finished = False
        self.batch_id: int | None = None

    def initializePage(self) -> None:  # noqa: N802
        self.cancelled, self.finished, self.batch_id = False, False, None
        preview = self._wizard.preview_page.preview
        assert preview is not None
        preview.request.skip_invalid = self._wizard.preview_page.skip_invalid.isChecked()
        self.progress.setRange(0, max(preview.plan.created, 1))
        self.progress.setValue(0)
        self.status.setText("Writing… (a backup was taken first)")
        self.cancel_button.setEnabled(True)
        store = self._wizard.store

        def work(report: Callable[[str, int, int], None]) -> importer.ImportResult:
            def progress(phase: str, done: int, total: int) -> None:
                if self.cancelled:  # read across threads: a plain bool is enough here
                    raise CancelledError
                report(phase, done, total)

            return importer.commit(store, preview, progress)

        self._wizard.runner.run(work, self._done, self._failed, self._progress)
        self.completeChanged.emit()

    def cancel(self) -> None:
        self.cancelled = True
        self.status.setText("Cancelling…")

    def _progress(self, _phase: str, done: int, _total: int) -> None:
        self.progress.setValue(done)

    def _done(self, result: importer.ImportResult) -> None:
        self.finished, self.batch_id = True, result.batch_id
        self.cancel_button.setEnabled(False)
        self.progress.setValue(self.progress.maximum())
        c = result.preview.counts()
        if result.batch_id is None:
            self.status.setText("Nothing new: every row of this file is already there.")
        else:
            self.status.setText(f"Done: {c['created']:,} created, {c['updated']:,} updated, "
                                f"{c['unchanged']:,} unchanged (import {result.batch_id}; "
                                "it can be undone).")
            self._wizard.imported.emit(result.batch_id)
        self.completeChanged.emit()

    def _failed(self, exc: Exception) -> None:
        self.finished = True
        self.cancel_button.setEnabled(False)
        if isinstance(exc, CancelledError):
            self.status.setText("Cancelled: nothing was imported.")
        else:
            self.status.setText(f"Nothing was imported: {exc}")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.finished


class ImportWizard(QWizard):
    """File ▸ Import…: emits `imported(batch_id)` when an import has been written."""

    imported = Signal(int)

    def __init__(self, store: Store, parent: QWidget | None = None, path: str | Path | None = None,
                 runner: ThreadRunner | SyncRunner | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import a spreadsheet")
        self.store = store
        self.runner = runner or ThreadRunner()
        self.file_page = FilePage(self)
        self.sheet_page = SheetPage(self)
        self.mapping_page = MappingPage(self)
        self.preview_page = PreviewPage(self)
        self.import_page = ImportPage(self)
        for page in (self.file_page, self.sheet_page, self.mapping_page, self.preview_page,
                     self.import_page):
            self.addPage(page)
        self.preview_page.setCommitPage(True)  # no Back once writing has started
        self.setButtonText(QWizard.WizardButton.CommitButton, "Import")
        if path is not None:
            self.file_page.path_edit.setText(str(path))

    def reject(self) -> None:
        """Closing while writing cancels the import (it rolls back) instead of leaving it."""
        if self.currentPage() is self.import_page and not self.import_page.finished:
            self.import_page.cancel()
            return
        super().reject()
