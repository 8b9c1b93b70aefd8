"""A big import rebuilds its table's indexes inside its transaction (import_write's
`_indexes_rebuilt`); the thresholds are lowered here so that small files take that path."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hostile_files import business_lines
from test_import_safety import dump

from custdesk.services import import_write
from custdesk.services.importer import ImportRequest, commit, make_preview, undo

LINES = 40


@pytest.fixture
def rebuild_always(monkeypatch):
    monkeypatch.setattr(import_write, "REBUILD_MIN_ROWS", 1)


def orders_file(tmp_path: Path) -> Path:
    # 5 customers, 10 days; lines 0 and 20 are identical (both must be kept)
    lines = [f"2024-02-{1 + i % 10:02d},C{i % 5},Name {i % 5},{i % 20}.5" for i in range(LINES)]
    path = tmp_path / "orders.csv"
    path.write_text("Date,Customer ID,Customer Name,Sales\n" + "\n".join(lines) + "\n",
                    encoding="utf-8")
    return path


def order_indexes(store) -> list[tuple[int, str, str]]:
    return store.conn.execute("SELECT rowid, name, sql FROM sqlite_master WHERE type = 'index' "
                              "AND tbl_name = 'orders' AND sql IS NOT NULL ORDER BY rowid"
                              ).fetchall()


def run_import(store, path: Path):
    return commit(store, make_preview(store, ImportRequest(path)))


def test_rebuilt_indexes_hold_every_line_and_undo_restores(store, tmp_path, rebuild_always):
    from custdesk.storage.queries_summary import ensure_order_stats

    ensure_order_stats(store)
    indexes, raw_before, before = order_indexes(store), business_lines(store.conn), dump(store)
    triggers = store.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                  "ORDER BY name").fetchall()
    result = run_import(store, orders_file(tmp_path))
    assert result.preview.plan.created == LINES
    after = order_indexes(store)
    # the same 6 indexes, same SQL, same order among themselves — recreated (new rowids)
    assert [(n, s) for _r, n, s in after] == [(n, s) for _r, n, s in indexes]
    assert len(after) == 6 and min(r for r, _n, _s in after) > max(r for r, _n, _s in indexes)
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert store.conn.execute("SELECT count(*) FROM orders INDEXED BY orders_line_key "
                              "WHERE line_key IS NOT NULL").fetchone()[0] == LINES
    assert store.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                              "ORDER BY name").fetchall() == triggers
    # the summary the triggers marked stale was rebuilt in the same transaction
    assert store.conn.execute("SELECT dirty FROM summary_state").fetchone()[0] == 0
    assert store.conn.execute("SELECT sum(lines), sum(revenue_e4) FROM customer_order_stats"
                              ).fetchone() == (LINES, sum((i % 20) * 10_000 + 5_000
                                                          for i in range(LINES)))
    assert run_import(store, orders_file(tmp_path)).batch_id is None  # re-import: nothing
    undo(store, result.batch_id)
    assert dump(store) == before
    raw_after = business_lines(store.conn)
    assert raw_after != raw_before and sorted(raw_after) == sorted(raw_before)  # order only


def test_a_duplicate_key_fails_the_rebuild_and_the_transaction(store, rebuild_always):
    store.conn.execute("INSERT INTO customers(id, name, name_key, created_on) "
                       "VALUES (1, 'Kim', 'kim', '2024-01-01')")
    store.conn.execute("INSERT INTO import_batches(id, kind, source_file, started_at) "
                       "VALUES (1, 'orders', 'x.csv', '2024-01-02')")
    before = dump(store)
    rows = [{"customer_id": 1, "date": "2024-01-02", "month": 202401, "revenue_e4": 10_000,
             "line_key": key} for key in ("a", "b", "a")]
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        import_write.insert_rows(store, "orders", rows, batch_id=1)
    assert dump(store) == before
    assert len(order_indexes(store)) == 6


def test_a_table_much_bigger_than_the_batch_keeps_its_indexes(demo_store, tmp_path,
                                                               rebuild_always):
    store = demo_store
    indexes = order_indexes(store)
    run_import(store, orders_file(tmp_path))
    assert order_indexes(store) == indexes  # same rowids: never dropped


def test_planner_statistics_of_rebuilt_indexes_are_kept(store, tmp_path, rebuild_always):
    run_import(store, orders_file(tmp_path))  # some lines, so that ANALYZE has figures
    store.conn.execute("ANALYZE")
    stats = store.conn.execute("SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl = 'orders' "
                               "ORDER BY idx").fetchall()
    assert len(stats) == 6
    second = tmp_path / "more.csv"
    second.write_text("Date,Customer ID,Customer Name,Sales\n" + "\n".join(
        f"2024-03-{1 + i % 20:02d},C{i % 5},Name {i % 5},{i}.25" for i in range(LINES)) + "\n",
        encoding="utf-8")
    before, indexes = dump(store), order_indexes(store)
    result = run_import(store, second)
    assert order_indexes(store)[0][0] > indexes[-1][0]  # rebuilt
    assert store.conn.execute(
        "SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl = 'orders' ORDER BY idx"
    ).fetchall() == stats  # DROP INDEX deleted them; put back as they were
    undo(store, result.batch_id)
    assert dump(store) == before


def test_order_line_keys_are_content_digests_with_repeat_numbers(store, tmp_path):
    import hashlib

    text = "Date,Customer,Sales\n2024-01-05,Ann,10\n2024-01-06,Bo,2.5\n2024-01-05,Ann,10\n"
    path = tmp_path / "twice.csv"
    path.write_text(text, encoding="utf-8")
    run_import(store, path)

    def key(day: str, name: str, e4: int) -> str:  # plan_orders's content fields, in order
        content = (day, name, None, None, None, None, None, None, None, None, e4, None, None)
        return hashlib.blake2b(repr(content).encode(), digest_size=12).hexdigest()

    first, second = key("2024-01-05", "Ann", 100_000), key("2024-01-06", "Bo", 25_000)
    assert [r[0] for r in store.conn.execute("SELECT line_key FROM orders ORDER BY id")] == \
        [first, second, f"{first}:1"]
