"""File ▸ Print customers as an asset…: the one-page report (issue 15) for the period bar's
period, built in a task (`services/asset_service.py`) and previewed on A4."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from custdesk.domain.periods import Period
from custdesk.services.files import Store
from custdesk.ui.tasks import TaskState, default_runner


def print_asset(parent: QWidget, store: Store | None, period: Period, label: str,
                dialogs: dict[str, Any]) -> None:
    """Preview the page (kept in `dialogs["asset"]` while open)."""
    if store is None:
        return
    from PySide6.QtPrintSupport import QPrintPreviewDialog

    from custdesk.reports.scorecard_pdf import print_html, setup_a4
    from custdesk.services.asset_service import asset_html
    from custdesk.ui.error_dialog import report_error

    def show(html: str) -> None:
        dialog = QPrintPreviewDialog(parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        setup_a4(dialog.printer())
        dialog.paintRequested.connect(lambda printer: print_html(html, printer))
        dialogs["asset"] = dialog
        dialog.destroyed.connect(lambda *_: dialogs.pop("asset", None))
        dialog.open()

    def build(state: TaskState) -> str:
        assert state.store is not None
        return asset_html(state.store, period, label)

    def failed(exc: BaseException) -> None:
        report_error("Building customers as an asset", exc, parent)

    default_runner().query(store, build, show, failed, key=(parent, "asset"))
