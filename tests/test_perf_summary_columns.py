"""m006's summary columns (`customer_order_stats.costed_revenue_e4`, `costed_lines`,
`orders`) and what reads them.

- the columns equal what they summarise, computed from the order lines (every customer,
  odd order keys mixed in), after the fill at open and after a writer's partial refresh;
- a file made before m006 (version 5: columns absent) opens migrated, the summary refilled;
- the customer tallies of a period that holds every order line read their period sums
  from these columns (`queries_tally._WHOLE_HISTORY`): equal to the walk of the lines
  (`summary_sums=False`), with the summary fresh and stale, for a history longer than the
  trailing year (its profit still walked) and one within it (no walk at all)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, random_store
from test_perf_tally_parity import _odd_keys

from custdesk.domain.periods import Period
from custdesk.storage import migrations, open_store, queries_summary
from custdesk.storage import queries_tally as qt

# the columns as the customers table and the tallies define them, per customer
_FROM_LINES = """
SELECT customer_id, coalesce(sum(iif(cost_e4 IS NULL, 0, revenue_e4)), 0), count(cost_e4),
  (SELECT count(*) FROM (SELECT DISTINCT iif(o2.order_ref IS NULL, o2.id, o2.order_ref)
                         FROM orders o2 WHERE o2.customer_id = o.customer_id))
FROM orders o GROUP BY customer_id ORDER BY customer_id
"""
_COLUMNS = ("SELECT customer_id, costed_revenue_e4, costed_lines, orders "
            "FROM customer_order_stats ORDER BY customer_id")


@pytest.fixture(scope="module", params=[81, 82])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("summary")), request.param)
    _odd_keys(s)
    yield s
    s.close()


def test_columns_equal_the_lines(store) -> None:
    queries_summary.refresh_order_stats(store)
    expected = store.conn.execute(_FROM_LINES).fetchall()
    assert store.conn.execute(_COLUMNS).fetchall() == expected
    assert any(n < lines for _, _, lines, n in
               store.conn.execute("SELECT customer_id, 0, lines, orders "
                                  "FROM customer_order_stats"))  # orders of several lines
    assert any(c and r for _, r, c, _ in expected)  # costed lines exist


def test_partial_refresh_keeps_the_columns(store) -> None:
    queries_summary.refresh_order_stats(store)
    cid = store.conn.execute("SELECT customer_id FROM orders GROUP BY customer_id "
                             "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    with queries_summary.kept_in_step(store, [cid]):
        store.conn.execute("UPDATE orders SET cost_e4 = NULL, order_ref = 'X' "
                           "WHERE id = (SELECT min(id) FROM orders WHERE customer_id = ?)",
                           (cid,))
    assert not queries_summary.is_stale(store)
    assert store.conn.execute(_COLUMNS).fetchall() == store.conn.execute(_FROM_LINES).fetchall()


def _same_rows(store, params: dict[str, str]) -> None:
    """Every per-customer row (flags and period sums, NULLs included) is the walk's."""
    params = {**params, "referral_sources": qt._referral_sources(store)}
    rows = [store.conn.execute(f"SELECT * FROM ({qt.flags_sql(store, params, summary_sums=s)})"
                               " ORDER BY cust_id", params).fetchall() for s in (True, False)]
    assert rows[0] == rows[1]
    assert len(rows[0]) == store.conn.execute("SELECT count(*) FROM customers").fetchone()[0]


def _whole(store) -> Period:
    lo, hi = store.conn.execute("SELECT min(date), max(date) FROM orders").fetchone()
    return Period(date.fromisoformat(lo), max(date.fromisoformat(hi), END))


@pytest.mark.parametrize("stale", [True, False], ids=["stale", "fresh"])
def test_whole_history_tallies_equal_the_walk(store, stale: bool) -> None:
    if stale:
        store.conn.execute("UPDATE orders SET revenue_e4 = revenue_e4 + 1 WHERE id % 13 = 0")
        store.conn.commit()
        assert queries_summary.is_stale(store)
    else:
        queries_summary.refresh_order_stats(store)
    whole = _whole(store)
    holding = [whole, Period(whole.start - timedelta(days=40), whole.end + timedelta(days=9)),
               Period(date(2000, 1, 1), END + timedelta(days=400))]
    for period in holding:
        params = qt.flag_params(period, 30)
        assert qt._holds_every_line(store, params)
        _same_rows(store, params)
        for window in (1, 30, 365):
            got = qt._tallies_by_segment_and_reason(store, period, window)
            assert got == qt._tallies_by_segment_and_reason(
                store, period, window, summary_sums=False), (period, window)
            assert got == qt.tallies_reference(store, period, window)
            assert sum(t.revenue_e4 for *_, t in got)  # sums that the columns feed
    # a period that starts after the first line is not served by the summary's sums
    later = Period(whole.start + timedelta(days=1), whole.end)
    assert not qt._holds_every_line(store, qt.flag_params(later, 30))


def test_history_within_the_trailing_year(tmp_path) -> None:
    """Every line within a year of the end: the trailing year's profit from the summary
    too (no walk of the lines at all)."""
    s = random_store(tmp_path, 83)
    try:
        cut = (END - timedelta(days=200)).isoformat()
        s.conn.execute("DELETE FROM orders WHERE date < ?", (cut,))
        s.conn.commit()
        for refresh in (False, True):
            if refresh:
                queries_summary.refresh_order_stats(s)
            period = Period(date.fromisoformat(cut), END)
            params = qt.flag_params(period, 30)
            assert qt._holds_every_line(s, params)
            sums, walk = qt._period_parts(s, params, True)
            assert walk == "" and "orders" not in sums
            _same_rows(s, params)
            for window in (7, 90):
                got = qt._tallies_by_segment_and_reason(s, period, window)
                assert got == qt._tallies_by_segment_and_reason(s, period, window,
                                                                summary_sums=False)
                assert got == qt.tallies_reference(s, period, window)
    finally:
        s.close()


def test_old_file_migrates_and_refills(tmp_path) -> None:
    """A version-5 file (the summary without m006's columns, filled) opens at the latest
    version with the columns filled from the lines, and the same tallies."""
    s = random_store(tmp_path, 84)
    path = Path(s.path)
    before = qt._tallies_by_segment_and_reason(s, _whole(s), 30)
    s.close()
    old = tmp_path / "old.db"
    shutil.copy(path, old)
    conn = sqlite3.connect(old)
    # back to m005's shape: the table as m002 made it, the version 5
    conn.executescript("""
        CREATE TABLE t AS SELECT customer_id, first_date, last_date, lines, revenue_e4,
          cost_e4, min_key, max_key FROM customer_order_stats;
        DROP TABLE customer_order_stats;""")
    conn.execute(migrations.M002_STATEMENTS[0])
    conn.executescript("""
        INSERT INTO customer_order_stats SELECT * FROM t; DROP TABLE t;
        UPDATE summary_state SET dirty = 0; PRAGMA user_version = 5;""")
    conn.commit()
    conn.close()
    s = open_store(old)
    try:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST_VERSION
        assert not queries_summary.is_stale(s)
        assert s.conn.execute(_COLUMNS).fetchall() == s.conn.execute(_FROM_LINES).fetchall()
        assert qt._tallies_by_segment_and_reason(s, _whole(s), 30) == before
    finally:
        s.close()
