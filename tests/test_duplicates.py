"""Merge duplicates (issue 12): pairs proposed by evidence from one SQL query, a batch of
merges after one backup in one transaction, and an undo that puts everything back."""

from __future__ import annotations

import time

import pytest

from custdesk.services import customers_service as cs
from custdesk.storage import duplicates as dup_db
from custdesk.storage.backups import list_backups

TABLES = ("customers", "orders", "deals", "tickets", "surveys", "actions", "interactions",
          "customer_order_stats", "batch_changes")


def snapshot(store) -> dict[str, list]:
    tables = [t for t in TABLES if t != "customer_order_stats"] + ["customer_order_stats"]
    return {t: store.conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}


def add(store, name: str, **fields) -> int:
    return cs.add_customer(store, {"name": name, **fields})


def test_pairs_ranked_by_evidence(store) -> None:
    email_a = add(store, "Ann Lee", email="ann@x.example")
    email_b = add(store, "A. Lee (shop)", email="ANN@x.example ")
    co_a = add(store, "Bob Stone", company="Stone Ltd")
    co_b = add(store, "bob  stone", company="STONE LTD.")
    name_a = add(store, "Cara Diaz")
    name_b = add(store, "Cara Díaz")
    similar_a = add(store, "Dominic Hartley")
    similar_b = add(store, "Dominic Hartly")
    other_a = add(store, "Eve Moss", company="North Co")
    other_b = add(store, "Eve Moss", company="South Co")
    add(store, "Nobody Alike")
    pairs = cs.duplicate_pairs(store)
    order = [(p.a, p.b, p.reason) for p in pairs]
    assert order == [
        (email_a, email_b, "same e-mail"),
        (co_a, co_b, "same name, same company"),
        (name_a, name_b, "same name"),
        (similar_a, similar_b, "similar names"),
        (other_a, other_b, "same name, different companies"),
    ]
    assert [p.score for p in pairs] == sorted((p.score for p in pairs), reverse=True)


def test_candidates_come_from_sql_not_a_double_loop(store) -> None:
    """10,000 customers with 100 planted twins: found in one query, quickly."""
    rows = [(f"Customer {i:05d} Q{i * 7919 % 10007}", f"c{i}@x.example") for i in range(10_000)]
    with store.transaction():
        for name, email in rows:
            cs.add_customer(store, {"name": name, "email": email})
        for name, email in rows[:100]:
            cs.add_customer(store, {"name": name + " twin", "email": email.upper()})
    started = time.perf_counter()
    pairs = cs.duplicate_pairs(store, limit=10_000)
    assert time.perf_counter() - started < 5
    assert sum(p.reason.startswith("same e-mail") for p in pairs) == 100
    assert all(isinstance(c, dup_db.Candidate) for c in dup_db.candidate_pairs(store)[:3])


def _twins(store) -> list[tuple[int, int]]:
    """Three pairs of demo customers made duplicates (the second of each gets the first's
    e-mail), each with orders on both sides."""
    ids = [r[0] for r in store.conn.execute(
        "SELECT customer_id FROM orders GROUP BY customer_id ORDER BY count(*) DESC LIMIT 6")]
    pairs = [(min(ids[i], ids[i + 1]), max(ids[i], ids[i + 1])) for i in (0, 2, 4)]
    with store.transaction():
        for keep, drop in pairs:
            store.conn.execute("UPDATE customers SET email_key = (SELECT email_key FROM customers"
                               " WHERE id = ?), company = NULL WHERE id = ?", (keep, drop))
    return pairs


