"""A horizontal bar chart for the Pipeline and Lost prospects tabs (pyqtgraph).

Categories read top to bottom (a funnel: first stage on top), each bar labelled at its end
with its figure, hover shows the bar's full text. `stage_bars` and `count_bars` turn the
screens' plain table rows (`services/screens/pipeline.py`, `lost.py`) into bars. Colours
follow `ui.charts.palette()` (light/dark) like the shared charts; kept beside the two tabs
that use it so the shared `ui/charts.py` stays untouched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape  # imported names go into rich-text tooltips
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QCursor, QGuiApplication
from PySide6.QtWidgets import QToolTip, QWidget

from custdesk.ui import formatting as fmt
from custdesk.ui.charts import palette

MIN_SLOTS = 5  # one or two bars keep a bar's height instead of filling the chart
Bar = tuple[str, float, str, str]  # category, length, label at the bar's end, hover text


def stage_bars(stages: Sequence[Mapping[str, Any]]) -> list[Bar]:
    """The funnel: one bar per `by_stage` row (stage, deals, value, weighted, unvalued),
    its length the deal count, labelled with count and value."""
    out = []
    for s in stages:
        hover = (f"<b>{escape(str(s['stage']))}</b>: {fmt.number(s['deals'])} open deals<br>"
                 f"value {fmt.money(s['value'], 0)}, weighted {fmt.money(s['weighted'], 0)}"
                 + (f"<br>{fmt.number(s['unvalued'])} without an amount"
                    if s["unvalued"] else ""))
        out.append((str(s["stage"]), float(s["deals"]),
                    f"{fmt.number(s['deals'])} · {fmt.money_short(s['value'])}", hover))
    return out


def count_bars(rows: Sequence[Mapping[str, Any]], key: str) -> list[Bar]:
    """One bar per `by_reason`/`by_competitor` row: lost deals, labelled with the count and
    its share of all lost deals."""
    out = []
    for r in rows:
        n, share = r["deals_lost"], r.get("share_pct")
        share_text = f" ({fmt.pct(share, 0)})" if share is not None else ""
        out.append((str(r[key]), float(n), f"{fmt.number(n)}{share_text}",
                    f"<b>{escape(str(r[key]))}</b>: {fmt.number(n)} lost deals{share_text}"))
    return out


class HBarChart(pg.PlotWidget):
    """`set_bars([("Lead", 12.0, "12 deals · $34k", "tooltip"), …])`: one bar per category,
    the first on top. `bars` keeps what was drawn (tests and exports read it)."""

    def __init__(self, colour_index: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(parent, enableMenu=False)  # (no context menu: charts._HoverPlot)
        self.colour_index = colour_index
        self.bars: list[Bar] = []
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.hideAxis("bottom")
        self.getAxis("left").setStyle(tickLength=0)
        self.restyle()
        hints = QGuiApplication.styleHints()
        signal = getattr(hints, "colorSchemeChanged", None)
        if signal is not None:  # Qt ≥ 6.5: redraw in the new scheme
            signal.connect(self._rescheme)
        self.scene().sigMouseMoved.connect(self._on_mouse)

    def restyle(self) -> dict[str, Any]:
        colours = palette()
        self.setBackground(colours["bg"])
        axis = self.getAxis("left")
        axis.setPen(pg.mkPen(None))
        axis.setTextPen(pg.mkPen(colours["fg"]))
        return colours

    def _rescheme(self, *_args: Any) -> None:
        self.set_bars(self.bars)

    def set_bars(self, bars: Sequence[Bar]) -> None:
        """(category, length, label at the bar's end, hover text) per bar, top first."""
        colours = self.restyle()
        self.clear()
        self.bars = list(bars)
        n = len(self.bars)
        slots = max(n, MIN_SLOTS)  # bar i sits at y = slots - 1 - i: the first on top
        ticks = [(slots - 1 - i, label) for i, (label, *_rest) in enumerate(self.bars)]
        self.getAxis("left").setTicks([ticks, []])
        top = max((abs(v) for _l, v, _t, _h in self.bars), default=0.0) or 1.0
        colour = QColor(colours["series"][self.colour_index % len(colours["series"])])
        if n:
            self.addItem(pg.BarGraphItem(
                x0=[0.0] * n, y=[slots - 1 - i for i in range(n)], height=0.62,
                width=[float(v) for _l, v, _t, _h in self.bars], brush=colour,
                pen=pg.mkPen(None)))
        for i, (_label, value, text, _hover) in enumerate(self.bars):
            item = pg.TextItem(text, color=colours["fg"], anchor=(0.0, 0.5))
            item.setPos(max(float(value), 0.0) + top * 0.01, slots - 1 - i)
            self.addItem(item)
        # Room on the right for the end labels.
        self.setXRange(0, top * 1.6, padding=0)
        self.setYRange(-0.6, slots - 0.4, padding=0)
        metrics = self.fontMetrics()
        width = max((metrics.horizontalAdvance(b[0]) for b in self.bars), default=40)
        self.getAxis("left").setWidth(width + 10)

    def _on_mouse(self, pos: QPointF) -> None:
        if not self.plotItem.sceneBoundingRect().contains(pos) or not self.bars:
            return
        y = self.plotItem.vb.mapSceneToView(pos).y()
        index = max(len(self.bars), MIN_SLOTS) - 1 - int(round(y))
        if 0 <= index < len(self.bars):
            QToolTip.showText(QCursor.pos(), self.bars[index][3], self)
        else:
            QToolTip.hideText()
