"""What every tab shares: the open store, a slug for screenshots, `refresh()`."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from custdesk.storage import Store


class BaseTab(QWidget):
    """A tab of the main window. Subclasses set `title`/`slug` and implement `refresh()`."""

    title = ""
    slug = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store: Store | None = None

    def set_store(self, store: Store | None) -> None:
        """Point the tab at another database (or none) and redraw it."""
        self.store = store
        self.refresh()

    def refresh(self) -> None:  # pragma: no cover - every tab overrides it
        raise NotImplementedError
