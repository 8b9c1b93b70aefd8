"""Issue 12, items 7 and 8 and the printouts: one name per number, honest blanks, short
summaries (pytest-qt + screen level)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from ui_helpers import make_tab

from custdesk.domain.periods import Period

pytestmark = pytest.mark.usefixtures("quiet_ui")

YEAR = Period(date(2025, 12, 1), date(2026, 11, 24))


def _save_pdf(html: str, name: str) -> None:
    """With CUSTDESK_PRINT_DIR set, the printout as a PDF there (to look at by eye)."""
    folder = os.environ.get("CUSTDESK_PRINT_DIR")
    if not folder:
        return
    from PySide6.QtGui import QTextDocument
    from PySide6.QtPrintSupport import QPrinter

    (Path(folder) / f"{name}.html").write_text(html, encoding="utf-8")
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(Path(folder) / f"{name}.pdf"))
    document = QTextDocument()
    document.setHtml(html)
    document.print_(printer)


# ----- printouts: a short summary, the full lists go to Excel ------------------------------
def test_today_prints_a_two_page_summary_with_and_n_more(qtbot, demo_store) -> None:
    from custdesk.reports.tab_report import MAX_PRINTED_ROWS
    from custdesk.ui.tab_output import printed_pages
    from custdesk.ui.tabs.today_tab import TodayTab

    tab = make_tab(qtbot, TodayTab, demo_store, YEAR)
    html = tab.report_html()
    _save_pdf(html, "today")
    at_risk = tab.lists["at_risk"].model.rowCount()
    assert at_risk > MAX_PRINTED_ROWS
    assert f"and {at_risk - MAX_PRINTED_ROWS:,} more" in html
    assert html.count("data:image/png;base64,") == len(tab.sparklines)  # the trends
    assert printed_pages(html) <= 2
