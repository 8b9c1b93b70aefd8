"""Small fields the entry forms share: a date that may be blank, a date with a time that may
be blank, and a customer box that completes known names (a new name creates the customer).
"""

from __future__ import annotations

from PySide6.QtCore import QDateTime, Qt, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QCompleter,
    QDateEdit,
    QDateTimeEdit,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from custdesk.ui import formatting as fmt


def int_spin(low: int, high: int, value: int, suffix: str) -> QSpinBox:
    """A whole number from `low` to `high` with its unit ("days", "quarters")."""
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin


class OptionalDate(QWidget):
    """A date that may be left out: a check box beside a calendar field."""

    def __init__(self, label: str, iso: str | None = None, with_time: bool = False) -> None:
        super().__init__()
        self.with_time = with_time
        self.check = QCheckBox(label)
        self.edit: QDateEdit | QDateTimeEdit = QDateTimeEdit() if with_time else QDateEdit()
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat(fmt.short_date_format() + (" HH:mm" if with_time else ""))
        self.check.toggled.connect(self.edit.setEnabled)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.check)
        row.addWidget(self.edit, 1)
        self.set(iso)

    def set(self, iso: str | None) -> None:
        self.check.setChecked(iso is not None)
        self.edit.setEnabled(iso is not None)
        if self.with_time:
            day = fmt.qdate_of(iso)
            hh, mm = (int(iso[11:13]), int(iso[14:16])) if iso and len(iso) >= 16 else (9, 0)
            self.edit.setDateTime(QDateTime(day, QTime(hh, mm)))
        else:
            self.edit.setDate(fmt.qdate_of(iso))

    def value(self) -> str | None:
        """ISO text ("2026-11-30" or "2026-11-30T09:30"), None when unticked."""
        if not self.check.isChecked():
            return None
        if self.with_time:
            moment = self.edit.dateTime()
            return f"{fmt.iso_of(moment.date())}T{moment.time().toString('HH:mm')}"
        return fmt.iso_of(self.edit.date())


def customer_box(names: list[str], placeholder: str) -> QLineEdit:
    """A line edit completing the file's customer names (contains, any case)."""
    box = QLineEdit()
    box.setPlaceholderText(placeholder)
    completer = QCompleter(names, box)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    box.setCompleter(completer)
    return box
