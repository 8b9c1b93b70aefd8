"""A one-line banner above the tabs: a message and a button or two (the demo file, the
period that follows older data)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

STYLES = {
    "info": "background: #eaf2fb; border: 1px solid #b7d0ea;",
    "demo": "background: #fff4d6; border: 1px solid #e6c25c;",
}


class Banner(QFrame):
    """Hidden until `show_message`; `buttons` are replaced on every call."""

    def __init__(self, name: str, style: str = "info", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setStyleSheet(f"QFrame#{name} {{ {STYLES[style]} border-radius: 4px; }}")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setStyleSheet("border: none; background: transparent;")
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(10, 4, 6, 4)
        self._layout.addWidget(self.text, 1)
        self.buttons: list[QPushButton] = []
        self._slots: list[Callable[[], object]] = []  # what each button does, in order
        self.hide()

    def show_message(self, text: str,
                     buttons: tuple[tuple[str, Callable[[], object]], ...] = ()) -> None:
        if text != self.text.text():
            self.text.setText(text)
        # the same buttons as shown (every period change): kept, only their actions change —
        # new buttons are polished, laid out and the whole window with them
        self._slots = [slot for _label, slot in buttons]
        if [b.text() for b in self.buttons] != [label for label, _slot in buttons]:
            for old in self.buttons:
                self._layout.removeWidget(old)
                # hidden at once: until the event loop deletes it, it would sit unmanaged on
                # the banner (the blank box over the text in the smoke test's screenshots)
                old.hide()
                old.deleteLater()
            self.buttons = []
            for i, (label, _slot) in enumerate(buttons):
                button = QPushButton(label)
                button.clicked.connect(lambda *_a, i=i: self._slots[i]())
                self._layout.addWidget(button)
                self.buttons.append(button)
        self.show()

    def button(self, label: str) -> QPushButton | None:
        return next((b for b in self.buttons if b.text() == label), None)
