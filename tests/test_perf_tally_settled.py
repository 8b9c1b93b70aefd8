"""The customer tallies with the settled customers summed apart (`queries_tally._SETTLED`:
history ended before the earlier lapse cut, acquired by the earlier day before) must equal
the reference statement (`queries_tally.tallies_reference`, every customer through the
per-customer rules) per segment and lost reason, on random files of every record kind with
customers planted on each boundary of the periods compared: a last order the day before
the cut, on it, the day after; an acquisition on the last settled day and the day after;
a loss recorded on the prior period's start, the day before, the cut, after the end or
never (marked lost); a customer acquired by a won deal without orders; customers with no
order and no date; orders after the period's end (the summary "as of" it); a first order
on the end day (with and without a time of day) or the day after, acquired on the end day,
after it or on the undated day — for one-year,
90-day, whole-span, earlier, prior, one-day and empty periods and several lapse windows."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.storage import Store, queries_summary
from custdesk.storage import queries_tally as qt
from tests.random_kinds import TALLY_SIZE, random_kinds_file

END = date(2026, 11, 24)
WINDOWS = (1, 30, 90, 365)


def _periods() -> list[Period]:
    year = Period(END - timedelta(days=364), END)
    out = [year, year.prior(), Period(END - timedelta(days=89), END),
           Period(date(2016, 1, 1), END),  # the whole span
           Period(END - timedelta(days=564), END - timedelta(days=200)),  # before the last
           Period(END - timedelta(days=150), END - timedelta(days=61)),
           Period(date(2024, 3, 1), date(2024, 3, 1)),  # one day
           Period(date(2000, 1, 1), date(2000, 12, 31)),  # before any record
           Period(END + timedelta(days=30), END + timedelta(days=400))]  # after them
    return out


def _day(text: str, days: int) -> str:
    return (date.fromisoformat(text) + timedelta(days=days)).isoformat()


class _Planter:
    """Adds customers (and their orders and deals) to a file, each in a random segment."""

    def __init__(self, store: Store, rng: random.Random) -> None:
        self.store, self.rng, self.n = store, rng, 0
        self.won = store.conn.execute("SELECT id FROM stages WHERE kind = 'won'").fetchone()[0]

    def customer(self, orders: list[str] = (), **cols: str | None) -> int:  # type: ignore
        self.n += 1
        cols.setdefault("segment", self.rng.choice(["Retail", "SMB", "", None]))
        cols.setdefault("created_on", "2015-06-01")
        names = ["name", "name_key", *cols]
        cid = self.store.conn.execute(
            f"INSERT INTO customers ({', '.join(names)}) VALUES "
            f"({', '.join('?' * len(names))})",
            [f"Planted {self.n}", f"planted {self.n}", *cols.values()]).lastrowid
        for i, day in enumerate(orders):
            ref = f"P{self.n}-{i // 2}"  # two lines per order: a repeat from the third line
            self.store.conn.execute(
                "INSERT INTO orders (customer_id, date, month, order_ref, revenue_e4, cost_e4) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (cid, day, int(day[:4]) * 100 + int(day[5:7]), ref,
                 self.rng.randint(1, 900) * 10_000,
                 self.rng.choice([None, self.rng.randint(1, 500) * 10_000])))
        assert cid is not None
        return cid

    def won_deal(self, cid: int, closed_on: str) -> None:
        self.store.conn.execute(
            "INSERT INTO deals (customer_id, stage_id, amount_e4, closed_on) VALUES (?, ?, ?, ?)",
            (cid, self.won, 50_000, closed_on))


def _plant(store: Store, period: Period, window: int, rng: random.Random) -> None:
    """Customers on each boundary of `_SETTLED` for this period and window."""
    params = qt.flag_params(period, window)
    days = qt.settled_params(params)
    cut, acq = params["cut_before"], days["settled_acq"]
    p = _Planter(store, rng)
    early = _day(cut, -900)
    for shift in (-1, 0, 1):  # the last order the day before the cut, on it, after it
        p.customer([early, _day(cut, shift)])
        p.customer([_day(cut, shift)] * 3)  # a repeat buyer, all on the one day
        p.customer([early, _day(cut, shift), _day(params["end"], 40)])  # and after the end
    p.customer([_day(cut, -1), f"{_day(cut, -1)} 09:30"])  # a time of day on the last line
    for day in (params["year_before"], params["cut_year"]):  # the trailing year's days
        for shift in (-1, 0, 1):
            p.customer([early, _day(day, shift)])
            p.customer([early, _day(day, shift)], lost_on=_day(params["year_before"], shift))
            p.customer([early, _day(day, shift)], status="lost")
    for shift in (0, 1):  # acquired on the last settled day, the day after, or blank
        p.customer([early, _day(cut, -1)], acquired_on=_day(acq, shift))
        p.customer([early, _day(cut, -1)], acquired_on=f"{_day(acq, shift)}T08:00:00")
    p.customer([early, _day(cut, -1)], acquired_on="")
    p.customer([early, _day(cut, -1)], acquired_on="not a day")
    for lost_on in (params["prior_start"], _day(params["prior_start"], -1), cut,
                    params["before"], params["year_before"], _day(params["end"], 1), ""):
        p.customer([early, _day(cut, -1)], lost_on=lost_on, status="lost",
                   lost_reason=rng.choice(["Price", "", None]))
    p.customer([early, _day(cut, -1)], status="lost")  # marked lost, no day
    p.customer([early, _day(params["prior_start"], 1)])  # ordered in the prior period
    for closed in (_day(cut, -1), _day(acq, 1), _day(params["end"], 1)):
        p.won_deal(p.customer([], acquired_on=None), closed)  # won, without orders
        p.won_deal(p.customer([_day(cut, -1)]), _day(cut, -400))  # won before the orders
    end = params["end"]  # not yet customers: first order and acquisition after the end
    for first in (end, f"{end} 10:00", _day(end, 1)):
        p.customer([first, _day(end, 30)])
        p.customer([first], acquired_on=rng.choice([end, _day(end, 1), "9999-12-31"]))
        p.customer([first], acquired_on="not a day", status="lost", lost_on=end)
    p.customer([])  # no order, dated by its row
    p.customer([], created_on="")  # undated


@pytest.fixture(scope="module", params=[81, 82, 83])
def store(request, tmp_path_factory):
    rng = random.Random(request.param)
    s = random_kinds_file(Path(tmp_path_factory.mktemp("settled")) / "settled.db",
                          request.param, END, rng=rng, **TALLY_SIZE)
    with s.transaction():
        for period, window in itertools.product(_periods()[:6], (30, 90)):
            _plant(s, period, window, rng)
    queries_summary.refresh_order_stats(s)  # fresh: the settled are summed apart
    yield s
    s.close()


def _settled_and_not(store: Store, period: Period, window: int) -> tuple[int, int]:
    """How many customers are summed apart (settled or not yet), how many are not."""
    params = qt.flag_params(period, window)
    params.update(qt.settled_params(params))
    settled = qt._SETTLED[True].format(last="s.last_date")
    return store.conn.execute(
        f"SELECT coalesce(sum({settled}), 0), count(*) - coalesce(sum({settled}), 0) "
        "FROM customers c LEFT JOIN customer_order_stats s ON s.customer_id = c.id",
        params).fetchone()


def test_settled_apart_equals_reference(store) -> None:
    assert not queries_summary.is_stale(store)
    both = 0
    for period in _periods():
        for window in WINDOWS:
            got = qt._tallies_by_segment_and_reason(store, period, window)
            assert got == qt.tallies_reference(store, period, window), (period, window)
            settled, rest = _settled_and_not(store, period, window)
            both += settled > 0 and rest > 0
    assert both >= 12  # most (period, window) pairs have customers on both sides


def test_settled_customers_are_counted_once(store) -> None:
    """Every customer is in one branch: the tallies' customer count is the file's."""
    (customers,) = store.conn.execute("SELECT count(*) FROM customers").fetchone()
    for period in _periods()[:3]:
        got = qt._tallies_by_segment_and_reason(store, period, 90)
        assert sum(t.total for _, _, t in got) == customers


def test_stale_summary_gives_the_same(store) -> None:
    """A summary marked stale (lines changed outside custdesk) is not split: same sums."""
    period = _periods()[0]
    fresh = qt._tallies_by_segment_and_reason(store, period, 90)
    store.conn.execute("UPDATE summary_state SET dirty = 1 "
                       "WHERE name = 'customer_order_stats'")
    try:
        assert queries_summary.is_stale(store)
        assert qt._tallies_by_segment_and_reason(store, period, 90) == fresh
    finally:
        store.conn.execute("UPDATE summary_state SET dirty = 0 "
                           "WHERE name = 'customer_order_stats'")
        store.conn.commit()
