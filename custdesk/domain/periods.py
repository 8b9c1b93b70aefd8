"""Closed date ranges (`from..to`) and the date helpers every metric shares.

Dates are handled as `datetime.date`; records carry ISO text, so `iso()`/`day()` convert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# METRICS.md "Periods": id -> label, in the order the period bar lists them.
PRESET_LABELS: dict[str, str] = {
    "this_month": "This month",
    "last_month": "Last month",
    "last_30_days": "Last 30 days",
    "last_90_days": "Last 90 days",
    "this_quarter": "This quarter",
    "last_quarter": "Last quarter",
    "year_to_date": "Year to date",
    "last_12_months": "Last 12 months",
    "last_year": "Last year",
    "all": "All time",
}
PRESETS = tuple(PRESET_LABELS)
# The day presets count back from is the data's last day when the data ends this many days
# or more before today (METRICS.md "Periods": "more than 31 days").
STALE_AFTER_DAYS = 31


def day(text: str | None) -> date | None:
    """ISO date or timestamp text -> date; None stays None."""
    if not text:
        return None
    return date.fromisoformat(text[:10])


def iso(d: date) -> str:
    return d.isoformat()


def month_key(d: date) -> str:
    """date -> "YYYY-MM"."""
    return f"{d.year:04d}-{d.month:02d}"


def add_months(d: date, months: int) -> date:
    """First day of the month `months` after d's month."""
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(d: date) -> date:
    return add_months(d, 1) - timedelta(days=1)


def one_year_before(d: date) -> date:
    """The same day a year earlier (29 Feb -> 28 Feb)."""
    try:
        return d.replace(year=d.year - 1)
    except ValueError:
        return d.replace(year=d.year - 1, day=28)


def preset_anchor(today: date, data_end: date | None) -> date:
    """T for the presets: today, or the data's last day when the data ends more than
    `STALE_AFTER_DAYS` days before today (METRICS.md "Periods")."""
    if data_end is not None and (today - data_end).days > STALE_AFTER_DAYS:
        return data_end
    return today


@dataclass(frozen=True, slots=True)
class MonthSlot:
    """One point of a monthly series: the calendar month, the days of it inside the
    series' range, and whether it is partial (not complete as of the range's end, or cut
    by its start)."""

    key: str
    start: date
    end: date
    partial: bool

    def days(self) -> int:
        return (self.end - self.start).days + 1


def month_slots(start: date, end: date) -> list[MonthSlot]:
    """The calendar months from `start`'s month to `end`'s month, each clipped to
    start..end; a clipped month is partial (METRICS.md "Monthly series")."""
    out: list[MonthSlot] = []
    cursor = date(start.year, start.month, 1)
    while cursor <= end:
        last = month_end(cursor)
        lo, hi = max(cursor, start), min(last, end)
        out.append(MonthSlot(month_key(cursor), lo, hi, lo != cursor or hi != last))
        cursor = add_months(cursor, 1)
    return out


def trailing_months(end: date, months: int) -> list[MonthSlot]:
    """The `months` calendar months ending with `end`'s month (the last one partial unless
    `end` is its last day)."""
    return month_slots(add_months(date(end.year, end.month, 1), 1 - months), end)


@dataclass(frozen=True, slots=True)
class Period:
    """A closed range of days: both `start` and `end` are included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    def days(self) -> int:
        """Number of days in the period, both ends included."""
        return (self.end - self.start).days + 1

    def prior(self) -> Period:
        """The range of equal length just before `start` (METRICS.md: prior period)."""
        length = timedelta(days=self.days())
        return Period(self.start - length, self.start - timedelta(days=1))

    def day_before(self) -> date:
        return self.start - timedelta(days=1)

    def contains(self, d: date | None) -> bool:
        return d is not None and self.start <= d <= self.end

    def months(self) -> list[str]:
        """"YYYY-MM" of every month the period touches, in order."""
        out, cursor = [], date(self.start.year, self.start.month, 1)
        while cursor <= self.end:
            out.append(month_key(cursor))
            cursor = add_months(cursor, 1)
        return out

    @classmethod
    def month(cls, key: str) -> Period:
        """The calendar month "YYYY-MM"."""
        first = date(int(key[:4]), int(key[5:7]), 1)
        return cls(first, month_end(first))

    @classmethod
    def trailing_year(cls, end: date) -> Period:
        """The 365 days ending on `end`."""
        return cls(end - timedelta(days=364), end)

    @classmethod
    def preset(cls, name: str, today: date, span: Period | None = None) -> Period:
        """A named period (see PRESETS) for the day T = `today` it is computed on.

        "all" is the data's whole `span` (T alone when there is no data)."""
        first = date(today.year, today.month, 1)
        quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        if name == "this_month":
            return cls(first, today)
        if name == "last_month":
            return cls(add_months(first, -1), first - timedelta(days=1))
        if name == "last_30_days":
            return cls(today - timedelta(days=29), today)
        if name == "last_90_days":
            return cls(today - timedelta(days=89), today)
        if name == "this_quarter":
            return cls(quarter, today)
        if name == "last_quarter":
            return cls(add_months(quarter, -3), quarter - timedelta(days=1))
        if name == "year_to_date":
            return cls(date(today.year, 1, 1), today)
        if name == "last_12_months":  # T minus one year plus one day: 365 or 366 days
            return cls(one_year_before(today) + timedelta(days=1), today)
        if name == "last_year":
            return cls(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
        if name == "all":
            return span if span is not None else cls(today, today)
        raise ValueError(f"unknown period {name!r}; choose one of {', '.join(PRESETS)}")

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"
