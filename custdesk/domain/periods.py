"""Closed date ranges (`from..to`) and the date helpers every metric shares.

Dates are handled as `datetime.date`; records carry ISO text, so `iso()`/`day()` convert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

PRESETS = ("this_month", "last_month", "this_quarter", "last_12_months", "year_to_date")


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
    def preset(cls, name: str, today: date) -> Period:
        """A named period relative to `today` (see PRESETS)."""
        first = date(today.year, today.month, 1)
        if name == "this_month":
            return cls(first, today)
        if name == "last_month":
            start = add_months(first, -1)
            return cls(start, first - timedelta(days=1))
        if name == "this_quarter":
            return cls(date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today)
        if name == "last_12_months":
            return cls(add_months(first, -11), today)
        if name == "year_to_date":
            return cls(date(today.year, 1, 1), today)
        raise ValueError(f"unknown period {name!r}; choose one of {', '.join(PRESETS)}")

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"
