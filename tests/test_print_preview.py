"""The one print-preview path (`ui/print_preview.py`): File ▸ Print customers as an asset…
keeps its A4 preview in `dialogs["asset"]` until closed; a failed build reports `what`."""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtPrintSupport import QPrintPreviewDialog
from ui_helpers import preview_from_file_menu


def test_asset_menu_previews_one_page_and_frees_it(qtbot, quiet_ui, demo_store, monkeypatch,
                                                   tmp_path: Path) -> None:
    from custdesk.ui.main_window import MainWindow

    opened: list[QPrintPreviewDialog] = []
    monkeypatch.setattr(QPrintPreviewDialog, "open", lambda self: opened.append(self))
    window = MainWindow(demo_store)
    qtbot.addWidget(window)
    assert preview_from_file_menu(window, "Print customers as an &asset…", opened, "asset",
                                  tmp_path / "asset.pdf") == 1
    opened[0].close()
    qtbot.waitUntil(lambda: not shiboken6.isValid(opened[0]))
    assert "asset" not in window.dialogs


def test_failed_build_reports_what_and_opens_nothing(qtbot, quiet_ui, demo_store,
                                                     monkeypatch) -> None:
    from PySide6.QtWidgets import QWidget

    from custdesk.ui import error_dialog
    from custdesk.ui.print_preview import preview_html

    reported: list[tuple[str, str]] = []
    monkeypatch.setattr(error_dialog, "report_error",
                        lambda what, exc, parent=None: reported.append((what, str(exc))))
    opened: list[QPrintPreviewDialog] = []
    monkeypatch.setattr(QPrintPreviewDialog, "open", lambda self: opened.append(self))
    parent = QWidget()
    qtbot.addWidget(parent)
    dialogs: dict[str, object] = {}

    def build(state: object) -> str:
        raise ValueError("no orders in the period")

    preview_html(parent, demo_store, "page", "Building the page", build, dialogs)
    assert reported == [("Building the page", "no orders in the period")]
    assert opened == [] and dialogs == {}
    preview_html(parent, None, "page", "Building the page", build, dialogs)  # no file open
    assert len(reported) == 1
