"""A KPI card: a metric's value, its change against the prior period, n and a tooltip.

Cards take plain objects: an info with `label, unit, higher_is_better, explanation, formula`
(a `MetricInfo`) and values with `value, n, low, high, small_sample` (`MetricValue`).

Changes: money and counts show the relative change in %; percentages and scores show the
difference in points ("+2.1 pts"), because "+10 %" of a 40 % rate is ambiguous.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from custdesk.services.screens.targets import on_track
from custdesk.ui import formatting as fmt

GOOD, BAD, NEUTRAL = "#1f8a4c", "#c0392b", "#7f8c8d"
POINT_UNITS = {"pct", "score"}


PRIOR_COMING = "vs prior …"  # the change line while the prior period is computed


def change_text(current: float | None, prior: float | None, unit: str) -> tuple[str, int]:
    """("▲ 12.5 %", +1) style text and direction (−1, 0, +1); ("", 0) when not comparable."""
    if current is None or prior is None:
        return "", 0
    diff = current - prior
    direction = (diff > 0) - (diff < 0)
    arrow = {1: "▲", -1: "▼", 0: "■"}[direction]
    if unit in POINT_UNITS:
        return f"{arrow} {'+' if diff >= 0 else '−'}{fmt.number(abs(diff), 1)} pts", direction
    if prior == 0:
        return (f"{arrow} from 0" if diff else f"{arrow} no change"), direction
    rel = diff / abs(prior) * 100
    return f"{arrow} {'+' if rel >= 0 else '−'}{fmt.number(abs(rel), 1)} %", direction


def change_colour(direction: int, higher_is_better: bool | None) -> str:
    """Green when the change goes the good way, red the bad way, grey when neutral."""
    if direction == 0 or higher_is_better is None:
        return NEUTRAL
    return GOOD if (direction > 0) == higher_is_better else BAD


class KpiCard(QFrame):
    """One metric. `set_metric(info, current, prior, extra)` fills it; `clear()` blanks it."""

    def __init__(self, metric_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.metric_id = metric_id
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("kpiCard")
        # Preferred height: a row of cards takes its tallest card's height (a card with a
        # target line), the others keep their text at the top (the stretch below)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(140)
        self.title = QLabel()
        self.value = QLabel(fmt.DASH)
        self.change = QLabel()
        self.target_line = QLabel()  # "target 40 · on track", hidden without a target
        self.target_line.hide()
        self.detail = QLabel()
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.value.setFont(font)
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText).name()
        self.title.setStyleSheet(f"color: {muted};")
        self.detail.setStyleSheet(f"color: {muted};")
        for label in (self.title, self.detail, self.change, self.target_line):
            label.setTextFormat(Qt.TextFormat.PlainText)
        # a long title ("New customers ordering again within 90 days"), target line
        # ("off track · target $2.61M"), change ("no change vs prior") or detail ("n = 0 ·
        # ⚠ small sample") wraps in a narrow card (eight in a 1280-px window) rather than
        # being cut off
        for label in (self.title, self.target_line, self.change, self.detail):
            label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(1)
        for w in (self.title, self.value, self.change, self.target_line, self.detail):
            layout.addWidget(w)
        layout.addStretch(1)
        self.direction = 0
        self.on_track: bool | None = None

    def set_metric(self, info: Any, current: Any, prior: Any = None, extra: str = "",
                   target: float | None = None, *, prior_coming: bool = False) -> None:
        """Show `current` (a MetricValue) against `prior` and the owner's `target` (None:
        no target line); `extra` is one more detail line. `prior_coming`: the prior figure
        is still being computed (a screen's first stage), not missing."""
        self.title.setText(info.label)
        value = getattr(current, "value", None)
        self.value.setText(fmt.by_unit(value, info.unit, short=True))
        text, self.direction = change_text(value, getattr(prior, "value", None), info.unit)
        colour = change_colour(self.direction, info.higher_is_better)
        self.change.setText(f"{text} vs prior" if text else
                            PRIOR_COMING if prior_coming else "no prior figure")
        self.change.setStyleSheet(f"color: {colour if text else NEUTRAL};")
        self.detail.setText(self._detail(current, extra))
        self.setToolTip(tooltip_html(info, current, prior))
        self.set_target(info, value, target)

    def set_target(self, info: Any, value: float | None, target: float | None) -> None:
        """"target X · on track" in green, "off track" in red — judged in the metric's
        direction (lower is better for response times, churn, complaints); grey when the
        value is unknown or the metric has no good direction. Hidden without a target."""
        self.on_track = on_track(value, target, info.higher_is_better)
        if target is None:
            self.target_line.hide()
            self.target_line.setText("")
            return
        text, colour = target_text(info, self.on_track, target)
        self.target_line.setText(text)
        self.target_line.setStyleSheet(f"color: {colour};")
        self.target_line.show()
        self.setToolTip(self.toolTip().removesuffix("</p>")
                        + f"<br>Target: {html.escape(fmt.by_unit(target, info.unit))}</p>")

    @staticmethod
    def _detail(current: Any, extra: str) -> str:
        parts = [extra] if extra else []
        n = getattr(current, "n", None)
        if n is not None:
            parts.append(f"n = {fmt.number(n)}")
        if getattr(current, "small_sample", False):
            parts.append("⚠ small sample")
        return "  ·  ".join(parts) or " "

    def clear(self) -> None:
        self.value.setText(fmt.DASH)
        self.target_line.hide()
        self.on_track = None
        self.change.setText(" ")
        self.detail.setText(" ")


def target_text(info: Any, on_track: bool | None, target: float) -> tuple[str, str]:
    """The target line's text and colour."""
    shown = f"target {fmt.by_unit(target, info.unit, short=True)}"
    if on_track is None:
        return shown, NEUTRAL
    # the verdict first: a narrow card cuts the end of the line, never the word that matters
    return (f"on track · {shown}", GOOD) if on_track else (f"off track · {shown}", BAD)


def tooltip_html(info: Any, current: Any, prior: Any) -> str:
    """The metric's plain-English explanation, formula, interval and prior value."""
    lines = [f"<b>{html.escape(info.label)}</b>", html.escape(info.explanation),
             f"<i>Formula:</i> {html.escape(info.formula)}"]
    low, high = getattr(current, "low", None), getattr(current, "high", None)
    if low is not None and high is not None:
        lines.append(f"95 % range: {fmt.by_unit(low, info.unit)} – {fmt.by_unit(high, info.unit)}")
    if prior is not None:
        lines.append(f"Prior period: {fmt.by_unit(getattr(prior, 'value', None), info.unit)}")
    if getattr(current, "small_sample", False):
        lines.append("⚠ Fewer than 30 cases: treat this figure with care.")
    return "<p style='white-space:normal'>" + "<br>".join(lines) + "</p>"