def test_batch_merge_backup_and_undo(demo_store) -> None:
    pairs = _twins(demo_store)
    # an action and an interaction of a removed customer follow it
    drop = pairs[0][1]
    with demo_store.transaction():
        demo_store.conn.execute("INSERT INTO actions(title, customer_id, created_on) "
                                "VALUES ('call back', ?, '2026-11-01')", (drop,))
        demo_store.conn.execute("INSERT INTO interactions(date, customer_id, note) "
                                "VALUES ('2026-11-02', ?, 'met')", (drop,))
    before = snapshot(demo_store)
    found = {(p.a, p.b) for p in cs.duplicate_pairs(demo_store) if p.reason == "same e-mail"}
    assert set(pairs) <= found
    backups = len(list_backups(demo_store.path))
    orders = {k: demo_store.conn.execute("SELECT count(*) FROM orders WHERE customer_id IN "
                                         "(?, ?)", p).fetchone()[0] for k, p in enumerate(pairs)}
    result = cs.merge_batch(demo_store, pairs)
    assert result.merged == pairs and not result.skipped
    assert len(list_backups(demo_store.path)) == backups + 1  # one backup for the batch
    for k, (keep, gone) in enumerate(pairs):
        assert cs.child_counts(demo_store, keep)["orders"] == orders[k]
        assert demo_store.conn.execute("SELECT count(*) FROM customers WHERE id = ?",
                                       (gone,)).fetchone() == (0,)
    assert demo_store.conn.execute("SELECT customer_id FROM actions WHERE title = 'call back'"
                                   ).fetchone() == (pairs[0][0],)
    names = {r[0]: r[2] for r in before["customers"]}  # id, ref, name, ...
    assert [g for _k, g in cs.last_merge(demo_store)] == [names[p[1]] for p in pairs]
    notes = cs.undo_last_merge(demo_store)
    assert notes == []
    assert snapshot(demo_store) == before
    assert cs.last_merge(demo_store) == []
    with pytest.raises(cs.CustomerError, match="no merge to undo"):
        cs.undo_last_merge(demo_store)


def test_batch_chain_and_single_merge_undo(store) -> None:
    a = add(store, "Ann Lee", email="ann@x.example")
    b = add(store, "Ann Lee", email="ann@x.example", phone="123")
    c = add(store, "Ann Lee", city="Leeds")
    before = snapshot(store)
    result = cs.merge_batch(store, [(a, b), (b, c), (a, c)])  # b is gone: c goes into a
    assert result.merged == [(a, b), (a, c)]
    assert len(result.skipped) == 1
    kept = cs.get_customer(store, a)
    assert (kept["phone"], kept["city"]) == ("123", "Leeds")
    cs.update_customer(store, a, {"notes": "edited after the merge", "city": "York"})
    notes = cs.undo_last_merge(store)
    assert any("city" in n for n in notes)  # edited since: kept as edited
    kept = cs.get_customer(store, a)
    assert (kept["phone"], kept["city"], kept["notes"]) == (None, "York",
                                                           "edited after the merge")
    assert {r[0] for r in store.conn.execute("SELECT id FROM customers")} == {a, b, c}
    # a single merge is undone too, exactly
    before = snapshot(store)
    cs.merge_customers(store, a, b)
    cs.undo_last_merge(store)
    assert snapshot(store) == before


def test_undo_refused_when_a_kept_customer_was_deleted(store) -> None:
    a = add(store, "Ann Lee")
    b = add(store, "Ann Lee")
    cs.merge_customers(store, a, b)
    cs.delete_customer(store, a)
    with pytest.raises(cs.CustomerError, match="deleted since"):
        cs.undo_last_merge(store)


def test_dialog_merges_ticked_pairs_and_undoes(qtbot, quiet_ui, demo_store) -> None:
    from PySide6.QtCore import Qt

    from custdesk.ui.dialogs.merge_dialog import MergeDialog

    pairs = _twins(demo_store)
    before = snapshot(demo_store)
    dialog = MergeDialog(demo_store)
    qtbot.addWidget(dialog)
    ticked = {(p.a, p.b) for p in dialog.ticked()}
    assert set(pairs) <= ticked  # same e-mail starts ticked, and a name at the same company
    assert all(p.reason in ("same e-mail", "same name, same company") for p in dialog.ticked())
    assert any(p.reason.endswith("different companies") for p in dialog.pairs)  # not ticked
    for row, pair in enumerate(dialog.pairs):
        if (pair.a, pair.b) not in pairs:
            dialog.list.item(row).setCheckState(Qt.CheckState.Unchecked)
    assert not dialog.undo_button.isEnabled()
    kept = []
    dialog.merged.connect(kept.append)
    result = dialog.merge_ticked()
    assert result is not None and len(result.merged) == 3
    assert "Merged 3 pairs" in dialog.status.text() and kept
    assert dialog.undo_button.isEnabled()
    assert not {(p.a, p.b) for p in dialog.pairs} & set(pairs)
    assert dialog.undo_last() == []
    assert snapshot(demo_store) == before
    assert set(pairs) <= {(p.a, p.b) for p in dialog.ticked()}  # proposed again
