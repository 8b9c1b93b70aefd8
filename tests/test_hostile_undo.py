"""Issue 20, M5 (batch ids never reused) and H9 (undo never overwrites later hand edits)."""

from __future__ import annotations

import pytest

from custdesk.cli import main
from custdesk.services import importer


def _csv(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _import(store, path, **kw):
    return importer.commit(store, importer.make_preview(store, importer.ImportRequest(path, **kw)))


def test_batch_ids_are_never_reused_after_an_undo(store, tmp_path):
    """Before: undoing import 2 deleted its row, the next import got id 2 again, and a
    second `--undo 2` undid that newer import."""
    first = _import(store, _csv(tmp_path, "a.csv", "Name,Email\nAnn,ann@example.com\n"))
    second = _import(store, _csv(tmp_path, "b.csv", "Name,Email\nBob,bob@example.com\n"))
    assert (first.batch_id, second.batch_id) == (1, 2)
    importer.undo(store, 2)
    third = _import(store, _csv(tmp_path, "c.csv", "Name,Email\nCarl,carl@example.com\n"))
    assert third.batch_id == 3
    with pytest.raises(importer.UndoRefusedError, match="import 2 was already undone"):
        importer.undo(store, 2)
    names = [r[0] for r in store.conn.execute("SELECT name FROM customers ORDER BY id")]
    assert names == ["Ann", "Carl"]
    assert [b["id"] for b in importer.list_batches(store)] == [3, 1]  # undone ones left out
    # the newest one undone too: still never reused
    importer.undo(store, 3)
    fourth = _import(store, _csv(tmp_path, "d.csv", "Name,Email\nDee,dee@example.com\n"))
    assert fourth.batch_id == 4


def test_cli_undo_twice_is_a_clear_error(tmp_path, db_path, capsys):
    path = _csv(tmp_path, "c.csv", "Name,Email\nAnn,ann@example.com\n")
    assert main(["import", str(path), "--db", str(db_path)]) == 0
    assert main(["import", "--undo", "1", "--db", str(db_path)]) == 0
    other = _csv(tmp_path, "d.csv", "Name,Email\nBob,bob@example.com\n")
    assert main(["import", str(other), "--db", str(db_path)]) == 0
    capsys.readouterr()
    assert main(["import", "--undo", "1", "--db", str(db_path)]) == 1
    assert "import 1 was already undone" in capsys.readouterr().err
    assert main(["import", "--undo", "2", "--db", str(db_path)]) == 0


# ---- H9: undo never overwrites or deletes what the owner changed since the import ---------

def test_undo_keeps_a_customer_the_import_created_that_the_owner_filled_in(store, tmp_path):
    """Before: undo deleted Bob although the owner had since typed his phone and notes."""
    from custdesk.services import customers_service as cs

    _import(store, _csv(tmp_path, "a.csv", "Customer ID,Name,Segment\nK1,Ann,Trade\n"))
    result = _import(store, _csv(tmp_path, "b.csv", "Customer ID,Name,Segment\n"
                                 "K1,Ann,Retail\nK2,Bob,Trade\nK3,Cy,Trade\n"))
    bob = store.conn.execute("SELECT id FROM customers WHERE ref = 'K2'").fetchone()[0]
    ann = store.conn.execute("SELECT id FROM customers WHERE ref = 'K1'").fetchone()[0]
    cs.update_customer(store, bob, {"phone": "555-0101", "notes": "met at the fair"})
    cs.update_customer(store, ann, {"segment": "Wholesale"})  # the import had set Retail
    assert importer.edited_by_hand(store, result.batch_id) == [
        f"customers {ann} (Ann)", f"customers {bob} (Bob)"]
    removed = importer.undo(store, result.batch_id)
    assert removed["kept_edited"] == 2 and removed.get("customers") == 1  # Cy only
    rows = store.conn.execute("SELECT ref, segment, phone, notes FROM customers ORDER BY ref"
                              ).fetchall()
    assert rows == [("K1", "Wholesale", None, None), ("K2", "Trade", "555-0101",
                                                        "met at the fair")]


def test_undo_still_restores_rows_nobody_touched(store, tmp_path):
    from hostile_files import business_lines

    _import(store, _csv(tmp_path, "a.csv", "Customer ID,Name,Segment\nK1,Ann,Trade\n"))
    before = business_lines(store.conn)
    result = _import(store, _csv(tmp_path, "b.csv", "Customer ID,Name,Segment\n"
                                 "K1,Ann,Retail\nK2,Bob,Trade\n"))
    assert importer.edited_by_hand(store, result.batch_id) == []
    removed = importer.undo(store, result.batch_id)
    assert "kept_edited" not in removed and removed["restored"] == 1
    assert business_lines(store.conn) == before


def test_cli_undo_lists_what_it_left(tmp_path, db_path, capsys):
    from custdesk.services import customers_service as cs
    from custdesk.storage import open_store

    path = _csv(tmp_path, "c.csv", "Name,Email\nAnn,ann@example.com\nBob,bob@example.com\n")
    assert main(["import", str(path), "--db", str(db_path)]) == 0
    store = open_store(db_path)
    ann = store.conn.execute("SELECT id FROM customers WHERE name = 'Ann'").fetchone()[0]
    cs.update_customer(store, ann, {"phone": "555"})
    store.close(backup_if_changed=False)
    capsys.readouterr()
    assert main(["import", "--undo", "1", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "removed 1 customers" in out
    assert f"Left as they are (changed since the import): customers {ann} (Ann)." in out
