"""Printing the scorecard summary: QTextDocument laid out on A4, to a printer or a PDF.

The document is given the printer's page size (in screen pixels) before printing, so Qt
lays it out exactly as printed and `pageCount()` is the number of pages the PDF gets —
the summary must stay at one page (marked `ONE_PAGE`, it is shrunk to fit when it runs
over). Needs a QGuiApplication (the CLI makes one offscreen).
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPainter, QTextDocument
from PySide6.QtPrintSupport import QPrinter

MARGIN_MM = 12.0
# in a document's HTML: it must print on one page (shrunk to fit when it runs over)
ONE_PAGE = "<!-- custdesk:one-page -->"


def setup_a4(printer: QPrinter) -> None:
    """A4 portrait with 12 mm margins."""
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setPageMargins(QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                           QPageLayout.Unit.Millimeter)


def _screen_dpi() -> float:
    screen = QGuiApplication.primaryScreen()
    return screen.logicalDotsPerInch() if screen is not None else 96.0


def document_for(html: str, printer: QPrinter) -> QTextDocument:
    """The HTML laid out on `printer`'s printable area (fonts print at their point size)."""
    doc = QTextDocument()
    doc.setDocumentMargin(0)
    doc.setHtml(html)
    area = printer.pageLayout().paintRect(QPageLayout.Unit.Point)
    scale = _screen_dpi() / 72.0
    doc.setPageSize(QSizeF(area.width() * scale, area.height() * scale))
    return doc


def print_html(html: str, printer: QPrinter) -> int:
    """Print `html` on `printer`; returns the number of pages printed. A document marked
    with `ONE_PAGE` that runs over one page is drawn scaled down onto one page."""
    doc = document_for(html, printer)
    if ONE_PAGE in html and doc.pageCount() > 1:
        return _print_on_one_page(doc, printer)
    doc.print_(printer)
    return doc.pageCount()


def _print_on_one_page(doc: QTextDocument, printer: QPrinter) -> int:
    """The whole document, unpaginated, scaled to the printable area (a scorecard with
    every question followed up runs a few lines over A4)."""
    page = doc.pageSize()
    doc.setPageSize(QSizeF(page.width(), 1e7))  # one long page: its real height
    height = doc.documentLayout().documentSize().height()
    fit = min(1.0, page.height() / height) if height > 0 else 1.0
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("could not start printing")
    try:
        scale = printer.resolution() / _screen_dpi() * fit  # document px -> printer px
        painter.scale(scale, scale)
        doc.drawContents(painter, QRectF(0, 0, page.width(), height))
    finally:
        painter.end()
    return 1


def write_pdf(html: str, path: str | Path) -> int:
    """Write `html` as an A4 PDF at `path`; returns its page count.

    Raises OSError when the file could not be written (Qt's printer fails silently).
    """
    Path(path).unlink(missing_ok=True)  # so that a stale file cannot pass for success
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    setup_a4(printer)
    pages = print_html(html, printer)
    if not Path(path).is_file():
        raise OSError(f"could not write {path}")
    return pages


def pdf_page_count(path: str | Path) -> int:
    """Pages in a PDF Qt wrote (its page objects are plain, uncompressed dictionaries)."""
    data = Path(path).read_bytes()
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
