"""One customer's story: contact data, their figures, timeline, revenue and profit per
month, risk signals.

Add (customer_id None), edit, delete (with confirmation; offers "mark as lost" instead) and
mark as lost with a reason from the shared list. Writes go through `customers_service`;
the story is the customer screen (`services/screens/customer.py`), drawn as built.
Confirmations go through `self.confirm_delete` so tests can answer them without a modal box.
The dialog is freed when closed; `open_for` keeps one dialog per customer.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from custdesk.domain.metric_catalogue import METRICS
from custdesk.domain.periods import Period
from custdesk.services import customers_service as cs
from custdesk.services import logs
from custdesk.services import triage_service as triage
from custdesk.services.files import Store
from custdesk.services.period_service import resolve_period
from custdesk.services.screens.customer import build_customer
from custdesk.services.screens.model import Screen
from custdesk.ui import formatting as fmt
from custdesk.ui.charts import TrendChart
from custdesk.ui.dialogs.action_dialog import InteractionForm
from custdesk.ui.dialogs.single import keep_one, open_one
from custdesk.ui.record_table_model import Column, RecordTableModel
from custdesk.ui.table_view import RecordTableView

LABELS = {"ref": "Reference", "name": "Name", "company": "Company", "email": "E-mail",
          "phone": "Phone", "segment": "Segment", "source": "Source",
          "referred_by": "Referred by", "acquired_on": "Acquired on",
          "country": "Country", "city": "City", "notes": "Notes"}
TIMELINE_COLUMNS = [Column("date", "Date", "date"), Column("kind", "Kind"),
                    Column("what", "What"), Column("amount", "Amount", "money")]
CHOOSE_REASON = "Choose a reason…"
STATUS_WORDS = {"active": "active", "lapsed": "lapsed (no order within the activity window)",
                "lost": "lost", "contact": "contact (no purchase yet)"}
PLACEHOLDERS = {"name": "Required", "ref": "Your own customer number (optional)",
                "acquired_on": "YYYY-MM-DD, e.g. 2024-03-17"}


def status_text(record: dict[str, Any], status: str | None) -> str:
    """"Status: lapsed (no recent order)", "Status: lost on 3/1/2026 (Price)", …"""
    if record.get("lost_on") and status in (None, "lost"):
        reason = record.get("lost_reason") or "no reason recorded"
        return f"Status: lost on {fmt.day_text(record['lost_on'])} ({reason})"
    if status is None:
        return "Status: not known (the history could not be loaded)"
    return "Status: " + STATUS_WORDS.get(status, status)


def ask_delete(parent: QWidget, name: str, counts: dict[str, int]) -> str:
    """'delete', 'lost' or 'cancel' from a three-button question (modal: not used by tests)."""
    held = ", ".join(f"{n:,} {k}" for k, n in counts.items() if n) or "no other records"
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Delete customer")
    box.setTextFormat(Qt.TextFormat.PlainText)  # the customer's name
    box.setText(f"Delete {name} and everything recorded for them ({held})?")
    box.setInformativeText("This changes your history. To keep it, mark the customer as lost.")
    delete = box.addButton("Delete everything", QMessageBox.ButtonRole.DestructiveRole)
    lost = box.addButton("Mark as lost instead", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    clicked = box.clickedButton()
    return "delete" if clicked is delete else "lost" if clicked is lost else "cancel"


class CustomerDialog(QDialog):
    """Detail and editing of one customer. Emits `changed` after every saved change."""

    changed = Signal()
    _open: dict[tuple[str, int], CustomerDialog] = {}  # (file, id) -> its one open dialog

    @classmethod
    def open_for(cls, store: Store, customer_id: int | None, parent: QWidget | None = None,
                 period: Period | None = None, label: str = "") -> CustomerDialog:
        """The customer's dialog, shown non-modal: the one already open for this customer
        is raised instead of opening a second one."""
        key = None if customer_id is None else (str(store.path), customer_id)
        return open_one(cls._open, key, lambda: cls(store, customer_id, parent,
                                                    period=period, label=label))

    def __init__(self, store: Store, customer_id: int | None,
                 parent: QWidget | None = None, *, period: Period | None = None,
                 label: str = "") -> None:
        super().__init__(parent)
        # freed on close: a closed dialog must not stay alive as a child of the window
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.store = store
        self.customer_id = customer_id
        if period is None:  # opened without a tab's period: the last 12 months of the data
            resolved = resolve_period(store, "last_12_months")
            period, label = resolved.period, resolved.label
        self.period, self.period_label = period, label or "Chosen period"
        self._register()
        self.confirm_delete = ask_delete
        self.setWindowTitle("New customer" if customer_id is None else "Customer")
        self.resize(940, 640)
        self.edits = {key: QLineEdit() for key in cs.EDITABLE}
        for key, hint in PLACEHOLDERS.items():
            if key in self.edits:
                self.edits[key].setPlaceholderText(hint)
        self.message = QLabel()
        self.message.setWordWrap(True)
        tabs = QTabWidget()
        tabs.addTab(self._build_details(), "Details")
        self.timeline_model = RecordTableModel(TIMELINE_COLUMNS, self)
        # the story, with a one-line form to log a call, meeting, e-mail or visit over it
        timeline = QWidget()
        timeline_box = QVBoxLayout(timeline)
        self.interaction_form = InteractionForm(store, customer_id=customer_id, parent=self)
        self.interaction_form.logged.connect(lambda *_: self.load())
        timeline_box.addWidget(self.interaction_form)
        timeline_box.addWidget(RecordTableView(self.timeline_model, "customer/timeline",
                                               stretch=2), 1)
        tabs.addTab(timeline, "Timeline")
        self.chart = TrendChart("money")
        self.chart.setLabel("left", "Per month")
        tabs.addTab(self.chart, "Revenue and profit by month")
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.delete_button = buttons.addButton("Delete…",
                                               QDialogButtonBox.ButtonRole.DestructiveRole)
        self.action_button = buttons.addButton("Plan an action…",
                                               QDialogButtonBox.ButtonRole.ActionRole)
        # set the customer aside on Today's at-risk list until a day (or end that)
        self.snooze_button = buttons.addButton("Snooze…", QDialogButtonBox.ButtonRole.ActionRole)
        self.snooze_button.setToolTip("Leave Today's at-risk list until a day, with a note")
        self.snooze_button.clicked.connect(lambda *_: self.snooze())
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self.delete_clicked)
        self.action_button.clicked.connect(lambda *_: self.plan_action())
        buttons.rejected.connect(self.reject)
        self.tabs = tabs
        layout = QVBoxLayout(self)
        self.header = QLabel()
        self.figures = QLabel()  # the customer's own figures for the period (screen cards)
        self.figures.setWordWrap(True)
        layout.addWidget(self.header)
        layout.addWidget(self.figures)
        layout.addWidget(tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.load()

    def _build_details(self) -> QWidget:
        page = QWidget()
        form = QFormLayout()
        for key, edit in self.edits.items():
            form.addRow(LABELS[key], edit)
        self.risk = QLabel()
        self.risk.setWordWrap(True)
        lost_box = QGroupBox("Mark as lost")
        self.reason = QComboBox()
        self.reason.addItem(CHOOSE_REASON)
        self.reason.addItems(cs.reasons(self.store))
        self.lost_on = QDateEdit(QDate.currentDate())
        self.lost_on.setCalendarPopup(True)
        self.lost_on.setDisplayFormat(fmt.short_date_format())
        self.lost_button = QPushButton("Mark as lost")
        self.lost_button.clicked.connect(self.mark_lost)
        note = QLabel("Keeps everything recorded for the customer; they count as lost "
                      "from the chosen day.")
        note.setWordWrap(True)
        box = QVBoxLayout(lost_box)
        box.addWidget(note)
        row = QHBoxLayout()
        box.addLayout(row)
        row.addWidget(QLabel("Reason"))
        row.addWidget(self.reason, 1)
        row.addWidget(QLabel("on"))
        row.addWidget(self.lost_on)
        row.addWidget(self.lost_button)
        self.lost_box = lost_box
        right = QVBoxLayout()
        right.addWidget(QLabel("<b>Risk signals</b>"))
        right.addWidget(self.risk)
        right.addWidget(lost_box)
        right.addStretch(1)
        layout = QHBoxLayout(page)
        layout.addLayout(form, 3)
        layout.addLayout(right, 2)
        return page

    # ----- loading ----------------------------------------------------------------------
    def load(self) -> None:
        """Fill the form and the story from the database."""
        customer_id = self.customer_id
        new = customer_id is None
        self.delete_button.setEnabled(not new)
        self.action_button.setEnabled(not new)
        self.snooze_button.setEnabled(not new)
        self.interaction_form.set_target(customer_id)
        self.lost_box.setEnabled(not new)
        self.save_button.setText("Add customer" if new else "Save changes")
        if customer_id is None:
            self.header.setText("<h2>New customer</h2>")
            self.risk.setText("Shown once the customer is added and has orders, deals or "
                              "tickets.")
            return
        record = cs.get_customer(self.store, customer_id)
        for key, edit in self.edits.items():
            edit.setText("" if record.get(key) is None else str(record[key]))
        self.setWindowTitle(f"{record['name']} — customer")
        try:
            screen = build_customer(self.store, customer_id, self.period, self.period_label)
        except Exception as exc:  # logged and said; the contact data stays editable
            logs.log_exception(f"Loading the story of customer {customer_id}", exc)
            self._show_header(record, None)
            self.risk.setText(
                f"This customer's history could not be loaded: "
                f"{html.escape(logs.plain_reason(exc))}. {html.escape(logs.where_text())}")
            return
        self._show_header(record, screen.lists["customer"][0]["status"])
        self.show_story(screen)

    def _show_header(self, record: dict[str, Any], status: str | None) -> None:
        """Name and status — the status the story computed (lapsed, lost, active), the one
        the lists show, never the stored field's default "active" beside it."""
        self.status_text = status_text(record, status)
        self.header.setText(f"<h2>{html.escape(record['name'])}</h2>"
                            f"<span style='color:gray'>{html.escape(self.status_text)}</span>")

    def show_story(self, screen: Screen) -> None:
        """Figures, timeline, monthly chart and risk signals from the customer screen."""
        self.story = screen
        figures = " · ".join(
            f"{card.label} <b>{html.escape(fmt.by_unit(card.value, METRICS[mid].unit))}</b>"
            for mid, card in screen.cards.items() if mid in METRICS)
        self.figures.setText(f"{html.escape(self.period_label)}: {figures}")
        self.timeline_model.set_rows(screen.lists["story"])
        self.chart.set_series({"Revenue": screen.series["revenue"],
                               "Gross profit": screen.series["gross_profit"]})
        reasons = [row["reason"] for row in screen.lists["risk"]]
        self._risk_reasons = reasons
        status = screen.lists["customer"][0]["status"]
        why = "" if status == "active" else ": only active customers are checked"
        self.risk.setText(("<br>".join(f"⚠ {html.escape(r)}" for r in reasons)
                           if reasons else
                           f"No risk signals ({html.escape(STATUS_WORDS.get(status, status))}"
                           f"{why}).") + self._triage_html())

    def _triage_html(self) -> str:
        """Where Today's triage stands for this customer: snoozed until a day, a detractor
        follow-up (set from Today or Feedback)."""
        if self.customer_id is None:
            return ""
        lines = []
        snooze = triage.snooze_of(self.store, self.customer_id)
        if snooze is not None:
            lines.append(f"Snoozed on Today's at-risk list until {fmt.day_text(snooze[0])}"
                         + (f" — {snooze[1]}" if snooze[1] else ""))
        follow = triage.followup_of(self.store, self.customer_id)
        if follow is not None:
            state, on, note = follow
            lines.append(f"Detractor follow-up: {triage.FOLLOWUP_LABELS.get(state, state)} "
                         f"on {fmt.day_text(on)}" + (f" — {note}" if note else ""))
        return "".join(f"<br><span style='color:gray'>{html.escape(t, quote=False)}</span>"
                       for t in lines)

    def _register(self) -> None:
        if self.customer_id is not None:
            keep_one(CustomerDialog._open, (str(self.store.path), self.customer_id), self)

    def snooze(self) -> QDialog | None:
        """The snooze dialog for this customer; the dialog reloads once it is saved."""
        from custdesk.ui.dialogs.triage_dialogs import SnoozeDialog

        if self.customer_id is None:
            return None
        row = {"customer_id": self.customer_id, "customer": self.edits["name"].text()}
        dialog = SnoozeDialog(self.store, row, self)
        dialog.saved.connect(self.load)
        dialog.open()
        return dialog

    def plan_action(self) -> QDialog | None:
        """An action for this customer (their risk signals, if any, as the issue)."""
        from custdesk.ui.dialogs.action_dialog import ActionDialog

        if self.customer_id is None:
            return None
        name = self.edits["name"].text()
        reasons = getattr(self, "_risk_reasons", None) or []
        row = {"customer_id": self.customer_id, "customer": name, "reasons": reasons}
        return ActionDialog.from_signal(self.store, "at_risk" if reasons else "customer",
                                        row, self)

    # ----- changes ---------------------------------------------------------------------------
    def form_values(self) -> dict[str, Any]:
        return {key: edit.text() for key, edit in self.edits.items()}

    def save(self) -> bool:
        """Add or update from the form; shows the reason when it cannot."""
        try:
            if self.customer_id is None:
                self.customer_id = cs.add_customer(self.store, self.form_values())
                self._register()  # a new customer's dialog is now theirs
            else:
                cs.update_customer(self.store, self.customer_id, self.form_values())
        except cs.CustomerError as exc:
            self.message.setText(f"<span style='color:#c0392b'>{html.escape(str(exc))}</span>")
            return False
        self.message.setText("Saved.")
        self.changed.emit()
        self.load()
        return True

    def mark_lost(self) -> bool:
        """Mark the customer lost with the chosen reason and date."""
        if self.customer_id is None:
            return False
        reason = self.reason.currentText()
        if reason == CHOOSE_REASON:
            self.message.setText("Choose why the customer was lost, then press Mark as lost.")
            self.reason.setFocus()
            return False
        q = self.lost_on.date()
        cs.mark_lost(self.store, self.customer_id, reason, date(q.year(), q.month(), q.day()))
        self.message.setText(f"Marked as lost ({reason}).")
        self.changed.emit()
        self.load()
        return True

    def delete_clicked(self) -> str:
        """Confirm, then delete or mark as lost; returns what was chosen."""
        if self.customer_id is None:
            return "cancel"
        counts = cs.child_counts(self.store, self.customer_id)
        choice = self.confirm_delete(self, self.edits["name"].text(), counts)
        if choice == "delete":
            cs.delete_customer(self.store, self.customer_id)
            self.changed.emit()
            self.accept()
        elif choice == "lost":
            self.tabs.setCurrentIndex(0)
            self.mark_lost()
        return choice
