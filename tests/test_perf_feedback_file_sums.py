"""The whole file's feedback sums of one period without the segments
(`queries_feedback.file_sums`, what Why reads) == the reference (`_totals` by no group) and
the kept sums by segment's file group; on random files of every record kind with odd
tickets (the fixture of tests/test_perf_feedback_groups.py: blank and misspelt topics,
tickets without an opening time, ties, repeats on the window's edge)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from custdesk.domain.metrics_feedback import FeedbackTotals
from custdesk.domain.periods import Period
from custdesk.storage import queries_cache
from custdesk.storage import queries_feedback as qf
from tests.test_perf_feedback_groups import END, _periods, store  # noqa: F401 (fixture)


def _reference(s, period: Period, repeat_days: int) -> FeedbackTotals:
    return qf._totals(s, [("", period)], repeat_days, None, True).get(("", ""),
                                                                      FeedbackTotals())


def _all_periods() -> list[Period]:
    # a year, the whole span, one with no record, random ones (some ending before the last
    # record), 90 days, and a single boundary day
    return [*_periods(), Period(END - timedelta(days=89), END), Period(END, END)]


@pytest.mark.parametrize("repeat_days", [1, 7, 30])
def test_file_sums_equal_the_reference(store, repeat_days: int,  # noqa: F811
                                       monkeypatch) -> None:
    """Summed (nothing kept), and read from the kept sums by segment: the same."""
    seen_tickets = False
    for period in _all_periods():
        queries_cache.clear(store)
        want = _reference(store, period, repeat_days)
        assert qf.file_sums(store, period, repeat_days) == want, period
        seen_tickets = seen_tickets or bool(want.opened_with_time and want.repeats)
        with monkeypatch.context() as m:  # kept: not summed again
            m.setattr(qf, "_file_sums", None)
            assert qf.file_sums(store, period, repeat_days) == want, period
        queries_cache.clear(store)
        qf.feedback_totals(store, [("", period)], repeat_days, by="segment+total")
        with monkeypatch.context() as m:  # the segments' kept: their file group read
            m.setattr(qf, "_file_sums", None)
            assert qf.file_sums(store, period, repeat_days) == want, period
    assert seen_tickets  # some period has tickets and repeats: not a vacuous check


def test_file_sums_follow_a_write(store) -> None:  # noqa: F811
    """Kept sums are not served after a write (the cache's data version)."""
    period = _periods()[0]
    before = qf.file_sums(store, period, 7)
    tid = store.conn.execute("SELECT max(id) FROM tickets").fetchone()[0]
    with store.transaction():
        store.conn.execute("INSERT INTO tickets (customer_id, opened_at, topic, csat, "
                           "is_complaint) SELECT customer_id, ?, topic, 5, 1 FROM tickets "
                           "WHERE id = ?", (f"{END.isoformat()}T09:00:00", tid))
    try:
        after = qf.file_sums(store, period, 7)
        assert after.complaints == before.complaints + 1
        assert after == _reference(store, period, 7)
    finally:
        with store.transaction():
            store.conn.execute("DELETE FROM tickets WHERE id > ?", (tid,))
