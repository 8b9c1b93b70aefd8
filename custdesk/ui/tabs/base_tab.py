"""What every tab shares: the open store, the chosen period, a slug for screenshots, `refresh()`."""

from __future__ import annotations

from datetime import date

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from custdesk.domain.periods import PRESET_LABELS, Period
from custdesk.services.files import Store


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
        """Point the tab at another database (or none) and redraw it."""
        self.store = store
        self.refresh()

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

    def refresh(self) -> None:  # pragma: no cover - every tab overrides it
        raise NotImplementedError
