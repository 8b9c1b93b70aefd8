"""pyqtgraph charts fed plain lists: monthly trends, sparklines, the customers bridge waterfall.

Monthly series come as `SeriesPoint`s (services/screens/model.py): a month not complete in
the range is drawn as a hollow dot on a dashed line and labelled with its day count.

Axes: months as labelled categories ("Mar 26"), money as "$12.3k". Hovering shows the exact
values in a tooltip. Colours follow the system's light or dark scheme.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Qt
from PySide6.QtGui import QColor, QCursor, QGuiApplication, QPalette, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolTip, QVBoxLayout, QWidget

from custdesk.services.screens.model import SeriesPoint
from custdesk.ui import formatting as fmt
from custdesk.ui import idle_queue

LIGHT = {"bg": "#ffffff", "fg": "#333333", "grid": 60,
         "series": ["#2e6fbd", "#e07b24", "#2a9d6f", "#9b59b6", "#c0392b"],
         "up": "#2a9d6f", "down": "#c0392b", "total": "#5b7fa8"}
DARK = {"bg": "#1f2124", "fg": "#dddddd", "grid": 80,
        "series": ["#6fa8ec", "#f0a05a", "#5cc99a", "#c39bd3", "#ec7063"],
        "up": "#5cc99a", "down": "#ec7063", "total": "#87a9d1"}


def is_dark() -> bool:
    """The system's colour scheme (Qt ≥ 6.5), else the window colour's lightness."""
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is not None:
        value = scheme()
        if value == Qt.ColorScheme.Dark:
            return True
        if value == Qt.ColorScheme.Light:
            return False
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def palette() -> dict[str, Any]:
    return DARK if is_dark() else LIGHT


def month_label(key: str) -> str:
    """"2026-03" -> "Mar 26"."""
    try:
        d = date(int(key[:4]), int(key[5:7]), 1)
    except (ValueError, IndexError):
        return key
    return d.strftime("%b %y")


class ValueAxis(pg.AxisItem):
    """A left axis whose ticks read as money, percentages or counts."""

    def __init__(self, unit: str = "count", **kwargs: Any) -> None:
        super().__init__("left", **kwargs)
        self.unit = unit

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:
        if self.unit == "money":
            # One scale for the whole axis: "$8.0k, $10.0k", not "$8,000, $10.0k".
            if values and max(abs(v) for v in values) >= 10_000:
                return [fmt.money_short(v) if abs(v) >= 1_000_000 else
                        fmt.money_thousands(v) for v in values]
            return [fmt.money_short(v) for v in values]
        if self.unit == "pct":
            return [f"{fmt.number(v, 0)} %" for v in values]
        decimals = 0 if spacing >= 1 else 1
        return [fmt.number(v, decimals) for v in values]


class CategoryAxis(pg.AxisItem):
    """A bottom axis labelling integer positions (months, bridge steps)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("bottom", **kwargs)
        self.labels: list[str] = []

    def set_labels(self, labels: Sequence[str], every: int = 1) -> None:
        """Label every `every`-th position counting back from the last, so the newest month
        (often the partial one) always has its name."""
        self.labels = list(labels)
        last = len(self.labels) - 1
        self.setTicks([[(i, t) for i, t in enumerate(self.labels) if (last - i) % every == 0],
                       []])


PARTIAL_BAND = (128, 128, 128, 40)  # the shaded slot of a month not yet complete

def _style(plot: pg.PlotWidget) -> dict[str, Any]:
    colours = palette()
    plot.setBackground(colours["bg"])
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(colours["fg"]))
        axis.setTextPen(pg.mkPen(colours["fg"]))
    return colours


def _follow_scheme(restyle: Any) -> None:
    """Call the widget's bound `restyle` when the system switches light/dark (Qt ≥ 6.5);
    a bound method of a QObject is disconnected when the widget goes."""
    signal = getattr(QGuiApplication.styleHints(), "colorSchemeChanged", None)
    if signal is not None:
        signal.connect(restyle)


