"""File ▸ Business settings…: the rules' settings, stage probabilities and lost reasons.

Everything the owner changes is saved in one transaction (nested service writes become
savepoints), so a rejected value leaves the file as it was.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from custdesk.services import metrics_service as ms
from custdesk.services.files import Store
from custdesk.services.settings_service import get_settings, load_stages, set_setting

STAGE_KIND_WORDS = {"open": "open", "won": "won (closed)", "lost": "lost (closed)"}


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
        self.currency = QLineEdit(stored.get("currency_symbol", "$"))
        self.currency.setMaxLength(4)
        self.window_days = _int_spin(30, 3650, rules.window_days, " days")
        self.deep_discount = _float_spin(0, 100, rules.deep_discount_pct, " %")
        self.deep_discount.setDecimals(1)
        self.repeat_days = _int_spin(1, 365, rules.repeat_contact_days, " days")
        form = QFormLayout()
        form.addRow("Business name (on printouts)", self.business_name)
        form.addRow("Currency symbol", self.currency)
        form.addRow("A customer is lost after no order for", self.window_days)
        form.addRow("A discount is deep from", self.deep_discount)
        form.addRow("A contact repeats when it comes back within", self.repeat_days)
        rules_box = QGroupBox("Rules")
        rules_box.setLayout(form)

        self.stages = QTableWidget(0, 3)
        self.stages.setHorizontalHeaderLabels(["Stage", "Kind", "Default probability %"])
        self.stages.verticalHeader().setVisible(False)
        self.stages.horizontalHeader().setStretchLastSection(True)
        self._stage_spins: dict[str, QDoubleSpinBox] = {}
        for stage in load_stages(store):
            row = self.stages.rowCount()
            self.stages.insertRow(row)
            for column, text in enumerate((stage.name, STAGE_KIND_WORDS[str(stage.kind)])):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.stages.setItem(row, column, item)
            spin = _float_spin(0, 100, stage.probability, " %")
            spin.setDecimals(0)
            spin.setEnabled(str(stage.kind) == "open")  # won is 100 and lost 0 by definition
            self.stages.setCellWidget(row, 2, spin)
            self._stage_spins[stage.name] = spin
        stages_box = QGroupBox("Pipeline stages")
        QVBoxLayout(stages_box).addWidget(self.stages)

        self.reasons = QPlainTextEdit("\n".join(ms.load_reasons(store)))
        reasons_box = QGroupBox("Lost reasons (one per line)")
        QVBoxLayout(reasons_box).addWidget(self.reasons)

        self.error = QLabel()
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
        columns.addWidget(reasons_box, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> bool:
        """Write every setting in one transaction; on a refused value say why and keep open."""
        reasons = self.reasons.toPlainText().splitlines()
        try:
            with self.store.transaction():
                set_setting(self.store, "business_name", self.business_name.text().strip())
                set_setting(self.store, "currency_symbol", self.currency.text().strip() or "$")
                ms.save_settings(self.store, ms.Settings(
                    self.window_days.value(), self.deep_discount.value(),
                    self.repeat_days.value()))
                for name, spin in self._stage_spins.items():
                    if spin.isEnabled():
                        ms.set_stage_probability(self.store, name, spin.value())
                ms.set_reasons(self.store, reasons)
        except ValueError as exc:
            self.error.setText(f"Not saved: {exc}.")
            return False
        self.accept()
        return True


def _int_spin(low: int, high: int, value: int, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin


def _float_spin(low: float, high: float, value: float, suffix: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin
