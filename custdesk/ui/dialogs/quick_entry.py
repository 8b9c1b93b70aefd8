"""Record ▸ a survey answer, a support contact, a mystery-shop visit, an employee answer —
and New deal…: small forms for what happened today, without a spreadsheet.

Each form is drawn from its `quick_entry_service.Form` (fields and labels) and saved by
`record_entry` through the task runner: the import's own checks (a bad value is refused
with the field and the reason, nothing written), one row, one undoable edit; the tabs that
show that kind redraw from `changed(form.changes)`. Freed on close; one per form at a time.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from custdesk.services import deal_moves
from custdesk.services import quick_entry_service as qs
from custdesk.services.files import Store
from custdesk.ui import formatting as fmt
from custdesk.ui.dialogs.entry_fields import OptionalDate, customer_box
from custdesk.ui.dialogs.single import keep_one, open_one
from custdesk.ui.tasks import TaskState, default_runner

CSAT_CHOICES = ["", "5", "4", "3", "2", "1", "★★★★★", "★★★★☆", "★★★☆☆", "Very satisfied",
                "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied"]
CHANNELS = ["", "phone", "e-mail", "chat", "in person", "web form"]
HINTS = {"nps": "0–10", "score": "0–10, e.g. 7.5", "reason": "Why, in a few words",
         "topic": "e.g. Delivery, Billing", "comment": "What they said"}


class QuickEntryDialog(QDialog):
    saved = Signal(int)  # the new row's id
    _open: dict[tuple[str, str], QuickEntryDialog] = {}

    @classmethod
    def open_for(cls, store: Store, form: qs.Form, parent: QWidget | None = None
                 ) -> QuickEntryDialog:
        return open_one(cls._open, (str(store.path), form.key), lambda: cls(store, form, parent))

    def __init__(self, store: Store, form: qs.Form, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.store, self.form = store, form
        keep_one(QuickEntryDialog._open, (str(store.path), form.key), self)
        self.setWindowTitle(form.title)
        self.setMinimumWidth(460)
        self.fields: dict[str, QWidget] = {}
        layout_form = QFormLayout()
        for name, label in form.fields:
            widget = self._field(name)
            self.fields[name] = widget
            required = name in form.required
            layout_form.addRow(f"{label}{' *' if required else ''}", widget)
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(layout_form)
        layout.addWidget(QLabel("<small>* required. Checked like an imported row.</small>"))
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def _field(self, name: str) -> QWidget:
        if name == "date":
            day = QDateEdit(QDate.currentDate())
            day.setCalendarPopup(True)
            day.setDisplayFormat(fmt.short_date_format())
            return day
        if name == "opened_at":
            moment = QDateTimeEdit(QDateTime(QDate.currentDate(),
                                             QTime(QTime.currentTime().hour(), 0)))
            moment.setCalendarPopup(True)
            moment.setDisplayFormat(fmt.short_date_format() + " HH:mm")
            return moment
        if name in ("first_response_at", "resolved_at"):
            return OptionalDate("at", None, with_time=True)
        if name == "customer":
            return customer_box(deal_moves.customer_names(self.store),
                                "Name, e-mail or reference (a new name is created)")
        if name == "is_complaint":
            return QCheckBox("This contact is a complaint")
        if name in ("csat", "would_refer", "channel"):
            box = QComboBox()
            box.setEditable(name != "would_refer")
            box.addItems({"csat": CSAT_CHOICES, "would_refer": ["", "yes", "no"],
                          "channel": CHANNELS}[name])
            line = box.lineEdit()
            if line is not None:  # editable: say what it takes
                line.setPlaceholderText("1–5, ★★★★☆, “4 stars”, 🙂, words, 0–10 or %"
                                        if name == "csat" else "phone, e-mail, chat…")
            if name == "csat":
                box.setToolTip("1–5, stars, “4 stars”, a smiley, words, or a 0–10 / % score")
            return box
        edit = QLineEdit()
        edit.setPlaceholderText(HINTS.get(name, ""))
        return edit

    def values(self) -> dict[str, str | None]:
        """The form as text, the way a sheet's cells would read."""
        out: dict[str, str | None] = {}
        for name, widget in self.fields.items():
            if isinstance(widget, QDateTimeEdit) and not isinstance(widget, QDateEdit):
                moment = widget.dateTime()
                out[name] = f"{fmt.iso_of(moment.date())}T{moment.time().toString('HH:mm')}"
            elif isinstance(widget, QDateEdit):
                out[name] = fmt.iso_of(widget.date())
            elif isinstance(widget, OptionalDate):
                out[name] = widget.value()
            elif isinstance(widget, QCheckBox):
                out[name] = "yes" if widget.isChecked() else "no"
            elif isinstance(widget, QComboBox):
                out[name] = widget.currentText()
            elif isinstance(widget, QLineEdit):
                out[name] = widget.text()
        return out

    def save(self) -> None:
        values, form = self.values(), self.form
        try:
            qs.check_entry(form, values)  # before the task: the message shows at once
        except qs.EntryError as exc:
            self._failed(exc)
            return

        def write(state: TaskState) -> int:
            assert state.store is not None
            return qs.record_entry(state.store, form, values)

        self.save_button.setEnabled(False)
        default_runner().write(self.store, write, form.changes, self._saved, self._failed,
                               key=(self, "save"))

    def _saved(self, row_id: int) -> None:
        self.saved.emit(row_id)
        self.close()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.message.setText(f"<span style='color:#c0392b'>{html.escape(str(exc))}</span>")


def fill_record_menu(menu: QMenu, store_of: Callable[[], Store | None],
                     parent: QWidget) -> QMenu:
    """The main window's Record menu (made, empty, with the window's first paint): New
    deal… and the four quick entries."""
    from custdesk.ui.dialogs.new_deal_dialog import NewDealDialog

    def run(opener: Callable[[Store], Any]) -> Callable[..., None]:
        def go(*_checked: Any) -> None:  # never passes Qt's `checked` on
            store = store_of()
            if store is not None:
                opener(store)
        return go

    def entry(form: qs.Form) -> Callable[[Store], Any]:
        return lambda store: QuickEntryDialog.open_for(store, form, parent)

    items: list[tuple[str, Callable[[Store], Any]]] = [
        ("New &deal…", lambda store: NewDealDialog.open_for(store, parent)),
        ("&Survey answer…", entry(qs.SURVEY)),
        ("Support &contact or complaint…", entry(qs.CONTACT)),
        ("&Mystery-shop visit…", entry(qs.MYSTERY_SHOP)),
        ("&Employee engagement answer…", entry(qs.EMPLOYEE))]
    for index, (text, opener) in enumerate(items):
        action = menu.addAction(text)
        action.triggered.connect(run(opener))
        if index == 0:
            menu.addSeparator()
    return menu

