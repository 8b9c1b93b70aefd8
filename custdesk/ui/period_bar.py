"""The period bar at the top of the window: every tab shows the period chosen here."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from custdesk.domain.periods import Period
from custdesk.ui import formatting as fmt

if TYPE_CHECKING:
    from custdesk.storage import Store

CHOICES: tuple[tuple[str, str], ...] = (
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("this_quarter", "This quarter"),
    ("last_12_months", "Last 12 months"),
    ("year_to_date", "Year to date"),
    ("custom", "Custom range…"),
)
DEFAULT_CHOICE = "last_12_months"


STALE_AFTER_DAYS = 31


def anchor_for(store: Store | None, today: date | None = None) -> date:
    """The day presets count back from: today, or the data's last day when it is older."""
    today = today or date.today()
    if store is None:
        return today
    try:
        from custdesk.services.metrics_service import data_span
    except ImportError:  # the metrics engine is not in this build yet
        return today
    span = data_span(store)
    if span is None or span.end >= today - timedelta(days=STALE_AFTER_DAYS):
        return today
    return span.end


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class PeriodBar(QWidget):
    """Preset choice + custom from/to dates. Emits `period_changed(Period)`.

    `anchor` is the day presets count back from: today, or the last day of the data when
    the file ends earlier (an old spreadsheet would otherwise show empty months).
    """

    period_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.anchor = date.today()
        self.choice = QComboBox()
        for key, label in CHOICES:
            self.choice.addItem(label, key)
        self.start = QDateEdit(calendarPopup=True, displayFormat="yyyy-MM-dd")
        self.end = QDateEdit(calendarPopup=True, displayFormat="yyyy-MM-dd")
        self.summary = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 0)
        layout.addWidget(QLabel("<b>Period</b>"))
        layout.addWidget(self.choice)
        layout.addWidget(self.start)
        self.to_label = QLabel("to")
        layout.addWidget(self.to_label)
        layout.addWidget(self.end)
        layout.addSpacing(12)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        self.choice.setCurrentIndex(self._index_of(DEFAULT_CHOICE))
        self._sync_dates()
        self.choice.currentIndexChanged.connect(self._on_choice)
        self.start.dateChanged.connect(self._on_custom)
        self.end.dateChanged.connect(self._on_custom)

    def _index_of(self, key: str) -> int:
        return [k for k, _ in CHOICES].index(key)

    def current_key(self) -> str:
        return str(self.choice.currentData())

    def period(self) -> Period:
        """The chosen period (custom dates are swapped if given backwards)."""
        key = self.current_key()
        if key != "custom":
            return Period.preset(key, self.anchor)
        a, b = _pydate(self.start.date()), _pydate(self.end.date())
        return Period(min(a, b), max(a, b))

    def set_anchor(self, anchor: date, emit: bool = True) -> None:
        """Count presets back from `anchor` (emits the new period unless `emit` is False)."""
        self.anchor = anchor
        self._sync_dates()
        if emit:
            self._emit()

    def above(self, content: QWidget) -> QWidget:
        """A widget holding this bar on top of `content` (the main window's tabs)."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self)
        layout.addWidget(content, 1)
        return box

    def set_choice(self, key: str) -> None:
        self.choice.setCurrentIndex(self._index_of(key))

    def set_custom(self, start: date, end: date) -> None:
        """Choose a custom range (used by tests and by 'show this month' links)."""
        self.choice.blockSignals(True)
        self.choice.setCurrentIndex(self._index_of("custom"))
        self.choice.blockSignals(False)
        self._set_dates(start, end)
        self._show_dates(True)
        self._emit()

    def _set_dates(self, start: date, end: date) -> None:
        for edit, value in ((self.start, start), (self.end, end)):
            edit.blockSignals(True)
            edit.setDate(_qdate(value))
            edit.blockSignals(False)

    def _sync_dates(self) -> None:
        custom = self.current_key() == "custom"
        if not custom:
            p = self.period()
            self._set_dates(p.start, p.end)
        self._show_dates(custom)
        self._update_summary()

    def _show_dates(self, visible: bool) -> None:
        for w in (self.start, self.to_label, self.end):
            w.setVisible(visible)

    def _update_summary(self) -> None:
        p = self.period()
        self.summary.setText(
            f"{fmt.day_text(p.start)} – {fmt.day_text(p.end)}  ·  {p.days():,} days, "
            f"compared with the {p.days():,} days before")

    def _on_choice(self, _index: int) -> None:
        self._sync_dates()
        self._emit()

    def _on_custom(self, _d: QDate) -> None:
        if self.current_key() == "custom":
            self._emit()

    def _emit(self) -> None:
        self._update_summary()
        self.period_changed.emit(self.period())
