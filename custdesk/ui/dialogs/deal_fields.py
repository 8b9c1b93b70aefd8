"""The deal's fields, built once for the deal editor and New deal… (and the board's move
dialog takes its money box and lost-reason list from here): the same stages with their kinds
and default probabilities, the same lost reasons, the same money range.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
)

from custdesk.services import deal_moves
from custdesk.services import deals_service as ds
from custdesk.services.files import Store
from custdesk.ui.dialogs.entry_fields import OptionalDate, customer_box

NO_REASON = ""


def money_box() -> QDoubleSpinBox:
    """An amount in the file's currency: 0 to a trillion, cents."""
    box = QDoubleSpinBox()
    box.setRange(0, 1e12)
    box.setDecimals(2)
    return box


def lost_reason_box(store: Store) -> QComboBox:
    """The shared list of lost reasons, after an empty first choice (no reason yet)."""
    box = QComboBox()
    box.addItem(NO_REASON)
    box.addItems(ds.reasons(store))
    return box


class DealFields:
    """Mixin of a deal dialog: `build_deal_fields` puts the shared widgets on the dialog
    (tests and the dialogs read them as its attributes)."""

    title_edit: QLineEdit
    customer: QLineEdit
    stage_box: QComboBox
    stage_kinds: dict[int, str]
    stage_defaults: dict[int, float]
    amount: QDoubleSpinBox
    probability: QDoubleSpinBox
    own_probability: QCheckBox
    owner: QLineEdit
    expected_close: OptionalDate
    next_step: QLineEdit
    next_step_on: OptionalDate
    needs_me: QCheckBox
    special_terms: QLineEdit
    lost_reason: QComboBox
    competitor: QLineEdit

    def build_deal_fields(self, store: Store) -> None:
        self.title_edit = QLineEdit()
        self.customer = customer_box(deal_moves.customer_names(store),
                                     "Customer or prospect (a new name is created)")
        self.stage_box = QComboBox()
        self.stage_kinds, self.stage_defaults = {}, {}
        for sid, name, kind, probability in ds.stages(store):
            self.stage_kinds[sid] = kind
            self.stage_defaults[sid] = probability
            self.stage_box.addItem(f"{name} ({kind})" if kind != "open" else name, sid)
        self.amount = money_box()
        self.probability = QDoubleSpinBox()
        self.probability.setRange(0, 100)
        self.probability.setSuffix(" %")
        self.probability.setEnabled(False)  # the stage's default until overridden
        self.own_probability = QCheckBox("override the stage's default")
        self.own_probability.toggled.connect(self.probability.setEnabled)
        self.owner = QLineEdit()
        self.expected_close = OptionalDate("Expected close")
        self.next_step = QLineEdit()
        self.next_step_on = OptionalDate("Next step due")
        self.needs_me = QCheckBox("Needs me (my own engagement)")
        self.special_terms = QLineEdit()
        self.special_terms.setPlaceholderText("Non-standard terms, if any")
        self.lost_reason = lost_reason_box(store)
        self.competitor = QLineEdit()

    def probability_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(self.probability)
        row.addWidget(self.own_probability)
        return row

    def add_follow_up_rows(self, form: QFormLayout) -> None:
        """Expected close, next step and its date, needs me, special terms, lost reason."""
        form.addRow("", self.expected_close)
        form.addRow("Next step", self.next_step)
        form.addRow("", self.next_step_on)
        form.addRow("", self.needs_me)
        form.addRow("Special terms", self.special_terms)
        form.addRow("Lost reason", self.lost_reason)
