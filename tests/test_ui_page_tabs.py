"""Tab widgets whose height never waits on their hidden pages' wrapped text (issue 18: a
relayout of the window laid out every hidden page's word-wrapped labels again, ~18 ms)."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QLabel, QTabWidget, QVBoxLayout, QWidget

from custdesk.ui.page_tabs import PageStack, PageTabs


class CountingLabel(QLabel):
    """A word-wrapped label that counts how often Qt asks its height for a width."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setWordWrap(True)
        self.asked = 0

    def heightForWidth(self, width: int) -> int:
        self.asked += 1
        return super().heightForWidth(width)


def _window(tabs: QTabWidget) -> tuple[QWidget, list[CountingLabel]]:
    labels = []
    for i in range(3):
        page = QWidget()
        layout = QVBoxLayout(page)
        label = CountingLabel(f"page {i}: " + "a sentence that wraps " * 20)
        layout.addWidget(label)
        labels.append(label)
        tabs.addTab(page, f"page {i}")
    window = QWidget()
    QVBoxLayout(window).addWidget(tabs)
    window.resize(500, 400)
    window.show()
    QApplication.processEvents()
    return window, labels


def _relayout_asks(window: QWidget, labels: list[CountingLabel]) -> list[int]:
    """How often each label is asked for its height in one relayout of the window."""
    for label in labels:
        label.asked = 0
    labels[0].updateGeometry()  # the shown page's text changed size
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    return [label.asked for label in labels]


def test_a_plain_tab_widget_lays_out_its_hidden_pages_text_on_every_relayout(qtbot) -> None:
    """What the fix is for (Qt's QStackedLayout asks every page): if a Qt version stops
    doing this, PageTabs is no longer needed."""
    window, labels = _window(QTabWidget())
    qtbot.addWidget(window)
    asks = _relayout_asks(window, labels)
    assert asks[1] > 0 and asks[2] > 0


def test_page_tabs_leave_hidden_pages_alone_and_still_lay_out_the_shown_one(qtbot) -> None:
    tabs = PageTabs()
    window, labels = _window(tabs)
    qtbot.addWidget(window)
    assert _relayout_asks(window, labels)[1:] == [0, 0]
    # the shown page still wraps its text to its width: all of it fits in the page
    label = labels[0]
    assert label.height() >= label.heightForWidth(label.width())
    tabs.setCurrentIndex(2)  # switching lays out the new page at its own width
    QApplication.processEvents()
    label = labels[2]
    assert label.isVisible() and label.height() >= label.heightForWidth(label.width())


def test_page_stack_reports_no_height_for_width() -> None:
    stack = PageStack()
    page = QWidget()
    QVBoxLayout(page).addWidget(CountingLabel("wraps " * 50))
    stack.addWidget(page)
    assert not stack.hasHeightForWidth()
