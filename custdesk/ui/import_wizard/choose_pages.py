"""The wizard's choosing pages: which sheet, what its rows are, which column goes where.

Both only show what `services.importer` chose (the same functions `custdesk import`
uses, saved mappings included) and take the owner's overrides. A custdesk full export
(`importer.workbook_kinds`) skips both: its sheets are imported together in one step.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from custdesk.services import importer
from custdesk.services.import_fields import (
    DAYFIRST,
    KINDS,
    MONTHFIRST,
    fields,
    missing_required,
)
from custdesk.ui.plain_text import plain, tooltip
from custdesk.ui.tasks import TaskState

if TYPE_CHECKING:
    from custdesk.ui.import_wizard.wizard import ImportWizard

IGNORE = "(ignore)"
# Words for the field ids whose plain spelling (underscores as spaces) reads badly. The
# mapping combos show these; `MappingPage.mapping()` turns them back into field ids.
FIELD_WORDS = {
    "ref": "reference (ID)", "customer": "customer ID or reference",
    "customer_email": "customer e-mail", "email": "e-mail", "order_ref": "order number",
    "product": "product code", "target_margin_pct": "target margin %",
    "is_complaint": "is a complaint", "nps": "NPS score",
    "csat": "CSAT (1–5, stars, %…)",
    "kind": "survey type", "follow_up_of": "follow-up of (ticket ref)",
    "deal": "deal (reference or title)",
}
# ... and where one field id means something else in another kind
KIND_FIELD_WORDS = {("interactions", "kind"): "type (call, visit…)",
                    ("costs", "category"): "cost category"}
Survey = tuple[list[importer.SheetInfo], importer.Choice | None, str]
Scan = tuple[Survey, list[str] | None]  # the survey, or the kinds of a custdesk workbook


def field_label(name: str, kind: str | None = None) -> str:
    """The words an owner reads for the catalogue field `name` (of `kind`)."""
    return KIND_FIELD_WORDS.get((kind or "", name)) or FIELD_WORDS.get(
        name, name.replace("_", " "))


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _words(missing: str) -> str:
    """A `missing_required` entry ('customer (id, name or e-mail)', 'name or ref') with
    its field ids spelled as in the combos."""
    for word in ("unit_price", "customer_name", "ref"):
        missing = missing.replace(word, field_label(word))
    return missing


class SheetPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.setTitle("What is in it?")
        self.setSubTitle("Choose the sheet to import and say what each of its rows is. "
                         "The guess comes from the column headers (or your last import).")
        self._wizard = wizard
        self.status = plain(QLabel())  # quotes the file's errors (data)
        self.status.setWordWrap(True)
        self.sheet = QComboBox()
        self.kind = QComboBox()
        self.kind.addItems(KINDS)
        self.columns = plain(QLabel())  # the chosen sheet's headers, as typed
        self.columns.setWordWrap(True)
        self.columns.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sheet.currentIndexChanged.connect(self._sheet_changed)
        form = self.form = QFormLayout(self)
        form.addRow(self.status)
        form.addRow("Sheet:", self.sheet)
        form.addRow("Its columns:", self.columns)
        form.addRow("The rows are:", self.kind)
        self.sheets: list[importer.SheetInfo] = []
        self.choice: importer.Choice | None = None
        self.workbook: list[str] | None = None  # a custdesk workbook's kinds, in order

    def initializePage(self) -> None:
        self.sheets, self.choice, self.workbook = [], None, None
        self.sheet.clear()
        self._show_choices(True)
        self.columns.clear()
        self.status.setText("Reading the file…")
        w = self._wizard
        w.preview_page.forget_answers()  # another file: its own answers
        path, encoding = Path(w.file_page.path_edit.text()), w.file_page.chosen_encoding()

        def scan(state: TaskState) -> Scan:
            try:
                kinds = importer.workbook_kinds(path)
            except importer.ReadError:
                kinds = None  # the survey says what is wrong with the file
            if kinds is not None:
                return ([], None, ""), kinds
            return importer.survey(path, state.store, encoding), None

        w.runner.query(w.store, scan, self._scanned, self._failed, key=(w, "scan"))
        self.completeChanged.emit()

    def cleanupPage(self) -> None:  # Back: the scan is no longer wanted
        self._wizard.runner.cancel((self._wizard, "scan"))
        super().cleanupPage()

    def _scanned(self, scan: Scan) -> None:
        survey, self.workbook = scan
        if self.workbook is not None:
            self._whole_workbook(self.workbook)
            return
        self.sheets, self.choice, _problem = survey
        names = [s.name for s in self.sheets]
        self.sheet.blockSignals(True)
        self.sheet.addItems(names)
        if self.choice is not None:  # the sheet `custdesk import` would take
            best = names.index(self.choice.sheet) if self.choice.sheet in names else 0
        else:
            best = next((i for i, s in enumerate(self.sheets) if s.kind), 0)
        self.sheet.setCurrentIndex(best)
        self.sheet.blockSignals(False)
        self._sheet_changed(best)
        self.status.setText(f"{plural(len(self.sheets), 'sheet')} found in "
                            f"{Path(self._wizard.file_page.path_edit.text()).name}.")
        self.completeChanged.emit()

    def _whole_workbook(self, kinds: list[str]) -> None:
        """custdesk's own full export: every sheet by its kind, in one step (no sheet,
        kind or mapping to choose)."""
        self._show_choices(False)
        self.status.setText(f"custdesk workbook: {plural(len(kinds), 'sheet')} "
                            f"({', '.join(kinds)}) — they are imported together in one step.")
        self.completeChanged.emit()

    def _show_choices(self, visible: bool) -> None:
        """The sheet, its columns and its kind: hidden for a custdesk workbook."""
        for widget in (self.sheet, self.columns, self.kind):
            self.form.setRowVisible(widget, visible)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"This file cannot be imported: {exc}")
        self.completeChanged.emit()

    def nextId(self) -> int:
        """A custdesk workbook goes straight to the preview (no columns to match)."""
        if self.workbook is not None:
            return self._wizard.preview_id
        return super().nextId()

    def _sheet_changed(self, index: int) -> None:
        info = self.sheets[index] if 0 <= index < len(self.sheets) else None
        if info is None:
            return
        self.columns.setText(", ".join(h for h in info.headers if h) if info.headers else
                             "No header row found: this sheet cannot be imported.")
        if info.kind:
            self.kind.setCurrentText(info.kind)

    def current(self) -> importer.SheetInfo | None:
        index = self.sheet.currentIndex()
        return self.sheets[index] if 0 <= index < len(self.sheets) else None

    def isComplete(self) -> bool:
        if self.workbook is not None:
            return True
        info = self.current()
        return info is not None and bool(info.headers)


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
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)  # set from the combos
        self.saved_note = QLabel("These are the matches you confirmed for the same columns "
                                 "last time.")
        self.date_order = QComboBox()
        self.date_order.addItems(["Decide from the data", "Day first (31/12/2024)",
                                  "Month first (12/31/2024)"])
        self.mode = QComboBox()
        self.mode.addItems(["Add new and update existing", "Only add new",
                            "Only update existing"])
        self.date_order.setToolTip("How to read dates typed as text, such as 03/04/2024.")
        self.mode.setToolTip("What to do with a row that matches a record already in "
                             "custdesk (same reference).")
        self.missing = plain(QLabel())  # names the file's columns
        self.missing.setWordWrap(True)
        self.missing.setStyleSheet("color: #c0392b")
        layout = QVBoxLayout(self)
        layout.addWidget(self.saved_note)
        layout.addWidget(self.table)
        form = QFormLayout()
        form.addRow("Text dates:", self.date_order)
        form.addRow("Records already there:", self.mode)
        layout.addLayout(form)
        layout.addWidget(self.missing)
        self.combos: list[QComboBox] = []

    def kind(self) -> str:
        return self._wizard.sheet_page.kind.currentText()

    def initializePage(self) -> None:
        info = self._wizard.sheet_page.current()
        assert info is not None
        kind = self.kind()
        mapping, from_saved = importer.choose_mapping(info.headers, kind, info.saved)
        self.saved_note.setVisible(from_saved)
        names = [IGNORE] + [field_label(f.name, kind) for f in fields(kind)]
        self.table.setRowCount(len(info.headers))
        self.combos = []
        for row, header in enumerate(info.headers):
            self.table.setItem(row, 0, QTableWidgetItem(header))
            sample = info.samples[row] if row < len(info.samples) else []
            sample = list(dict.fromkeys(sample))  # a value repeated is read once
            item = QTableWidgetItem(", ".join(sample))
            item.setToolTip(tooltip("\n".join(sample)))
            self.table.setItem(row, 1, item)
            combo = QComboBox()
            combo.setEditable(True)  # type to filter a long field list
            combo.addItems(names)
            chosen = mapping[row]
            combo.setCurrentText(field_label(chosen, kind) if chosen else IGNORE)
            combo.currentTextChanged.connect(self._changed)
            self.table.setCellWidget(row, 2, combo)
            self.combos.append(combo)
        self._size_columns()
        self._changed()

    def _size_columns(self) -> None:
        """Widths from content: the headers column fits its longest header, the field
        column its longest field name; the samples take the rest of the width."""
        self.table.resizeColumnToContents(0)
        widest = max((c.sizeHint().width() for c in self.combos), default=200)
        self.table.horizontalHeader().resizeSection(2, max(widest + 8, 200))
        self.table.resizeRowsToContents()

    def mapping(self) -> list[str | None]:
        kind = self.kind()
        # the combos show words; a typed field id is understood too
        ids = {f.name: f.name for f in fields(kind)}
        ids.update({field_label(f.name, kind): f.name for f in fields(kind)})
        return [ids.get(c.currentText()) for c in self.combos]

    def _changed(self, *_args: object) -> None:
        chosen = [m for m in self.mapping() if m]
        missing = missing_required(self.kind(), set(chosen))
        twice = sorted({field_label(m, self.kind()) for m in chosen if chosen.count(m) > 1})
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

    def isComplete(self) -> bool:
        return bool(self.combos) and not self.missing.text()
