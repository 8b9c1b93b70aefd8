"""Text from the owner's files is shown as text, never as HTML (issue 20 H3).

Qt renders a QLabel, QMessageBox or tooltip as rich text when its text merely *looks* like
markup (`Qt.mightBeRichText`), and rich text loads `<img src=…>` (a device file aborts or
hangs the app, any local image is read). Labels fed by data are `plain()`; markup the app
writes itself escapes the data in it (`html.escape`); these helpers cover the rest.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import QLabel


def plain(label: QLabel) -> QLabel:
    """The label shows its text as typed, whatever it looks like."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def tooltip(text: str) -> str:
    """A tooltip of data: escaped inside markup Qt always treats as rich text (an escaped
    text alone would not look rich and show its `&lt;` literally); lines kept."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


def safe(text: str) -> str:
    """Text for a place Qt renders as rich text when it looks like markup (a QMessageBox
    static function, a tooltip): unchanged when it does not look like markup, else escaped
    inside markup so it shows exactly as typed."""
    return tooltip(text) if GuiQt.mightBeRichText(text) else text
