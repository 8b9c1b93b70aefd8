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


def test_what_a_rolled_back_write_showed_is_not_served_afterwards(demo_store) -> None:
    """A rollback never lowers `total_changes`: a result computed inside the transaction
    (seeing its rows) must not be kept, or the rolled-back rows show again (review)."""
    from custdesk.services.screens.model import to_json
    from custdesk.services.screens.registry import SCREENS

    fresh = to_json(SCREENS["margins"](demo_store, YEAR, "Last 12 months"))
    cid = queries.customer_facts(demo_store, YEAR)[0].id
    demo_store.conn.execute("BEGIN")
    demo_store.conn.execute(
        "INSERT INTO orders(customer_id, date, month, order_ref, revenue_e4) "
        "VALUES (?, '2026-11-20', 202611, 'ROLLED-BACK', 1000000000)", (cid,))
    inside = to_json(SCREENS["margins"](demo_store, YEAR, "Last 12 months"))
    demo_store.conn.execute("ROLLBACK")
    assert inside != fresh  # the uncommitted line was seen inside the transaction
    assert to_json(SCREENS["margins"](demo_store, YEAR, "Last 12 months")) == fresh


def test_a_days_detractors_are_kept_for_the_latest_day_only(demo_store) -> None:
    """Thousands of rows per day: browsing days keeps one day's, not one per day."""
    from custdesk.storage import queries_cache, queries_feedback

    queries_cache.clear(demo_store)
    days = [DEMO_END - timedelta(days=d) for d in (0, 30, 60, 90)]
    for day in days:
        queries_feedback.latest_nps(demo_store, day, detractors_only=True)
    kept = queries_cache._named_caches[demo_store]["latest detractors"]
    assert [key[0] for key in kept] == [("latest detractors", days[-1])]
    again = queries_feedback.latest_nps(demo_store, days[-1], detractors_only=True)
    every = queries_feedback.latest_nps(demo_store, days[-1])
    assert again and sorted(again) == sorted(r for r in every if r[1] <= 6)


def test_peek_reads_a_kept_result_and_never_computes_one(demo_store) -> None:
    from custdesk.storage import queries_cache

    queries_cache.clear(demo_store)
    key = ("peek test", DEMO_END)
    assert queries_cache.peek(demo_store, key, small=True) is None
    kept = queries_cache.cached(demo_store, key, lambda: ("value",), small=True)
    assert queries_cache.peek(demo_store, key, small=True) is kept
    assert queries_cache.peek(demo_store, key) is None  # another shelf: not there
    _add_order(demo_store, queries.customer_facts(demo_store, YEAR)[0].id, "2026-11-20", 1)
    assert queries_cache.peek(demo_store, key, small=True) is None  # a write: gone
