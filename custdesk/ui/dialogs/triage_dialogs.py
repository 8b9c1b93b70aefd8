"""Two small dialogs of Today's triage (issue 13): snooze an at-risk customer until a day
(default: two weeks from today) with a note, and set where a detractor's rescue stands
(to contact → contacted → resolved / not recovered) with its day and a note.

Both save through the task runner as one undoable edit (services/triage_service.py) and
are freed on close; `triage_menu_items` adds "Snooze…", "Un-snooze" and "Follow-up…" to
the right-click menu of a list (action_dialog.add_action_menu's `extra`).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from custdesk.services import triage_service as triage
from custdesk.services.files import Store
from custdesk.ui import formatting as fmt
from custdesk.ui.tasks import TaskState, default_runner


def _get(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, dict) else getattr(row, name, None)


def _qdate(day: str) -> QDate:
    return QDate.fromString(day[:10], "yyyy-MM-dd")


def _date_edit(day: QDate) -> QDateEdit:
    edit = QDateEdit(day)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(fmt.short_date_format())  # the locale's, like the lists
    return edit


class _TriageDialog(QDialog):
    """A form with a message line and Save / Cancel; `write` runs on the task runner."""

    saved = Signal()
    changes: frozenset[str] = frozenset()

    def __init__(self, store: Store, row: Any, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.store, self.row = store, row
        self.customer_id = int(_get(row, "customer_id"))
        self.customer = str(_get(row, "customer") or f"customer {self.customer_id}")
        self.setWindowTitle(f"{title} — {self.customer}")
        self.setMinimumWidth(440)
        self.form = QFormLayout()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def write(self, store: Store) -> None:
        raise NotImplementedError

    def check(self) -> None:
        """Raise TriageError for what the owner must fix before anything is written."""

    def save(self) -> None:
        try:
            self.check()
        except triage.TriageError as exc:
            self._failed(exc)
            return

        def task(state: TaskState) -> None:
            assert state.store is not None
            self.write(state.store)

        self.buttons.setEnabled(False)
        default_runner().write(self.store, task, self.changes, self._saved, self._failed,
                               key=(self, "save"))

    def _saved(self, _result: object = None) -> None:
        self.saved.emit()
        self.close()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        text = str(exc) if isinstance(exc, triage.TriageError) else f"Not saved: {exc}"
        self.message.setText(f"<span style='color:#c0392b'>{html.escape(text)}</span>")


class SnoozeDialog(_TriageDialog):
    """Set an at-risk customer aside until a day (inclusive), with a note."""

    changes = frozenset({"customer_snoozes"})

    def __init__(self, store: Store, row: Any, parent: QWidget | None = None) -> None:
        super().__init__(store, row, "Snooze", parent)
        current = triage.snooze_of(store, self.customer_id)
        self.until_edit = _date_edit(_qdate(current[0] if current
                                            else triage.default_until()))
        self.until_edit.setMinimumDate(QDate.currentDate())
        self.note_edit = QLineEdit(current[1] or "" if current else "")
        self.note_edit.setPlaceholderText("Why it can wait (e.g. away until the 15th)")
        self.form.addRow("Leave off the list until", self.until_edit)
        self.form.addRow("Note", self.note_edit)
        self.form.addRow(QLabel("They come back on the list the day after."))
        if current is not None:  # already snoozed: the dialog can also end it now
            self.unsnooze_button = self.buttons.addButton(
                "Un-snooze now", QDialogButtonBox.ButtonRole.ActionRole)
            self.unsnooze_button.clicked.connect(
                lambda *_: unsnooze_now(self.store, self.row, self._saved))

    def write(self, store: Store) -> None:
        triage.snooze(store, self.customer_id, self.until_edit.date().toString("yyyy-MM-dd"),
                      self.note_edit.text(), customer=self.customer)


class FollowUpDialog(_TriageDialog):
    """Where the rescue of one detractor stands: state, day and note."""

    changes = frozenset({"detractor_followups"})

    def __init__(self, store: Store, row: Any, parent: QWidget | None = None) -> None:
        super().__init__(store, row, "Detractor follow-up", parent)
        current = triage.followup_of(store, self.customer_id)
        self.state_box = QComboBox()
        for state in triage.FOLLOWUP_STATES:
            self.state_box.addItem(triage.FOLLOWUP_LABELS[state], state)
        state = current[0] if current else "contacted"  # the usual next step
        self.state_box.setCurrentIndex(self.state_box.findData(state))
        self.date_edit = _date_edit(QDate.currentDate())
        self.note_edit = QLineEdit(current[2] or "" if current else "")
        self.note_edit.setPlaceholderText("What was said or done")
        nps, when = _get(row, "nps"), _get(row, "date")
        if nps is not None:
            self.form.addRow(QLabel(f"Answered NPS {nps} on {fmt.day_text(str(when)[:10])}"))
        self.form.addRow("State", self.state_box)
        self.form.addRow("On", self.date_edit)
        self.form.addRow("Note", self.note_edit)

    def write(self, store: Store) -> None:
        triage.set_followup(store, self.customer_id, str(self.state_box.currentData()),
                            self.note_edit.text(),
                            on=self.date_edit.date().toString("yyyy-MM-dd"),
                            customer=self.customer)


def unsnooze_now(store: Store, row: Any, done: Callable[[], None] | None = None) -> None:
    """Bring a snoozed customer back on the list (task runner, one undoable edit)."""
    cid, name = int(_get(row, "customer_id")), str(_get(row, "customer") or "")

    def task(state: TaskState) -> bool:
        assert state.store is not None
        return triage.unsnooze(state.store, cid, customer=name)

    default_runner().write(store, task, {"customer_snoozes"},
                           lambda _r: done() if done else None, lambda _e: None,
                           key=("unsnooze", cid))


def at_risk_menu(store_of: Callable[[], Store | None], parent: QWidget
                 ) -> Callable[[QMenu, Any], None]:
    """The at-risk rows' extra menu items: Snooze… (or change it), Un-snooze."""
    def extra(menu: QMenu, row: Any) -> None:
        store = store_of()
        if store is None or _get(row, "customer_id") is None:
            return
        menu.addAction("Snooze…", lambda: open_dialog(SnoozeDialog(store, row, parent)))
        if _get(row, "state") == "snoozed":
            menu.addAction("Un-snooze", lambda: unsnooze_now(store, row))
    return extra


def detractor_menu(store_of: Callable[[], Store | None], parent: QWidget
                   ) -> Callable[[QMenu, Any], None]:
    """The detractor rows' extra menu item: Follow-up…"""
    def extra(menu: QMenu, row: Any) -> None:
        store = store_of()
        if store is None or _get(row, "customer_id") is None:
            return
        menu.addAction("Follow-up…", lambda: open_dialog(FollowUpDialog(store, row, parent)))
    return extra


def open_dialog(dialog: _TriageDialog) -> _TriageDialog:
    dialog.open()
    return dialog
