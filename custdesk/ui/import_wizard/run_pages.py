"""The wizard's last pages: check every row (nothing written), then import.

The preview is a read task keyed to the wizard: Back, a changed mapping and Next again
supersede an older preview still running, whose result is then never shown — so Import
always commits the newest mapping. The import is a write task with progress and Cancel
(the transaction rolls back).
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from custdesk.services import importer
from custdesk.ui.import_wizard.choose_pages import plural
from custdesk.ui.plain_text import plain
from custdesk.ui.tasks import TaskState

if TYPE_CHECKING:
    from custdesk.ui.import_wizard.wizard import ImportWizard

MAX_ERRORS_SHOWN = 2000
BLANK = "(blank)"


class PreviewPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.setTitle("Check before importing")
        self.setSubTitle("Nothing has been written yet. Import writes all the rows below in "
                         "one step, after taking a backup.")
        self._wizard = wizard
        self.summary = QLabel()  # rich: the sheet's name and errors in it are escaped
        self.summary.setTextFormat(Qt.TextFormat.RichText)
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
        layout.addStretch(0)  # without errors the summary stays at the top, not spread out
        self.preview: importer.Preview | None = None

    def request(self) -> importer.ImportRequest:
        w = self._wizard
        info = w.sheet_page.current()
        assert info is not None
        return importer.ImportRequest(
            Path(w.file_page.path_edit.text()), kind=w.sheet_page.kind.currentText(),
            sheet=info.name, mapping=w.mapping_page.mapping(),
            date_order=w.mapping_page.date_choice(), mode=w.mapping_page.mode_choice(),
            skip_invalid=self.skip_invalid.isChecked(),
            encoding=w.file_page.chosen_encoding())

    def initializePage(self) -> None:
        self.preview = None
        self.errors.setRowCount(0)
        self.errors.hide()
        self.errors_title.clear()
        self.skip_invalid.hide()
        self.summary.setText("Reading and checking every row…")
        request = self.request()

        def check(state: TaskState) -> importer.Preview:
            assert state.store is not None
            return importer.make_preview(state.store, request,
                                         lambda phase, n, total: state.progress(n, total, phase))

        w = self._wizard
        w.runner.query(w.store, check, self._ready, self._failed, key=(w, "preview"))
        self.completeChanged.emit()

    def cleanupPage(self) -> None:  # Back: this preview is no longer wanted
        self._wizard.runner.cancel((self._wizard, "preview"))
        self.preview = None
        super().cleanupPage()

    def _ready(self, preview: importer.Preview) -> None:
        self.preview = preview
        c, plan = preview.counts(), preview.plan
        self.summary.setText(
            f"<b>{plural(c['rows_read'], 'row')} read</b> from sheet "
            f"{escape(preview.sheet)}:<br>"
            f"• {c['created']:,} to add, {c['updated']:,} to update, "
            f"{c['unchanged']:,} already there unchanged<br>"
            f"• {c['invalid']:,} with problems"
            + (" (listed below)" if c["invalid"] else "") + "<br>"
            f"• along the way: {plural(plan.new_customers, 'new customer')}, "
            f"{plural(plan.new_products, 'new product')}"
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
            f"<b>{plural(invalid, 'row')} cannot be imported as they are.</b> Fix them in "
            f"the spreadsheet and start again, or leave them out.{more}")
        valid = preview.counts()["rows_read"] - invalid
        self.skip_invalid.setText(f"Import the {plural(valid, 'valid row')} only and leave "
                                  f"out the {plural(invalid, 'row')} with problems")

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, importer.AmbiguousDatesError):
            self.summary.setText(f"{escape(str(exc))}. Go back and choose day first or "
                                 "month first.")
        else:
            self.summary.setText(f"This file cannot be imported: {escape(str(exc))}")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        p = self.preview
        return p is not None and (p.invalid == 0 or self.skip_invalid.isChecked())


class ImportPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.setTitle("Importing")
        self._wizard = wizard
        self.progress = QProgressBar()
        self.status = plain(QLabel())  # may quote the file's errors
        self.status.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel import")
        self.cancel_button.clicked.connect(self.cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.cancel_button)
        self.finished = False
        self.batch_id: int | None = None

    def initializePage(self) -> None:
        self.finished, self.batch_id = False, None
        preview = self._wizard.preview_page.preview
        assert preview is not None
        preview.request.skip_invalid = self._wizard.preview_page.skip_invalid.isChecked()
        self.progress.setRange(0, max(preview.plan.created, 1))
        self.progress.setValue(0)
        self.status.setText("Writing… (a backup was taken first)")
        self.cancel_button.setEnabled(True)

        def write(state: TaskState) -> importer.ImportResult:
            assert state.store is not None
            # every progress report is also where a Cancel stops the write (rolled back)
            return importer.commit(state.store, preview,
                                   lambda phase, n, total: state.progress(n, total, phase))

        w = self._wizard
        changes = {preview.kind, "column_mappings", "import_batches"}
        w.runner.write(w.store, write, changes, self._done, self._failed, key=(w, "import"),
                       progress=self._progress, cancelled=self._cancelled)
        self.completeChanged.emit()

    def cancel(self) -> None:
        if not self.finished:
            self.status.setText("Cancelling…")
            self._wizard.runner.stop((self._wizard, "import"))

    def _progress(self, done: int, _total: int, _phase: str) -> None:
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

    def _finish(self, text: str) -> None:
        self.finished = True
        self.cancel_button.setEnabled(False)
        self.status.setText(text)
        self.completeChanged.emit()

    def _cancelled(self) -> None:
        self._finish("Cancelled: nothing was imported.")

    def _failed(self, exc: BaseException) -> None:
        self._finish(f"Nothing was imported: {exc}")

    def isComplete(self) -> bool:
        return self.finished
