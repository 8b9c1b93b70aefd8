"""File ▸ Business settings…: the rules' settings, the stage catalogue and lost reasons.

Stages: name (edit in place), order (Move up/down), kind (open/won/lost) and default
probability (won is 100 % and lost 0 % by definition); Add stage; Remove for a stage no
deal uses (a used one says why not — rename it instead; a rename keeps its deals).
Everything the owner changes is saved in one transaction (nested service writes become
savepoints), so a rejected value leaves the file as it was.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from custdesk.services import metrics_service as ms
from custdesk.services.edits import recorded
from custdesk.services.files import Store
from custdesk.services.settings_service import (
    StageEdit,
    get_settings,
    save_stages,
    set_setting,
    stage_rows,
)
from custdesk.ui.dialogs.entry_fields import int_spin

STAGE_KIND_WORDS = {"open": "open", "won": "won (closed)", "lost": "lost (closed)"}
STAGE_COLUMNS = ["Stage", "Kind", "Default probability %", "Deals"]
NAME, KIND, PROBABILITY, DEALS = range(4)


class _Stage:
    """A row of the stage table: the stored stage (id None when new) and its widgets."""

    def __init__(self, stage_id: int | None, name: str, kind: str, probability: float,
                 deals: int, used: bool) -> None:
        self.id, self.original, self.deals, self.used = stage_id, name, deals, used
        self.name, self.kind, self.probability = name, kind, probability
        self.spin = _float_spin(0, 100, probability, " %")
        self.spin.setDecimals(0)
        self.combo = QComboBox()
        for value, words in STAGE_KIND_WORDS.items():
            self.combo.addItem(words, value)
        self.combo.setCurrentIndex(list(STAGE_KIND_WORDS).index(kind))
        self.combo.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = str(self.combo.currentData())
        self.spin.setEnabled(kind == "open")  # won is 100 and lost 0 by definition
        if kind != "open":
            self.spin.setValue(100 if kind == "won" else 0)

    def edit(self) -> StageEdit:
        return StageEdit(self.id, self.name, str(self.combo.currentData()), self.spin.value())


class BusinessSettingsDialog(QDialog):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # freed on close
        self.store = store
        self.setWindowTitle("Business settings")
        self.resize(760, 520)
        stored = get_settings(store)
        rules = ms.load_settings(store)
        self.business_name = QLineEdit(stored.get("business_name", ""))
        self.business_name.setMinimumWidth(200)  # "Your Office Supply Co" whole, not "ur Office"
        self.currency = QLineEdit(stored.get("currency_symbol", "$"))
        self.currency.setMaxLength(4)
        self.window_days = int_spin(30, 3650, rules.window_days, " days")
        self.deep_discount = _float_spin(0, 100, rules.deep_discount_pct, " %")
        self.deep_discount.setDecimals(1)
        self.repeat_days = int_spin(1, 365, rules.repeat_contact_days, " days")
        # cost to serve (Growth ▸ Costs): 0 shows "not set" and is stored as unset
        self.cost_spins = {key: _cost_spin(stored.get(key, "")) for key in COST_KEYS}
        form = QFormLayout()
        form.addRow("Business name (on printouts)", self.business_name)
        form.addRow("Currency symbol", self.currency)
        form.addRow("A customer is lost after no order for", self.window_days)
        form.addRow("A discount is deep from", self.deep_discount)
        form.addRow("A contact repeats when it comes back within", self.repeat_days)
        form.addRow("One support contact costs", self.cost_spins["cost_per_contact"])
        form.addRow("One delivery costs", self.cost_spins["cost_per_delivery"])
        rules_box = QGroupBox("Rules")
        rules_box.setLayout(form)

        self.stages = QTableWidget(0, len(STAGE_COLUMNS))
        self.stages.setHorizontalHeaderLabels(STAGE_COLUMNS)
        self.stages.verticalHeader().setVisible(False)
        self.stages.horizontalHeader().setStretchLastSection(True)
        self.stages.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.stages.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.stage_list: list[_Stage] = [
            _Stage(r.id, r.name, r.kind, r.probability, r.deals, r.used)
            for r in stage_rows(store)]
        self.removed_stages: list[int] = []
        self.stages.itemChanged.connect(self._name_edited)
        self.stages.itemSelectionChanged.connect(self._stage_buttons)
        self._draw_stages()
        self.add_stage_button = QPushButton("Add stage")
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.remove_stage_button = QPushButton("Remove")
        self.add_stage_button.clicked.connect(self.add_stage)
        self.up_button.clicked.connect(lambda: self.move_stage(-1))
        self.down_button.clicked.connect(lambda: self.move_stage(1))
        self.remove_stage_button.clicked.connect(self.remove_stage)
        stage_buttons = QHBoxLayout()
        for button in (self.add_stage_button, self.up_button, self.down_button,
                       self.remove_stage_button):
            stage_buttons.addWidget(button)
        stage_buttons.addStretch(1)
        self.stage_note = QLabel()
        self.stage_note.setTextFormat(Qt.TextFormat.PlainText)  # names stages
        self.stage_note.setWordWrap(True)
        stages_box = QGroupBox("Pipeline stages")
        stages_layout = QVBoxLayout(stages_box)
        stages_layout.addWidget(self.stages)
        stages_layout.addLayout(stage_buttons)
        stages_layout.addWidget(self.stage_note)
        self._stage_buttons()

        self.reasons = QPlainTextEdit("\n".join(ms.load_reasons(store)))
        reasons_box = QGroupBox("Lost reasons (one per line)")
        QVBoxLayout(reasons_box).addWidget(self.reasons)
        from custdesk.ui.dialogs.loyalty_settings import LoyaltySettingsBox

        self.loyalty = LoyaltySettingsBox(store)  # issue 15: renewal rule, loyal, onboarding

        self.error = QLabel()
        self.error.setTextFormat(Qt.TextFormat.PlainText)  # quotes the owner's values
        self.error.setStyleSheet("color: #c0392b;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(rules_box)
        left.addWidget(stages_box, 1)
        columns.addLayout(left, 3)
        right = QVBoxLayout()
        right.addWidget(reasons_box, 1)
        right.addWidget(self.loyalty)
        columns.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> bool:
        """Write every setting in one transaction; on a refused value say why and keep open."""
        reasons = self.reasons.toPlainText().splitlines()
        try:
            with recorded(self.store, "Business settings"):  # one undoable edit
                set_setting(self.store, "business_name", self.business_name.text().strip())
                set_setting(self.store, "currency_symbol", self.currency.text().strip() or "$")
                for key, spin in self.cost_spins.items():
                    set_setting(self.store, key, f"{spin.value():g}" if spin.value() else "")
                ms.save_settings(self.store, ms.Settings(
                    self.window_days.value(), self.deep_discount.value(),
                    self.repeat_days.value()))
                save_stages(self.store, [s.edit() for s in self.stage_list],
                            self.removed_stages)
                ms.set_reasons(self.store, reasons)
                self.loyalty.save(self.store)
        except ValueError as exc:
            self.error.setText(f"Not saved: {exc}.")
            return False
        self.accept()
        return True

    # ----- stages ----------------------------------------------------------------------------
    @property
    def _stage_spins(self) -> dict[str, QDoubleSpinBox]:
        """Each stage's probability box by the name it had when the dialog opened."""
        return {s.original: s.spin for s in self.stage_list}

    def _draw_stages(self, select: int | None = None) -> None:
        """Show `stage_list` in its order (widgets are made again: a table owns its cell
        widgets and deletes them when a row goes)."""
        fresh_list = []
        for stage in self.stage_list:  # read the old widgets before the table deletes them
            fresh = _Stage(stage.id, stage.name, str(stage.combo.currentData()),
                           stage.spin.value(), stage.deals, stage.used)
            fresh.original = stage.original
            fresh_list.append(fresh)
        self.stage_list = fresh_list
        self.stages.blockSignals(True)
        self.stages.setRowCount(0)
        for row, fresh in enumerate(fresh_list):
            self.stages.insertRow(row)
            self.stages.setItem(row, NAME, QTableWidgetItem(fresh.name))
            self.stages.setCellWidget(row, KIND, fresh.combo)
            self.stages.setCellWidget(row, PROBABILITY, fresh.spin)
            deals = QTableWidgetItem(f"{fresh.deals:,}" if fresh.id is not None else "new")
            deals.setFlags(deals.flags() & ~Qt.ItemFlag.ItemIsEditable)
            deals.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.stages.setItem(row, DEALS, deals)
        self.stages.blockSignals(False)
        self.stages.resizeColumnsToContents()
        if select is not None:
            self.stages.selectRow(select)

    def _name_edited(self, item: QTableWidgetItem) -> None:
        if item.column() == NAME and 0 <= item.row() < len(self.stage_list):
            self.stage_list[item.row()].name = item.text()

    def _selected_stage(self) -> int:
        rows = self.stages.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _stage_buttons(self) -> None:
        row = self._selected_stage()
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < len(self.stage_list) - 1)
        self.remove_stage_button.setEnabled(row >= 0)
        if row >= 0:
            stage = self.stage_list[row]
            self.stage_note.setText(
                f"{stage.deals:,} deal{'s' if stage.deals != 1 else ''} in {stage.name}; "
                "renaming keeps them." if stage.used else
                f"No deal uses {stage.name}: it can be removed." if stage.id is not None
                else "A new stage (saved with the dialog).")

    def add_stage(self) -> None:
        """A new open stage before the first closed one, named for the owner to edit."""
        names = {s.name for s in self.stage_list}
        name = next(n for n in (f"New stage {i}" if i else "New stage" for i in range(1000))
                    if n not in names)
        at = next((i for i, s in enumerate(self.stage_list)
                   if str(s.combo.currentData()) != "open"), len(self.stage_list))
        self.stage_list.insert(at, _Stage(None, name, "open", 10, 0, False))
        self._draw_stages(select=at)
        item = self.stages.item(at, NAME)
        if item is not None:
            self.stages.editItem(item)

    def move_stage(self, step: int) -> None:
        row = self._selected_stage()
        other = row + step
        if row < 0 or not 0 <= other < len(self.stage_list):
            return
        items = self.stage_list
        items[row], items[other] = items[other], items[row]
        self._draw_stages(select=other)

    def remove_stage(self) -> bool:
        """Remove the selected stage from the table (saved with the dialog); a stage deals
        use stays and the note says why."""
        row = self._selected_stage()
        if row < 0:
            return False
        stage = self.stage_list[row]
        if stage.used:
            self.stage_note.setText(
                f"{stage.name} cannot be removed: " + (
                    f"{stage.deals:,} deal{'s' if stage.deals != 1 else ''} use it"
                    if stage.deals else "deals passed through it") + ". Rename it instead.")
            return False
        self.stage_list.pop(row)
        if stage.id is not None:
            self.removed_stages.append(stage.id)
        self._draw_stages(select=min(row, len(self.stage_list) - 1) if self.stage_list
                          else None)
        self.stage_note.setText(f"{stage.name} will be removed when you save.")
        return True


COST_KEYS = ("cost_per_contact", "cost_per_delivery")


def _cost_spin(stored: str) -> QDoubleSpinBox:
    """A cost in currency units; 0 reads "not set" (then the cost is not counted)."""
    try:
        value = max(0.0, float(stored or 0))
    except ValueError:
        value = 0.0
    spin = _float_spin(0, 1_000_000, value, "")
    spin.setDecimals(2)
    spin.setSpecialValueText("not set")
    spin.setToolTip("Used by Growth ▸ Costs: cost to serve each customer group")
    return spin


def _float_spin(low: float, high: float, value: float, suffix: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin
