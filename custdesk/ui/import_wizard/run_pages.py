"""The wizard's last pages: check every row (nothing written), then import.

The preview is a read task keyed to the wizard: Back, a changed mapping and Next again
supersede an older preview still running, whose result is then never shown — so Import
always commits the newest mapping. The import is a write task with progress and Cancel
(the transaction rolls back). A custdesk workbook is previewed and imported whole
(`importer.import_workbook`). A column that reads two ways (percent points or fractions,
a decimal comma or point, day or month first) is a question with two answers on the
preview page, never a guess: the answer goes into the request and the preview runs again.
"""

from __future__ import annotations

from functools import partial
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
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
# what a column that reads two ways raises: the preview asks the owner instead
QUESTIONS = (importer.AmbiguousColumnError, importer.AmbiguousDatesError)
Question = importer.AmbiguousColumnError | importer.AmbiguousDatesError
Checked = importer.Preview | importer.WorkbookPreview | Question


def _question(exc: Question) -> tuple[str, str, list[tuple[str, str]]]:
    """(the question in plain words, the request field it sets, [(answer, value)])."""
    if isinstance(exc, importer.AmbiguousDatesError):
        return (f"The dates in column {', '.join(exc.columns)} could be day first or "
                "month first (03/04/2024: 3 April or March 4). Which is it?", "date_order",
                [("Day first (31/12/2024)", importer.DAYFIRST),
                 ("Month first (12/31/2024)", importer.MONTHFIRST)])
    if isinstance(exc, importer.AmbiguousNumbersError):
        as_comma, as_point = exc.readings()
        return (f"Column {exc.column} (sheet {exc.sheet}) has numbers such as {exc.example}, "
                f"which could be {as_comma} or {as_point}, and nothing else in the sheet "
                "shows which. How are its numbers written?", exc.option,
                [(f"{exc.example} means {as_comma} (like 1.234,56)", importer.COMMA),
                 (f"{exc.example} means {as_point} (like 1,234.56)", importer.POINT)])
    return (f"Column {exc.column} (sheet {exc.sheet}) holds percentages typed as plain "
            f"numbers, some below 1 (such as {exc.example}) and some above 1, so they cannot "
            "all be read the same way by themselves. Is a 1 in this column 1 % or 100 %?",
            exc.option, [("1 means 1 %", importer.POINTS),
                         ("1 means 100 %", importer.FRACTIONS)])


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
        # a column that reads two ways: the question and its answers (issue 20 H7)
        self.question = plain(QLabel())  # names the file's columns and values
        self.question.setWordWrap(True)
        self.answers = [QPushButton(), QPushButton()]
        answers = QHBoxLayout()
        for index, button in enumerate(self.answers):
            button.clicked.connect(partial(self._answered, index))
            answers.addWidget(button)
        answers.addStretch(1)
        self.ask = QWidget()
        ask = QVBoxLayout(self.ask)
        ask.setContentsMargins(0, 0, 0, 0)
        ask.addWidget(self.question)
        ask.addLayout(answers)
        self.ask.hide()
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
        layout.addWidget(self.ask)
        layout.addWidget(self.errors_title)
        layout.addWidget(self.errors, 1)
        layout.addWidget(self.skip_invalid)
        layout.addStretch(0)  # without errors the summary stays at the top, not spread out
        self.preview: importer.Preview | None = None
        self.workbook: importer.WorkbookPreview | None = None  # a custdesk workbook's
        # the owner's answers for columns that read two ways: date_order, percent_scale,
        # decimal_mark (kept until another file is chosen)
        self.conventions: dict[str, str] = {}
        self._said: dict[str, str] = {}  # the same answers in the owner's words
        self._asked: tuple[str, list[str]] = ("", [])  # (request field, values)

    def forget_answers(self) -> None:
        """Another file: its columns are asked again."""
        self.conventions.clear()
        self._said.clear()

    def is_workbook(self) -> bool:
        return self._wizard.sheet_page.workbook is not None

    def request(self) -> importer.ImportRequest:
        w = self._wizard
        path = Path(w.file_page.path_edit.text())
        date_order = self.conventions.get("date_order")
        percent_scale = self.conventions.get("percent_scale")
        decimal_mark = self.conventions.get("decimal_mark")
        if self.is_workbook():  # every sheet by its kind: nothing chosen on the pages
            return importer.ImportRequest(
                path, date_order=date_order, percent_scale=percent_scale,
                decimal_mark=decimal_mark, skip_invalid=self.skip_invalid.isChecked())
        info = w.sheet_page.current()
        assert info is not None
        return importer.ImportRequest(
            path, kind=w.sheet_page.kind.currentText(),
            sheet=info.name, mapping=w.mapping_page.mapping(),
            date_order=w.mapping_page.date_choice() or date_order,
            percent_scale=percent_scale, decimal_mark=decimal_mark,
            mode=w.mapping_page.mode_choice(),
            skip_invalid=self.skip_invalid.isChecked(),
            encoding=w.file_page.chosen_encoding())

    def initializePage(self) -> None:
        self._check()

    def _check(self) -> None:
        """Read and check every row (a read task; nothing is written)."""
        self.preview = self.workbook = None
        self.errors.setRowCount(0)
        self.errors.hide()
        self.errors_title.clear()
        self.skip_invalid.hide()
        self.ask.hide()
        self.summary.setText("Reading and checking every row…")
        request = self.request()
        w = self._wizard
        workbook = self.is_workbook()

        def check(state: TaskState) -> Checked:
            assert state.store is not None
            report = lambda phase, n, total: state.progress(n, total, phase)  # noqa: E731
            try:
                if workbook:
                    # every sheet is planned and written, then rolled back: each sheet's
                    # counts see the sheets before it, as the import will
                    return importer.import_workbook(
                        state.store, request.path, write=False,
                        date_order=request.date_order, percent_scale=request.percent_scale,
                        decimal_mark=request.decimal_mark, skip_invalid=True,
                        progress=report)
                return importer.make_preview(state.store, request, report)
            except QUESTIONS as exc:  # a question for the owner, not a failure
                return exc

        w.runner.query(w.store, check, self._checked, self._failed, key=(w, "preview"))
        self.completeChanged.emit()

    def _checked(self, result: Checked) -> None:
        if isinstance(result, importer.WorkbookPreview):
            self._ready_workbook(result)
        elif isinstance(result, importer.Preview):
            self._ready(result)
        else:
            self._ask(result)

    def cleanupPage(self) -> None:  # Back: this preview is no longer wanted
        self._wizard.runner.cancel((self._wizard, "preview"))
        self.preview = self.workbook = None
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
               else "") + _findings(self._answers() + preview.findings()))
        self._show_errors(preview.errors, c["invalid"], c["rows_read"])
        self.completeChanged.emit()

    def _ready_workbook(self, book: importer.WorkbookPreview) -> None:
        self.workbook = book
        c = book.counts()
        lines = [f"• {escape(p.kind)}: {plural(p.rows_read, 'row')} read — "
                 f"{p.plan.created:,} to add, {p.plan.updated:,} to update, "
                 f"{p.plan.unchanged:,} already there unchanged"
                 + (f", {p.invalid:,} with problems" if p.invalid else "")
                 if p.rows_read else f"• {escape(p.kind)}: empty" for p in book.previews]
        added, there = book.assessments
        if added or there:
            lines.append(f"• scorecard: {plural(added, 'assessment')} to add, "
                         f"{there:,} already there")
        findings = [f"{p.kind}: {line}" for p in book.previews for line in p.findings()]
        self.summary.setText(
            f"<b>custdesk workbook {escape(book.path.name)}: every sheet is imported "
            f"together in one step</b> ({c['created']:,} to add, {c['updated']:,} to "
            f"update, {c['unchanged']:,} unchanged, {c['invalid']:,} with problems)<br>"
            + "<br>".join(lines) + _findings(self._answers() + findings))
        errors = [e for p in book.previews for e in p.errors]
        self._show_errors(errors, c["invalid"], c["rows_read"])
        self.completeChanged.emit()

    def _show_errors(self, errors: list[importer.RowError], invalid: int, rows_read: int
                     ) -> None:
        shown = errors[:MAX_ERRORS_SHOWN]
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
                len(errors) > len(shown) else "")
        self.errors_title.setText(
            f"<b>{plural(invalid, 'row')} cannot be imported as they are.</b> Fix them in "
            f"the spreadsheet and start again, or leave them out.{more}")
        valid = rows_read - invalid
        self.skip_invalid.setText(f"Import the {plural(valid, 'valid row')} only and leave "
                                  f"out the {plural(invalid, 'row')} with problems")

    def _ask(self, exc: Question) -> None:
        """A column reads two ways: ask, in plain words, with the two answers."""
        text, option, answers = _question(exc)
        self.summary.setText("<b>One question before checking every row:</b>")
        self.question.setText(text)
        for button, (label, _value) in zip(self.answers, answers, strict=True):
            button.setText(label)
        self._asked = (option, [value for _label, value in answers])
        self.ask.show()
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(f"This file cannot be imported: {escape(str(exc))}")
        self.completeChanged.emit()

    def _answered(self, index: int, *_checked: object) -> None:
        """An answer to the question: kept for this file, and every row checked again."""
        option, values = self._asked
        value = values[index]
        self.conventions[option] = value
        self._said[option] = self.answers[index].text()
        if option == "date_order" and not self.is_workbook():  # the mapping page agrees
            self._wizard.mapping_page.date_order.setCurrentIndex(
                1 if value == importer.DAYFIRST else 2)
        self._check()

    def _answers(self) -> list[str]:
        return [f"as you said: {text}" for text in self._said.values()]

    def answer(self, index: int) -> None:
        """Press answer `index` (0 or 1) of the question shown."""
        self.answers[index].click()

    def isComplete(self) -> bool:
        p = self.preview or self.workbook
        return p is not None and (p.invalid == 0 or self.skip_invalid.isChecked())


