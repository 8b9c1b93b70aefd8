"""Business settings ▸ Loyalty (issue 15): what "renewed" means, the loyal segment's number
of quarters, and the onboarding steps ("name, days" per line). A group box the settings
dialog holds; `save` runs inside the dialog's one transaction."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QPlainTextEdit,
    QWidget,
)

from custdesk.services import onboarding_service, settings_service
from custdesk.services.files import Store
from custdesk.services.settings_service import RenewalRule
from custdesk.ui.dialogs.entry_fields import int_spin

RULE_WORDS = {"period": "re-ordered in the period after ordering in the one before",
              "days": "re-ordered within N days of their previous order",
              "contract": "ordered again when their contract end came"}


class LoyaltySettingsBox(QGroupBox):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__("Loyalty", parent)
        rule, quarters = settings_service.loyalty_settings(store)
        self.rule = QComboBox()
        for kind, words in RULE_WORDS.items():
            self.rule.addItem(words, kind)
        self.rule.setCurrentIndex(list(RULE_WORDS).index(rule.kind))
        self.days = int_spin(1, 3650, rule.days, " days")
        self.quarters = int_spin(1, 20, quarters, " quarters")
        self.steps = QPlainTextEdit("\n".join(f"{s.name}, {s.days}"
                                              for s in onboarding_service.steps(store)))
        self.steps.setToolTip("One step per line: name, days after acquisition it is due "
                              "(ordered, delivered and first repeat order fill in from the "
                              "orders)")
        self.steps.setMaximumHeight(90)
        self.rule.currentIndexChanged.connect(self._rule_changed)
        form = QFormLayout(self)
        form.addRow("A customer renewed when they", self.rule)
        form.addRow("N days", self.days)
        form.addRow("Loyal: an order in each of the last", self.quarters)
        form.addRow("Onboarding steps (name, days)", self.steps)
        self._rule_changed()

    def _rule_changed(self) -> None:
        self.days.setEnabled(self.rule.currentData() == "days")

    def save(self, store: Store) -> None:
        """Store the values (ValueError, owner-readable, when refused)."""
        settings_service.save_loyalty_settings(
            store, RenewalRule(str(self.rule.currentData()), self.days.value()),
            self.quarters.value(), self.steps.toPlainText())
