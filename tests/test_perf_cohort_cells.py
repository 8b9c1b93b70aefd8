"""Loyalty's cohort cells with each customer's months as columns
(`queries_loyalty.cohort_cells`: actives summed per cohort and month column) must equal
the statement with one row per customer and month it replaced (`cohort_cells_reference`),
on random files of every record kind with lost marks with and without a day, late and
blank acquisitions, lines at a time of day: by month and quarter, several windows, ends
and month counts (month-end acquisitions included: the cell days are SQLite's)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, random_store

from custdesk.storage import queries_loyalty as ql


@pytest.fixture(scope="module", params=[151, 152, 153])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("cohort_cells")), request.param)
    s.conn.execute("UPDATE orders SET date = date || ' 10:00' WHERE id % 11 = 0")
    s.conn.execute("UPDATE customers SET acquired_on = '2025-01-31' WHERE id % 10 = 1")
    s.conn.execute("UPDATE customers SET acquired_on = '2024-02-29' WHERE id % 10 = 2")
    s.conn.commit()
    yield s
    s.close()


@pytest.mark.parametrize("window", [1, 30, 90, 365])
def test_cells_equal_reference(store, window: int) -> None:
    active = 0
    for end in (END, END - timedelta(days=70), date(2025, 3, 31), date(2019, 6, 30)):
        lo = date(end.year - 2, 1, 1)
        for by, months in (("month", 12), ("quarter", 12), ("month", 3), ("quarter", 0)):
            got = ql.cohort_cells(store, lo, end, window, by=by, max_months=months)
            assert got == ql.cohort_cells_reference(store, lo, end, window, by=by,
                                                    max_months=months)
            active += sum(c.active for c in got)
    assert active


def test_no_cohort_and_a_bad_grouping(store) -> None:
    assert ql.cohort_cells(store, date(2000, 1, 1), date(2000, 12, 31), 90) == []
    with pytest.raises(ValueError):
        ql.cohort_cells(store, END, END, 90, by="week")
