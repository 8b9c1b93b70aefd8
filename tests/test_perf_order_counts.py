"""Both order counts of a period from one statement (`queries.orders_counts`: each order's
lines grouped on orders_ref_date, its customer's row read once for an order of one
customer) equal the two statements they replace (`_orders_count` of the file and by
segment) — on random files of every record kind with orders shared by customers of one
segment and of two, orders with lines on both sides of a period's edge, lines without a
ref, lines of a customer no longer in the file, blank segments, lines at a time of day —
and are kept under both keys."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.storage import queries, queries_cache
from tests.random_kinds import boundary_periods, random_kinds_file

END = date(2026, 11, 24)


@pytest.fixture(scope="module", params=[51, 52, 53])
def store(request, tmp_path_factory):
    rng = random.Random(request.param)
    s = random_kinds_file(Path(tmp_path_factory.mktemp("ocount")) / "ocount.db",
                          request.param, END, rng=rng, customers=(40, 150), lines=(300, 1500),
                          deals=(10, 30), tickets=(10, 30), surveys=(10, 30))
    ids = [r[0] for r in s.conn.execute("SELECT id FROM orders ORDER BY id")]
    customers = [r[0] for r in s.conn.execute("SELECT id FROM customers")]
    edges = [d for p in boundary_periods(END)
             for d in (p.start - timedelta(days=1), p.start, p.end, p.end + timedelta(days=1))]
    with s.transaction():
        s.conn.execute("UPDATE customers SET segment = '' WHERE id % 9 = 0")
        for oid in rng.sample(ids, len(ids) // 4):  # another customer's order, any segment
            ref = s.conn.execute("SELECT order_ref FROM orders WHERE id = ?",
                                 (rng.choice(ids),)).fetchone()[0]
            s.conn.execute("UPDATE orders SET order_ref = ?, customer_id = ? WHERE id = ?",
                           (ref, rng.choice(customers), oid))
        for oid in rng.sample(ids, len(ids) // 5):  # on an edge, maybe at a time of day
            day = rng.choice(edges).isoformat()
            s.conn.execute("UPDATE orders SET date = ? WHERE id = ?",
                           (rng.choice([day, f"{day} 10:30"]), oid))
        for oid in rng.sample(ids, len(ids) // 8):
            s.conn.execute("UPDATE orders SET order_ref = NULL WHERE id = ?", (oid,))
    s.conn.execute("PRAGMA foreign_keys = OFF")  # lines of a customer no longer there
    with s.transaction():
        s.conn.execute("UPDATE orders SET customer_id = 10000000 "
                       "WHERE id IN (SELECT id FROM orders ORDER BY id DESC LIMIT 9)")
        s.conn.execute("UPDATE orders SET customer_id = 10000001, order_ref = "
                       "(SELECT order_ref FROM orders WHERE order_ref IS NOT NULL LIMIT 1) "
                       "WHERE id IN (SELECT id FROM orders ORDER BY id LIMIT 3)")
    s.conn.execute("PRAGMA foreign_keys = ON")
    yield s
    s.close()


def _periods() -> list[Period]:
    rng = random.Random(6)
    out = boundary_periods(END)
    for _ in range(6):
        start = date(2019, 1, 1) + timedelta(days=rng.randint(0, 2500))
        out.append(Period(start, start + timedelta(days=rng.randint(0, 400))))
    return out


def test_one_statement_equals_the_two(store) -> None:
    shared = store.conn.execute(
        "SELECT count(*) FROM (SELECT order_ref FROM orders WHERE order_ref IS NOT NULL "
        "GROUP BY order_ref HAVING count(DISTINCT customer_id) > 1)").fetchone()[0]
    assert shared  # orders of several customers are planted
    for period in _periods():
        got = queries._orders_counts(store, period)
        assert got == (queries._orders_count(store, period, False),
                       queries._orders_count(store, period, True)), period
    assert any(queries._orders_counts(store, p)[1] for p in _periods())


def test_both_kept(store, monkeypatch) -> None:
    period = _periods()[0]
    queries_cache.clear(store)
    want = (queries._orders_count(store, period, False),
            queries._orders_count(store, period, True))
    assert queries.orders_counts(store, period) == want
    monkeypatch.setattr(queries, "_orders_count", lambda *a: pytest.fail("computed again"))
    monkeypatch.setattr(queries, "_orders_counts", lambda *a: pytest.fail("computed again"))
    assert (queries.orders_count(store, period),
            queries.orders_count(store, period, by_segment=True)) == want
    assert queries.orders_counts(store, period) == want
