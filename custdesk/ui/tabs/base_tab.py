"""What every tab shares: the open store, the chosen period, a slug for screenshots, `refresh()`."""

from __future__ import annotations

from datetime import date

from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QWidget

from custdesk.domain.periods import PRESET_LABELS, Period
from custdesk.services.files import Store
from custdesk.ui.tasks import TaskRunner, default_runner


class BaseTab(QWidget):
    """A tab of the main window. Subclasses set `title`/`slug` and implement `refresh()`."""

    title = ""
    slug = ""
    # The record kinds (import kinds / tables) this tab shows; None = all of them. A write
    # that changed none of these leaves the tab as it is.
    depends_on: frozenset[str] | None = None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store: Store | None = None
        self.period: Period = Period.preset("last_12_months", date.today())
        self.period_label = PRESET_LABELS["last_12_months"]
        self._stale = False

    def set_store(self, store: Store | None) -> None:
        """Point the tab at another database (or none) and redraw it — now if shown, else
        when it is next shown: opening a file computes the visible tab only (issue 18).
        Closing the file (None) clears every tab at once (drops their loads on the old
        file)."""
        self.store = store
        if store is None:
            self._stale = False
            self.refresh()
        else:
            self.invalidate()

    def set_period(self, period: Period, refresh: bool = True, label: str | None = None
                   ) -> None:
        """Show `period` (from the window's period bar).

        A tab hidden behind another tab only notes the change and redraws when it is shown,
        so that changing the period costs one tab's queries, not seven.
        """
        self.period = period
        if label is not None:
            self.period_label = label
        if refresh:
            self.invalidate()

    def invalidate(self) -> None:
        """Redraw now if shown; a hidden tab only notes it and redraws when shown."""
        if self.isHidden() and self.parentWidget() is not None:
            self._stale = True
        else:
            self.refresh()

    def shows_any(self, changes: frozenset[str]) -> bool:
        """Whether a write that changed `changes` ("*" = everything) touches this tab."""
        return self.depends_on is None or "*" in changes or bool(self.depends_on & changes)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        """Nothing computes a screen that isn't visible: a load still running when the tab
        is hidden (another tab chosen) is dropped, and the tab redraws when shown again."""
        super().hideEvent(event)
        if self.parentWidget() is None or event.spontaneous():
            return  # a top-level test tab, or the whole window minimised: keep going
        runner = self._task_runner()
        pending = [key for key in (self, (self, "more")) if runner.has_task(key)]
        for key in pending:
            runner.cancel(key)
        if pending:
            self._stale = True

    def _task_runner(self) -> TaskRunner:
        return getattr(self, "runner", None) or default_runner()

    def refresh(self) -> None:  # pragma: no cover - every tab overrides it
        raise NotImplementedError