class _HoverPlot(pg.PlotWidget):
    """A plot that shows `hover_text(index)` for the category under the mouse."""

    def __init__(self, unit: str, parent: QWidget | None = None) -> None:
        self.value_axis = ValueAxis(unit)
        self.category_axis = CategoryAxis()
        # no context menu: made without one (pyqtgraph builds its menu's widgets otherwise,
        # ~3 ms a plot on the window's thread while a page is built)
        super().__init__(parent, axisItems={"left": self.value_axis, "bottom": self.category_axis},
                         enableMenu=False)
        self.unit = unit
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.showGrid(x=False, y=True, alpha=0.25)
        _style(self)
        _follow_scheme(self.restyle)
        self.scene().sigMouseMoved.connect(self._on_mouse)

    def hover_text(self, index: int) -> str:  # pragma: no cover - overridden
        return ""

    def restyle(self, *_args: Any) -> None:
        """Background and axes in the current light/dark palette."""
        _style(self)

    def fit_value_axis(self, values: Sequence[float]) -> None:
        """Make the left axis wide enough for its labels now (pyqtgraph widens it only after
        a first paint, so screenshots and first looks had no labels)."""
        finite = [float(v) for v in values if v is not None]
        if not finite:
            return
        low, high = min(0.0, *finite), max(finite)
        texts = self.value_axis.tickStrings([low, high, (low + high) / 2], 1, max(1.0, high - low))
        metrics = self.fontMetrics()
        width = max(metrics.horizontalAdvance(t) for t in texts) + 16
        if self.value_axis.labelText:
            width += metrics.height() + 6
        self.value_axis.setWidth(width)

    def _on_mouse(self, pos: QPointF) -> None:
        if not self.plotItem.sceneBoundingRect().contains(pos):
            return
        x = self.plotItem.vb.mapSceneToView(pos).x()
        index = int(round(x))
        text = self.hover_text(index) if 0 <= index < len(self.category_axis.labels) else ""
        if text:
            QToolTip.showText(QCursor.pos(), text, self)
        else:
            QToolTip.hideText()


Pairs = Sequence[tuple[str, float | None]]


def as_points(points: Sequence[SeriesPoint] | Pairs) -> list[SeriesPoint]:
    """SeriesPoints as they are; old-style ("YYYY-MM", value) pairs as whole months."""
    return [p if isinstance(p, SeriesPoint) else SeriesPoint(p[0], p[1]) for p in points]


def point_label(point: SeriesPoint, *, short: bool = False) -> str:
    """"Oct 26", or "Nov 26 (24 days)" for a month not complete in the range ("Nov: 24
    days" when `short`): a partial month is never shown as if it were a whole one
    (METRICS.md "Monthly series")."""
    label = month_label(point.month)
    if not point.partial:
        return label
    days = "part" if point.days is None else f"{point.days} day{'' if point.days == 1 else 's'}"
    return f"{label[:3]}: {days}" if short else f"{label} ({days} so far)"


def plot_points(plot: Any, points: Sequence[SeriesPoint], colour: str, background: str,
                *, name: str | None = None, size: int = 5, dots: bool = True) -> None:
    """Draw one monthly series on `plot` (a PlotWidget or PlotItem): whole months as a solid
    line (with filled dots when `dots`). A partial month is not put on the line at all — one
    day of December next to a whole November always reads as a cliff — its slot is shaded
    instead (`shade_partial`) and its value is in the hover text with its day count. Months
    without a value are skipped (the line joins across them)."""
    whole = [(i, float(p.value)) for i, p in enumerate(points)
             if p.value is not None and not p.partial]
    if whole:
        symbol: dict[str, Any] = ({"symbol": "o", "symbolSize": size, "symbolBrush": colour,
                                   "symbolPen": None} if dots else {})
        plot.plot([i for i, _v in whole], [v for _i, v in whole], pen=pg.mkPen(colour, width=2),
                  name=name, **symbol)


def shade_partial(plot: Any, points: Sequence[SeriesPoint], colour: Any) -> None:
    """A light band over each partial month's slot: the month is there, not yet whole."""
    for i, p in enumerate(points):
        if p.partial:
            band = pg.LinearRegionItem((i - 0.45, i + 0.45), movable=False,
                                       brush=pg.mkBrush(colour), pen=pg.mkPen(None))
            band.setZValue(-10)
            plot.addItem(band)


