"""A tab that draws one screen (`services/screens/<name>.py`), built in the background.

Subclasses set `screen_module` (the screen's builder module, imported explicitly) and
implement `build_content()` (widgets) and `show_screen(screen)` (GUI thread: draw what the
builder returned — never compute). A builder with a slower second stage
(`build_series(store, period)`) gets it drawn by `show_series(series)` when it arrives, so
the first figures appear without waiting for the trends. `screen.empty` shows the import
invitation (`empty_heading`/`empty_imports`/`empty_why`).
"""

from __future__ import annotations

from functools import partial
from types import ModuleType
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QLabel, QVBoxLayout, QWidget

from custdesk.domain.periods import Period
from custdesk.services.files import Store
from custdesk.services.screen_process import ScreenJob
from custdesk.services.screens.model import Screen, SeriesPoint
from custdesk.ui import formatting as fmt
from custdesk.ui import idle_queue
from custdesk.ui.empty_state import BusyBar, EmptyState
from custdesk.ui.page_tabs import PageStack
from custdesk.ui.record_table_model import RecordTableModel
from custdesk.ui.tabs.base_tab import BaseTab
from custdesk.ui.tasks import TaskRunner, default_runner

# A tab left for another gives back a screen of more than RELEASE_ROWS rows (Customers'
# 100k, Pipeline's open deals) RELEASE_AFTER_MS later: the window's memory then holds the
# big screen of the tab shown, not of every tab visited (532 MB on the big file). Shown
# again, the tab reloads through its normal load, which the screen process answers from
# its recent screens while the data is unchanged.
RELEASE_ROWS = 20_000
RELEASE_AFTER_MS = 1500


def _let_go(_screen: Screen) -> None:
    """A queued step that only holds a screen: when it has run, the screen is freed."""


def screen_rows(screen: Screen) -> int:
    """How many rows a screen's lists and tables hold together (0 for anything else a
    tab may keep as its data)."""
    parts = [*getattr(screen, "lists", {}).values(), *getattr(screen, "tables", {}).values()]
    return sum(len(rows) for rows in parts if isinstance(rows, list))


