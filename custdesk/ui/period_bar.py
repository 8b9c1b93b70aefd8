"""The period bar at the top of the window: every tab shows the period chosen here.

When the open file's data ends more than 31 days before today (METRICS.md "Periods"),
presets count back from the data's last day and the bar's banner says so — "Your data runs
3 Jan 2014 – 30 Dec 2017; showing its last 12 months" — with "Show up to today" to count
from today instead. The bar re-resolves after every import (`data_changed`), not only
when a file is opened.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from custdesk.domain.periods import PRESET_LABELS, Period
from custdesk.ui import formatting as fmt
from custdesk.ui.banner import Banner

if TYPE_CHECKING:  # the bar is part of the window's first paint: no storage import yet
    from custdesk.services.files import Store

CUSTOM = "custom"
CUSTOM_LABEL = "Custom range"
# every preset of METRICS.md "Periods", in its order, then a custom range
CHOICES: tuple[tuple[str, str], ...] = (*PRESET_LABELS.items(), (CUSTOM, CUSTOM_LABEL + "…"))
DEFAULT_CHOICE = "last_12_months"
UP_TO_TODAY = "Show up to today"
FOLLOW_DATA = "Show the data's last day"


def anchor_for(store: Store | None, today: date | None = None) -> date:
    """The day presets count back from (T of METRICS.md "Periods"): today, or the data's
    last day when the data is old — decided by `period_service.resolve_period`."""
    from custdesk.services.period_service import resolve_period

    today = today or date.today()
    if store is None:
        return today
    return resolve_period(store, today=today).anchor


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def parse_day(text: str) -> date | None:
    """A date typed in the locale's short format (the one the custom range shows)."""
    q = fmt.display_locale().toDate(text.strip(), fmt.short_date_format())
    return _pydate(q) if q.isValid() else None


class DateField(QLineEdit):
    """A date typed as text in the locale's short format ("1/3/2014", "03.01.2014"), or
    picked from a calendar (the ▾ button). `dateChanged` fires when a typed date parses
    (Enter or leaving the box); text that does not parse is marked and said, never guessed.
    """

    dateChanged = Signal(QDate)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._date = QDate.currentDate()
        self.format = fmt.short_date_format()
        self.setPlaceholderText(self.format)
        self.setToolTip(f"Type a date as {self.format}, or pick one with ▾")
        self.setMaximumWidth(130)
        self.calendar = QCalendarWidget()
        self.menu = QMenu(self)
        pick = QWidgetAction(self.menu)
        pick.setDefaultWidget(self.calendar)
        self.menu.addAction(pick)
        self.calendar.clicked.connect(self._picked)
        popup = self.addAction(self.style().standardIcon(
            self.style().StandardPixmap.SP_ArrowDown), QLineEdit.ActionPosition.TrailingPosition)
        popup.setToolTip("Pick a date")
        popup.triggered.connect(self._pop_calendar)
        self.editingFinished.connect(self._typed)
        self._show()

    def date(self) -> QDate:
        return self._date

    def _pop_calendar(self, *_args: object) -> None:
        self.calendar.setSelectedDate(self._date)
        self.menu.popup(self.mapToGlobal(self.rect().bottomLeft()))

    def _picked(self, day: QDate) -> None:
        self.menu.close()
        self.setDate(day, emit=True)

    def setDate(self, day: QDate, emit: bool = False) -> None:
        changed = day != self._date
        self._date = day
        self._show()
        if emit and changed:
            self.dateChanged.emit(day)

    def _show(self) -> None:
        self.setText(fmt.display_locale().toString(self._date, self.format))
        self.setStyleSheet("")

    def _typed(self) -> None:
        day = parse_day(self.text())
        if day is None:
            self.setStyleSheet("border: 1px solid #c0392b;")
            self.setToolTip(f"Not a date in this format: {self.format}")
            return
        self.setStyleSheet("")
        self.setToolTip(f"Type a date as {self.format}, or pick one with ▾")
        self.setDate(_qdate(day), emit=True)


def showing_words(key: str, label: str) -> str:
    """"its last 12 months", "all of it", "its “This month”"."""
    if key == "all":
        return "all of it"
    if key == CUSTOM:
        return "a custom range"
    if key.startswith("last_"):
        return f"its {label[0].lower()}{label[1:]}"
    return f"its “{label}”"


