"""LTV per customer in SQL (`growth_service.ltv_by_customer`, issue 18) equals the Python
reference (`ltv_by_customer_reference`: facts → classify) on random `make_db` files of
every record kind, with the blanks and odd rows a real file has, for days at, before and
after the data's end."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.services import growth_service as gs
from custdesk.storage import open_store
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
SEEDS = [11, 12, 13, 14]
DAYS = [END, END - timedelta(days=200), END - timedelta(days=900), END + timedelta(days=40),
        date(2010, 1, 1)]


@pytest.fixture(scope="module", params=SEEDS)
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("ltv")) / "kinds.db", request.param, END,
                          customers=(20, 250), lines=(100, 2500), deals=(50, 600),
                          tickets=(50, 800), surveys=(20, 300))
    with s.transaction():  # the odd rows of a real file
        s.conn.execute("UPDATE customers SET status = 'lost' WHERE id % 9 = 0")
        s.conn.execute("UPDATE customers SET lost_on = '2026-03-01' WHERE id % 13 = 0")
        s.conn.execute("UPDATE customers SET acquired_on = '2026-10-01' WHERE id % 17 = 0")
        s.conn.execute("UPDATE orders SET cost_e4 = NULL WHERE id % 4 = 0")
        s.conn.execute("UPDATE orders SET revenue_e4 = -revenue_e4 WHERE id % 31 = 0")
    yield s
    s.close(backup_if_changed=False)


@pytest.mark.parametrize("day", DAYS, ids=[d.isoformat() for d in DAYS])
def test_ltv_by_customer_sql_equals_python(store, day) -> None:
    got = gs.ltv_by_customer(store, day)
    assert got == gs.ltv_by_customer_reference(store, day)
    n = store.conn.execute("SELECT count(*) FROM customers").fetchone()[0]
    assert len(got) == n


def test_ltv_of_an_empty_file(tmp_path) -> None:
    s = open_store(tmp_path / "empty.db")
    try:
        assert gs.ltv_by_customer(s, END) == {} == gs.ltv_by_customer_reference(s, END)
    finally:
        s.close(backup_if_changed=False)


def test_some_customers_have_both_figures(store) -> None:
    """The parity above is not vacuous: predicted and historical values exist."""
    got = gs.ltv_by_customer(store, END)
    assert any(h is not None for h, _p in got.values())
    assert any(p is not None for _h, p in got.values())


@pytest.mark.parametrize("day", DAYS, ids=[d.isoformat() for d in DAYS])
def test_lean_flags_equal_the_catalogue_flags(store, day) -> None:
    """`ltv_rows_lean` (the lists' flags) against `ltv_rows` (the catalogue tally's):
    the same rows, pool and lost, the year's profit compared where it is used (active)."""
    from custdesk.domain.periods import Period
    from custdesk.storage import queries_growth_ltv as ql

    for window in (30, 180, 365):
        year = Period.trailing_year(day)
        lean, ref = ql.ltv_rows_lean(store, year, window), ql.ltv_rows(store, year, window)
        assert (lean.pool, lean.lost) == (ref.pool, ref.lost)
        assert [(c, b, p, a, y if a else 0) for c, b, p, a, y in ref.rows] == lean.rows
        assert gs.ltv_from_rows(lean) == gs.ltv_from_rows(ref)


def test_lean_flags_with_a_stale_summary(store) -> None:
    with store.transaction():
        store.conn.execute("UPDATE summary_state SET dirty = 1")
    try:
        for day in DAYS:
            assert gs.ltv_by_customer(store, day) == gs.ltv_by_customer_reference(store, day)
    finally:
        with store.transaction():
            store.conn.execute("UPDATE summary_state SET dirty = 0")
