"""Results shared between lists within one refresh are dropped by any write."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from custdesk.domain.periods import Period
from custdesk.services import metrics_service as ms
from custdesk.storage import queries

DEMO_END = date(2026, 11, 24)
YEAR = Period(DEMO_END - timedelta(days=364), DEMO_END)


def _add_order(store, customer_id: int, day: str, revenue_e4: int) -> None:
    with store.transaction():
        store.conn.execute(
            "INSERT INTO orders(customer_id, date, month, order_ref, revenue_e4) "
            "VALUES (?, ?, ?, ?, ?)",
            (customer_id, day, int(day[:4]) * 100 + int(day[5:7]), "CACHE-TEST", revenue_e4))


def test_facts_are_shared_then_dropped_by_own_write(demo_store) -> None:
    first = queries.customer_facts(demo_store, YEAR)
    again = queries.customer_facts(demo_store, YEAR)
    assert again == first and again is not first  # a copy of the shared list
    cid = first[0].id
    before = next(f for f in first if f.id == cid).revenue_e4
    _add_order(demo_store, cid, "2026-11-20", 123_0000)
    after = next(f for f in queries.customer_facts(demo_store, YEAR) if f.id == cid)
    assert after.revenue_e4 == before + 123_0000


def test_write_by_another_connection_drops_cached_lists(demo_store) -> None:
    rows = {r.id: r for r in ms.customer_rows(demo_store, DEMO_END)}
    cid = next(r.id for r in rows.values() if r.status == "lapsed")
    # a plain second connection (custdesk's own lock allows one Store per file)
    other = sqlite3.connect(demo_store.path)
    with other:
        other.execute("INSERT INTO orders(customer_id, date, month, order_ref, revenue_e4) "
                      "VALUES (?, '2026-11-21', 202611, 'OTHER', 500000)", (cid,))
    other.close()
    fresh = {r.id: r for r in ms.customer_rows(demo_store, DEMO_END)}
    assert fresh[cid].revenue == rows[cid].revenue + 50
    assert fresh[cid].last_order_on == "2026-11-21"
    assert fresh[cid].status == "active"  # from the (re-computed) facts: ordered 3 days ago