class TrendChart(_HoverPlot):
    """Monthly lines with a legend: `set_series({"Revenue": [SeriesPoint, …]})`, partial
    months drawn hollow and dashed. The older `set_series(["2026-01", …], {"Revenue":
    [..]})` (whole months only) still works for the tabs that use it."""

    def __init__(self, unit: str = "money", title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(unit, parent)
        self.months: list[str] = []
        self.series: dict[str, list[float | None]] = {}
        self.points: dict[str, list[SeriesPoint]] = {}
        if title:
            self.setTitle(title)
        self.legend = self.addLegend(offset=(10, 5))
        # the newest month's label sits at the right edge: draw it rather than drop it, with
        # room for its second half
        self.category_axis.setStyle(hideOverlappingLabels=False)
        self.getPlotItem().setContentsMargins(0, 0, 18, 0)

    def set_series(self, series: Mapping[str, Sequence[SeriesPoint]] | Sequence[str],
                   values: Mapping[str, Sequence[float | None]] | None = None) -> None:
        """Draw `series` (name -> SeriesPoints, oldest first, every series on the same
        months); or, old style, `months` and name -> values."""
        if values is not None:
            months = list(series)
            points = {name: [SeriesPoint(m, v) for m, v in zip(months, vs, strict=False)]
                      for name, vs in values.items()}
        else:
            assert isinstance(series, Mapping)
            points = {name: list(pts) for name, pts in series.items()}
        colours = _style(self)
        self.clear()
        self.legend.clear()
        self.points = points
        first = next(iter(points.values()), [])
        self.months = [p.month for p in first]
        self.series = {name: [p.value for p in pts] for name, pts in points.items()}
        labels = [month_label(p.month) + ("*" if p.partial else "") for p in first]
        self.category_axis.labels = labels
        self._label_months()
        for i, (name, pts) in enumerate(points.items()):
            colour = colours["series"][i % len(colours["series"])]
            plot_points(self, pts, colour, colours["bg"], name=name)
        shade_partial(self, first, PARTIAL_BAND)
        whole = [v for name, pts in points.items() for p in pts
                 if (v := p.value) is not None and not p.partial]
        self.fit_value_axis(whole)
        self.setXRange(-0.5, max(0.5, len(self.months) - 0.5), padding=0)
        self._fit_flat(whole)

    def _fit_flat(self, values: Sequence[float]) -> None:
        """A flat line (every month $0 on an old file) autoscales to a sliver around it whose
        ticks all read "$0" or "($0)": stand it on an axis from 0 to twice its value (0–10
        when it is 0 or there is no value at all: no "1 %, 1 %, 0 %" ticks)."""
        if not values or max(values) == min(values):
            v = float(values[0]) if values else 0.0
            low, high = sorted((0.0, 2 * v)) if v else (0.0, 10.0)
            self.setYRange(low, high, padding=0.05)
        else:
            self.enableAutoRange(axis=pg.ViewBox.YAxis)

    def _label_months(self) -> None:
        """As many month labels as fit (about 70 px each, at most 8)."""
        labels = self.category_axis.labels
        fit = min(8, max(2, self.width() // 70))
        self.category_axis.set_labels(labels, every=max(1, math.ceil(len(labels) / fit)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.category_axis.labels:
            self._label_months()

    def hover_text(self, index: int) -> str:
        first = next(iter(self.points.values()), [])
        if index >= len(first):
            return ""
        rows = [f"{name}: {fmt.by_unit(pts[index].value, self.unit)}"
                for name, pts in self.points.items() if index < len(pts)]
        return f"<b>{point_label(first[index])}</b><br>" + "<br>".join(rows)


class Sparkline(QWidget):
    """A label, the latest value, and a tiny 12-month line (tooltip: every month's value).
    A partial last month is a hollow dot on a dashed stub, and its day count is shown."""

    def __init__(self, label: str, unit: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.unit = unit
        self.label = QLabel(label)
        self.latest = QLabel(fmt.DASH)
        self.latest.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # the plot (a whole pyqtgraph scene: 20-45 ms each, seven on Today) is made in a
        # later event-loop turn, one plot per turn (idle_queue), or when the first points
        # come: opening Today stays smooth
        self._plot: pg.PlotWidget | None = None
        self._holder = QWidget()
        self._holder.setFixedHeight(34)
        _follow_scheme(self.restyle)
        self.points: list[SeriesPoint] = []
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.label)
        top.addWidget(self.latest)
        self._box = QVBoxLayout(self)
        self._box.setContentsMargins(2, 2, 2, 2)
        self._box.setSpacing(0)
        self._box.addLayout(top)
        self._box.addWidget(self._holder)
        idle_queue.later(self, self._make_plot)

    @property
    def plot(self) -> pg.PlotWidget:
        return self._make_plot()

    def _make_plot(self) -> pg.PlotWidget:
        if self._plot is None:
            plot = self._plot = pg.PlotWidget(enableMenu=False)  # (see _HoverPlot)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.hideAxis("left")
            plot.hideAxis("bottom")
            plot.setFixedHeight(34)
            _style(plot)  # not pyqtgraph's black until the data arrives
            self._box.replaceWidget(self._holder, plot)
            self._holder.deleteLater()
        return self._plot

    def restyle(self, *_args: Any) -> None:
        if self._plot is not None:
            _style(self._plot)

    def set_points(self, points: Sequence[SeriesPoint] | Pairs, *,
                   draw_later: QObject | None = None) -> None:
        """SeriesPoints oldest first (or ("2026-03", value) pairs, taken as whole months).
        The figure and tooltip now; the line too, or — with `draw_later` — in a later
        event-loop turn, as a step of that owner (idle_queue: Today's seven plots, made
        and drawn in one call, were 35-65 ms of the turn its screen arrived in)."""
        self.points = as_points(points)
        whole = [(i, p) for i, p in enumerate(self.points)
                 if p.value is not None and not p.partial]
        # the headline is the latest whole month; a partial month is only in the tooltip
        last = whole[-1][1] if whole else SeriesPoint("", None)
        month = month_label(last.month)[:3] if last.month else ""
        self.latest.setText(f"{fmt.by_unit(last.value, self.unit, short=True)}  "
                            f"<span style='color:gray'>{month}</span>")
        self.setToolTip("<br>".join(f"{point_label(p)}: {fmt.by_unit(p.value, self.unit)}"
                                    for p in self.points))
        if draw_later is None:
            self._draw()
        else:
            idle_queue.later(draw_later, self._draw)

    def _draw(self) -> None:
        """The line of `points` (the latest whole month marked)."""
        plot = self.plot
        colours = _style(plot)
        plot.clear()
        plot_points(plot, self.points, colours["series"][0], colours["bg"], dots=False)
        whole = [(i, p) for i, p in enumerate(self.points)
                 if p.value is not None and not p.partial]
        if whole:  # the latest whole month, marked
            plot.plot([whole[-1][0]], [float(whole[-1][1].value or 0)], pen=None,
                      symbol="o", symbolSize=5, symbolBrush=colours["series"][1],
                      symbolPen=None)
        if self.points:  # keep the x-range: the partial month's slot stays empty on the right
            plot.setXRange(-0.5, len(self.points) - 0.5, padding=0)


class WaterfallChart(_HoverPlot):
    """Floating bars: totals from zero, increases up, decreases down (the customers bridge).

    `set_steps([("Start", 120, "total"), ("New", 30, "up"), ("Lost", -25, "down"),
    ("End", 125, "total")])`.
    """

    def __init__(self, unit: str = "count", parent: QWidget | None = None) -> None:
        super().__init__(unit, parent)
        self.steps: list[tuple[str, float, str]] = []
        self.bars: list[tuple[float, float]] = []  # (bottom, top) of each bar

    def set_steps(self, steps: Sequence[tuple[str, float, str]]) -> None:
        colours = _style(self)
        self.clear()
        self.steps = list(steps)
        self.bars = waterfall_bars(self.steps)
        self.category_axis.set_labels([s[0] for s in self.steps])
        for i, ((_label, value, kind), (low, high)) in enumerate(zip(self.steps, self.bars,
                                                                      strict=True)):
            brush = QColor(colours[kind if kind in ("up", "down") else "total"])
            self.addItem(pg.BarGraphItem(x=[i], y0=[low], y1=[high], width=0.6, brush=brush,
                                         pen=pg.mkPen(None)))
            # "$1.32M", not a bare "1,324,582": the bar says its unit as the axis does
            text = pg.TextItem(fmt.by_unit(value, self.unit, short=True), color=colours["fg"],
                               anchor=(0.5, 1.0))
            text.setPos(i, max(low, high))
            self.addItem(text)
        top = max((max(b) for b in self.bars), default=1)
        self.fit_value_axis([0.0, top * 1.15])
        self.setYRange(0, top * 1.15 or 1, padding=0)
        self.setXRange(-0.6, len(self.steps) - 0.4, padding=0)

    def hover_text(self, index: int) -> str:
        label, value, kind = self.steps[index]
        sign = "+" if kind == "up" else ("−" if kind == "down" else "")
        return f"<b>{label}</b>: {sign}{fmt.by_unit(abs(value), self.unit)}"


def waterfall_bars(steps: Sequence[tuple[str, float, str]]) -> list[tuple[float, float]]:
    """(bottom, top) per step: a total stands on zero and resets the running level."""
    level, out = 0.0, []
    for _label, value, kind in steps:
        if kind == "total":
            level = float(value)
            out.append((0.0, level))
        else:
            delta = abs(float(value)) if kind == "up" else -abs(float(value))
            out.append((min(level, level + delta), max(level, level + delta)))
            level += delta
    return out
