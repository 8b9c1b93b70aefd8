"""m002's per-customer order summary: marked stale by any change to order lines, exact
once refreshed, and the fast path (summary) agrees with the general scan."""

from __future__ import annotations

from datetime import date

import pytest
from metrics_fixtures import CUSTOMERS, ORDERS

from custdesk.domain.periods import Period
from custdesk.storage import queries, repository
from custdesk.storage.queries_summary import (
    ensure_order_stats,
    is_stale,
    m002_customer_order_stats,
)

FRESH = """
SELECT customer_id, min(date), max(date), count(*), sum(revenue_e4), coalesce(sum(cost_e4), 0),
       min(coalesce(order_ref, 'd' || date)), max(coalesce(order_ref, 'd' || date))
FROM orders GROUP BY customer_id ORDER BY customer_id
"""


def _stats(store) -> list[tuple]:
    return store.conn.execute("SELECT * FROM customer_order_stats ORDER BY customer_id").fetchall()


def _fresh(store) -> list[tuple]:
    return store.conn.execute(FRESH).fetchall()


def _fresh_after(store) -> None:
    assert is_stale(store)
    ensure_order_stats(store)
    assert not is_stale(store)
    assert _stats(store) == _fresh(store)


def test_changes_mark_the_summary_stale_and_refresh_makes_it_exact(store) -> None:
    assert not is_stale(store)
    repository.save_all(store, customers=CUSTOMERS, orders=ORDERS)
    _fresh_after(store)
    assert len(_stats(store)) == 5  # customers 1–5 have lines
    with store.transaction():
        store.conn.execute("UPDATE orders SET revenue_e4 = revenue_e4 * 2 WHERE customer_id = 1")
    _fresh_after(store)
    with store.transaction():
        store.conn.execute("UPDATE orders SET customer_id = 2 WHERE order_ref = 'C1'")
        store.conn.execute("UPDATE orders SET order_ref = NULL WHERE order_ref = 'D2'")
    _fresh_after(store)
    assert 3 not in [row[0] for row in _stats(store)]  # C has no line left
    with store.transaction():
        store.conn.execute("DELETE FROM orders WHERE customer_id = 4")
    _fresh_after(store)
    with store.transaction():  # a change to another column leaves it fresh
        store.conn.execute("UPDATE orders SET category = 'x'")
    assert not is_stale(store)


def test_a_failed_import_leaves_no_trace(store) -> None:
    repository.save_all(store, customers=CUSTOMERS, orders=ORDERS)
    ensure_order_stats(store)
    before = _stats(store)
    with pytest.raises(RuntimeError), store.transaction():
        repository._insert(store, "orders", [repository.order_row(ORDERS[0])])
        raise RuntimeError("cancelled")
    assert _stats(store) == before
    assert not is_stale(store)  # the rollback undid the stale mark too


def test_migration_backfills_existing_lines(store) -> None:
    repository.save_all(store, customers=CUSTOMERS, orders=ORDERS)
    with store.transaction() as db:
        for name in ("orders_stats_insert", "orders_stats_delete", "orders_stats_update"):
            db.execute(f"DROP TRIGGER {name}")
        db.execute("DROP TABLE customer_order_stats")
        db.execute("DROP TABLE summary_state")
        db.execute("DROP INDEX orders_ref_date")
        m002_customer_order_stats(db)
    assert _stats(store) == _fresh(store)


@pytest.mark.parametrize("end", [date(2024, 12, 31), date(2024, 10, 14), date(2023, 6, 1)])
def test_fast_path_equals_general_scan(store, end: date, monkeypatch) -> None:
    repository.save_all(store, customers=CUSTOMERS, orders=ORDERS)
    # drop the lines after `end` so the fast path applies, then compare it with the scan
    with store.transaction():
        store.conn.execute("DELETE FROM orders WHERE date > ?", (end.isoformat(),))
    period = Period(date(2023, 1, 1), end)
    fast = queries.customer_facts(store, period)
    monkeypatch.setattr(queries, "_order_rows_fast", queries._order_rows)
    assert queries.customer_facts(store, period) == fast
