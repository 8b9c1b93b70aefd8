"""The Customers tab's cohort cells (share active 3, 6 and 12 months after each one's
acquisition) settle most cells from the first and last order days; they must equal the
state rules applied in Python to every customer's order days on random files of every
record kind."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, cohort_cells_reference, random_store

from custdesk.storage import queries_cohorts as qc


@pytest.fixture(scope="module", params=[61, 62, 63])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("cohorts")), request.param)
    yield s
    s.close()


@pytest.mark.parametrize("window", [30, 90, 365])
def test_cohort_cells_equal_the_state_rules(store, window: int) -> None:
    seen = 0
    for end in (END, END - timedelta(days=150), date(2021, 12, 31)):
        lo = date(end.year - 2, 1, 1)
        cells = qc.cohort_cells(store, lo, end, window)
        assert cells == cohort_cells_reference(store, lo, end, window)
        seen += sum(c.active for c in cells)
    assert seen
