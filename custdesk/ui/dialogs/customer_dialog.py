"""One customer's story: contact data, timeline, revenue and profit per month, risk signals.

Add (customer_id None), edit, delete (with confirmation; offers "mark as lost" instead) and
mark as lost with a reason from the shared list. Writes go through `customers_service`;
the story comes from `metrics_service.customer_story`. Confirmations go through
`self.confirm_delete` so tests can answer them without a modal box.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Signal
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

from custdesk.domain.periods import add_months, month_key
from custdesk.services import customers_service as cs
from custdesk.storage import Store
from custdesk.ui import formatting as fmt
from custdesk.ui.charts import TrendChart
from custdesk.ui.record_table_model import Column, RecordTableModel
from custdesk.ui.table_view import RecordTableView
from custdesk.ui.tabs.dashboard_tab import service

LABELS = {"ref": "Reference", "name": "Name", "company": "Company", "email": "E-mail",
          "phone": "Phone", "segment": "Segment", "source": "Source",
          "referred_by": "Referred by", "acquired_on": "Acquired on",
          "country": "Country", "city": "City", "notes": "Notes"}
TIMELINE_COLUMNS = [Column("date", "Date", "date"), Column("kind", "Kind"),
                    Column("what", "What"), Column("amount", "Amount", "money")]
CHOOSE_REASON = "Choose a reason…"
PLACEHOLDERS = {"name": "Required", "ref": "Your own customer number (optional)",
                "acquired_on": "YYYY-MM-DD, e.g. 2024-03-17"}


def timeline(story: Any) -> list[dict[str, Any]]:
    """Orders, deals, tickets and surveys of a CustomerStory as dated rows, newest first."""
    rows: list[dict[str, Any]] = []
    for o in story.orders:
        what = " · ".join(str(x) for x in (o.order_ref, o.category) if x) or "Order line"
        rows.append({"date": o.date, "kind": "Order", "what": what,
                     "amount": o.revenue_e4 / 10_000})
    for d in story.deals:
        when = d.closed_on or d.created_on or d.expected_close
        what = f"{d.title or 'Deal'} — {d.stage}"
        if d.lost_reason:
            what += f" ({d.lost_reason})"
        rows.append({"date": when, "kind": "Deal", "what": what, "amount": d.amount})
    for t in story.tickets:
        flag = "complaint: " if t.is_complaint else ""
        rows.append({"date": (t.opened_at or "")[:10] or None, "kind": "Ticket",
                     "what": f"{flag}{t.topic or 'support'} ({t.status or 'open'})",
                     "amount": None})
    for s in story.surveys:
        bits = [f"NPS {s.nps}" if s.nps is not None else "", s.comment or ""]
        rows.append({"date": s.date, "kind": "Survey",
                     "what": " — ".join(b for b in bits if b) or "survey", "amount": None})
    rows.sort(key=lambda r: r["date"] or "", reverse=True)
    return rows


def every_month(monthly: list[tuple[str, float, float]]
                ) -> tuple[list[str], list[float], list[float]]:
    """(months, revenue, profit) with the months without orders filled in as 0, so the
    chart's axis runs evenly from the first to the last month."""
    if not monthly:
        return [], [], []
    found = {m: (r, p) for m, r, p in monthly}
    months, cursor = [], date.fromisoformat(min(found) + "-01")
    while month_key(cursor) <= max(found):
        months.append(month_key(cursor))
        cursor = add_months(cursor, 1)
    return (months, [found.get(m, (0.0, 0.0))[0] for m in months],
            [found.get(m, (0.0, 0.0))[1] for m in months])


def ask_delete(parent: QWidget, name: str, counts: dict[str, int]) -> str:
    """'delete', 'lost' or 'cancel' from a three-button question (modal: not used by tests)."""
    held = ", ".join(f"{n:,} {k}" for k, n in counts.items() if n) or "no other records"
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Delete customer")
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

    def __init__(self, store: Store, customer_id: int | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.customer_id = customer_id
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
        tabs.addTab(RecordTableView(self.timeline_model, "customer/timeline", stretch=2),
                    "Timeline")
        self.chart = TrendChart("money")
        self.chart.setLabel("left", "Per month")
        tabs.addTab(self.chart, "Revenue and profit by month")
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.delete_button = buttons.addButton("Delete…",
                                               QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self.delete_clicked)
        buttons.rejected.connect(self.reject)
        self.tabs = tabs
        layout = QVBoxLayout(self)
        self.header = QLabel()
        layout.addWidget(self.header)
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
        self.lost_on = QDateEdit(QDate.currentDate(), calendarPopup=True,
                                 displayFormat=fmt.short_date_format())
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
        new = self.customer_id is None
        self.delete_button.setEnabled(not new)
        self.lost_box.setEnabled(not new)
        self.save_button.setText("Add customer" if new else "Save changes")
        if new:
            self.header.setText("<h2>New customer</h2>")
            self.risk.setText("Shown once the customer is added and has orders, deals or "
                              "tickets.")
            return
        record = cs.get_customer(self.store, self.customer_id)
        for key, edit in self.edits.items():
            edit.setText("" if record.get(key) is None else str(record[key]))
        status = record.get("status") or "active"
        if record.get("lost_on"):
            reason = record.get("lost_reason") or "—"
            status = f"lost on {fmt.day_text(record['lost_on'])} ({reason})"
        self.header.setText(f"<h2>{html.escape(record['name'])}</h2>"
                            f"<span style='color:gray'>{html.escape(status)}</span>")
        self.setWindowTitle(f"{record['name']} — customer")
        story_fn = service("customer_story")
        if story_fn is None:
            self.risk.setText("The customer's story arrives with the metrics engine.")
            return
        try:
            story = story_fn(self.store, self.customer_id)
        except Exception as exc:  # noqa: BLE001 - the contact data stays editable
            self.risk.setText(f"Could not load this customer's history: {html.escape(str(exc))}")
            return
        self.show_story(story)

    def show_story(self, story: Any) -> None:
        """Timeline, monthly chart and risk signals from a CustomerStory."""
        self.timeline_model.set_rows(timeline(story))
        months, revenue, profit = every_month(story.monthly)
        self.chart.set_series(months, {"Revenue": revenue, "Gross profit": profit})
        reasons = story.risk_reasons
        self.risk.setText("<br>".join(f"⚠ {html.escape(r)}" for r in reasons)
                          if reasons else f"No risk signals (status: {story.status}).")

    # ----- changes ---------------------------------------------------------------------------
    def form_values(self) -> dict[str, Any]:
        return {key: edit.text() for key, edit in self.edits.items()}

    def save(self) -> bool:
        """Add or update from the form; shows the reason when it cannot."""
        try:
            if self.customer_id is None:
                self.customer_id = cs.add_customer(self.store, self.form_values())
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
