"""File ▸ Print sales plan… and File ▸ Strategic review…: small openers wired by the main
window (the monthly review's own printing lives there, `print_review_dialog`).

The plan page is built in a read task (`services/review_service.plan_html`, the plan screen
for the last 90 days and the months ahead) and previewed on A4; the strategic review is
the dialog of `ui/dialogs/strategic_review_dialog.py`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from custdesk.services.files import Store
from custdesk.ui.tasks import TaskState, default_runner


def print_plan(parent: QWidget, store: Store | None, dialogs: dict[str, Any]) -> None:
    """Preview the sales plan page on A4 (kept in `dialogs["plan"]` while open)."""
    if store is None:
        return
    from PySide6.QtPrintSupport import QPrintPreviewDialog

    from custdesk.reports.scorecard_pdf import print_html, setup_a4
    from custdesk.services.review_service import plan_html
    from custdesk.ui.error_dialog import report_error

    def show(html: str) -> None:
        dialog = QPrintPreviewDialog(parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        setup_a4(dialog.printer())
        dialog.paintRequested.connect(lambda printer: print_html(html, printer))
        dialogs["plan"] = dialog
        dialog.destroyed.connect(lambda *_: dialogs.pop("plan", None))
        dialog.open()

    def build(state: TaskState) -> str:
        assert state.store is not None
        return plan_html(state.store)

    def failed(exc: BaseException) -> None:
        report_error("Building the sales plan", exc, parent)

    default_runner().query(store, build, show, failed, key=(parent, "plan"))


def strategic_review(parent: QWidget, store: Store | None) -> object:
    """The strategic review dialog for the open file (one per file)."""
    if store is None:
        return None
    from custdesk.ui.dialogs.strategic_review_dialog import StrategicReviewDialog

    return StrategicReviewDialog.open_for(store, parent)
