"""All-or-nothing, re-import, undo and kill: the database is exactly what it should be."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_files import business_lines

from custdesk.services.import_write import UndoRefusedError
from custdesk.services.importer import (
    ImportRequest,
    InvalidRowsError,
    commit,
    make_preview,
    undo,
)

BAD = """Order Date,Customer,Sales,Quantity
2024-01-05,Alice,10.00,1
2024-13-01,Bob,5,1
2024-01-07,,7.50,1
2024-01-08,Carol,abc,2
2024-01-09,Dan,"$1,234.50",3
"""


def dump(store) -> tuple[list[str], list[str]]:
    """The database's identity: every table's rows (iterdump's INSERTs, in table and rowid
    order) and its schema as a sorted list of CREATE statements.

    Sorted, because a big import rebuilds its table's indexes (import_write's
    `_indexes_rebuilt`), which moves their rows to the end of sqlite_master: the same
    indexes with the same SQL and contents, listed in another order. Content is compared
    in full and in order.
    """
    lines = business_lines(store.conn)
    schema = sorted(line for line in lines if line.startswith("CREATE "))
    return schema, [line for line in lines if not line.startswith("CREATE ")]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(store, path: Path, **kw):
    preview = make_preview(store, ImportRequest(path, **kw))
    return commit(store, preview)


def test_bad_rows_give_the_exact_error_list_and_write_nothing(store, tmp_path):
    path = write(tmp_path, "bad.csv", BAD)
    before = dump(store)
    preview = make_preview(store, ImportRequest(path))
    got = [(e.sheet, e.row, e.column, e.value, e.reason) for e in preview.errors]
    assert got == [
        ("bad", 3, "Order Date", "2024-13-01", "not a valid calendar date"),
        ("bad", 4, "Customer", "", "customer is required"),
        ("bad", 5, "Sales", "abc", "not a number"),
    ]
    assert preview.counts() == {"rows_read": 5, "created": 2, "updated": 0, "unchanged": 0,
                                "invalid": 3}
    with pytest.raises(InvalidRowsError):
        commit(store, preview)
    assert dump(store) == before


def test_skip_invalid_imports_the_valid_rows_only(store, tmp_path):
    path = write(tmp_path, "bad.csv", BAD)
    result = run_import(store, path, skip_invalid=True)
    assert result.batch_id is not None
    rows = store.conn.execute("SELECT c.name, o.revenue_e4 FROM orders o "
                              "JOIN customers c ON c.id = o.customer_id ORDER BY o.id").fetchall()
    assert rows == [("Alice", 100_000), ("Dan", 12_345_000)]


def test_reimport_changes_nothing(store, tmp_path):
    path = write(tmp_path, "orders.csv", BAD)
    run_import(store, path, skip_invalid=True)
    before = dump(store)
    result = run_import(store, path, skip_invalid=True)
    assert result.batch_id is None
    assert result.preview.counts()["unchanged"] == 2
    assert dump(store) == before


def test_identical_lines_in_one_file_are_all_kept(store, tmp_path):
    text = "Date,Customer,Amount\n2024-01-05,Alice,10\n2024-01-05,Alice,10\n"
    path = write(tmp_path, "twice.csv", text)
    run_import(store, path)
    assert store.conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 2
    assert run_import(store, path).batch_id is None


def test_undo_restores_updated_customers_exactly(demo_store, tmp_path):
    store = demo_store
    a, b = store.conn.execute("SELECT name, email FROM customers ORDER BY id LIMIT 2").fetchall()
    text = ("Customer Name,Email,Segment,Phone\n"
            f"{a[0]},{a[1]},Platinum,+1 555 0101\n"
            f"{b[0]},{b[1]},Platinum,\n"
            "Brand New,new@example.com,Trade,+1 555 0199\n")
    before = dump(store)
    result = run_import(store, write(tmp_path, "people.csv", text))
    assert result.preview.counts() == {"rows_read": 3, "created": 1, "updated": 2,
                                       "unchanged": 0, "invalid": 0}
    assert store.conn.execute("SELECT segment FROM customers WHERE email = ?",
                              (a[1],)).fetchone()[0] == "Platinum"
    undo(store, result.batch_id)
    assert dump(store) == before


def test_undo_of_deals_removes_added_stages_and_restores_changed_deals(store, tmp_path):
    first = "Deal ID,Account,Stage,Amount\nD1,Acme,Prospecting,\nD2,Beta,Won,500\n"
    run_import(store, write(tmp_path, "deals.csv", first))
    before = dump(store)
    second = "Deal ID,Account,Stage,Amount\nD1,Acme,Shortlisted,900\nD2,Beta,Won,500\n"
    result = run_import(store, write(tmp_path, "deals2.csv", second))
    assert (result.preview.plan.updated, result.preview.plan.unchanged) == (1, 1)
    assert store.conn.execute("SELECT s.name, d.amount_e4 FROM deals d JOIN stages s "
                              "ON s.id = d.stage_id WHERE d.ref = 'D1'").fetchone() == \
        ("Shortlisted", 9_000_000)
    undo(store, result.batch_id)
    assert dump(store) == before


def test_undo_refused_while_a_later_import_uses_its_customers(store, tmp_path):
    customers = run_import(store, write(tmp_path, "c.csv", "Customer ID,Name\nK1,Kim\n"))
    run_import(store, write(tmp_path, "o.csv", "Date,Customer ID,Sales\n2024-02-01,K1,5\n"))
    with pytest.raises(UndoRefusedError, match="later"):
        undo(store, customers.batch_id)


def test_modes_create_and_update(store, tmp_path):
    run_import(store, write(tmp_path, "a.csv", "Customer ID,Name,Segment\nK1,Kim,Trade\n"))
    text = "Customer ID,Name,Segment\nK1,Kim,Retail\nK2,Lee,Retail\n"
    created = make_preview(store, ImportRequest(write(tmp_path, "b.csv", text), mode="create"))
    assert (created.plan.created, created.plan.updated, created.plan.unchanged) == (1, 0, 1)
    updated = make_preview(store, ImportRequest(tmp_path / "b.csv", mode="update"))
    assert (updated.plan.created, updated.plan.updated) == (0, 1)
    assert [(e.row, e.reason[:20]) for e in updated.errors] == [(3, "not in the database ")]


KILLER = """
import sys, time
from pathlib import Path
from custdesk.storage import open_store
from custdesk.services.importer import ImportRequest, make_preview, commit

