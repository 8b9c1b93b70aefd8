"""The monthly pack's charts as plain specs (Qt-free): what to draw, not how.

`services/review_service.py` fills them from the screens' own monthly series;
`reports/monthly_render.py` paints them at print resolution. A chart appears in the pack's
HTML as `<img src="chart:KEY">`, laid out at `WIDTH`×`HEIGHT` document pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 340, 165  # document pixels (96 per inch): half the A4 text width
PRINT_DPI = 300


@dataclass(frozen=True)
class ChartSeries:
    """One series: `style` "bar" (solid dark, or hatched when `hatched`) or "line"."""

    name: str
    values: tuple[float | None, ...]
    style: str = "bar"
    hatched: bool = False


@dataclass(frozen=True)
class Chart:
    """A small monthly chart. `partial[i]`: point i is an incomplete month (drawn lighter
    with a dashed outline and its day count under the label); `target`: a dashed target
    step per point (None where there is none)."""

    title: str
    labels: tuple[str, ...]
    series: tuple[ChartSeries, ...]
    unit: str = "count"  # money, pct, count, score
    partial: tuple[bool, ...] = ()
    days: tuple[int | None, ...] = ()
    target: tuple[float | None, ...] = ()
    currency: str = "$"
    y_range: tuple[float, float] | None = None  # fixed axis (e.g. NPS −100..100)
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def has_data(self) -> bool:
        return any(v is not None for s in self.series for v in s.values)


def chart_tag(key: str, width: int = WIDTH, height: int = HEIGHT) -> str:
    """The HTML image of chart `key` (its pixels are added to the document when printed)."""
    return f"<img src='chart:{key}' width='{width}' height='{height}'>"


def short_value(value: float, unit: str, currency: str = "$", compact: bool = False) -> str:
    """Axis and bar labels: "$12.3k", "41 %", "7", "5.7"; `compact` (on a bar): "195k"."""
    if unit == "money":
        a = abs(value)
        sign = "−" if value < 0 else ""
        symbol = "" if compact else currency
        if a >= 1_000_000:
            return f"{sign}{symbol}{a / 1_000_000:.1f}M"
        if a >= 1000:
            k = a / 1000
            return f"{sign}{symbol}{k:.0f}k" if compact and k >= 10 else f"{sign}{symbol}{k:.1f}k"
        return f"{sign}{symbol}{a:.0f}"
    if unit == "pct":
        return f"{value:.0f} %"
    if unit == "score":
        return f"{value:.1f}"
    return f"{value:,.0f}"


def month_label(key: str) -> str:
    """"2026-11" -> "Nov" ("Jan 26" for January, so a year boundary is visible); a day
    "2026-06-04" -> "4 Jun"."""
    if len(key) == 10:  # a day ("2026-06-04"): "4 Jun"
        try:
            return f"{int(key[8:])} {month_label(key[:7]).split()[0]}"
        except ValueError:
            return key
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    try:
        year, month = int(key[:4]), int(key[5:7])
    except ValueError:
        return key
    return f"{names[month - 1]} {year % 100:02d}" if month == 1 else names[month - 1]


def nice_ceiling(values: Sequence[float]) -> float:
    """A round top for the axis (1, 2, 2.5, 5 × 10^k) at or above the largest value."""
    top = max([abs(v) for v in values] + [0.0])
    if top <= 0:
        return 1.0
    scale = 10 ** len(str(int(top))) / 10 if top >= 1 else 1.0
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * scale >= top:
            return step * scale
    return 10 * scale
