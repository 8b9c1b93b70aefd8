"""`renewals_by_period` (one short statement per period: the prior period's customers,
each with an index seek for a line in the period) must equal the grouped statement it
replaced (`renewals_by_period_reference`) on random files of every record kind, lines with
a time of day mixed in, for the trend's months and for random, long and empty periods."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, periods, random_store

from custdesk.domain.periods import Period
from custdesk.services import metrics_service as ms
from custdesk.storage import queries


@pytest.fixture(scope="module", params=[71, 72, 73])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("renewals")), request.param)
    s.conn.execute("UPDATE orders SET date = date || ' 23:59' WHERE id % 13 = 0")
    s.conn.commit()
    yield s
    s.close()


def test_month_renewals_equal_reference(store) -> None:
    renewed = 0
    for end in (END, END - timedelta(days=40), date(2021, 2, 28)):
        months = ms._month_periods(12, end)
        got = queries.renewals_by_period(store, months)
        assert got == queries.renewals_by_period_reference(store, months)
        renewed += sum(r for r, _prior in got.values())
    assert renewed  # the files do have customers who came back


def test_other_periods_equal_reference(store) -> None:
    keyed = [(str(i), p) for i, p in enumerate(periods())]
    keyed.append(("day", Period(END, END)))
    got = queries.renewals_by_period(store, keyed)
    assert got == queries.renewals_by_period_reference(store, keyed)
    assert "3" not in got  # the year 2000: no customer before it
