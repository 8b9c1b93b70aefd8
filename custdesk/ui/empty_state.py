"""Friendly states a tab can be in: empty (nothing imported yet) and busy (refreshing)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget


class EmptyState(QWidget):
    """Says what to import for this view, with a button that opens the import wizard."""

    def __init__(self, heading: str, what_to_import: Sequence[str], why: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel(f"<h2>{html.escape(heading)}</h2>")
        items = "".join(f"<li>{html.escape(k)}</li>" for k in what_to_import)
        self.body = QLabel(f"<p>{html.escape(why)}</p><p>Import a spreadsheet of:</p>"
                           f"<ul>{items}</ul>"
                           "<p>Excel (.xlsx) or CSV files work; the wizard matches your columns "
                           "and shows a preview before anything is saved.</p>")
        self.body.setWordWrap(True)
        self.button = QPushButton("Import spreadsheet…")
        self.button.setDefault(True)
        self.button.clicked.connect(self.open_import)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for w in (self.heading, self.body):
            w.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            layout.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)
        self.body.setMaximumWidth(560)

    def open_import(self) -> bool:
        """Call the main window's `import_dialog()`; False when there is no such window."""
        window = self.window()
        handler = getattr(window, "import_dialog", None)
        if handler is None:
            return False
        handler()
        return True


class BusyBar(QProgressBar):
    """A thin 'Refreshing…' bar shown while a tab's queries run in the background."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, 0)
        self.setTextVisible(False)
        self.setFixedHeight(4)
        self.setToolTip("Refreshing…")
        # hidden, it keeps its 4 px: showing it for every load would shift the whole page
        # down and back (every chart and table laid out and painted again, twice per load)
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self.hide()

    def set_busy(self, busy: bool) -> None:
        self.setVisible(busy)
