"""Two shortcuts of the customer tallies (`queries_tally._SUMS`) must give the reference
statement's sums (`queries_tally.tallies_reference`) per segment and lost reason:

- a new repeat buyer's first order's value with the key's lines of the first day read on
  the covering date index and its lines on later days apart (`_FIRST_VALUE_BY_KEY`):
  orders with lines on the first day and a later one, on the end day, after it, at a time
  of day on the end day; two keys on the first day; a first day without references; a
  reference spelled like a day key ('d' + a later day, with lines without one that day);
- a lost customer's revenue in the W days up to their anchor read as their revenue to date
  when every line up to the end lies in those days (`_LOST_WINDOW`): a first order on the
  window's first day, the day before it, at a time of day; a recorded loss before later
  orders (another anchor) and after the last one; a line on the loss day beside one at a
  time of day that day (the anchor is not the last line); orders after the period's end.

Customers are planted on those boundaries of each period compared (a year, its prior, 90
days, the whole span, one ending before the last order) and lapse window (30, 90, 365),
in random files of every record kind."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.storage import Store, queries_summary
from custdesk.storage import queries_tally as qt
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
WINDOWS = (30, 90, 365)


def _periods() -> list[Period]:
    year = Period(END - timedelta(days=364), END)
    return [year, year.prior(), Period(END - timedelta(days=89), END),
            Period(date(2016, 1, 1), END),
            Period(END - timedelta(days=564), END - timedelta(days=200))]


def _day(text: str, days: int) -> str:
    return (date.fromisoformat(text[:10]) + timedelta(days=days)).isoformat()


class _Lines:
    """Adds customers with order lines given as (day, order ref or None)."""

    def __init__(self, store: Store, rng: random.Random) -> None:
        self.store, self.rng, self.n = store, rng, 0

    def customer(self, lines: list[tuple[str, str | None]], **cols: str | None) -> None:
        self.n += 1
        cols.setdefault("segment", self.rng.choice(["Retail", "SMB", ""]))
        cols.setdefault("created_on", "2015-06-01")
        names = ["name", "name_key", *cols]
        cid = self.store.conn.execute(
            f"INSERT INTO customers ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            [f"Lines {self.n}", f"lines {self.n}", *cols.values()]).lastrowid
        for day, ref in lines:
            self.store.conn.execute(
                "INSERT INTO orders (customer_id, date, month, order_ref, revenue_e4, cost_e4) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (cid, day, int(day[:4]) * 100 + int(day[5:7]),
                 None if ref is None else f"{ref}" if ref.startswith("d2") else
                 f"L{self.n}-{ref}", self.rng.randint(1, 900) * 10_000,
                 self.rng.choice([None, self.rng.randint(1, 500) * 10_000])))


def _plant(store: Store, period: Period, window: int, rng: random.Random) -> None:
    params = qt.flag_params(period, window)
    end, start = params["end"], params["start"]
    p = _Lines(store, rng)
    # new repeat buyers (first order in the period, acquired by it)
    for first in {start, _day(start, 5), _day(end, -20)}:
        f = first
        p.customer([(f, "A"), (_day(f, 3), "A"), (_day(f, 10), "B")])
        p.customer([(f, "A"), (end, "A"), (_day(end, 5), "A"), (_day(f, 1), "B")])
        p.customer([(f, "A"), (f"{end} 10:00", "A"), (_day(f, 2), "B")])
        p.customer([(f, None), (f, "A"), (_day(f, 4), "A")])  # two keys on the first day
        p.customer([(f, None), (f, None), (_day(f, 7), "B"), (_day(f, 95), None)])
        later = _day(f, 5)
        p.customer([(f, f"d{later}"), (f, None), (later, None), (later, "C"), (end, "C")])
        p.customer([(f, "A"), (f, "A"), (_day(f, 91), "B")], acquired_on=f)
    # lost customers: every line in the W days up to the anchor, or one line before them
    for last in (_day(start, -1), _day(params["cut_end"], -1), _day(end, -window - 3)):
        low = _day(last, -(window - 1))
        p.customer([(low, "A"), (last, "B")])  # the window's first day: inside
        p.customer([(_day(low, -1), "A"), (last, "B")])  # the day before: a look
        p.customer([(f"{_day(low, -1)} 23:00", "A"), (last, "B")])
        p.customer([(low, "A"), (f"{last} 08:15", "B")])
        p.customer([(low, "A"), (last, "B"), (_day(end, 3), "C")])  # and after the end
        p.customer([(low, "A"), (last, "B"), (_day(last, 2), "C")],
                   lost_on=_day(last, 1), status="lost", lost_reason="Price")  # another anchor
        p.customer([(low, "A"), (last, "B")], lost_on=_day(last, 1), status="lost")
        # a line on the loss day and one at a time of day that day: the anchor (the last
        # line up to the loss day, '<= lost_on') is the plain one, not their last line
        p.customer([(low, "A"), (last, "B"), (f"{last} 10:00", "C")], lost_on=last,
                   status="lost")
        p.customer([(last, "A")], lost_on=last)


@pytest.fixture(scope="module", params=[91, 92])
def store(request, tmp_path_factory):
    rng = random.Random(request.param)
    s = random_kinds_file(Path(tmp_path_factory.mktemp("firstlost")) / "f.db",
                          request.param, END, rng=rng, customers=(40, 150),
                          lines=(200, 1500), deals=(30, 200), tickets=(30, 300),
                          surveys=(20, 150))
    with s.transaction():
        for period, window in itertools.product(_periods(), WINDOWS):
            _plant(s, period, window, rng)
    queries_summary.refresh_order_stats(s)
    yield s
    s.close()


def test_shortcuts_equal_reference(store) -> None:
    seen_first = seen_lost = 0
    for period, window in itertools.product(_periods(), WINDOWS):
        got = qt._tallies_by_segment_and_reason(store, period, window)
        assert got == qt.tallies_reference(store, period, window), (period, window)
        seen_first += sum(t.first_e4 > 0 for _, _, t in got)
        seen_lost += sum(t.lost_e4 > 0 for _, _, t in got)
    assert seen_first and seen_lost  # both sums were exercised
