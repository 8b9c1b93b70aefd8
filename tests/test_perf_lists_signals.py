"""The at-risk list's ticket signals (`queries_feedback.ticket_signals`: unresolved
complaints, recent repeat contacts) keep the tickets that can signal first, then group
them: they must equal the statement this replaced (`SIGNALS_REFERENCE`, which grouped every
ticket in customer order) on random files of every record kind, with blank and timed
ticket dates mixed in, for as-of days at, before and long before the file's end."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, random_store

from custdesk.storage import queries_feedback as qf

DAYS = (END, END - timedelta(days=1), END - timedelta(days=45), END - timedelta(days=400),
        date(2019, 6, 30), date(2000, 1, 1))


@pytest.fixture(scope="module", params=[61, 62, 63])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("signals")), request.param)
    # odd corners: blank opening times (the day falls back to the response or the
    # resolution), a resolution the same day, complaints left open
    s.conn.execute("UPDATE tickets SET opened_at = '' WHERE id % 11 = 0")
    s.conn.execute("UPDATE tickets SET resolved_at = NULL, is_complaint = 1 WHERE id % 7 = 0")
    s.conn.execute("UPDATE tickets SET resolved_at = substr(opened_at, 1, 10) "
                   "WHERE id % 13 = 0 AND opened_at != ''")
    s.conn.commit()
    yield s
    s.close()


@pytest.mark.parametrize(("repeat_days", "lookback"), [(7, 30), (0, 30), (30, 90), (3, 365)])
def test_ticket_signals_equal_reference(store, repeat_days: int, lookback: int) -> None:
    found = 0
    for as_of in DAYS:
        got = qf.ticket_signals(store, as_of, repeat_days, lookback)
        assert got == qf.ticket_signals(store, as_of, repeat_days, lookback,
                                        sql=qf.SIGNALS_REFERENCE)
        assert list(got[1]) == sorted(got[1])  # by customer id, as before
        found += len(got[0]) + len(got[1])
    assert found  # the files do have signals to compare
