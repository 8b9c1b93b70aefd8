"""The Customers tab's cohort cells (share active 3, 6 and 12 months after each one's
acquisition) settle most cells from the first and last order days; they must equal the
state rules applied in Python to every customer's order days on random files of every
record kind."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, random_store

from custdesk.domain.customer_state import is_active
from custdesk.storage import queries_cohorts as qc
from custdesk.storage import queries_lists as ql


@pytest.fixture(scope="module", params=[61, 62, 63])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("cohorts")), request.param)
    yield s
    s.close()


def _reference(store, lo: date, end: date, window: int) -> list[qc.CohortCell]:
    days = ql.order_days(store, date.max)
    n: Counter[tuple[str, int]] = Counter()
    reached: Counter[tuple[str, int]] = Counter()
    active: Counter[tuple[str, int]] = Counter()
    for f in ql.customer_states(store, end):  # acquisition, loss day and status
        if not lo <= f.acquired <= end:
            continue
        cohort = f"{f.acquired.year}-Q{(f.acquired.month + 2) // 3}"
        for m in qc.COHORT_MONTHS:
            # SQLite's date(acq, '+m months') (a month end can run into the next month)
            (text,) = store.conn.execute("SELECT date(?, ?)", (f.acquired.isoformat(),
                                                              f"+{m} months")).fetchone()
            d = date.fromisoformat(text)
            n[cohort, m] += 1
            if d <= end:
                reached[cohort, m] += 1
                own = days.get(f.id, [])
                i = bisect_right(own, d)
                active[cohort, m] += is_active(f, d, own[i - 1] if i else None, window)
    return [qc.CohortCell(c, m, n[c, m], reached[c, m], active[c, m]) for c, m in sorted(n)]


@pytest.mark.parametrize("window", [30, 90, 365])
def test_cohort_cells_equal_the_state_rules(store, window: int) -> None:
    seen = 0
    for end in (END, END - timedelta(days=150), date(2021, 12, 31)):
        lo = date(end.year - 2, 1, 1)
        cells = qc.cohort_cells(store, lo, end, window)
        assert cells == _reference(store, lo, end, window)
        seen += sum(c.active for c in cells)
    assert seen
