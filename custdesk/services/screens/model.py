"""What a screen is: the plain, Qt-free data one tab draws (and `custdesk screen` prints).

A screen builder (`services/screens/<name>.py`, `build(store, period) -> Screen`) computes
everything a tab shows — KPI cards, work lists, monthly series, tables — by calling the
metrics services directly. The tab only draws it; the command line prints `to_json(screen)`.
So a number on a tab and the same number in `custdesk screen NAME --json` come from one call.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from custdesk.domain.metric_catalogue import METRICS, MetricInfo
from custdesk.domain.metric_values import MetricValue
from custdesk.domain.periods import MonthSlot, Period

Row = Mapping[str, Any]
# A period shorter than this is not compared with its prior one: "this month" on the 1st
# would compare one day with one day (+505.6 % from noise).
MIN_COMPARE_DAYS = 7


@dataclass(frozen=True)
class Card:
    """One KPI card: the metric now, in the prior period, and the owner's target if any.

    `extra` is a second figure drawn small on the card (e.g. "worth $12k"), by metric id.
    `info` describes a figure that is not in the METRICS.md catalogue (a tab's own count);
    catalogue metrics take theirs from the catalogue."""

    metric: str
    current: MetricValue | None
    prior: MetricValue | None = None
    target: float | None = None
    extra: str | None = None
    extra_value: MetricValue | None = None
    info: MetricInfo | None = None

    @property
    def metric_info(self) -> MetricInfo | None:
        return self.info or METRICS.get(self.metric)

    @property
    def label(self) -> str:
        info = self.metric_info
        return info.label if info is not None else self.metric

    @property
    def unit(self) -> str:
        info = self.metric_info
        return info.unit if info is not None else ""

    @property
    def value(self) -> float | None:
        return None if self.current is None else self.current.value


@dataclass(frozen=True)
class SeriesPoint:
    """One month of a monthly series. `partial`: the month is not complete in the range
    (drawn distinctly, printed with its day count — never shown as a whole month)."""

    month: str
    value: float | None
    partial: bool = False
    days: int | None = None

    @classmethod
    def of(cls, slot: MonthSlot, value: float | None) -> SeriesPoint:
        return cls(slot.key, value, slot.partial, slot.days())


@dataclass(frozen=True)
class Screen:
    """Everything one tab shows for one period.

    `empty` is True when the file holds nothing this screen can show (the tab then shows its
    "import this" state); `notes` are short sentences shown above the content (e.g. why a
    panel is blank)."""

    name: str
    period: Period
    period_label: str
    cards: dict[str, Card] = field(default_factory=dict)
    lists: dict[str, list[Any]] = field(default_factory=dict)
    series: dict[str, list[SeriesPoint]] = field(default_factory=dict)
    tables: dict[str, list[Any]] = field(default_factory=dict)
    empty: bool = False
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        days = self.period.days()
        if days >= MIN_COMPARE_DAYS or not any(c.prior for c in self.cards.values()):
            return
        # frozen: set once here, so the tab and `custdesk screen` both get it
        object.__setattr__(self, "cards", {
            k: dataclasses.replace(c, prior=None) for k, c in self.cards.items()})
        note = (f"Only {days} day{'s' if days > 1 else ''} in this period: no comparison "
                f"with the period before until {MIN_COMPARE_DAYS} days have passed.")
        object.__setattr__(self, "notes", (*self.notes, note))

    @classmethod
    def nothing(cls, name: str, period: Period, label: str, cards: Sequence[str] = (),
                lists: Sequence[str] = (), tables: Sequence[str] = ()) -> Screen:
        """An empty screen that still has every key (null cards, empty lists and tables), so
        scripts reading `custdesk screen NAME --json` can rely on them."""
        return cls(name, period, label, cards={m: Card(m, None) for m in cards},
                   lists={n: [] for n in lists}, tables={n: [] for n in tables}, empty=True)

    def with_series(self, series: Mapping[str, list[SeriesPoint]]) -> Screen:
        """This screen with `series` added (the slower second stage of a tab's load)."""
        return dataclasses.replace(self, series={**self.series, **series})


# ----- JSON: plain numbers/strings/null, unformatted -------------------------------------
def plain(value: Any) -> Any:
    """`value` as plain JSON data: dates as ISO text, Decimal/float as numbers (NaN/inf as
    null), dataclasses and mappings as objects, sequences as lists."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value + 0.0 if math.isfinite(value) else None  # + 0.0: no "-0.0"
    if isinstance(value, Decimal):
        return plain(float(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, MetricValue):
        return plain(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Sequence | set | frozenset):
        return [plain(v) for v in value]
    return str(value)


def card_json(card: Card) -> dict[str, Any]:
    current = card.current or MetricValue(None, None)
    out = {"label": card.label, "unit": card.unit, "value": plain(current.value),
           "n": current.n,
           "low": plain(current.low), "high": plain(current.high),
           "prior": plain(card.prior.value if card.prior is not None else None),
           "target": plain(card.target)}
    if card.extra is not None:
        out["extra"] = {"metric": card.extra, "value": plain(card.extra_value)}
    return out


def to_json(screen: Screen) -> dict[str, Any]:
    """The shape `custdesk screen NAME --json` prints (issue "one road")."""
    return {
        "screen": screen.name,
        "period": {"from": screen.period.start.isoformat(), "to": screen.period.end.isoformat(),
                   "label": screen.period_label},
        "empty": screen.empty,
        "notes": list(screen.notes),
        "cards": {mid: card_json(card) for mid, card in screen.cards.items()},
        "lists": {name: [plain(r) for r in rows] for name, rows in screen.lists.items()},
        "series": {sid: [{"month": p.month, "value": plain(p.value), "partial": p.partial,
                          "days": p.days} for p in points]
                   for sid, points in screen.series.items()},
        "tables": {name: [plain(r) for r in rows] for name, rows in screen.tables.items()},
    }
