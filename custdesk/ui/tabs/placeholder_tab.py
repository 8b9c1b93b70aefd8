"""A tab whose own issue has not landed yet: it says so, and shows what data it will use."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from custdesk.storage import repository
from custdesk.ui.tabs.base_tab import BaseTab


class PlaceholderTab(BaseTab):
    """Shows the record counts a tab will be built on, and an honest 'coming' note."""

    uses: tuple[str, ...] = ()
    coming = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.heading = QLabel(f"<h2>{self.title}</h2>")
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.heading)
        layout.addWidget(self.body)
        layout.addStretch(1)

    def refresh(self) -> None:
        if self.store is None:
            self.body.setText("No database is open.")
            return
        counts = repository.table_counts(self.store)
        lines = "".join(f"<li>{counts[t]:,} {t}</li>" for t in self.uses)
        self.body.setText(
            f"<p>{self.coming}</p><p>In this file now:</p><ul>{lines}</ul>"
            "<p><i>This view is being built; the numbers behind it are already stored.</i></p>")
