"""Mark an onboarding step done, or set its due day, for one new customer (Loyalty tab).

A small form: the step (the owner's steps), "done on" (optional) and "due on" (optional)
dates and a note; saved through the task runner as one write (`onboarding_service`).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from custdesk.services import onboarding_service as obs
from custdesk.services.files import Store
from custdesk.ui import formatting as fmt
from custdesk.ui.tasks import TaskState, default_runner


class OnboardingDialog(QDialog):
    saved = Signal()

    def __init__(self, store: Store, customer_id: int, customer: str,
                 step: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.store, self.customer_id = store, customer_id
        self.setWindowTitle(f"Onboarding — {customer}")
        self.step = QComboBox()
        self.step.addItems([s.name for s in obs.steps(store)])
        if step:
            self.step.setCurrentText(step)
        today = QDate.fromString(date.today().isoformat(), Qt.DateFormat.ISODate)
        self.is_done = QCheckBox("Done on")
        self.is_done.setChecked(True)
        self.done_on = self._date_edit(today)
        self.has_due = QCheckBox("Due on")
        self.due_on = self._date_edit(today)
        self.due_on.setEnabled(False)
        self.is_done.toggled.connect(self.done_on.setEnabled)
        self.has_due.toggled.connect(self.due_on.setEnabled)
        self.note = QLineEdit()
        self.note.setPlaceholderText("optional note")
        form = QFormLayout()
        form.addRow("Step", self.step)
        form.addRow(self.is_done, self.done_on)
        form.addRow(self.has_due, self.due_on)
        form.addRow("Note", self.note)
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setStyleSheet("color: #c0392b;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Steps the orders show (ordered, delivered, first repeat "
                                "order) fill in by themselves; set the others here."))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    @staticmethod
    def _date_edit(day: QDate) -> QDateEdit:
        edit = QDateEdit(day)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat(fmt.short_date_format())
        return edit

    def values(self) -> dict[str, str | None]:
        return {"done_on": fmt.iso_of(self.done_on.date()) if self.is_done.isChecked()
                else None,
                "due_on": fmt.iso_of(self.due_on.date()) if self.has_due.isChecked() else None,
                "note": self.note.text()}

    def save(self) -> None:
        step, values = self.step.currentText(), self.values()

        def write(state: TaskState) -> None:
            assert state.store is not None
            obs.mark_step(state.store, self.customer_id, step, **values)

        default_runner().write(self.store, write, {"onboarding"}, self._saved, self._failed,
                               key=(self, "save"))

    def _saved(self, _result: object) -> None:
        self.saved.emit()
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(f"Not saved: {exc}")
