"""The error dialog: what failed, in plain words, and where the log is — never a traceback.

The traceback goes to the log file (`services/logs.py`); the owner gets one sentence and a
button that opens the log folder, so they can send the file to whoever helps them.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from custdesk.services import logs

_open: dict[str, ErrorDialog] = {}  # one error dialog at a time: a failing timer must not
# bury the window under boxes


class ErrorDialog(QMessageBox):
    """Non-modal, freed on close. `what` names the action ("Refreshing the Today tab")."""

    def __init__(self, what: str, reason: str, log_file: Path | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("Something went wrong")
        self.log_file = log_file
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setText(f"<b>{html.escape(what)} did not work.</b>")
        where = (f"The details were written to<br><code>{html.escape(str(log_file))}</code>"
                 if log_file is not None else
                 "The details were written to the error output.")
        self.setInformativeText(
            f"What went wrong: {html.escape(reason)}<br><br>{where}<br><br>"
            "If it happens again, send that file to whoever helps you with custdesk.")
        self.open_button = None
        if log_file is not None:
            self.open_button = self.addButton("Open log folder",
                                              QMessageBox.ButtonRole.ActionRole)
            self.open_button.clicked.connect(self.open_log_folder)
        self.addButton(QMessageBox.StandardButton.Close)

    def open_log_folder(self) -> None:
        if self.log_file is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_file.parent)))


def show_error(what: str, exc: BaseException, parent: QWidget | None = None
               ) -> ErrorDialog | None:
    """Show (not log) the failure of `what`; None when an error dialog is already open or
    there is no application to show it in."""
    if QApplication.instance() is None:
        return None
    current = _open.get("dialog")
    if current is not None and current.isVisible():
        return None
    if parent is None:
        parent = QApplication.activeWindow()
    dialog = ErrorDialog(what, logs.plain_reason(exc), logs.log_path(), parent)
    dialog.destroyed.connect(lambda *_: _open.pop("dialog", None))
    _open["dialog"] = dialog
    dialog.open()  # non-modal: an error never blocks the event loop
    return dialog


def report_error(what: str, exc: BaseException, parent: QWidget | None = None
                 ) -> ErrorDialog | None:
    """Log the failure of `what` with its traceback, then show it to the owner."""
    logs.log_exception(what, exc)
    return show_error(what, exc, parent)
