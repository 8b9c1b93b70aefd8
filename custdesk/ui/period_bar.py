"""The period bar at the top of the window: every tab shows the period chosen here."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from custdesk.domain.periods import PRESET_LABELS, Period
from custdesk.services.files import Store
from custdesk.services.period_service import resolve_period
from custdesk.ui import formatting as fmt

CUSTOM = "custom"
CUSTOM_LABEL = "Custom range"
# every preset of METRICS.md "Periods", in its order, then a custom range
CHOICES: tuple[tuple[str, str], ...] = (*PRESET_LABELS.items(), (CUSTOM, CUSTOM_LABEL + "…"))
DEFAULT_CHOICE = "last_12_months"


def anchor_for(store: Store | None, today: date | None = None) -> date:
    """The day presets count back from (T of METRICS.md "Periods"): today, or the data's
    last day when the data is old — decided by `period_service.resolve_period`."""
    today = today or date.today()
    if store is None:
        return today
    return resolve_period(store, today=today).anchor


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class PeriodBar(QWidget):
    """Preset choice + custom from/to dates. Emits `period_changed(Period)`; `label()` is
    the chosen preset's name ("Last 12 months", "Custom range").

    `anchor` is the day presets count back from and `span` the data's first to last day
    ("All time"), both from `period_service.resolve_period` for the open file (`set_store`),
    so the bar, the tabs and `custdesk screen --period` count the same days.
    """

    period_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.anchor = date.today()
        self.span: Period | None = None
        self.follows_data = False
        self.choice = QComboBox()
        for key, label in CHOICES:
            self.choice.addItem(label, key)
        self.start, self.end = QDateEdit(), QDateEdit()
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
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

    def label(self) -> str:
        """The chosen preset's name, or "Custom range"."""
        return PRESET_LABELS.get(self.current_key(), CUSTOM_LABEL)

    def period(self) -> Period:
        """The chosen period (custom dates are swapped if given backwards)."""
        key = self.current_key()
        if key != CUSTOM:
            # the same call resolve_period makes, on the anchor and span it gave us
            return Period.preset(key, self.anchor, self.span)
        a, b = _pydate(self.start.date()), _pydate(self.end.date())
        return Period(min(a, b), max(a, b))

    def set_store(self, store: Store | None, today: date | None = None,
                  emit: bool = False) -> None:
        """Count presets for `store`'s data (T and the span from `resolve_period`)."""
        today = today or date.today()
        if store is None:
            self.anchor, self.span, self.follows_data = today, None, False
        else:
            resolved = resolve_period(store, today=today)
            self.anchor, self.span = resolved.anchor, resolved.span
            self.follows_data = resolved.follows_data
        self._sync_dates()
        if emit:
            self._emit()

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
        self.choice.setCurrentIndex(self._index_of(CUSTOM))
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
        custom = self.current_key() == CUSTOM
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
        text = (f"{fmt.day_text(p.start)} – {fmt.day_text(p.end)}  ·  {p.days():,} days, "
                f"compared with the {p.days():,} days before")
        if self.follows_data and self.current_key() != CUSTOM:
            # METRICS.md: the app says when presets count back from the data's last day
            text += f"  ·  your data ends {fmt.day_text(self.anchor)}"
        self.summary.setText(text)

    def _on_choice(self, _index: int) -> None:
        self._sync_dates()
        self._emit()

    def _on_custom(self, _d: QDate) -> None:
        if self.current_key() == CUSTOM:
            self._emit()

    def _emit(self) -> None:
        self._update_summary()
        self.period_changed.emit(self.period())
