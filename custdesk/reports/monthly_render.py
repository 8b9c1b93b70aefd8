"""Printing the monthly pack: its charts painted at 300 dpi and its HTML laid out on A4.

Each `Chart` becomes a QImage of `PRINT_DPI` resolution at its printed size, added to the
QTextDocument as the resource `chart:KEY` before the HTML is set, so the PDF embeds crisp
pixels (≥ 200 dpi as printed). Greyscale-safe: bars are dark grey, a second series is
hatched, partial months are pale with a dashed outline and "n d" under them, the target is
a dashed black step labelled in the legend. Needs a QGuiApplication (the CLI makes one).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPainter,
    QPen,
    QTextDocument,
)
from PySide6.QtPrintSupport import QPrinter

from custdesk.reports.monthly_charts import (
    HEIGHT,
    PRINT_DPI,
    WIDTH,
    Chart,
    month_label,
    nice_ceiling,
    short_value,
)
from custdesk.reports.scorecard_pdf import setup_a4

DARK, MID, PALE = QColor("#2b2b2b"), QColor("#777777"), QColor("#d9d9d9")


def _dash(partial: bool) -> Qt.PenStyle:
    return Qt.PenStyle.DashLine if partial else Qt.PenStyle.SolidLine


def render_chart(chart: Chart, width: int = WIDTH, height: int = HEIGHT,
                 dpi: int = PRINT_DPI) -> QImage:
    """`chart` painted on a white image of `width`×`height` document pixels at `dpi`."""
    scale = dpi / 96.0
    image = QImage(round(width * scale), round(height * scale), QImage.Format.Format_RGB32)
    image.setDotsPerMeterX(round(dpi / 0.0254))
    image.setDotsPerMeterY(round(dpi / 0.0254))
    image.fill(Qt.GlobalColor.white)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    p.scale(scale, scale)
    _Painter(p, chart, width, height).paint()
    p.end()
    return image


class _Painter:
    def __init__(self, p: QPainter, chart: Chart, width: int, height: int) -> None:
        self.p, self.c = p, chart
        self.left, self.right, self.top = 40.0, width - 6.0, 30.0
        self.bottom = height - 22.0
        values = [v for s in chart.series for v in s.values if v is not None]
        values += [t for t in chart.target if t is not None]
        if chart.y_range is not None:
            self.lo, self.hi = chart.y_range
        else:
            self.hi = nice_ceiling([v for v in values if v > 0] or [0.0])
            self.lo = -nice_ceiling([-v for v in values if v < 0]) if min(values or [0]) < 0 \
                else 0.0

    def font(self, size: float, bold: bool = False) -> None:
        f = QFont("DejaVu Sans")
        # pixels of the document (the painter scales them to print resolution)
        f.setPixelSize(max(1, round(size)))
        f.setBold(bold)
        self.p.setFont(f)

    def y(self, v: float) -> float:
        span = (self.hi - self.lo) or 1.0
        return self.bottom - (v - self.lo) / span * (self.bottom - self.top)

    def paint(self) -> None:
        p, c = self.p, self.c
        self.font(11, bold=True)
        p.setPen(DARK)
        p.drawText(QRectF(0, 0, self.right, 14), Qt.AlignmentFlag.AlignLeft, c.title)
        if not c.has_data:
            self.font(8)
            p.setPen(MID)
            p.drawText(QRectF(0, self.top, self.right, self.bottom - self.top),
                       Qt.AlignmentFlag.AlignCenter, "No data for these months yet")
            return
        self.axes()
        n = len(c.labels)
        slot = (self.right - self.left) / max(n, 1)
        bars = [s for s in c.series if s.style == "bar"]
        for i in range(n):
            self.bars_at(i, slot, bars)
            self.label_at(i, slot)
        for s in c.series:
            if s.style == "line":
                self.line(s.values, slot)
        if any(t is not None for t in c.target):
            self.target(slot)
        self.legend()

    def axes(self) -> None:
        p = self.p
        self.font(8)
        for k in range(5):
            v = self.lo + (self.hi - self.lo) * k / 4
            y = self.y(v)
            p.setPen(QPen(PALE, 0.6))
            p.drawLine(QPointF(self.left, y), QPointF(self.right, y))
            p.setPen(MID)
            p.drawText(QRectF(0, y - 6, self.left - 4, 12),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       short_value(v, self.c.unit, self.c.currency))
        p.setPen(QPen(DARK, 0.8))
        p.drawLine(QPointF(self.left, self.y(max(self.lo, 0.0) if self.lo < 0 else self.lo)),
                   QPointF(self.right, self.y(max(self.lo, 0.0) if self.lo < 0 else self.lo)))

    def partial(self, i: int) -> bool:
        return i < len(self.c.partial) and self.c.partial[i]

    def bars_at(self, i: int, slot: float, bars: list) -> None:
        if not bars:
            return
        p = self.p
        width = slot * 0.72 / len(bars)
        x0 = self.left + i * slot + slot * 0.14
        base = self.y(0.0 if self.lo < 0 else self.lo)
        for k, s in enumerate(bars):
            v = s.values[i] if i < len(s.values) else None
            if v is None:
                continue
            rect = QRectF(x0 + k * width, min(self.y(v), base), width * 0.92,
                          abs(base - self.y(v)))
            colour = PALE if self.partial(i) else (MID if s.hatched else DARK)
            p.setPen(QPen(DARK, 0.7, _dash(self.partial(i))))
            if s.hatched:
                p.setBrush(QBrush(Qt.GlobalColor.white))
                p.drawRect(rect)
                p.setBrush(QBrush(colour if not self.partial(i) else MID,
                                  Qt.BrushStyle.BDiagPattern))
            else:
                p.setBrush(QBrush(colour))
            p.drawRect(rect)
            if len(bars) == 1:  # the value mid-bar in white (clear of the target line)
                self.font(7)
                inside = rect.height() > 24 and not self.partial(i)
                p.setPen(QColor("#ffffff") if inside else DARK)
                top = rect.center().y() - 5 if inside else rect.top() - 11
                p.drawText(QRectF(x0 - slot * 0.14, top, slot, 10),
                           Qt.AlignmentFlag.AlignHCenter,
                           short_value(v, self.c.unit, self.c.currency, compact=True))
        p.setBrush(Qt.BrushStyle.NoBrush)

    def label_at(self, i: int, slot: float) -> None:
        p = self.p
        self.font(8)
        p.setPen(DARK)
        x = self.left + i * slot
        text = month_label(self.c.labels[i])
        p.drawText(QRectF(x, self.bottom + 2, slot, 10), Qt.AlignmentFlag.AlignHCenter, text)
        if self.partial(i):
            days = self.c.days[i] if i < len(self.c.days) else None
            self.font(7)
            p.setPen(MID)
            p.drawText(QRectF(x - 4, self.bottom + 11, slot + 8, 9),
                       Qt.AlignmentFlag.AlignHCenter, f"{days} d" if days else "partial")

    def line(self, values: tuple[float | None, ...], slot: float) -> None:
        p = self.p
        last: QPointF | None = None
        for i, v in enumerate(values):
            if v is None:
                last = None
                continue
            pt = QPointF(self.left + (i + 0.5) * slot, self.y(v))
            partial = self.partial(i)
            if last is not None:
                p.setPen(QPen(DARK, 1.4, _dash(partial)))
                p.drawLine(last, pt)
            p.setPen(QPen(DARK, 1.2))
            p.setBrush(QBrush(Qt.GlobalColor.white if partial else DARK))
            p.drawEllipse(pt, 2.6, 2.6)
            self.font(8)
            p.drawText(QRectF(pt.x() - slot / 2, pt.y() - 13, slot, 10),
                       Qt.AlignmentFlag.AlignHCenter, short_value(v, self.c.unit, self.c.currency))
            last = pt
        p.setBrush(Qt.BrushStyle.NoBrush)

    def target(self, slot: float) -> None:
        """Dashed black over a white halo, so it reads on a dark bar in greyscale too."""
        p = self.p
        for pen in (QPen(QColor("#ffffff"), 3.2), QPen(QColor("#000000"), 1.3,
                                                     Qt.PenStyle.DashLine)):
            p.setPen(pen)
            for i, t in enumerate(self.c.target):
                if t is not None:
                    x = self.left + i * slot
                    p.drawLine(QPointF(x + 1, self.y(t)), QPointF(x + slot - 1, self.y(t)))

    def legend(self) -> None:
        p = self.p
        self.font(8)
        x = self.left
        items: list[tuple[str, str]] = []
        for s in self.c.series:
            items.append((s.style + ("h" if s.hatched else ""), s.name))
        if any(t is not None for t in self.c.target):
            items.append(("target", "target"))
        if any(self.c.partial):
            items.append(("partial", "month not complete"))
        for kind, name in items:
            r = QRectF(x, 17, 9, 7)
            if kind == "target":
                p.setPen(QPen(QColor("#000000"), 1.3, Qt.PenStyle.DashLine))
                p.drawLine(QPointF(x, 20.5), QPointF(x + 9, 20.5))
            elif kind == "line":
                p.setPen(QPen(DARK, 1.4))
                p.drawLine(QPointF(x, 20.5), QPointF(x + 9, 20.5))
            else:
                p.setPen(QPen(DARK, 0.7, Qt.PenStyle.DashLine if kind == "partial"
                              else Qt.PenStyle.SolidLine))
                brush = (QBrush(MID, Qt.BrushStyle.BDiagPattern) if kind == "barh"
                         else QBrush(PALE if kind == "partial" else DARK))
                p.setBrush(brush)
                p.drawRect(r)
                p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(DARK)
            width = p.fontMetrics().horizontalAdvance(name)
            p.drawText(QRectF(x + 12, 15, width + 4, 11), Qt.AlignmentFlag.AlignLeft, name)
            x += 12 + width + 10


def _screen_dpi() -> float:
    screen = QGuiApplication.primaryScreen()
    return screen.logicalDotsPerInch() if screen is not None else 96.0


def pack_document(html: str, charts: Mapping[str, Chart], printer: QPrinter) -> QTextDocument:
    """The pack's HTML with its charts, laid out on `printer`'s printable area."""
    doc = QTextDocument()
    doc.setDocumentMargin(0)
    for key, chart in charts.items():
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"chart:{key}"),
                        render_chart(chart))
    doc.setHtml(html)
    area = printer.pageLayout().paintRect(QPageLayout.Unit.Point)
    scale = _screen_dpi() / 72.0
    doc.setPageSize(QSizeF(area.width() * scale, area.height() * scale))
    return doc


def print_pack(html: str, charts: Mapping[str, Chart], printer: QPrinter) -> int:
    """Print the pack on `printer`; the number of pages printed."""
    doc = pack_document(html, charts, printer)
    doc.print_(printer)
    return doc.pageCount()


def write_pack_pdf(html: str, charts: Mapping[str, Chart], path: str | Path) -> int:
    """Write the pack as an A4 PDF at `path`; its page count. OSError when not written."""
    Path(path).unlink(missing_ok=True)  # a stale file must not pass for success
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    setup_a4(printer)
    pages = print_pack(html, charts, printer)
    if not Path(path).is_file():
        raise OSError(f"could not write {path}")
    return pages
