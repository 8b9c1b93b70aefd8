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


def _one(store, sql, *args):
    return store.conn.execute(sql, args).fetchone()[0]


def test_undo_keeps_order_lines_the_owner_corrected(store, tmp_path):
    """Before: undo deleted the A-2 line the owner had corrected by hand (250 -> 25), with
    every other line of the import."""
    result = _import(store, _csv(tmp_path, "o.csv", "Order ID,Date,Customer,Sales\n"
                                 "A-1,2024-03-01,Ann,10\nA-2,2024-03-02,Bob,250\n"
                                 "A-3,2024-03-03,Cy,30\n"), kind="orders")
    line = _one(store, "SELECT id FROM orders WHERE order_ref = 'A-2'")
    with store.transaction():  # the owner's correction (no importer involved)
        store.conn.execute("UPDATE orders SET revenue_e4 = 250000 WHERE id = ?", (line,))
    assert importer.edited_by_hand(store, result.batch_id) == [f"orders {line}"]
    removed = importer.undo(store, result.batch_id)
    assert removed["kept_edited"] == 1 and removed["orders"] == 2
    rows = store.conn.execute("SELECT o.order_ref, o.revenue_e4, c.name, o.batch_id FROM orders o "
                              "JOIN customers c ON c.id = o.customer_id").fetchall()
    assert rows == [("A-2", 250000, "Bob", None)]  # its customer stays with it
    assert [r[0] for r in store.conn.execute("SELECT name FROM customers")] == ["Bob"]
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_undo_keeps_a_deal_edited_in_the_deal_editor(store, tmp_path):
    """Before: undo was refused (the stage change the editor recorded 'uses deals this
    import created'), and without the stage change it deleted the edited deal."""
    from custdesk.services import deals_service

    result = _import(store, _csv(tmp_path, "d.csv", "Title,Account,Stage,Created On\n"
                                 "Desks,Acme,Proposal,2024-02-01\n"
                                 "Chairs,Acme,Proposal,2024-02-02\n"), kind="deals")
    desks = _one(store, "SELECT id FROM deals WHERE title = 'Desks'")
    chairs = _one(store, "SELECT id FROM deals WHERE title = 'Chairs'")
    other = _one(store, "SELECT id FROM stages WHERE kind = 'open' AND id <> "
                 "(SELECT stage_id FROM deals WHERE id = ?) ORDER BY id LIMIT 1", desks)
    deals_service.save_deal(store, desks, {"next_step": "call Monday", "stage_id": other},
                            on="2024-03-01")
    assert importer.edited_by_hand(store, result.batch_id) == [f"deals {desks} (Desks)"]
    removed = importer.undo(store, result.batch_id)
    assert removed["kept_edited"] == 1 and removed["deals"] == 1
    assert store.conn.execute("SELECT id, title, next_step, stage_id, batch_id FROM deals"
                              ).fetchall() == [(desks, "Desks", "call Monday", other, None)]
    assert _one(store, "SELECT count(*) FROM deals WHERE id = ?", chairs) == 0
    assert [r[0] for r in store.conn.execute("SELECT name FROM customers")] == ["Acme"]
    assert _one(store, "SELECT count(*) FROM deal_stage_history WHERE deal_id = ?", desks) >= 1
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_undo_of_untouched_orders_and_deals_still_restores_exactly(store, tmp_path):
    from hostile_files import business_lines

    before = business_lines(store.conn)
    orders = _import(store, _csv(tmp_path, "o.csv", "Order ID,Date,Customer,Sales\n"
                                 "A-1,2024-03-01,Ann,10\n"), kind="orders")
    deals = _import(store, _csv(tmp_path, "d.csv", "Title,Account,Stage,Created On\n"
                                "Desks,Ann,Proposal,2024-02-01\n"), kind="deals")
    assert importer.edited_by_hand(store, deals.batch_id) == []
    assert "kept_edited" not in importer.undo(store, deals.batch_id)
    assert "kept_edited" not in importer.undo(store, orders.batch_id)
    assert business_lines(store.conn) == before


def test_cli_undo_lists_the_deal_it_left(tmp_path, db_path, capsys):
    from custdesk.services import deals_service
    from custdesk.storage import open_store

    path = _csv(tmp_path, "d.csv", "Title,Account,Stage,Created On\n"
                "Desks,Acme,Proposal,2024-02-01\nChairs,Acme,Proposal,2024-02-02\n")
    assert main(["import", str(path), "--kind", "deals", "--db", str(db_path)]) == 0
    store = open_store(db_path)
    desks = store.conn.execute("SELECT id FROM deals WHERE title = 'Desks'").fetchone()[0]
    deals_service.save_deal(store, desks, {"next_step": "send samples"})
    store.close(backup_if_changed=False)
    capsys.readouterr()
    assert main(["import", "--undo", "1", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "removed 1 deals" in out
    assert f"Left as they are (changed since the import): deals {desks} (Desks)." in out
