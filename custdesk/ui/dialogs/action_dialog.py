"""A small dialog to plan (or follow up) one action: what will be done about a signal.

Opened from any list that shows a signal (`ActionDialog.from_signal`: an at-risk row, a hot
or slipped deal, a detractor, a complaint, a low scorecard answer) with the signal written
as the issue, or on an existing action (`open_for`). Cause is one of six categories — a
cause, never a culprit; owner is who acts. Saving runs through the task runner
(`write(..., changes={"actions"})`), so every tab showing actions redraws. Freed on close;
one dialog per action (or per signal row for a new one). `add_action_menu` gives any table
of signal rows a "Plan an action…" context menu. `InteractionForm` is the one-line "log a
call, meeting, e-mail or visit" form of the customer and deal dialogs.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from custdesk.domain.records import ACTION_CAUSES, Action, ActionStatus, Interaction
from custdesk.services import actions_service as acts
from custdesk.services import interactions_service as ints
from custdesk.services.files import Store
from custdesk.ui import formatting as fmt
from custdesk.ui.dialogs.single import keep_one, open_one
from custdesk.ui.tasks import TaskState, default_runner

NO_CAUSE = "Not decided yet"
STATUS_LABELS = {ActionStatus.OPEN: "Open", ActionStatus.DONE: "Done",
                 ActionStatus.DROPPED: "Dropped"}
PLAN_ACTION = "Plan an action…"


class ActionDialog(QDialog):
    """One action: title, issue, cause, owner, due date, status and outcome."""

    saved = Signal(int)  # the action's id, after the write committed
    _open: dict[tuple[str, object], ActionDialog] = {}

    @classmethod
    def open_for(cls, store: Store, action_id: int | None = None, *,
                 draft: acts.Draft | None = None,
                 parent: QWidget | None = None) -> ActionDialog:
        """The dialog of an existing action, or of a new one from `draft`; the one already
        open for the same action (or the same signal row) is raised instead."""
        return open_one(cls._open, cls._key(store, action_id, draft),
                        lambda: cls(store, action_id, draft=draft, parent=parent))

    @classmethod
    def from_signal(cls, store: Store, signal: str, row: Any,
                    parent: QWidget | None = None) -> ActionDialog:
        """A new action for one row of a signal list, the signal pre-filled as the issue."""
        return cls.open_for(store, draft=acts.draft_from_signal(signal, row), parent=parent)

    @staticmethod
    def _key(store: Store, action_id: int | None, draft: acts.Draft | None
             ) -> tuple[str, object] | None:
        if action_id is not None:
            return (str(store.path), action_id)
        if draft is not None:
            a = draft.action
            return (str(store.path), ("new", a.signal, a.customer_id, a.deal_id, a.survey_id,
                                      a.ticket_id, a.title))
        return None

    def __init__(self, store: Store, action_id: int | None = None, *,
                 draft: acts.Draft | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # freed on close
        self.store = store
        self.action_id = action_id
        if action_id is not None:
            found = acts.get_action(store, action_id)
            if found is None:
                raise KeyError(f"there is no action {action_id}")
            self.base = found
            subject = found.title
        else:
            if draft is None:
                draft = acts.Draft(Action(title="", created_on=date.today().isoformat()), "")
            self.base, subject = draft.action, draft.subject
        self._register(self._key(store, action_id, draft))
        self.setWindowTitle(("Action — " if action_id is not None else "Plan an action — ")
                            + (subject or "new"))
        self.resize(520, 480)
        self._build()
        self.fill(self.base)

    def _register(self, key: tuple[str, object] | None) -> None:
        keep_one(ActionDialog._open, key, self)

    def _build(self) -> None:
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("What will be done (required)")
        self.issue_edit = QPlainTextEdit()
        self.issue_edit.setPlaceholderText("The business or technical issue, and the "
                                           "solution needed")
        self.issue_edit.setFixedHeight(80)
        self.cause_box = QComboBox()
        self.cause_box.addItem(NO_CAUSE, None)
        for cause in ACTION_CAUSES:
            self.cause_box.addItem(acts.CAUSE_LABELS[cause], cause)
        self.cause_box.setToolTip("What caused the issue — a cause, never a person to blame")
        self.owner_edit = QLineEdit()
        self.owner_edit.setPlaceholderText("Who acts (you, or a team member)")
        self.due_check = QCheckBox("Due by")
        self.due_edit = QDateEdit()
        self.due_edit.setCalendarPopup(True)
        self.due_check.toggled.connect(self.due_edit.setEnabled)
        due_row = QHBoxLayout()
        due_row.addWidget(self.due_check)
        due_row.addWidget(self.due_edit, 1)
        self.status_box = QComboBox()
        for status, label in STATUS_LABELS.items():
            self.status_box.addItem(label, status.value)
        self.outcome_edit = QPlainTextEdit()
        self.outcome_edit.setPlaceholderText("What came of it (when done or dropped)")
        self.outcome_edit.setFixedHeight(60)
        form = QFormLayout()
        form.addRow("Action", self.title_edit)
        form.addRow("Issue", self.issue_edit)
        form.addRow("Cause", self.cause_box)
        form.addRow("Owner (who acts)", self.owner_edit)
        form.addRow("Due", due_row)
        form.addRow("Status", self.status_box)
        form.addRow("Outcome", self.outcome_edit)
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    # ----- the form ------------------------------------------------------------------------
    def fill(self, a: Action) -> None:
        self.title_edit.setText(a.title)
        self.issue_edit.setPlainText(a.issue or "")
        self.cause_box.setCurrentIndex(max(0, self.cause_box.findData(a.cause)))
        self.owner_edit.setText(a.owner or "")
        self.due_check.setChecked(a.due_on is not None)
        self.due_edit.setEnabled(a.due_on is not None)
        self.due_edit.setDate(fmt.qdate_of(a.due_on))
        self.status_box.setCurrentIndex(max(0, self.status_box.findData(
            ActionStatus(a.status).value)))
        self.outcome_edit.setPlainText(a.outcome or "")

    def form_action(self) -> Action:
        """The action as the form shows it (not saved)."""
        status = ActionStatus(self.status_box.currentData())
        done_on = self.base.done_on if status is not ActionStatus.OPEN else None
        if status is not ActionStatus.OPEN and (done_on is None or
                                                 self.base.status is ActionStatus.OPEN):
            done_on = date.today().isoformat()
        return Action(
            title=self.title_edit.text(), created_on=self.base.created_on, id=self.action_id,
            customer_id=self.base.customer_id, deal_id=self.base.deal_id,
            survey_id=self.base.survey_id, ticket_id=self.base.ticket_id,
            signal=self.base.signal, issue=self.issue_edit.toPlainText(),
            cause=self.cause_box.currentData(), owner=self.owner_edit.text(),
            due_on=fmt.iso_of(self.due_edit.date()) if self.due_check.isChecked() else None,
            status=status, outcome=self.outcome_edit.toPlainText(), done_on=done_on)

    def save(self) -> None:
        """Write the form (one transaction, through the task runner); closes when saved."""
        try:  # the owner's mistakes are said here, before any write
            action = acts.check_action(self.form_action())
        except acts.ActionError as exc:
            self._failed(exc)
            return

        def write(state: TaskState) -> int:
            assert state.store is not None
            return acts.save_action(state.store, action)

        self.save_button.setEnabled(False)
        default_runner().write(self.store, write, {"actions"}, self._saved, self._failed,
                               key=(self, "save"))

    def _saved(self, action_id: int) -> None:
        self.action_id = action_id
        self.saved.emit(action_id)
        self.message.setText("Saved.")
        self.close()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        text = str(exc) if isinstance(exc, acts.ActionError) else f"Not saved: {exc}"
        self.message.setText(f"<span style='color:#c0392b'>{html.escape(text)}</span>")


class InteractionForm(QWidget):
    """One line to log an interaction with a customer or about a deal: date, kind (call,
    meeting, e-mail, visit, other), note and "Log"; the counts beside it ("7 interactions,
    last 3 days ago"). Saved through the task runner (`changes={"interactions"}`)."""

    logged = Signal(int)  # the interaction's id, after the write committed

    def __init__(self, store: Store, *, customer_id: int | None = None,
                 deal_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.customer_id, self.deal_id = store, customer_id, deal_id
        self.date_edit = QDateEdit(QDate.currentDate())
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat(fmt.short_date_format())
        self.kind_box = QComboBox()
        for kind in ints.KINDS:
            self.kind_box.addItem(ints.KIND_LABELS[kind], kind)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("What was said or agreed")
        self.note_edit.returnPressed.connect(self.log)
        self.log_button = QPushButton("Log")
        self.log_button.clicked.connect(self.log)
        self.summary = QLabel()
        self.summary.setStyleSheet("color: gray;")
        self.message = QLabel()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Log an interaction:"))
        row.addWidget(self.date_edit)
        row.addWidget(self.kind_box)
        row.addWidget(self.note_edit, 1)
        row.addWidget(self.log_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        status = QHBoxLayout()
        status.addWidget(self.summary)
        status.addStretch(1)
        status.addWidget(self.message)
        layout.addLayout(status)
        self.set_target(customer_id, deal_id)

    def set_target(self, customer_id: int | None, deal_id: int | None = None) -> None:
        """Who the next interaction is with (a new customer has none yet: disabled)."""
        self.customer_id, self.deal_id = customer_id, deal_id
        self.setEnabled(customer_id is not None or deal_id is not None)
        self.refresh_summary()

    def refresh_summary(self) -> None:
        if self.deal_id is not None:
            items = ints.deal_interactions(self.store, self.deal_id)
        elif self.customer_id is not None:
            items = ints.customer_interactions(self.store, self.customer_id)
        else:
            items = []
        self.summary.setText(ints.summary_text(items))

    def form_interaction(self) -> Interaction:
        return Interaction(date=fmt.iso_of(self.date_edit.date()), customer_id=self.customer_id,
                           deal_id=self.deal_id, kind=str(self.kind_box.currentData()),
                           note=self.note_edit.text())

    def log(self) -> None:
        """Save the form (one transaction, through the task runner)."""
        try:
            item = ints.check_interaction(self.form_interaction())
        except ints.InteractionError as exc:
            self._failed(exc)
            return

        def write(state: TaskState) -> int:
            assert state.store is not None
            return ints.log_interaction(state.store, item)

        self.log_button.setEnabled(False)
        default_runner().write(self.store, write, {"interactions"}, self._logged,
                               self._failed, key=(self, "log"))

    def _logged(self, interaction_id: int) -> None:
        self.log_button.setEnabled(True)
        self.note_edit.clear()
        self.message.setText("Logged.")
        self.refresh_summary()
        self.logged.emit(interaction_id)

    def _failed(self, exc: BaseException) -> None:
        self.log_button.setEnabled(True)
        text = str(exc) if isinstance(exc, ints.InteractionError) else f"Not saved: {exc}"
        self.message.setText(f"<span style='color:#c0392b'>{html.escape(text)}</span>")


def open_deal(store: Store | None, row: Any, parent: QWidget | None = None) -> Any:
    """The deal editor for a deal row (a dict or a row object with an `id`)."""
    from custdesk.ui.dialogs.deal_dialog import DealDialog

    deal_id = row.get("id") if isinstance(row, dict) else getattr(row, "id", None)
    if store is None or deal_id is None:
        return None
    return DealDialog.open_for(store, deal_id, parent)


def fixed_signal(signal: str) -> Callable[[Any], str]:
    """`signal_of` for a list whose every row is the same signal."""
    return lambda _row: signal


def add_action_menu(table: QAbstractItemView, row_at: Callable[[int], Any],
                    signal_of: Callable[[Any], str | None],
                    store_of: Callable[[], Store | None],
                    extra: Callable[[QMenu, Any], None] | None = None) -> None:
    """A right-click menu on `table` whose "Plan an action…" opens an `ActionDialog` for
    the row under the mouse (`signal_of(row)` names its signal; None: no action there)."""
    table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def show(pos: QPoint) -> None:
        index = table.indexAt(pos)
        store = store_of()
        if not index.isValid() or store is None:
            return
        row = row_at(index.row())
        signal = signal_of(row)
        menu = QMenu(table)
        if signal is not None:
            menu.addAction(PLAN_ACTION).triggered.connect(
                lambda *_: ActionDialog.from_signal(store, signal, row, table.window()))
        if extra is not None:
            extra(menu, row)
        if not menu.isEmpty():
            menu.exec(table.viewport().mapToGlobal(pos))
        menu.deleteLater()

    table.customContextMenuRequested.connect(show)
