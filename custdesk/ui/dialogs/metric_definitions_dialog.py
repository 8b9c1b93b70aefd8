"""Help ▸ Metric definitions: every metric's label, plain-English meaning and formula."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from custdesk.domain.metric_catalogue import METRICS

UNITS = {"money": "money", "pct": "percent", "count": "count", "days": "days",
         "hours": "hours", "ratio": "ratio", "score": "score"}
DIRECTION = {True: "higher is better", False: "lower is better", None: "neither good nor bad"}


def definitions_html(filter_text: str = "") -> str:
    """All MetricInfo entries (those matching `filter_text`) as HTML."""
    words = filter_text.casefold().split()
    parts = []
    for info in sorted(METRICS.values(), key=lambda m: m.label.casefold()):
        hay = f"{info.id} {info.label} {info.explanation} {info.formula}".casefold()
        if not all(w in hay for w in words):
            continue
        parts.append(
            f"<h3>{html.escape(info.label)} <span style='color:gray; font-size:small'>"
            f"{html.escape(info.id)} · {UNITS.get(info.unit, info.unit)} · "
            f"{DIRECTION[info.higher_is_better]}</span></h3>"
            f"<p>{html.escape(info.explanation)}</p>"
            f"<p><i>Formula:</i> <code>{html.escape(info.formula)}</code></p>")
    return "".join(parts) or "<p>No metric matches.</p>"


class MetricDefinitionsDialog(QDialog):
    """A searchable list of every metric definition (non-modal)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # freed on close
        self.setWindowTitle("Metric definitions")
        self.resize(720, 640)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search metrics…")
        self.search.setClearButtonEnabled(True)
        self.browser = QTextBrowser()
        self.browser.setHtml(definitions_html())
        self.search.textChanged.connect(lambda t: self.browser.setHtml(definitions_html(t)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