MAX_FINDINGS_SHOWN = 20


def _findings(lines: list[str]) -> str:
    """What the owner must see besides the counts (how columns were read, orders the file
    changes, possible duplicates), as escaped bullet lines."""
    shown = [f"<br>• {escape(line)}" for line in lines[:MAX_FINDINGS_SHOWN]]
    if len(lines) > MAX_FINDINGS_SHOWN:
        shown.append(f"<br>• … and {len(lines) - MAX_FINDINGS_SHOWN:,} more")
    return "".join(shown)


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
        page = self._wizard.preview_page
        skip_invalid = page.skip_invalid.isChecked()
        self.status.setText("Writing… (a backup was taken first)")
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        w = self._wizard
        if page.workbook is not None:
            self._write_workbook(page.workbook, page.request(), skip_invalid)
            return
        preview = page.preview
        assert preview is not None
        preview.request.skip_invalid = skip_invalid
        self.progress.setRange(0, max(preview.plan.created, 1))

        def write(state: TaskState) -> importer.ImportResult:
            assert state.store is not None
            # every progress report is also where a Cancel stops the write (rolled back)
            return importer.commit(state.store, preview,
                                   lambda phase, n, total: state.progress(n, total, phase))

        changes = {preview.kind, "column_mappings", "import_batches"}
        # customers and products the rows name are created too (an interactions or costs
        # sheet touches no other tab's kinds otherwise)
        changes |= {"customers"} if preview.plan.new_customers else set()
        changes |= {"products"} if preview.plan.new_products else set()
        w.runner.write(w.store, write, changes, self._done, self._failed, key=(w, "import"),
                       progress=self._progress, cancelled=self._cancelled)
        self.completeChanged.emit()

    def _write_workbook(self, book: importer.WorkbookPreview,
                        request: importer.ImportRequest, skip_invalid: bool) -> None:
        """Every sheet of a custdesk workbook in one transaction, one batch, one undo; the
        bar counts sheets, and Cancel anywhere rolls it all back."""
        kinds = self._wizard.sheet_page.workbook or [p.kind for p in book.previews]
        self.progress.setRange(0, max(len(kinds), 1))

        def write(state: TaskState) -> importer.WorkbookPreview:
            assert state.store is not None
            return importer.import_workbook(
                state.store, request.path, write=True, date_order=request.date_order,
                percent_scale=request.percent_scale, decimal_mark=request.decimal_mark,
                skip_invalid=skip_invalid,
                progress=lambda phase, n, total: state.progress(n, total, phase))

        w = self._wizard
        changes = {("assessments" if k == "scorecard" else k) for k in kinds} | {
            "stages", "column_mappings", "import_batches"}
        w.runner.write(w.store, write, changes, self._done_workbook, self._failed,
                       key=(w, "import"), progress=self._progress,
                       cancelled=self._cancelled)
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

    def _done_workbook(self, book: importer.WorkbookPreview) -> None:
        self.finished, self.batch_id = True, book.batch_id
        self.cancel_button.setEnabled(False)
        self.progress.setValue(self.progress.maximum())
        c = book.counts()
        if book.batch_id is None:
            self.status.setText("Nothing new: every row of this workbook is already there.")
        else:
            self.status.setText(f"Done, every sheet in one step: {c['created']:,} added, "
                                f"{c['updated']:,} updated, {c['unchanged']:,} unchanged. "
                                "Changed your mind? File ▸ Undo last import puts "
                                "everything back.")
            self._wizard.imported.emit(book.batch_id)
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
