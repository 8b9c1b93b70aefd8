"""A page built in a read task, then previewed on A4: the one way File ▸ Print monthly
review…, Print sales plan… and Print customers as an asset… open their preview.

The preview is kept in the window's `dialogs[name]` while it is open (freed on close), and
a failed build shows the error dialog naming `what`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from custdesk.services.files import Store
from custdesk.ui.tasks import TaskState, default_runner

if TYPE_CHECKING:  # QtPrintSupport loads on first print, not at start-up
    from PySide6.QtPrintSupport import QPrinter

T = TypeVar("T")


def preview_a4(parent: QWidget, store: Store | None, name: str, what: str,
               build: Callable[[TaskState], T], paint: Callable[[T, QPrinter], object],
               dialogs: dict[str, Any]) -> None:
    """Run `build` on `store` in a read task; `paint(result, printer)` draws the preview."""
    if store is None:
        return
    from PySide6.QtPrintSupport import QPrintPreviewDialog

    from custdesk.reports.scorecard_pdf import setup_a4
    from custdesk.ui.error_dialog import report_error

    def show(result: T) -> None:
        dialog = QPrintPreviewDialog(parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        setup_a4(dialog.printer())
        dialog.paintRequested.connect(lambda printer: paint(result, printer))
        dialogs[name] = dialog
        dialog.destroyed.connect(lambda *_: dialogs.pop(name, None))
        dialog.open()

    def failed(exc: BaseException) -> None:
        report_error(what, exc, parent)

    default_runner().query(store, build, show, failed, key=(parent, name))


def preview_html(parent: QWidget, store: Store | None, name: str, what: str,
                 build: Callable[[TaskState], str], dialogs: dict[str, Any]) -> None:
    """`preview_a4` of one HTML page."""
    from custdesk.reports.scorecard_pdf import print_html

    preview_a4(parent, store, name, what, build, print_html, dialogs)
