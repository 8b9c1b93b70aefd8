"""m002's per-customer order summary: every custdesk write keeps it in step inside its own
transaction, a raw write outside custdesk marks it stale, reads never write (a stale
summary is replaced by the same aggregate over the lines), and a stale file is fixed
once when it is opened."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from conftest import DEMO_END
from metrics_fixtures import CUSTOMERS, ORDERS

from custdesk.domain.periods import Period
from custdesk.services import customers_service as cs
from custdesk.services import metrics_service
from custdesk.services.importer import ImportRequest, commit, make_preview, undo
from custdesk.storage import open_store, queries, queries_lists, queries_tally, repository
from custdesk.storage.migrations import m002_customer_order_stats, m006_order_stats_columns
from custdesk.storage.queries_summary import ensure_order_stats, is_stale

FRESH = """
SELECT customer_id, min(date), max(date), count(*), sum(revenue_e4), coalesce(sum(cost_e4), 0),
       min(coalesce(order_ref, 'd' || date)), max(coalesce(order_ref, 'd' || date)),
       coalesce(sum(iif(cost_e4 IS NULL, 0, revenue_e4)), 0), count(cost_e4),
       count(DISTINCT order_ref) + sum(order_ref IS NULL)  -- m006's columns
FROM orders GROUP BY customer_id ORDER BY customer_id
"""


def _stats(store) -> list[tuple]:
    return store.conn.execute("SELECT * FROM customer_order_stats ORDER BY customer_id").fetchall()


def _fresh(store) -> list[tuple]:
    return store.conn.execute(FRESH).fetchall()


def _in_step(store) -> None:
    assert not is_stale(store)
    assert _stats(store) == _fresh(store)


def _fresh_after(store) -> None:
    assert is_stale(store)
    ensure_order_stats(store)
    _in_step(store)


def test_raw_changes_mark_the_summary_stale_and_refresh_makes_it_exact(store) -> None:
    assert not is_stale(store)
    repository.save_all(store, customers=CUSTOMERS, orders=ORDERS)
    _in_step(store)  # save_all (the demo's writer) keeps it in step itself
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
    before = _stats(store)
    with pytest.raises(RuntimeError), store.transaction():
        repository._insert(store, "orders", [repository.order_row(ORDERS[0])])
        raise RuntimeError("cancelled")
    assert _stats(store) == before
    assert not is_stale(store)  # the rollback undid the stale mark too


def test_migration_then_open_fills_the_summary_of_existing_lines(store) -> None:
    repository.save_all(store, customers=CUSTOMERS, orders=ORDERS)
    with store.transaction() as db:
        for name in ("orders_stats_insert", "orders_stats_delete", "orders_stats_update"):
            db.execute(f"DROP TRIGGER {name}")
        db.execute("DROP TABLE customer_order_stats")
        db.execute("DROP TABLE summary_state")
        db.execute("DROP INDEX orders_ref_date")
        m002_customer_order_stats(db)
        m006_order_stats_columns(db)  # (the file's version is the latest: its columns too)
    assert is_stale(store) and _stats(store) == []  # m002 leaves the filling to open
    path = store.path
    store.close(backup_if_changed=False)
    reopened = open_store(path)
    try:
        _in_step(reopened)
    finally:
        reopened.close(backup_if_changed=False)


def test_a_stale_file_is_fixed_once_on_open(db_path: Path) -> None:
    store = open_store(db_path)
    repository.save_all(store, customers=CUSTOMERS, orders=ORDERS)
    store.close(backup_if_changed=False)
    raw = sqlite3.connect(db_path)  # another program (or an older custdesk) writes lines
    with raw:
        raw.execute("DELETE FROM orders WHERE customer_id = 2")
    raw.close()
    store = open_store(db_path)
    try:
        _in_step(store)
    finally:
        store.close(backup_if_changed=False)


def test_a_refill_that_cannot_be_written_at_open_leaves_the_file_open_and_stale(
        db_path: Path, monkeypatch) -> None:
    """A full disk during the open's refill must not refuse a sound file: reads then sum
    from the lines (the summary stays marked stale)."""
    from custdesk.storage import queries_summary

    store = open_store(db_path)
    repository.save_all(store, customers=CUSTOMERS, orders=ORDERS)
    store.close(backup_if_changed=False)
    raw = sqlite3.connect(db_path)  # another program changes lines: stale at the next open
    with raw:
        raw.execute("DELETE FROM orders WHERE customer_id = 2")
    raw.close()

    def full(_store) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(queries_summary, "refresh_order_stats", full)
    store = open_store(db_path)  # opens
    try:
        assert queries_summary.is_stale(store)
        fresh = _fresh(store)  # what the lines say, as a stale read computes it
        assert 2 not in [row[0] for row in fresh]
    finally:
        store.close(backup_if_changed=False)
    monkeypatch.undo()
    store = open_store(db_path)  # the next open with room refills it
    try:
        _in_step(store)
    finally:
        store.close(backup_if_changed=False)


def _numbers(store, period: Period) -> tuple:
    return (queries.customer_facts(store, period),
            queries_lists.customer_states(store, period.end),
            queries_tally.customer_tallies(store, period, 90),
            metrics_service.compute_metrics(store, period).metrics)


def test_reads_of_a_stale_summary_write_nothing_and_agree(demo_store) -> None:
    store = demo_store
    period = Period.trailing_year(DEMO_END)
    with store.transaction():  # a raw write outside custdesk's writers: stale
        store.conn.execute("UPDATE orders SET revenue_e4 = revenue_e4 + 1 WHERE id % 3 = 0")
    assert is_stale(store)
    store.conn.execute("PRAGMA query_only = ON")  # any write would now fail
    changes = store.conn.total_changes
    stale = _numbers(store, period)
    assert store.conn.total_changes == changes and is_stale(store)
    store.conn.execute("PRAGMA query_only = OFF")
    ensure_order_stats(store)
    assert _numbers(store, period) == stale


@pytest.mark.parametrize("period", [Period.trailing_year(DEMO_END),
                                    Period(date(2025, 1, 1), date(2025, 6, 30))])
def test_metrics_on_a_query_only_connection(demo_store, period: Period) -> None:
    demo_store.conn.execute("PRAGMA query_only = ON")
    report = metrics_service.compute_metrics(demo_store, period, by=("segment",))
    assert report.metrics
    metrics_service.customers_bridge(demo_store, period)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_and_undo_keep_the_summary_in_step(demo_store, tmp_path) -> None:
    store = demo_store
    _in_step(store)
    ref, name = store.conn.execute("SELECT ref, name FROM customers ORDER BY id").fetchone()
    text = (f"Date,Customer ID,Customer Name,Sales\n2026-11-20,{ref},{name},99.5\n"
            "2026-11-21,NEW-1,Brand New,12\n")
    result = commit(store, make_preview(store, ImportRequest(_write(tmp_path, "o.csv", text))))
    assert result.batch_id is not None
    _in_step(store)
    undo(store, result.batch_id)
    _in_step(store)


def test_delete_and_merge_keep_the_summary_in_step(demo_store) -> None:
    store = demo_store
    buyers = [r[0] for r in store.conn.execute(
        "SELECT customer_id FROM orders GROUP BY customer_id ORDER BY count(*) DESC LIMIT 3")]
    cs.delete_customer(store, buyers[0])
    _in_step(store)
    assert buyers[0] not in [row[0] for row in _stats(store)]
    cs.merge_customers(store, buyers[1], buyers[2])
    _in_step(store)
    assert buyers[2] not in [row[0] for row in _stats(store)]


def test_undoing_a_delete_keeps_the_summary_in_step(demo_store) -> None:
    """Edit ▸ Undo of "Delete customer" puts the lines back: the summary follows in the
    same transaction (it stayed stale until the file was reopened)."""
    from custdesk.services import edits
    from custdesk.storage import queries_summary

    store = demo_store
    buyer = store.conn.execute(
        "SELECT customer_id FROM orders GROUP BY customer_id ORDER BY count(*) DESC").fetchone()[0]
    before = _stats(store)
    cs.delete_customer(store, buyer)
    edits.undo_last_edit(store)
    assert not queries_summary.is_stale(store)
    _in_step(store)
    assert _stats(store) == before


def test_the_demo_leaves_the_summary_in_step(store) -> None:
    from custdesk.services.demo import write_demo

    write_demo(store, seed=3, end=DEMO_END)
    _in_step(store)  # before any reopen could fix it


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


def test_the_tally_whitespace_is_every_character_python_strips() -> None:
    """The SQL trims exactly what str.strip() removes (a customer reason of spaces only is
    blank in both); the list is spelled out, so check it against all of Unicode."""
    import sys

    from custdesk.storage.queries_tally import WHITESPACE

    assert WHITESPACE == "".join(ch for ch in map(chr, range(sys.maxunicode + 1))
                                 if ch.isspace())
