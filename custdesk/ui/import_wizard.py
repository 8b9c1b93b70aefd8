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
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
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
BLANK = "(blank)"
# Words for the field ids whose plain spelling (underscores as spaces) reads badly. The
# mapping combos show these; `MappingPage.mapping()` turns them back into field ids.
FIELD_WORDS = {
    "ref": "reference (ID)", "customer": "customer ID or reference",
    "customer_email": "customer e-mail", "email": "e-mail", "order_ref": "order number",
    "product": "product code", "target_margin_pct": "target margin %",
    "is_complaint": "is a complaint", "csat": "CSAT score", "nps": "NPS score",
    "kind": "survey type",
}


def field_label(name: str) -> str:
    """The words an owner reads for the catalogue field `name`."""
    return FIELD_WORDS.get(name, name.replace("_", " "))


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


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
        self.setSubTitle("Choose the sheet to import and say what each of its rows is. "
                         "The guess comes from the column headers.")
        self._wizard = wizard
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.sheet = QComboBox()
        self.kind = QComboBox()
        self.kind.addItems(KINDS)
        self.columns = QLabel()  # the chosen sheet's headers, so the owner sees what it holds
        self.columns.setWordWrap(True)
        self.columns.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sheet.currentIndexChanged.connect(self._sheet_changed)
        form = QFormLayout(self)
        form.addRow(self.status)
        form.addRow("Sheet:", self.sheet)
        form.addRow("Its columns:", self.columns)
        form.addRow("The rows are:", self.kind)
        self.scans: list[SheetScan] = []

    def initializePage(self) -> None:  # noqa: N802
        self.scans = []
        self.sheet.clear()
        self.columns.clear()
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
        self.status.setText(f"{_plural(len(scans), 'sheet')} found in "
                            f"{Path(self._wizard.file_page.path_edit.text()).name}.")
        self.completeChanged.emit()

    def _failed(self, exc: Exception) -> None:
        self.status.setText(f"This file cannot be imported: {exc}")
        self.completeChanged.emit()

    def _sheet_changed(self, index: int) -> None:
        if 0 <= index < len(self.scans):
            headers = self.scans[index].headers
            self.columns.setText(", ".join(h for h in headers if h) if headers else
                                 "No header row found: this sheet cannot be imported.")
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
        self.setSubTitle("Each column of the sheet goes into a field, or is ignored. The "
                         "matches below are a guess: check them against the sample values.")
        self._wizard = wizard
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Column in the sheet", "First values",
                                              "Goes into"])
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)  # one line per column; the full samples are a tooltip
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(2, 260)
        self.date_order = QComboBox()
        self.date_order.addItems(["Decide from the data", "Day first (31/12/2024)",
                                  "Month first (12/31/2024)"])
        self.mode = QComboBox()
        self.mode.addItems(["Add new and update existing", "Only add new",
                            "Only update existing"])
        self.date_order.setToolTip("How to read dates typed as text, such as 03/04/2024.")
        self.mode.setToolTip("What to do with a row that matches a record already in "
                             "custdesk (same reference).")
        self.missing = QLabel()
        self.missing.setWordWrap(True)
        self.missing.setStyleSheet("color: #c0392b")
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
        names = [IGNORE] + [field_label(f.name) for f in fields(kind)]
        self.table.setRowCount(len(scan.headers))
        self.combos = []
        for row, header in enumerate(scan.headers):
            self.table.setItem(row, 0, QTableWidgetItem(header))
            sample = scan.samples[row] if row < len(scan.samples) else []
            item = QTableWidgetItem(", ".join(sample))
            item.setToolTip("\n".join(sample))
            self.table.setItem(row, 1, item)
            combo = QComboBox()
            combo.setEditable(True)  # type to filter a long field list
            combo.addItems(names)
            combo.setCurrentText(field_label(mapping[row]) if mapping[row] else IGNORE)
            combo.currentTextChanged.connect(self._changed)
            self.table.setCellWidget(row, 2, combo)
            self.combos.append(combo)
        self._changed()

    def mapping(self) -> list[str | None]:
        kind = self._wizard.sheet_page.kind.currentText()
        # the combos show words; a typed field id is understood too
        ids = {f.name: f.name for f in fields(kind)}
        ids.update({field_label(f.name): f.name for f in fields(kind)})
        return [ids.get(c.currentText()) for c in self.combos]

    def _changed(self, *_args: object) -> None:
        from custdesk.sheets.catalogue import missing_required

        kind = self._wizard.sheet_page.kind.currentText()
        chosen = [m for m in self.mapping() if m]
        missing = missing_required(kind, set(chosen))
        twice = sorted({field_label(m) for m in chosen if chosen.count(m) > 1})
        text = []
        if missing:
            text.append("Still needed — choose a column for: "
                        + "; ".join(_words(m) for m in missing))
        if twice:
            text.append("Two columns go into the same field: " + ", ".join(twice))
        self.missing.setText(". ".join(text))
        self.completeChanged.emit()

    def date_choice(self) -> str | None:
        """None (decide from the data), DAYFIRST or MONTHFIRST."""
        return [None, DAYFIRST, MONTHFIRST][self.date_order.currentIndex()]

    def mode_choice(self) -> str:
        """'upsert', 'create' or 'update', as `custdesk import --mode`."""
        return ["upsert", "create", "update"][self.mode.currentIndex()]

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self.combos) and not self.missing.text()


