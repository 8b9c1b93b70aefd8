"""File ▸ Print monthly review…: builds the review for the period bar's period and
previews it on A4 (the preview is never opened for real here)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog

from custdesk.reports.scorecard_pdf import pdf_page_count


def test_menu_builds_and_previews_the_review(qtbot, quiet_ui, demo_store, monkeypatch,
                                             tmp_path: Path) -> None:
    from custdesk.ui.main_window import MainWindow

    opened: list[QPrintPreviewDialog] = []
    monkeypatch.setattr(QPrintPreviewDialog, "open", lambda self: opened.append(self))
    window = MainWindow(demo_store)
    qtbot.addWidget(window)
    file_menu = window.menuBar().actions()[0].menu()
    texts = [a.text() for a in file_menu.actions()]
    assert "Print monthly revie&w…" in texts
    next(a for a in file_menu.actions() if a.text() == "Print monthly revie&w…").trigger()
    assert len(opened) == 1 and window.dialogs["review"] is opened[0]
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "review.pdf"
    printer.setOutputFileName(str(out))
    from custdesk.reports.scorecard_pdf import setup_a4

    setup_a4(printer)
    opened[0].paintRequested.emit(printer)
    assert 3 <= pdf_page_count(out) <= 8
    opened[0].close()


def test_menu_prints_the_plan_and_opens_strategic_reviews(qtbot, quiet_ui, demo_store,
                                                          monkeypatch, tmp_path: Path) -> None:
    from custdesk.reports.scorecard_pdf import setup_a4
    from custdesk.ui.dialogs.strategic_review_dialog import StrategicReviewDialog
    from custdesk.ui.main_window import MainWindow

    opened: list[QPrintPreviewDialog] = []
    monkeypatch.setattr(QPrintPreviewDialog, "open", lambda self: opened.append(self))
    reviews: list[StrategicReviewDialog] = []
    monkeypatch.setattr(StrategicReviewDialog, "open", lambda self: reviews.append(self))
    window = MainWindow(demo_store)
    qtbot.addWidget(window)
    file_menu = window.menuBar().actions()[0].menu()
    actions = {a.text(): a for a in file_menu.actions()}
    actions["Print sales p&lan…"].trigger()
    assert len(opened) == 1 and window.dialogs["plan"] is opened[0]
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "plan.pdf"
    printer.setOutputFileName(str(out))
    setup_a4(printer)
    opened[0].paintRequested.emit(printer)
    assert pdf_page_count(out) == 1
    opened[0].close()
    actions["S&trategic review…"].trigger()
    assert len(reviews) == 1 and reviews[0].store is demo_store
    reviews[0].close()
