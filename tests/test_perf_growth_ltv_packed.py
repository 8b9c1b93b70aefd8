"""The Customers table's LTV columns from one packed row (`ltv_rows_packed`: the rows as
one JSON text, the pool and lost counted in SQL — built on a second connection beside the
screen's Python work, issue 18) equal `ltv_rows_lean`'s, the rows as the reference fetches
them, on random files of every record kind with the odd rows a real file has (lost marks,
late acquisitions, lines without a cost, negative revenue), for days at, before and after
the data's end and before any record, several lapse windows, the order summary fresh and
stale; and so do the screen's LTV figures (`ltv_by_customer`)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services import growth_service as gs
from custdesk.services.screens import customers as cs
from custdesk.storage import queries_growth_ltv as qltv
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
DAYS = [END, END - timedelta(days=1), END - timedelta(days=200), END - timedelta(days=900),
        END + timedelta(days=40), date(2010, 1, 1), date(2000, 1, 1)]


@pytest.fixture(scope="module", params=[21, 22, 23])
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("ltv_packed")) / "kinds.db",
                          request.param, END, customers=(20, 250), lines=(100, 2500),
                          deals=(50, 600), tickets=(50, 800), surveys=(20, 300))
    with s.transaction():  # the odd rows of a real file
        s.conn.execute("UPDATE customers SET status = 'lost' WHERE id % 9 = 0")
        s.conn.execute("UPDATE customers SET lost_on = '2026-03-01' WHERE id % 13 = 0")
        s.conn.execute("UPDATE customers SET acquired_on = '2026-10-01' WHERE id % 17 = 0")
        s.conn.execute("UPDATE orders SET cost_e4 = NULL WHERE id % 4 = 0")
        s.conn.execute("UPDATE orders SET revenue_e4 = -revenue_e4 WHERE id % 31 = 0")
    yield s
    s.close(backup_if_changed=False)


def _check(store) -> int:
    rows = 0
    for day in DAYS:
        year = Period.trailing_year(day)
        for window in (1, 30, 180, 365):
            packed = qltv.ltv_rows_packed(store, year, window)
            lean = qltv.ltv_rows_lean(store, year, window)
            assert (packed.pool, packed.lost) == (lean.pool, lean.lost), (day, window)
            assert sorted(packed.rows) == sorted(lean.rows), (day, window)
            assert [tuple(map(type, r)) for r in sorted(packed.rows)] == [
                tuple(map(type, r)) for r in sorted(lean.rows)]
            rows += len(packed.rows)
        assert cs.ltv_by_customer_packed(store, day) == gs.ltv_by_customer(store, day), day
    return rows


def test_packed_rows_equal_the_fetched_rows(store) -> None:
    assert _check(store)


def test_packed_rows_with_a_stale_summary(store) -> None:
    with store.transaction():
        store.conn.execute("UPDATE summary_state SET dirty = 1")
    try:
        assert _check(store)
    finally:
        with store.transaction():
            store.conn.execute("UPDATE summary_state SET dirty = 0")


def test_an_empty_file_packs_nothing(tmp_path) -> None:
    from custdesk.storage import open_store

    s = open_store(tmp_path / "empty.db")
    try:
        got = qltv.ltv_rows_packed(s, Period.trailing_year(END), 180)
        assert (got.rows, got.pool, got.lost) == ([], 0, 0)
        assert cs.ltv_by_customer_packed(s, END) == {} == gs.ltv_by_customer(s, END)
    finally:
        s.close(backup_if_changed=False)
