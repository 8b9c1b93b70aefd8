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
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from custdesk.services import deal_moves
from custdesk.services import deals_service as ds
from custdesk.services.files import Store
from custdesk.ui.dialogs.entry_fields import OptionalDate, customer_box
from custdesk.ui.dialogs.single import keep_one, open_one
from custdesk.ui.tasks import TaskState, default_runner


class NewDealDialog(QDialog):
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
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("What is being sold, e.g. “Office fit-out”")
        self.customer = customer_box(deal_moves.customer_names(store),
                                     "Customer or prospect (a new name is created)")
        self.stage_box = QComboBox()
        self.stage_kinds: dict[int, str] = {}
        self.stage_defaults: dict[int, float] = {}
        for sid, name, kind, probability in ds.stages(store):
            self.stage_kinds[sid] = kind
            self.stage_defaults[sid] = probability
            self.stage_box.addItem(f"{name} ({kind})" if kind != "open" else name, sid)
        self.amount = QDoubleSpinBox()
        self.amount.setRange(0, 1e12)
        self.amount.setDecimals(2)
        self.probability = QDoubleSpinBox()
        self.probability.setRange(0, 100)
        self.probability.setSuffix(" %")
        self.probability.setEnabled(False)
        self.own_probability = QCheckBox("override the stage's default")
        self.own_probability.toggled.connect(self.probability.setEnabled)
        self.stage_box.currentIndexChanged.connect(self._stage_changed)
        self.owner = QLineEdit()
        self.expected_close = OptionalDate("Expected close")
        self.next_step = QLineEdit()
        self.next_step_on = OptionalDate("Next step due")
        self.needs_me = QCheckBox("Needs me (my own engagement)")
        self.special_terms = QLineEdit()
        self.special_terms.setPlaceholderText("Non-standard terms, if any")
        self.lost_reason = QComboBox()
        self.lost_reason.addItem("")
        self.lost_reason.addItems(ds.reasons(store))
        self.competitor = QLineEdit()
        form = QFormLayout()
        form.addRow("Deal", self.title_edit)
        form.addRow("Customer", self.customer)
        form.addRow("Stage", self.stage_box)
        form.addRow("Amount", self.amount)
        probability_row = QHBoxLayout()
        probability_row.addWidget(self.probability)
        probability_row.addWidget(self.own_probability)
        form.addRow("Probability", probability_row)
        form.addRow("Owner", self.owner)
        form.addRow("", self.expected_close)
        form.addRow("Next step", self.next_step)
        form.addRow("", self.next_step_on)
        form.addRow("", self.needs_me)
        form.addRow("Special terms", self.special_terms)
        form.addRow("Lost reason", self.lost_reason)
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