import custdesk.services.import_write as writing

writing.REBUILD_MIN_ROWS = int(sys.argv[4])
store = open_store(sys.argv[1])
preview = make_preview(store, ImportRequest(Path(sys.argv[2])))

def progress(phase, done, total):
    if phase == "write":
        Path(sys.argv[3]).write_text("writing")
        time.sleep(60)

commit(store, preview, progress)
"""


@pytest.mark.parametrize("rebuild_from", [1, 10**9], ids=["indexes-rebuilt", "indexes-kept"])
def test_kill_during_import_leaves_the_database_as_before(db_path, tmp_path, rebuild_from):
    from custdesk.storage import open_store

    lines = "\n".join(f"2024-01-{1 + i % 28:02d},C{i % 50},{i}.25" for i in range(3000))
    path = write(tmp_path, "many.csv", "Date,Customer ID,Sales\n" + lines + "\n")
    store = open_store(db_path)
    run_import(store, write(tmp_path, "c.csv", "Customer ID,Name\nC1,Kim\n"))
    before = list(store.conn.iterdump())  # raw: a rolled-back drop leaves even the order
    store.close(backup_if_changed=False)

    marker = tmp_path / "marker"
    script = write(tmp_path, "killer.py", KILLER)
    proc = subprocess.Popen([sys.executable, str(script), str(db_path), str(path), str(marker),
                             str(rebuild_from)],
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), "the import never reached its write phase"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert Path(str(db_path) + "-journal").exists()  # a hot journal: killed mid-transaction

    store = open_store(db_path)
    try:
        assert list(store.conn.iterdump()) == before
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        store.close(backup_if_changed=False)


def test_orders_keep_the_order_summary_fresh_and_undo_restores_it(demo_store, tmp_path):
    store = demo_store
    from custdesk.storage.queries_summary import ensure_order_stats

    ensure_order_stats(store)  # the summary is fresh before the import
    ref, name = store.conn.execute("SELECT ref, name FROM customers ORDER BY id").fetchone()
    before = dump(store)
    stats_before = store.conn.execute("SELECT lines, revenue_e4 FROM customer_order_stats "
                                      "WHERE customer_id = 1").fetchone()
    text = f"Date,Customer ID,Customer Name,Sales\n2026-11-20,{ref},{name},99.5\n"
    result = run_import(store, write(tmp_path, "more.csv", text))
    assert store.conn.execute("SELECT dirty FROM summary_state").fetchone()[0] == 0
    assert store.conn.execute("SELECT lines, revenue_e4 FROM customer_order_stats "
                              "WHERE customer_id = 1").fetchone() == \
        (stats_before[0] + 1, stats_before[1] + 995_000)
    undo(store, result.batch_id)
    assert dump(store) == before


def test_a_header_without_rows_changes_nothing(store, tmp_path):
    before = dump(store)
    result = run_import(store, write(tmp_path, "empty.csv", "Customer Name,Email\n"))
    assert result.batch_id is None and result.preview.rows_read == 0
    assert dump(store) == before


def test_the_garbage_collector_is_back_on_after_import_and_failure(store, tmp_path):
    import gc

    assert gc.isenabled()
    run_import(store, write(tmp_path, "ok.csv", "Date,Customer,Sales\n2024-01-05,Ann,10\n"))
    assert gc.isenabled()
    with pytest.raises(InvalidRowsError):
        run_import(store, write(tmp_path, "bad.csv", BAD))
    assert gc.isenabled()
    gc.disable()  # someone else's choice is left alone
    try:
        run_import(store, write(tmp_path, "ok2.csv", "Date,Customer,Sales\n2024-01-06,Bo,5\n"))
        assert not gc.isenabled()
    finally:
        gc.enable()
