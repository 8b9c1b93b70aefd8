"""What the demo's parts share: each customer's life (when they came, ordered, paused and
left) and the small helpers that keep every generated record inside it.

The feedback and deals of the demo (`demo_feedback`, `demo_deals`) read these lives so that
nothing is dated before its customer exists or after the demo's last day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

ACTIVITY_WINDOW = 365  # the default business setting W (METRICS.md, Customer state)


@dataclass
class CustomerLife:
    """One demo customer's story, as the generator decided it."""

    id: int
    acquired: date
    leaves_on: date | None = None  # the day they stop ordering (None: they stay)
    told_us: bool = False  # marked lost with a date and reason (else they lapse silently)
    won_back: bool = False  # paused for over a year, then came back
    company: str = ""
    orders: list[date] = field(default_factory=list)  # distinct order days, ascending

    def last_order(self, as_of: date) -> date | None:
        past = [d for d in self.orders if d <= as_of]
        return past[-1] if past else None

    def active_at(self, as_of: date) -> bool:
        """Active as of the day by METRICS.md's rule (acquired, not marked lost, ordered
        within the activity window)."""
        if self.acquired > as_of:
            return False
        if self.told_us and self.leaves_on is not None and self.leaves_on <= as_of:
            return False
        last = self.last_order(as_of)
        return last is not None and (as_of - last).days <= ACTIVITY_WINDOW

    def regular_at(self, as_of: date, recent_days: int = 150) -> bool:
        """Active, staying, and ordered lately: a safe customer to give a fresh story to."""
        last = self.last_order(as_of)
        return (self.active_at(as_of) and self.leaves_on is None and last is not None
                and (as_of - last).days <= recent_days)


def span_day(rng: random.Random, lo: date, hi: date) -> date:
    """A day in lo..hi (lo when the range is empty)."""
    return lo + timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


def at_hour(rng: random.Random, d: date, first: int = 8, last: int = 17) -> datetime:
    """A working-hours moment on the day."""
    return datetime.combine(d, time(rng.randint(first, last), rng.choice((0, 15, 30, 45))))


def end_of(d: date) -> datetime:
    """The last moment of the day (nothing in the demo happens after it)."""
    return datetime.combine(d, time(23, 59, 59))


def pick_lives(rng: random.Random, lives: list[CustomerLife], as_of: date, count: int,
               exclude: set[int] | None = None) -> list[CustomerLife]:
    """Up to `count` regular customers as of the day (see `regular_at`), not in `exclude`."""
    pool = [life for life in lives if life.regular_at(as_of)
            and life.id not in (exclude or set())]
    return rng.sample(pool, min(count, len(pool)))
