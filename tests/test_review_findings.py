"""Regression tests for bugs found in the data-safety / numbers review."""

from __future__ import annotations

from pathlib import Path

from custdesk.services import customers_service as cs
from custdesk.services.import_write import UndoRefusedError
from custdesk.services.importer import ImportRequest, commit, make_preview, undo


def _import(store, tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return commit(store, make_preview(store, ImportRequest(path)))


def _row(store, customer_id: int) -> tuple:
    return store.conn.execute("SELECT name, segment FROM customers WHERE id = ?",
                              (customer_id,)).fetchone()


def test_undo_never_rewrites_a_new_customer_that_reused_a_deleted_customers_id(
        store, tmp_path):
    """Customer ids are plain INTEGER PRIMARY KEYs, so SQLite hands the id of a deleted
    last customer to the next one. Undoing an import that had updated the deleted customer
    must not write that customer's old values into the new one."""
    _import(store, tmp_path, "a.csv", "Customer ID,Name,Segment\nK1,Ann,Trade\nK2,Bob,Trade\n")
    second = _import(store, tmp_path, "b.csv", "Customer ID,Name,Segment\nK2,Bob,Platinum\n")
    assert second.preview.plan.updated == 1
    bob = store.conn.execute("SELECT id FROM customers WHERE ref = 'K2'").fetchone()[0]
    cs.delete_customer(store, bob)
    carl = cs.add_customer(store, {"name": "Carl", "segment": "Retail"})
    assert carl == bob  # the id was reused (the precondition of the bug)
    try:
        undo(store, second.batch_id)
    except UndoRefusedError:
        pass  # refusing is safe too
    assert _row(store, carl) == ("Carl", "Retail")


def test_undo_never_rewrites_a_new_customer_that_reused_a_merged_customers_id(
        store, tmp_path):
    """The same through a merge: the merged-away customer's id is reused."""
    _import(store, tmp_path, "a.csv", "Customer ID,Name,Segment\nK1,Ann,Trade\nK2,Bob,Trade\n")
    second = _import(store, tmp_path, "b.csv", "Customer ID,Name,Segment\nK2,Bob,Platinum\n")
    ann, bob = (r[0] for r in store.conn.execute("SELECT id FROM customers ORDER BY id"))
    cs.merge_customers(store, ann, bob)
    carl = cs.add_customer(store, {"name": "Carl", "segment": "Retail"})
    assert carl == bob
    try:
        undo(store, second.batch_id)
    except UndoRefusedError:
        pass
    assert _row(store, carl) == ("Carl", "Retail")


def _acquired_after_merge(store, tmp_path, keep_csv: str, drop_csv: str) -> str | None:
    """Import Keep and Drop with the given acquired_on cells and one order each, merge
    Drop into Keep, and return Keep's stored acquired_on."""
    _import(store, tmp_path, "c.csv", "Customer ID,Name,Acquired On\n"
            f"K1,Keep,{keep_csv}\nK2,Drop,{drop_csv}\n")
    _import(store, tmp_path, "o.csv", "Date,Customer ID,Sales\n"
            "2020-03-01,K1,10\n2022-06-01,K2,20\n")
    keep, drop = (r[0] for r in store.conn.execute("SELECT id FROM customers ORDER BY id"))
    cs.merge_customers(store, keep, drop)
    return store.conn.execute("SELECT acquired_on FROM customers WHERE id = ?",
                              (keep,)).fetchone()[0]


def test_merge_never_moves_acquisition_after_the_kept_customers_first_order(store, tmp_path):
    """METRICS.md: acquired = acquired_on, else the first order. Keep has no acquired_on and
    has bought since 2020-03-01; Drop's acquired_on (2024-05-01) must not make the merged
    customer "acquired" four years after its first order (a new customer in 2024)."""
    acquired = _acquired_after_merge(store, tmp_path, "", "2024-05-01")
    assert acquired is None or acquired <= "2020-03-01"


def test_merge_never_moves_acquisition_after_the_dropped_customers_first_order(
        store, tmp_path):
    """Keep's acquired_on 2024-05-01 stays only if no moved order is older: Drop's orders
    from 2022-06-01 move over, so the merged customer started by then."""
    acquired = _acquired_after_merge(store, tmp_path, "2024-05-01", "")
    assert acquired is not None and acquired <= "2022-06-01"


def test_undo_of_an_import_keeps_a_customer_merged_into_one_it_created(store, tmp_path):
    """The owner typed Dora in by hand, an import created "Dora M" (K1), and the owner
    merged the hand-made record into the imported one. Undoing the import used to delete
    the merged customer, and with it everything typed by hand, without a word."""
    dora = cs.add_customer(store, {"name": "Dora Manual", "phone": "555 0101",
                                   "notes": "typed by hand"})
    result = _import(store, tmp_path, "c.csv", "Customer ID,Name\nK1,Dora M\n")
    k1 = store.conn.execute("SELECT id FROM customers WHERE ref = 'K1'").fetchone()[0]
    cs.merge_customers(store, k1, dora)
    try:
        undo(store, result.batch_id)
    except UndoRefusedError:
        pass  # refusing is safe too
    rows = store.conn.execute("SELECT phone, notes FROM customers").fetchall()
    assert rows == [("555 0101", "typed by hand")]


def test_delete_and_merge_take_a_backup_first(demo_store) -> None:
    from custdesk.services import customers_service as cs
    from custdesk.storage.backups import list_backups

    ids = [r[0] for r in demo_store.conn.execute("SELECT id FROM customers ORDER BY id LIMIT 3")]
    cs.delete_customer(demo_store, ids[0])
    cs.merge_customers(demo_store, ids[1], ids[2])
    reasons = [b.reason for b in list_backups(demo_store.path)]
    assert "before-delete" in reasons and "before-merge" in reasons
    deleted_backup = next(b for b in list_backups(demo_store.path) if b.reason == "before-delete")
    import sqlite3

    conn = sqlite3.connect(deleted_backup.path)
    try:  # the backup still holds the deleted customer
        found = conn.execute("SELECT count(*) FROM customers WHERE id = ?", (ids[0],))
        assert found.fetchone()[0] == 1
    finally:
        conn.close()


def test_two_files_with_the_same_stem_keep_separate_backups(tmp_path) -> None:
    from custdesk.storage import open_store
    from custdesk.storage.backups import create_backup, list_backups

    first, second = open_store(tmp_path / "shop.db"), open_store(tmp_path / "shop.sqlite")
    try:
        create_backup(first, reason="manual")
        assert len(list_backups(first.path)) == 1
        assert list_backups(second.path) == []
    finally:
        first.close(backup_if_changed=False)
        second.close(backup_if_changed=False)
