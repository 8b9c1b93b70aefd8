"""The at-risk list reads only the NPS answers recent enough to count
(`queries_lists.recent_latest_nps`) and writes reasons only for the customers where a signal
can fire: its reasons and values must equal `compute_risk_reference` (every latest answer,
`lists.risk_reasons` for every active customer) on random files of every record kind — with
answers at a time of day, answers exactly on the recency boundary, several answers on one
day, customers with one order, recency settings from one day to longer than the calendar,
and as-of days at, before and long before the file's end."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, random_store

from custdesk.domain.periods import day
from custdesk.services import metrics_service  # noqa: F401  (imports metrics_lists first)
from custdesk.storage import queries_cache, queries_summary
from custdesk.storage import queries_feedback as qf
from custdesk.storage import queries_lists as ql
from custdesk.storage.repository import set_setting


def _risk(store, as_of: date):
    """(the risk as computed, as its reference computes it) as of the day."""
    from custdesk.services import metrics_lists as ml  # after metrics_service (re-exports it)

    queries_cache.clear(store)
    return ml._compute_risk(store, as_of), ml.compute_risk_reference(store, as_of)


DAYS = (END, END - timedelta(days=1), END - timedelta(days=60), END - timedelta(days=400),
        date(2019, 6, 30), date(2000, 1, 1))
RECENT = ("1", "30", "180", "10000000")


@pytest.fixture(scope="module", params=[71, 72, 73])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("risknps")), request.param)
    # answers at a time of day, answers on the 180-day boundary of the file's end and the
    # day after it, low scores on the last day, and a second answer the same day (id order)
    s.conn.execute("UPDATE surveys SET date = date || ' 09:15' WHERE id % 5 = 0")
    s.conn.execute("UPDATE surveys SET date = ?, nps = 3 WHERE id % 7 = 1",
                   ((END - timedelta(days=180)).isoformat(),))
    s.conn.execute("UPDATE surveys SET date = ?, nps = 5 WHERE id % 7 = 2",
                   ((END - timedelta(days=179)).isoformat(),))
    s.conn.execute("UPDATE surveys SET date = ?, nps = 0, kind = 'customer' WHERE id % 9 = 3",
                   (END.isoformat(),))
    s.conn.execute("INSERT INTO surveys (date, customer_id, kind, nps) "
                   "SELECT date, customer_id, 'customer', 10 - coalesce(nps, 0) FROM surveys "
                   "WHERE id % 4 = 0 AND customer_id IS NOT NULL")
    # customers with one order (recent, and older than half the window), two with the
    # same value at risk (ties sort by id)
    for i, days_ago in enumerate((10, 200, 40, 40)):
        cur = s.conn.execute("INSERT INTO customers (name, name_key, created_on) "
                             "VALUES (?, ?, '2020-01-01')", (f"One {i}", f"one {i}"))
        when = END - timedelta(days=days_ago)
        s.conn.execute("INSERT INTO orders (customer_id, date, month, revenue_e4) "
                       "VALUES (?, ?, ?, 50000)",
                       (cur.lastrowid, when.isoformat(), when.year * 100 + when.month))
    s.conn.commit()
    queries_summary.refresh_order_stats(s)
    s.conn.commit()
    yield s
    s.close()


@pytest.mark.parametrize("recent", RECENT)
def test_recent_latest_nps_is_latest_nps_kept_to_recent_answers(store, recent: str) -> None:
    days = int(recent)
    kept = 0
    for as_of in DAYS:
        expected = {cid: (nps, when) for cid, nps, when, _c, _n in qf.latest_nps(store, as_of)
                    if (as_of - day(when)).days < days}  # type: ignore[operator]
        got = ql.recent_latest_nps(store, as_of, days)
        assert got == expected
        kept += len(got)
    assert kept or days == 1


@pytest.mark.parametrize("recent", RECENT)
def test_risk_equals_the_reference(store, recent: str) -> None:
    set_setting(store, "nps_recent_days", recent)
    store.conn.commit()
    flagged = 0
    for as_of in DAYS:
        got, expected = _risk(store, as_of)
        assert got == expected
        assert set(got[0]) == set(got[1])
        flagged += len(got[0])
    assert flagged  # the files do have customers at risk
    one_order = {cid for (cid,) in store.conn.execute(
        "SELECT customer_id FROM orders GROUP BY customer_id HAVING count(DISTINCT date) = 1")}
    assert one_order  # and customers with a single order day among them to compare


@pytest.mark.parametrize("window", ["30", "90", "365"])
def test_risk_equals_the_reference_for_other_windows(store, window: str) -> None:
    set_setting(store, "activity_window_days", window)
    set_setting(store, "nps_recent_days", "180")
    store.conn.commit()
    try:
        for as_of in DAYS[:4]:
            got, expected = _risk(store, as_of)
            assert got == expected
    finally:
        set_setting(store, "activity_window_days", "365")
        store.conn.commit()
        queries_cache.clear(store)
