"""Edit ▸ Undo for edits made in the app (issue 13): every edit is one transaction, logged
by TEMP triggers; undo restores the exact rows, in order, and refuses when a later edit
or import changed a row it would restore."""

from __future__ import annotations

from pathlib import Path

import pytest

from custdesk.services import edits
from custdesk.services.importer import ImportRequest, commit, make_preview
from custdesk.storage.backups import list_backups
from custdesk.storage.edit_log import SKIPPED, EditUndoRefusedError


def dump(store) -> dict[str, list[tuple]]:
    """Every business table, whole, rowid included (what undo must give back exactly)."""
    names = [r[0] for r in store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")]
    return {n: store.conn.execute(f'SELECT rowid, * FROM "{n}" ORDER BY rowid').fetchall()
            for n in names if n not in SKIPPED}


def _customer(store, name: str) -> int:
    with edits.recorded(store, f"Add customer {name}"):
        cur = store.conn.execute(
            "INSERT INTO customers(name, name_key, created_on) VALUES (?, ?, '2026-01-01')",
            (name, name.lower()))
    return int(cur.lastrowid)


def test_undo_of_an_edit_restores_the_exact_rows(store) -> None:
    a = _customer(store, "Ada")
    b = _customer(store, "Bob")
    with edits.recorded(store, "Set up"):
        store.conn.execute("INSERT INTO customer_snoozes VALUES (?, '2026-02-01', 'x', "
                           "'2026-01-01')", (b,))
        store.conn.execute("INSERT INTO onboarding_steps(customer_id, step) VALUES (?, 's1')",
                           (a,))
        store.conn.execute("INSERT INTO onboarding_steps(customer_id, step) VALUES (?, 's2')",
                           (a,))
        store.conn.execute("UPDATE customers SET notes = ? WHERE id = ?",
                           (0.1 + 0.2, a))  # a REAL that 15 digits would round
    before = dump(store)
    with edits.recorded(store, "Big edit"):
        store.conn.execute("UPDATE customers SET name = 'Ada L', segment = 'VIP' WHERE id = ?",
                           (a,))
        store.conn.execute("DELETE FROM customers WHERE id = ?", (b,))  # cascades the snooze
        store.conn.execute("DELETE FROM onboarding_steps WHERE step = 's1'")  # no rowid alias
        store.conn.execute("INSERT INTO customers(name, name_key, created_on) "
                           "VALUES ('Cy', 'cy', '2026-01-02')")
    assert dump(store) != before
    assert edits.last_edit(store).label == "Big edit"
    assert edits.undo_last_edit(store) == "Big edit"
    assert dump(store) == before
    assert edits.last_edit(store).label == "Set up"


def test_twenty_five_edits_undo_in_order(store) -> None:
    cid = _customer(store, "Ada")
    states = [dump(store)]
    for i in range(25):
        with edits.recorded(store, f"Note {i}"):
            store.conn.execute("UPDATE customers SET notes = ? WHERE id = ?", (f"n{i}", cid))
        states.append(dump(store))
    for i in reversed(range(25)):
        assert edits.undo_last_edit(store) == f"Note {i}"
        assert dump(store) == states[i]
    assert edits.undo_last_edit(store) == "Add customer Ada"
    with pytest.raises(EditUndoRefusedError, match="no edit to undo"):
        edits.undo_last_edit(store)


def test_a_failed_edit_logs_nothing_and_leaves_no_trigger(store) -> None:
    with pytest.raises(RuntimeError), edits.recorded(store, "Broken"):
        store.conn.execute("INSERT INTO customers(name, name_key, created_on) "
                           "VALUES ('Zed', 'zed', '2026-01-01')")
        raise RuntimeError("boom")
    assert edits.last_edit(store) is None
    assert store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 0
    assert store.conn.execute("SELECT count(*) FROM temp.sqlite_master "
                              "WHERE type = 'trigger'").fetchone()[0] == 0


def test_nested_edits_are_one_edit_and_the_log_keeps_fifty(store) -> None:
    with edits.recorded(store, "Outer"), edits.recorded(store, "Inner"):
        store.conn.execute("INSERT INTO customers(name, name_key, created_on) "
                           "VALUES ('Zed', 'zed', '2026-01-01')")
    assert [e.label for e in edits.recent_edits(store)] == ["Outer"]
    for i in range(55):
        _customer(store, f"C{i}")
    assert len(edits.recent_edits(store, 100)) == 50


def test_an_edit_takes_a_backup_like_an_import_but_not_every_click(store) -> None:
    _customer(store, "Ada")
    assert list_backups(store.path) == []  # the file was empty: nothing to lose
    _customer(store, "Bob")
    _customer(store, "Cy")
    taken = [b.reason for b in list_backups(store.path)]
    assert taken == ["before-edit"]  # one, not one per edit (BACKUP_EVERY)


def _orders_csv(path: Path, customer: str, amount: str) -> Path:
    path.write_text("Order ID,Order Date,Customer Name,Sales\n"
                    f"A1,2026-01-05,{customer},{amount}\n")
    return path


def test_undo_refused_when_a_later_import_changed_the_row(store, tmp_path: Path) -> None:
    cid = _customer(store, "Ada")
    with edits.recorded(store, "Rename Ada"):
        store.conn.execute("UPDATE customers SET company = 'Old Co' WHERE id = ?", (cid,))
    request = ImportRequest(path=_orders_csv(tmp_path / "o.csv", "Ada", "10"), kind="orders")
    commit(store, make_preview(store, request))
    with edits.recorded(store, "Fix order"):
        store.conn.execute("UPDATE orders SET revenue_e4 = 200000")
    after_fix = dump(store)
    # the import is older than the edit: Undo picks the edit
    assert edits.newest_undo(store).kind == "edit"
    request = ImportRequest(path=_orders_csv(tmp_path / "o2.csv", "Ada", "30"),
                            kind="orders")
    commit(store, make_preview(store, request))
    assert edits.newest_undo(store).kind == "import"
    changed = dump(store)
    assert changed["orders"] != after_fix["orders"]
    with pytest.raises(EditUndoRefusedError, match="changed again since"):
        edits.undo_last_edit(store)
    assert dump(store) == changed  # nothing was touched


def test_edit_menu_undo_names_the_newest_edit_and_restores_it(qtbot, quiet_ui, store) -> None:
    from custdesk.services import customers_service as cs
    from custdesk.ui import edit_undo
    from custdesk.ui.main_window import MainWindow

    cid = cs.add_customer(store, {"name": "Ada"})
    before = dump(store)
    cs.update_customer(store, cid, {"name": "Ada & Co", "segment": "VIP"})
    window = MainWindow(store, persist_state=False)
    qtbot.addWidget(window)
    edit_undo.update_label(window.undo_action, store)
    assert window.undo_action.text() == "Undo Edit customer Ada && Co"
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    window.undo_action.trigger()
    assert dump(store) == before
    edit_undo.update_label(window.undo_action, store)
    assert window.undo_action.text() == "Undo Add customer Ada"


def test_the_targets_editor_save_is_one_undoable_edit(store) -> None:
    from custdesk.services import targets_service as ts

    ts.save(store, [ts.TargetRow("2026-01", "revenue", 1000.0)])
    before = dump(store)
    (row,) = ts.load(store)
    ts.save(store, [ts.TargetRow("2026-02", "revenue", 2000.0, row.id),
                    ts.TargetRow("2026-03", "nps", 40.0)])
    assert dump(store) != before
    assert edits.undo_last_edit(store) == "Edit targets"
    assert dump(store) == before


def test_merge_and_delete_of_imported_customers_undo_exactly_and_the_import_still_undoes(
        store, tmp_path: Path) -> None:
    from custdesk.services import customers_service as cs
    from custdesk.services.importer import list_batches, undo

    path = tmp_path / "o.csv"
    path.write_text("Order ID,Order Date,Customer Name,Sales\nA1,2026-01-05,Ada,10\n"
                    "A2,2026-01-06,Ada L,20\nA3,2026-01-07,Bob,30\n")
    commit(store, make_preview(store, ImportRequest(path=path, kind="orders")))
    imported = dump(store)
    ids = dict(store.conn.execute("SELECT name, id FROM customers"))
    cs.merge_customers(store, ids["Ada"], ids["Ada L"])
    cs.delete_customer(store, ids["Bob"])
    assert edits.undo_last_edit(store) == "Delete customer Bob"
    assert edits.undo_last_edit(store) == "Merge Ada L into Ada"
    assert dump(store) == imported  # import undo records (batch_changes) included
    undo(store, int(list_batches(store)[0]["id"]))
    assert store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 0


def test_undo_refused_when_later_records_use_a_row_the_edit_added(store) -> None:
    cid = _customer(store, "Ada")
    _customer(store, "Bob")
    with store.transaction():  # (not an edit: as an import would)
        store.conn.execute("INSERT INTO orders(customer_id, date, month, revenue_e4) "
                           "VALUES (?, '2026-01-05', 202601, 10000)", (cid,))
    edits.undo_last_edit(store)  # Bob goes
    before = dump(store)
    with pytest.raises(EditUndoRefusedError, match="records added since depend on it"):
        edits.undo_last_edit(store)
    assert dump(store) == before and edits.last_edit(store).label == "Add customer Ada"


def test_newest_undo_is_the_edit_again_once_the_later_import_is_undone(store,
                                                                       tmp_path: Path) -> None:
    from custdesk.services.importer import undo

    _customer(store, "Ada")
    commit(store, make_preview(store, ImportRequest(
        path=_orders_csv(tmp_path / "march.csv", "Ada", "10"), kind="orders")))
    newest = edits.newest_undo(store)
    assert (newest.kind, newest.label) == ("import", "Undo import of march.csv")
    undo(store, newest.batch_id)
    newest = edits.newest_undo(store)
    assert (newest.kind, newest.label) == ("edit", "Undo Add customer Ada")
    edits.undo_last_edit(store)
    assert edits.newest_undo(store) is None


def test_owner_records_of_loyalty_and_reviews_are_undoable_edits(store) -> None:
    """Onboarding steps, strategic reviews, business cases and the loyalty settings are
    edits like the others: Edit ▸ Undo takes each back, newest first, to the exact rows."""
    from custdesk.domain.renewal import RenewalRule
    from custdesk.services import business_case_service as cases
    from custdesk.services import onboarding_service, settings_service
    from custdesk.services import strategic_review_service as reviews

    ada = _customer(store, "Ada")
    with edits.recorded(store, "Add product"):
        pid = int(store.conn.execute("INSERT INTO products(name, name_key) "
                                     "VALUES ('Desk', 'desk')").lastrowid)
    states = [dump(store)]
    onboarding_service.mark_step(store, ada, "set up", done_on="2026-01-05")
    states.append(dump(store))
    reviews.save(store, reviews.StrategicReview(reviewed_on="2026-01-31",
                                                decisions="Open a second van"))
    states.append(dump(store))
    cases.save(store, [cases.CaseRow(pid, "Desk", expected_volume=10, investment=5000,
                                     start_on="2026-01-01")])
    states.append(dump(store))
    settings_service.save_loyalty_settings(store, RenewalRule("days", 60), 3)
    labels = [e.label for e in edits.recent_edits(store)][:4]
    assert labels == ["Loyalty settings", "Edit business cases",
                      "Strategic review of 2026-01-31", "Onboarding step set up"]
    for expected in reversed(states):
        edits.undo_last_edit(store)
        assert dump(store) == expected
