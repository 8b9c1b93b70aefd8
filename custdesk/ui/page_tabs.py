"""Tab and stacked widgets whose height does not depend on their pages' text width.

Why: a `QTabWidget` (or `QStackedWidget`) reports height-for-width as soon as its current
page does (a word-wrapped label anywhere in it), and then Qt's `QStackedLayout` asks EVERY
page — shown or not — for its height at the window's width, on every relayout of the
window. Each hidden page lays out all its wrapped labels' text again: ~18 ms per relayout
with custdesk's eleven pages, paid on every period change and every label that changes
size (measured on realmix with perf: `QStackedLayout::heightForWidth` →
`QLabel::heightForWidth` → `QTextDocument::setTextWidth`).

These widgets fill the window (or their part of a page), so their height comes from the
window, not from their text: each page still lays out its own labels at its real width when
it is shown; only the minimum height a page's wrapped text would ask of the window is no
longer propagated (the window keeps its minimum size from the pages' size hints).
"""

from __future__ import annotations

from PySide6.QtWidgets import QStackedWidget, QTabWidget


class PageTabs(QTabWidget):
    """A `QTabWidget` whose height never waits on its pages' wrapped text."""

    def hasHeightForWidth(self) -> bool:
        return False


class PageStack(QStackedWidget):
    """A `QStackedWidget` whose height never waits on its pages' wrapped text."""

    def hasHeightForWidth(self) -> bool:
        return False
