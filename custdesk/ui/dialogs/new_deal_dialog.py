"""New deal…: the deal editor's fields, empty — the customer or prospect typed by name (a
known one is completed; a new name creates the customer on save, as an import would).

Saving runs `deal_moves.create_deal` through the task runner (`changes={"deals",
"customers"}`): one edit, the first stage recorded in the history on the day. The same
rules as the editor: a lost deal needs its reason from the shared list. Freed on close; one
per file at a time.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from custdesk.services import deal_moves
from custdesk.services import deals_service as ds
from custdesk.services.files import Store
from custdesk.ui.dialogs.deal_fields import DealFields
from custdesk.ui.dialogs.single import keep_one, open_one
from custdesk.ui.tasks import TaskState, default_runner


class NewDealDialog(QDialog, DealFields):
    created = Signal(int)  # the new deal's id
    _open: dict[str, NewDealDialog] = {}

    @classmethod
    def open_for(cls, store: Store, parent: QWidget | None = None) -> NewDealDialog:
        return open_one(cls._open, str(store.path), lambda: cls(store, parent))

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("New deal")
        self.store = store
        keep_one(NewDealDialog._open, str(store.path), self)
        self.resize(560, 470)
        self.build_deal_fields(store)
        self.title_edit.setPlaceholderText("What is being sold, e.g. “Office fit-out”")
        self.stage_box.currentIndexChanged.connect(self._stage_changed)
        form = QFormLayout()
        form.addRow("Deal", self.title_edit)
        form.addRow("Customer", self.customer)
        form.addRow("Stage", self.stage_box)
        form.addRow("Amount", self.amount)
        form.addRow("Probability", self.probability_row())
        form.addRow("Owner", self.owner)
        self.add_follow_up_rows(form)
        form.addRow("Competitor", self.competitor)
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Create deal",
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self._stage_changed()

    def _stage_changed(self, *_: Any) -> None:
        sid = self.stage_box.currentData()
        if not self.own_probability.isChecked():
            self.probability.setValue(self.stage_defaults.get(sid, 0))
        self.lost_reason.setEnabled(self.stage_kinds.get(sid) == "lost")

    def form_values(self) -> dict[str, Any]:
        amount = round(self.amount.value() * 10_000)
        sid = self.stage_box.currentData()
        return {
            "title": self.title_edit.text(), "stage_id": sid,
            "amount_e4": amount or None,
            "probability": self.probability.value() if self.own_probability.isChecked()
            else None,
            "owner": self.owner.text(), "expected_close": self.expected_close.value(),
            "next_step": self.next_step.text(), "next_step_on": self.next_step_on.value(),
            "needs_me": 1 if self.needs_me.isChecked() else None,
            "special_terms": self.special_terms.text(),
            "lost_reason": self.lost_reason.currentText()
            if self.stage_kinds.get(sid) == "lost" else None,
            "competitor": self.competitor.text(),
        }

    def save(self) -> None:
        values, customer = self.form_values(), self.customer.text().strip() or None
        if self.stage_kinds.get(values["stage_id"]) == "lost" and not values["lost_reason"]:
            self._failed(ds.DealError("a lost deal needs its reason (choose one from the list)"))
            self.lost_reason.setFocus()
            return
        if not values["title"].strip() and not customer:
            self._failed(ds.DealError("a new deal needs a title or a customer"))
            self.title_edit.setFocus()
            return

        def write(state: TaskState) -> int:
            assert state.store is not None
            return deal_moves.create_deal(state.store, values, customer)

        self.save_button.setEnabled(False)
        default_runner().write(self.store, write, {"deals", "customers"}, self._saved,
                               self._failed, key=(self, "create"))

    def _saved(self, deal_id: int) -> None:
        self.created.emit(deal_id)
        self.close()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.message.setText(f"<span style='color:#c0392b'>{html.escape(str(exc))}</span>")