class PeriodBar(QWidget):
    """Preset choice + custom from/to dates. Emits `period_changed(Period)`; `label()` is
    the chosen preset's name ("Last 12 months", "Custom range").

    `anchor` is the day presets count back from and `span` the data's first to last day
    ("All time"), both from `period_service.resolve_period` for the open file (`set_store`,
    again after each import: `data_changed`), so the bar, the tabs and `custdesk screen
    --period` count the same days. `up_to_today` is the owner's "Show up to today".
    """

    period_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.today = date.today()
        self.anchor = self.today
        self.span: Period | None = None
        self.data_is_old = False  # the data ends more than 31 days before today
        self.up_to_today = False  # the owner asked to count from today anyway
        self.choice = QComboBox()
        for key, label in CHOICES:
            self.choice.addItem(label, key)
        self.start, self.end = DateField(), DateField()  # typed in the locale's format
        self.summary = QLabel()
        self.banner = Banner("period_banner", "info")
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

    @property
    def follows_data(self) -> bool:
        """Presets count back from the data's last day (not today)."""
        return self.data_is_old and not self.up_to_today

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
        """Count presets for another file's data (T and the span from `resolve_period`);
        a new file starts following its data again."""
        self.up_to_today = False
        self._resolve(store, today)
        if emit:
            self._emit()

    def data_changed(self, store: Store | None, today: date | None = None) -> bool:
        """After a write (an import): resolve T and the span again, keeping the owner's
        choices. Emits and returns True when the period shown changed."""
        before = self.period()
        self._resolve(store, today)
        if self.period() != before:
            self._emit()
            return True
        return False

    def _resolve(self, store: Store | None, today: date | None) -> None:
        self.today = today or date.today()
        if store is None:
            self.span, self.data_is_old = None, False
        else:
            from custdesk.services.period_service import resolve_period

            resolved = resolve_period(store, today=self.today)
            self.span, self.data_is_old = resolved.span, resolved.follows_data
        self.anchor = self._anchor()
        self._sync_dates()

    def _anchor(self) -> date:
        if self.follows_data and self.span is not None:
            return self.span.end
        return self.today

    def show_up_to_today(self, up_to_today: bool = True) -> None:
        """The banner's button: count presets from today (or from the data's last day
        again) and show the new period."""
        self.up_to_today = up_to_today
        self.anchor = self._anchor()
        self._sync_dates()
        self._emit()

    def set_anchor(self, anchor: date, emit: bool = True) -> None:
        """Count presets back from `anchor` (emits the new period unless `emit` is False)."""
        self.anchor = anchor
        self._sync_dates()
        if emit:
            self._emit()

    def above(self, content: QWidget, *banners: QWidget) -> QWidget:
        """A widget holding this bar, its banner (and `banners`) on top of `content`
        (the main window's tabs)."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self)
        for banner in (*banners, self.banner):
            wrap = QHBoxLayout()
            wrap.setContentsMargins(8, 0, 8, 0)
            wrap.addWidget(banner)
            layout.addLayout(wrap)
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

    def banner_text(self) -> str:
        """What the banner says ('' when the data is recent: no banner)."""
        if not self.data_is_old or self.span is None:
            return ""
        runs = f"{fmt.day_text(self.span.start)} – {fmt.day_text(self.span.end)}"
        if self.up_to_today and self.current_key() != CUSTOM:
            return (f"Your data runs {runs}; showing periods up to today, "
                    "so recent periods may be empty")
        return f"Your data runs {runs}; showing {showing_words(self.current_key(), self.label())}"

    def _update_summary(self) -> None:
        p = self.period()
        self.summary.setText(f"{fmt.day_text(p.start)} – {fmt.day_text(p.end)}  ·  "
                             f"{p.days():,} days, compared with the {p.days():,} days before")
        text = self.banner_text()
        if not text:
            self.banner.hide()
        elif self.up_to_today:
            self.banner.show_message(text, ((FOLLOW_DATA,
                                              lambda: self.show_up_to_today(False)),))
        elif self.current_key() == CUSTOM:
            self.banner.show_message(text)
        else:
            self.banner.show_message(text, ((UP_TO_TODAY, self.show_up_to_today),))

    def _on_choice(self, _index: int) -> None:
        self._sync_dates()
        self._emit()

    def _on_custom(self, _d: QDate) -> None:
        if self.current_key() == CUSTOM:
            self._emit()

    def _emit(self) -> None:
        self._update_summary()
        self.period_changed.emit(self.period())
