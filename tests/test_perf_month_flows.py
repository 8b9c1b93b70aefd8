"""The month bridge from customers grouped by what decides their states
(`queries_series.month_flows`: boundaries reached by the acquisition and by the loss
mark, lapse bits, counted in Python per group) must equal the per-customer sums it
replaced (`month_flows_reference`), on random files of every record kind with lost marks
with and without a day, late and blank acquisitions, lines at a time of day, for several
windows, ends, month counts and back-to-back periods of other lengths. (Against the
Python bridge: tests/test_perf_catalogue_series.py.)"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, random_store

from custdesk.domain.periods import Period
from custdesk.services import metrics_service as ms
from custdesk.storage import queries_series as qs


@pytest.fixture(scope="module", params=[131, 132, 133])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("flows")), request.param)
    s.conn.execute("UPDATE orders SET date = date || ' 10:00' WHERE id % 17 = 0")
    s.conn.commit()
    yield s
    s.close()


@pytest.mark.parametrize("window", [1, 30, 90, 365])
def test_months_equal_reference(store, window: int) -> None:
    moved = 0
    for end in (END, date(2026, 12, 31), date(2025, 7, 31), date(2019, 1, 1)):
        for months in (1, 12, 24):
            periods = [p for _, p in ms._month_periods(months, end)]
            got = qs.month_flows(store, periods, window)
            assert got == qs.month_flows_reference(store, periods, window)
            moved += sum(r[4] + r[2] for r in got)
    assert moved  # customers were lost and won back


def test_other_back_to_back_periods_equal_reference(store) -> None:
    rng = random.Random(9)
    for _ in range(6):
        start = date(2017, 1, 1) + timedelta(days=rng.randint(0, 3000))
        periods = []
        for _ in range(rng.randint(1, 15)):
            end = start + timedelta(days=rng.randint(0, 120))
            periods.append(Period(start, end))
            start = end + timedelta(days=1)
        window = rng.choice([7, 60, 200])
        assert qs.month_flows(store, periods, window) == qs.month_flows_reference(
            store, periods, window)


def test_group_flows_of_nothing() -> None:
    assert qs._group_flows(3, []) == [[0] * 6 for _ in range(3)]
    assert qs.month_flows(store=None, periods=[], window=90) == []  # type: ignore[arg-type]


def test_many_periods_go_by_the_reference(store) -> None:
    start = date(2020, 1, 1)
    periods = [Period(start + timedelta(days=7 * i), start + timedelta(days=7 * i + 6))
               for i in range(70)]
    assert qs.month_flows(store, periods, 30) == qs.month_flows_reference(store, periods, 30)