def _words(missing: str) -> str:
    """A `missing_required` entry ('customer (id, name or e-mail)', 'name or ref') with
    its field ids spelled as in the combos."""
    for word in ("unit_price", "customer_name", "ref"):
        missing = missing.replace(word, field_label(word))
    return missing


class PreviewPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.setTitle("Check before importing")
        self.setSubTitle("Nothing has been written yet. Import writes all the rows below in "
                         "one step, after taking a backup.")
        self._wizard = wizard
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.errors_title = QLabel()
        self.errors_title.setWordWrap(True)
        self.errors = QTableWidget(0, 5)
        self.errors.setHorizontalHeaderLabels(["Sheet", "Row in the sheet", "Column",
                                               "Value found", "Problem"])
        self.errors.verticalHeader().setVisible(False)
        self.errors.setWordWrap(False)
        self.errors.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.errors.horizontalHeader()
        for col in range(4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.skip_invalid = QCheckBox("Import the valid rows only (leave out the rows above)")
        self.skip_invalid.toggled.connect(self.completeChanged)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.errors_title)
        layout.addWidget(self.errors, 1)
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
        self.errors.hide()
        self.errors_title.clear()
        self.skip_invalid.hide()
        self.summary.setText("Reading and checking every row…")
        request, store = self.request(), self._wizard.store
        self._wizard.runner.run(lambda p: importer.make_preview(store, request, p),
                                self._ready, self._failed)
        self.completeChanged.emit()

    def _ready(self, preview: importer.Preview) -> None:
        self.preview = preview
        c, plan = preview.counts(), preview.plan
        self.summary.setText(
            f"<b>{_plural(c['rows_read'], 'row')} read</b> from sheet "
            f"{escape(preview.sheet)}:<br>"
            f"• {c['created']:,} to add, {c['updated']:,} to update, "
            f"{c['unchanged']:,} already there unchanged<br>"
            f"• {c['invalid']:,} with problems (listed below)<br>"
            f"• along the way: {_plural(plan.new_customers, 'new customer')}, "
            f"{_plural(plan.new_products, 'new product')}"
            + (f", new stages: {escape(', '.join(plan.new_stages))}" if plan.new_stages
               else ""))
        self._show_errors(preview, c["invalid"])
        self.completeChanged.emit()

    def _show_errors(self, preview: importer.Preview, invalid: int) -> None:
        shown = preview.errors[:MAX_ERRORS_SHOWN]
        self.errors.setRowCount(len(shown))
        for row, e in enumerate(shown):
            for col, text in enumerate((e.sheet, str(e.row), e.column, e.value, e.reason)):
                item = QTableWidgetItem(text or BLANK)
                if col == 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.errors.setItem(row, col, item)
        self.errors.setVisible(bool(shown))
        self.skip_invalid.setVisible(bool(invalid))
        if not invalid:
            self.errors_title.setText("No problems found: every row can be imported.")
            return
        more = (f" The first {len(shown):,} problems are listed." if
                len(preview.errors) > len(shown) else "")
        self.errors_title.setText(
            f"<b>{_plural(invalid, 'row')} cannot be imported as they are.</b> Fix them in "
            f"the spreadsheet and start again, or leave them out.{more}")
        valid = preview.counts()["rows_read"] - invalid
        self.skip_invalid.setText(f"Import the {_plural(valid, 'valid row')} only and leave "
                                  f"out the {_plural(invalid, 'row')} with problems")

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
            self.status.setText(f"Done: {c['created']:,} added, {c['updated']:,} updated, "
                                f"{c['unchanged']:,} unchanged. Changed your mind? "
                                "File ▸ Undo last import puts everything back.")
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
