"""File ▸ Print monthly review…: builds the review for the period bar's period and
previews it on A4 (the preview is never opened for real here)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtPrintSupport import QPrintPreviewDialog
from ui_helpers import preview_from_file_menu


def test_menu_builds_and_previews_the_review(qtbot, quiet_ui, demo_store, monkeypatch,
                                             tmp_path: Path) -> None:
    from custdesk.ui.main_window import MainWindow

    opened: list[QPrintPreviewDialog] = []
    monkeypatch.setattr(QPrintPreviewDialog, "open", lambda self: opened.append(self))
    window = MainWindow(demo_store)
    qtbot.addWidget(window)
    pages = preview_from_file_menu(window, "Print monthly revie&w…", opened, "review",
                                   tmp_path / "review.pdf")
    assert 3 <= pages <= 8
    opened[0].close()


def test_menu_prints_the_plan_and_opens_strategic_reviews(qtbot, quiet_ui, demo_store,
                                                          monkeypatch, tmp_path: Path) -> None:
    from custdesk.ui.dialogs.strategic_review_dialog import StrategicReviewDialog
    from custdesk.ui.main_window import MainWindow

    opened: list[QPrintPreviewDialog] = []
    monkeypatch.setattr(QPrintPreviewDialog, "open", lambda self: opened.append(self))
    reviews: list[StrategicReviewDialog] = []
    monkeypatch.setattr(StrategicReviewDialog, "open", lambda self: reviews.append(self))
    window = MainWindow(demo_store)
    qtbot.addWidget(window)
    assert preview_from_file_menu(window, "Print sales p&lan…", opened, "plan",
                                  tmp_path / "plan.pdf") == 1
    opened[0].close()
    file_menu = window.menuBar().actions()[0].menu()
    next(a for a in file_menu.actions() if a.text() == "S&trategic review…").trigger()
    assert len(reviews) == 1 and reviews[0].store is demo_store
    reviews[0].close()