class DashboardTab(BaseTab):
    """Background refresh, busy bar, empty state and error line shared by the data tabs."""

    empty_heading = "Nothing to show yet"
    empty_imports: tuple[str, ...] = ("customers", "orders")
    empty_why = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner: TaskRunner | None = None  # None: the app's default (tests: SyncRunner)
        self.data: Any = None
        # a screen's first part while its whole screen is built (`first_job`), else None
        self.first_screen: Screen | None = None
        self.busy = BusyBar()
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setWordWrap(True)
        self.error.hide()
        # the screen's own sentences (why a figure is missing, what the period follows)
        self.notes = QLabel()
        self.notes.setObjectName("screenNotes")
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: palette(mid); font-style: italic;")
        self.notes.hide()
        self.stack = PageStack()
        self.content = self.build_content()
        self.empty = EmptyState(self.empty_heading, self.empty_imports, self.empty_why)
        self.stack.addWidget(self.content)
        self.stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addWidget(self.busy)
        layout.addWidget(self.error)
        layout.addWidget(self.notes)
        layout.addWidget(self.stack, 1)
        self._release_timer = QTimer(self)
        self._release_timer.setSingleShot(True)
        self._release_timer.setInterval(RELEASE_AFTER_MS)
        self._release_timer.timeout.connect(self.release_screen)

    screen_module: ModuleType  # services/screens/<name>.py

    # ----- to implement -------------------------------------------------------------
    def build_content(self) -> QWidget:  # pragma: no cover - overridden
        raise NotImplementedError

    def show_screen(self, screen: Screen) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def show_series(self, series: dict[str, list[SeriesPoint]]) -> None:
        """Draw the second stage's monthly series (tabs with `build_series` override it)."""

    def show_first(self, screen: Screen) -> None:  # pragma: no cover - overridden
        """Draw a screen's quick first part (tabs with a `first_job` override it)."""
        raise NotImplementedError

    # ----- what runs in the background (database reads only, no widgets) --------------
    # A load is a `ScreenJob`: a picklable call of the screen's builder, so that on a big
    # file it runs in the screen process (services/screen_process.py), never holding the
    # window's GIL.
    # the trends in the screen's own load, not a second stage: for a screen whose builder
    # computes them while a slower part runs beside (Today: storage/beside.py), so they
    # cost no time of their own
    series_with_screen = False

    def load_job(self, period: Period) -> ScreenJob:
        return ScreenJob(self.screen_module.build, (period, self.period_label),
                         {"with_series": self.series_with_screen})

    def first_job(self, period: Period) -> ScreenJob | None:
        """A quick first part of the screen, drawn by `show_first` while `load_job` builds
        the whole one, which is then drawn over it (None: the screen comes whole). Only
        where the screen is built in the background: inline, one call is quicker."""
        return None

    def load_more_job(self, period: Period) -> ScreenJob:
        return ScreenJob(self.screen_module.build_series, (period,))

    def load(self, store: Store, period: Period) -> Screen:
        """What the tab shows for `period` (the same call the background load makes)."""
        result: Screen = self.load_job(period)(store)
        return result

    def load_more(self, store: Store, period: Period, data: Screen) -> Any:
        return self.load_more_job(period)(store)

    # ----- refresh cycle ---------------------------------------------------------------
    # Both stages run through the task runner with this tab as their key: a newer refresh
    # supersedes an older one (and its second stage), so a stale result never arrives.
    def _runner(self) -> TaskRunner:
        return self.runner or default_runner()

    def refresh(self) -> None:
        """Reload for the current store and period (in the background on big files)."""
        runner = self._runner()
        runner.cancel((self, "more"))
        if self.store is None:
            runner.cancel(self)
            self.first_screen = None
            self.busy.set_busy(False)
            self.stack.setCurrentWidget(self.empty)
            return
        period = self.period
        self.busy.set_busy(True)
        first = self.first_job(period)
        if first is not None and runner.builds_apart(self.store):
            runner.submit(self.store, first, self._first_loaded, self._failed, key=self)
            return
        runner.submit(self.store, self.load_job(period), self._loaded, self._failed,
                      key=self)

    def _first_loaded(self, data: Screen) -> None:
        """The first part drawn, the whole screen asked for: until it comes the tab holds
        no screen (`still_loading`: an export or printout waits for the whole one)."""
        if self.store is None:  # (let go meanwhile: `refresh` cancels, never reached)
            return
        if data.empty:
            self._loaded(data)
            return
        idle_queue.cancel(self)
        self.error.hide()
        old, self.data = self.data, None
        self.first_screen = data
        self._show_notes(data)
        self.stack.setCurrentWidget(self.content)
        self.show_first(data)
        self._let_go_later(old)
        self._runner().submit(self.store, self.load_job(self.period), self._loaded,
                              self._failed, key=(self, "more"))

    def _loaded(self, data: Screen) -> None:
        # what the screen before queued for later turns (long lists, a second chart) must
        # not draw over this one — even when this one is empty and draws nothing
        idle_queue.cancel(self)
        self.first_screen = None
        self.busy.set_busy(False)
        self.error.hide()
        old, self.data = self.data, data
        self._show_notes(data)
        if data.empty:
            self.stack.setCurrentWidget(self.empty)
        else:
            self.stack.setCurrentWidget(self.content)
            self.show_screen(data)
            self._load_more(data)
        if old is not data:
            self._let_go_later(old)

    def _show_notes(self, data: Screen) -> None:
        self.notes.setText(fmt.dates_in_text("  ".join(data.notes)))
        self.notes.setVisible(bool(data.notes) and not data.empty)

    def _let_go_later(self, old: Screen | None) -> None:
        """The screen drawn before, freed in a later turn, not in this one: on a big file
        that is 100k rows' objects (10-25 ms) on top of drawing the new ones."""
        if old is not None:
            idle_queue.later(self, partial(_let_go, old))

    def _load_more(self, data: Screen) -> None:
        if (self.series_with_screen or not hasattr(self.screen_module, "build_series")
                or self.store is None):
            return
        period = self.period
        self.busy.set_busy(True)
        self._runner().submit(self.store, self.load_more_job(period), self._more_loaded,
                              self._failed, key=(self, "more"))

    def _more_loaded(self, series: dict[str, list[SeriesPoint]]) -> None:
        self.busy.set_busy(False)
        self.data = self.data.with_series(series)
        self.show_series(series)

    def _failed(self, message: str) -> None:
        self.busy.set_busy(False)
        self.error.setText(f"Could not refresh this view: {message}")
        self.error.show()

    # ----- a hidden tab gives its big screen back ---------------------------------------
    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if self.parentWidget() is not None and not event.spontaneous():
            self._release_timer.start()

    def release_later(self) -> None:
        """Give the screen back RELEASE_AFTER_MS from now if the tab is hidden in a
        window: for what held the screen when it was hidden (Growth's export) and has let
        it go since (the timer does not try again by itself)."""
        if self.parentWidget() is not None and self.isHidden():
            self._release_timer.start()

    def showEvent(self, event: QShowEvent) -> None:
        self._release_timer.stop()
        super().showEvent(event)  # a released screen is stale: reloaded here

    def release_screen(self) -> bool:
        """Drop the screen and the table rows drawn from it when the tab is hidden and the
        screen holds more than RELEASE_ROWS rows; the tab reloads it when shown. True when
        released."""
        data = self.data
        if (not self.isHidden() or data is None or self._runner().has_task(self)
                or self._runner().has_task((self, "more")) or screen_rows(data) <= RELEASE_ROWS):
            return False
        idle_queue.cancel(self)
        self.data = None
        for view in self.findChildren(QAbstractItemView):
            model = view.model()
            if isinstance(model, RecordTableModel):
                model.set_rows([])
        self.release_more()
        self._stale = True
        return True

    def still_loading(self) -> bool:
        """No screen yet (first load, or given back while hidden) and its load running:
        an export or printout now would be empty."""
        runner = self._runner()
        # a first part drawn alone (its whole screen coming, or failed: the error line
        # says so) is not a screen to export either
        return self.data is None and (self.first_screen is not None or runner.has_task(self)
                                      or runner.has_task((self, "more")))

    def release_more(self) -> None:
        """What else a tab keeps from its screen (override: clear it)."""

    def is_empty_state(self) -> bool:
        return self.stack.currentWidget() is self.empty

    def show_customer(self, customer_id: int | None) -> Any:
        """The customer dialog (non-modal) for `customer_id`, or a blank one to add a
        customer when it is None; saving there refreshes this tab."""
        from custdesk.ui.dialogs.customer_dialog import CustomerDialog

        if self.store is None:
            return None
        # the tab's period: the story shows the same days as the list it was opened from
        dialog = CustomerDialog.open_for(self.store, customer_id, self, period=self.period,
                                         label=self.period_label)
        dialog.changed.connect(self.refresh)
        return dialog
