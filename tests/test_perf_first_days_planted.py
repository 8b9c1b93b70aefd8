"""New's first days (`queries_loyalty.first_days`) equal the reference statement (its
"ordered again within 90 days" counted up to 2) on planted boundary cases: a second order
exactly 90 days after the first and 91 days after; a repeat on the period's end day; a
first order on the end day and the day after; two orders on the first day; a line without
an order reference on the first day — with the order summary fresh and stale."""

from datetime import date, timedelta

import pytest

from custdesk.storage import open_store
from custdesk.storage import queries_loyalty as ql
from custdesk.storage.queries_summary import is_stale, refresh_order_stats

D = date(2025, 3, 1)


def _cap(rows):
    return [r._replace(orders_90d=min(r.orders_90d, 2)) for r in rows]


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "p.db")
    plan = {  # name: [(days after D, ref)]
        "exact90": [(0, "A1"), (90, "A2")],
        "day91": [(0, "B1"), (91, "B2")],
        "sameday2": [(0, "C1"), (0, "C2")],
        "refless": [(0, "D1"), (0, None)],
        "onlyref": [(0, "E1"), (30, "E1")],
        "endday": [(0, "F1"), (40, "F2")],   # end = D + 40 below
        "firstonend": [(40, "G1")],
        "firstafter": [(41, "H1"), (50, "H2")],
    }
    with s.transaction():
        for name, lines in plan.items():
            cid = s.conn.execute(
                "INSERT INTO customers(name, name_key, acquired_on, created_on) "
                "VALUES (?, ?, ?, ?) RETURNING id", (name, name, D.isoformat(), D.isoformat())
            ).fetchone()[0]
            for days, ref in lines:
                d = D + timedelta(days=days)
                s.conn.execute("INSERT INTO orders(customer_id, date, month, order_ref, "
                               "revenue_e4) VALUES (?, ?, ?, ?, 10000)",
                               (cid, d.isoformat(), d.year * 100 + d.month, ref))
        refresh_order_stats(s)
    yield s
    s.close(backup_if_changed=False)


ENDS = [D - timedelta(days=1), D, D + timedelta(days=40), D + timedelta(days=89),
        D + timedelta(days=90), D + timedelta(days=91), D + timedelta(days=400)]


@pytest.mark.parametrize("stale", [False, True])
def test_first_days_on_planted_boundaries(store, stale) -> None:
    if stale:
        store.conn.execute("UPDATE summary_state SET dirty = 1")
        assert is_stale(store)
    for end in ENDS:
        lo = end - timedelta(days=729)
        got, ref = ql.first_days(store, lo, end), ql.first_days_reference(store, lo, end)
        assert got == _cap(ref), end
    by = {r.customer_id: r for r in ql.first_days_reference(store, D - timedelta(days=1),
                                                            D + timedelta(days=400))}
    assert sorted(r.orders_90d for r in by.values()) == [1, 1, 1, 2, 2, 2, 2, 2]
