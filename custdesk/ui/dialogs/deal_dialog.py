"""The deal editor: customer or prospect (a new name is created), product, stage, amount
and list amount, owner and source, probability, expected close, next step and its date,
"needs me", special terms, lost/win reason, competitor — and the deal's history (stage
changes, actions, interactions).

Saving runs `deals_service.save_deal` through the task runner (`changes={"deals"}`): one
transaction, the stage change recorded with its date. Freed on close; one per deal. A
one-line form under the history logs a call, meeting, e-mail or visit about the deal.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from custdesk.services import deal_moves, edits
from custdesk.services import deals_service as ds
from custdesk.services.files import Store
from custdesk.ui.dialogs.action_dialog import InteractionForm
from custdesk.ui.dialogs.deal_fields import NO_REASON, DealFields, money_box
from custdesk.ui.dialogs.single import keep_one, open_one
from custdesk.ui.record_table_model import Column, RecordTableModel
from custdesk.ui.table_view import RecordTableView
from custdesk.ui.tasks import TaskState, default_runner

HISTORY_COLUMNS = [Column("date", "Date", "date"), Column("kind", "Kind"),
                   Column("what", "What")]


class DealDialog(QDialog, DealFields):
    saved = Signal(int)
    _open: dict[tuple[str, int], DealDialog] = {}

    @classmethod
    def open_for(cls, store: Store, deal_id: int, parent: QWidget | None = None
                 ) -> DealDialog:
        return open_one(cls._open, (str(store.path), deal_id),
                        lambda: cls(store, deal_id, parent))

    def __init__(self, store: Store, deal_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.store, self.deal_id = store, deal_id
        keep_one(DealDialog._open, (str(store.path), deal_id), self)
        self.resize(760, 700)  # the history keeps a few rows at 1366×768
        self.build_deal_fields(store)
        self.product_box = QComboBox()
        self.product_box.addItem("", None)
        for pid, name in ds.products(store):
            self.product_box.addItem(name, pid)
        self.list_amount = money_box()
        self.list_amount.setSpecialValueText("—")  # 0 = no list amount
        self.list_amount.setToolTip("The price before discount (for the deal's discount)")
        self.source = QLineEdit()
        self.win_reason = QLineEdit()
        form = QFormLayout()
        form.addRow("Deal", self.title_edit)
        form.addRow("Customer", self.customer)
        form.addRow("Product", self.product_box)
        form.addRow("Stage", self.stage_box)
        amounts = QHBoxLayout()
        amounts.addWidget(self.amount, 1)
        amounts.addWidget(QLabel("List amount"))
        amounts.addWidget(self.list_amount, 1)
        form.addRow("Amount", amounts)
        people = QHBoxLayout()
        people.addWidget(self.owner, 1)
        people.addWidget(QLabel("Source"))
        people.addWidget(self.source, 1)
        form.addRow("Owner", people)
        form.addRow("Probability", self.probability_row())
        self.add_follow_up_rows(form)
        form.addRow("Win reason", self.win_reason)
        form.addRow("Competitor", self.competitor)
        self.history_model = RecordTableModel(HISTORY_COLUMNS, self)
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("<b>History</b> (stage changes, actions, interactions)"))
        layout.addWidget(RecordTableView(self.history_model, "deal/history", stretch=2), 1)
        self.interaction_form = InteractionForm(store, deal_id=deal_id, parent=self)
        self.interaction_form.logged.connect(lambda *_: self.show_history())
        layout.addWidget(self.interaction_form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.load()

    def load(self) -> None:
        d = ds.load_deal(self.store, self.deal_id)
        self.current = d
        name = d.get("title") or d.get("ref") or f"deal {self.deal_id}"
        self.setWindowTitle(f"Deal — {name}" + (f" ({d['customer_name']})"
                                                 if d.get("customer_name") else ""))
        self.title_edit.setText(d.get("title") or "")
        self.customer.setText(d.get("customer_name") or "")
        self.product_box.setCurrentIndex(max(0, self.product_box.findData(d["product_id"])))
        self.list_amount.setValue((d["list_amount_e4"] or 0) / 10_000)
        self.owner.setText(d["owner"] or "")
        self.source.setText(d["source"] or "")
        self.stage_box.setCurrentIndex(max(0, self.stage_box.findData(d["stage_id"])))
        self.amount.setValue((d["amount_e4"] or 0) / 10_000)
        own = d["probability"] is not None
        self.own_probability.setChecked(own)
        self.probability.setEnabled(own)
        self.probability.setValue(d["probability"] if own else d["stage_probability"])
        self.expected_close.set(d["expected_close"])
        self.next_step.setText(d["next_step"] or "")
        self.next_step_on.set(d["next_step_on"])
        self.needs_me.setChecked(bool(d["needs_me"]))
        self.special_terms.setText(d["special_terms"] or "")
        found = self.lost_reason.findText(d["lost_reason"] or NO_REASON)
        if found < 0:
            self.lost_reason.addItem(d["lost_reason"])
            found = self.lost_reason.count() - 1
        self.lost_reason.setCurrentIndex(found)
        self.win_reason.setText(d["win_reason"] or "")
        self.competitor.setText(d["competitor"] or "")
        self.show_history()

    def show_history(self) -> None:
        """Stage changes, actions and interactions, oldest first."""
        self.history_model.set_rows(ds.history(self.store, self.deal_id))

    def form_values(self) -> dict[str, Any]:
        amount = round(self.amount.value() * 10_000)
        return {
            "title": self.title_edit.text().strip() or None,
            "stage_id": self.stage_box.currentData(),
            "amount_e4": amount if amount or self.current["amount_e4"] is not None else None,
            "probability": self.probability.value() if self.own_probability.isChecked()
            else None,
            "expected_close": self.expected_close.value(),
            "next_step": self.next_step.text().strip() or None,
            "next_step_on": self.next_step_on.value(),
            "needs_me": int(self.needs_me.isChecked()) if self.needs_me.isChecked()
            or self.current["needs_me"] is not None else None,
            "special_terms": self.special_terms.text().strip() or None,
            "lost_reason": self.lost_reason.currentText() or None,
            "win_reason": self.win_reason.text().strip() or None,
            "competitor": self.competitor.text().strip() or None,
            "product_id": self.product_box.currentData(),
            "list_amount_e4": round(self.list_amount.value() * 10_000) or None,
            "owner": self.owner.text().strip() or None,
            "source": self.source.text().strip() or None,
        }

    def save(self) -> None:
        values = self.form_values()
        deal_id = self.deal_id
        if self.stage_kinds.get(values["stage_id"]) == "lost" and not values["lost_reason"]:
            self._failed(ds.DealError("a lost deal needs its reason (choose one from the list)"))
            self.lost_reason.setFocus()
            return

        customer = self.customer.text().strip()
        changed_customer = customer != (self.current.get("customer_name") or "")

        def write(state: TaskState) -> int:
            assert state.store is not None
            with edits.recorded(state.store, f"Edit deal {values['title'] or deal_id}"):
                if changed_customer:  # found like an import finds one, else created
                    values["customer_id"] = (deal_moves.customer_id_for(state.store, customer)
                                             if customer else None)
                ds.save_deal(state.store, deal_id, values)
            return deal_id

        self.save_button.setEnabled(False)
        default_runner().write(self.store, write, {"deals", "customers"}, self._saved,
                               self._failed,
                               key=(self, "save"))

    def _saved(self, deal_id: int) -> None:
        self.save_button.setEnabled(True)
        self.message.setText("Saved.")
        self.saved.emit(deal_id)
        self.load()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.message.setText(f"<span style='color:#c0392b'>{html.escape(str(exc))}</span>")
