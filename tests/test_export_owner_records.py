"""The owner's records of m005 as import kinds: onboarding steps, snoozes, detractor
follow-ups, product cases, strategic reviews and scorecard follow-ups (and the actions'
signal). Found by their natural keys (a re-import changes nothing), never creating a
customer or product, undone by the batch's undo records (these tables have no batch_id).
"""

from __future__ import annotations

from pathlib import Path

from custdesk.services.exporter import kind_rows
from custdesk.services.importer import ImportRequest, commit, make_preview, undo
from custdesk.storage.database import Store


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _import(store: Store, path: Path, kind: str):
    preview = make_preview(store, ImportRequest(path, kind=kind))
    assert not preview.errors, preview.errors[:3]
    return commit(store, preview)


def _rows(store: Store, sql: str) -> list[tuple]:
    return [tuple(r) for r in store.conn.execute(sql)]


def _base(store: Store, tmp_path: Path) -> None:
    """Two customers and two products, as an owner's sheets bring them."""
    _import(store, _csv(tmp_path / "c.csv", "Customer ID,Name,Email\n"
                        "C1,Ann Lee,ann@example.com\nC2,Bob Ray,bob@example.com\n"),
            "customers")
    _import(store, _csv(tmp_path / "p.csv", "SKU,Product Name,Price\nP1,Pens,2\n"
                        "P2,Ink,5\n"), "products")


def test_owner_sheets_import_by_customer_ref_name_or_email(store, tmp_path: Path) -> None:
    _base(store, tmp_path)
    _import(store, _csv(tmp_path / "o.csv", "Customer,Step,Done on,Note\n"
                        "C1,Set up,2024-03-05,\nBob Ray,First check-in,2024-04-01,Happy\n"),
            "onboarding_steps")
    _import(store, _csv(tmp_path / "s.csv", "Email,Snoozed until,Note,Set on\n"
                        "ann@example.com,2024-06-30,On holiday,2024-06-01\n"),
            "customer_snoozes")
    _import(store, _csv(tmp_path / "d.csv", "Customer,Follow up state,Changed on\n"
                        "C2,Not recovered,2024-05-02\n"), "detractor_followups")
    assert _rows(store, "SELECT customer_id, step, done_on, note FROM onboarding_steps "
                        "ORDER BY customer_id") == [(1, "set up", "2024-03-05", None),
                                                    (2, "first check-in", "2024-04-01",
                                                     "Happy")]
    assert _rows(store, "SELECT * FROM customer_snoozes") == [
        (1, "2024-06-30", "On holiday", "2024-06-01")]
    assert _rows(store, "SELECT * FROM detractor_followups") == [
        (2, "not_recovered", "2024-05-02", None)]
    assert store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 2


def test_product_case_review_and_scorecard_follow_up(store, tmp_path: Path) -> None:
    _base(store, tmp_path)
    _import(store, _csv(tmp_path / "k.csv", "Product,Expected volume,Expected price,"
                        "Expected margin,Investment,Start date\n"
                        "Ink,40,4.50,35%,1200,2024-01-01\n"), "product_cases")
    assert _rows(store, "SELECT * FROM product_cases") == [
        (2, 40.0, 45_000, 35.0, 12_000_000, "2024-01-01")]
    _import(store, _csv(tmp_path / "r.csv", "Reviewed on,Market,Decisions\n"
                        "2024-02-01,Slow spring,Offer installation\n"), "strategic_reviews")
    assert _rows(store, "SELECT reviewed_on, market, decisions FROM strategic_reviews") == [
        ("2024-02-01", "Slow spring", "Offer installation")]
    _import(store, _csv(tmp_path / "a.csv", "Action,Customer,Created on,Signal\n"
                        "Write a sales plan,,2024-02-02,scorecard\n"
                        "Call Ann,C1,2024-02-03,Detractor\n"), "actions")
    assert _rows(store, "SELECT title, signal FROM actions ORDER BY id") == [
        ("Write a sales plan", "scorecard"), ("Call Ann", "detractor")]
    _import(store, _csv(tmp_path / "q.csv", "Question ID,Target score,Action\n"
                        "NEW_BUSINESS,4,write a sales plan\n"), "scorecard_followups")
    assert _rows(store, "SELECT * FROM scorecard_followups") == [("new_business", 4, 1)]


def test_unknown_references_are_row_errors_naming_the_column(store, tmp_path: Path) -> None:
    _base(store, tmp_path)
    preview = make_preview(store, ImportRequest(_csv(
        tmp_path / "s.csv", "Customer,Until\nC9,2024-06-30\n"), kind="customer_snoozes"))
    assert [(e.row, e.column, e.value) for e in preview.errors] == [(2, "Customer", "C9")]
    assert "no customer" in preview.errors[0].reason
    preview = make_preview(store, ImportRequest(_csv(
        tmp_path / "d.csv", "Customer,State\nC1,angry\n"), kind="detractor_followups"))
    assert [(e.column, e.value) for e in preview.errors] == [("State", "angry")]
    preview = make_preview(store, ImportRequest(_csv(
        tmp_path / "k.csv", "SKU,Expected volume\nP1,10\nP7,3\n"), kind="product_cases"))
    # (no start date column: the error names the field)
    assert sorted((e.row, e.column) for e in preview.errors) == [(2, "start_on"), (3, "SKU")]
    preview = make_preview(store, ImportRequest(_csv(
        tmp_path / "q.csv", "Question ID,Target score,Action\nnot_a_question,4,\n"
        "new_business,11,\nretention,5,Nobody's action\n"), kind="scorecard_followups"))
    assert sorted((e.row, e.column) for e in preview.errors) == [
        (2, "Question ID"), (3, "Target score"), (4, "Action")]


def test_reimport_changes_nothing_an_edit_updates_and_undo_restores(store,
                                                                    tmp_path: Path) -> None:
    _base(store, tmp_path)
    first = _csv(tmp_path / "s1.csv", "Customer,Until,Note\nC1,2024-06-30,Away\n")
    batch = _import(store, first, "customer_snoozes").batch_id
    again = make_preview(store, ImportRequest(first, kind="customer_snoozes"))
    assert (again.plan.created, again.plan.updated, again.plan.unchanged) == (0, 0, 1)
    moved = _csv(tmp_path / "s2.csv", "Customer,Until,Note\nC1,2024-07-15,Away\n")
    later = _import(store, moved, "customer_snoozes").batch_id
    assert _rows(store, "SELECT customer_id, until FROM customer_snoozes") == [
        (1, "2024-07-15")]
    undo(store, later)  # the update's previous value comes back
    assert _rows(store, "SELECT customer_id, until FROM customer_snoozes") == [
        (1, "2024-06-30")]
    undo(store, batch)  # the insert goes (no batch_id column: by its undo record)
    assert _rows(store, "SELECT * FROM customer_snoozes") == []
    assert store.conn.execute("SELECT count(*) FROM batch_changes WHERE batch_id IN (?, ?)",
                              (batch, later)).fetchone()[0] == 0


def test_an_unknown_signal_is_kept_as_the_issue(store, tmp_path: Path) -> None:
    preview = make_preview(store, ImportRequest(_csv(
        tmp_path / "a.csv", "Action,Signal,Created on\nFix the till,till keeps crashing,"
        "2024-01-02\n"), kind="actions"))
    assert any("signal value" in note for note in preview.plan.notes)
    commit(store, preview)
    assert _rows(store, "SELECT signal, issue FROM actions") == [(None, "till keeps crashing")]


def test_the_export_names_what_a_reimport_finds(demo_store) -> None:
    """Each owner sheet of the demo holds its record by the references an import matches."""
    rows = {kind: list(kind_rows(demo_store, kind)) for kind in (
        "customer_snoozes", "detractor_followups", "product_cases", "strategic_reviews",
        "scorecard_followups")}
    assert all(len(r) == 1 for r in rows.values()), rows
    question, target, action, created = rows["scorecard_followups"][0]
    assert (question, target) == ("new_business", 8)  # above its score of 6
    assert action.startswith("Meet the decision maker") and created
    assert rows["detractor_followups"][0][3] == "resolved"
    assert demo_store.conn.execute("SELECT count(*) FROM onboarding_steps").fetchone()[0] == \
        len(list(kind_rows(demo_store, "onboarding_steps")))


def test_a_later_snooze_keeps_the_customers_import_from_being_undone(store,
                                                                      tmp_path: Path) -> None:
    """Undoing the import that created a customer would delete their snooze with them
    (ON DELETE CASCADE): refused, as for a later order or action."""
    from custdesk.services.import_write import undo_blockers

    _base(store, tmp_path)  # batch 1: the customers, batch 2: the products
    snoozes = _import(store, _csv(tmp_path / "s.csv", "Customer,Until\nC2,2024-06-30\n"),
                      "customer_snoozes").batch_id
    assert undo_blockers(store, 1) == ["1 customer snoozes added later use customers this "
                                       "import created"]
    undo(store, snoozes)
    assert undo_blockers(store, 1) == []
    with store.transaction():  # by hand, in the app
        store.conn.execute("INSERT INTO product_cases (product_id, start_on) VALUES (1, "
                           "'2024-01-01')")
    assert undo_blockers(store, 2) == ["1 product cases added later use products this "
                                       "import created"]


def test_reviews_without_created_at_are_found_by_day_and_text(store, tmp_path: Path) -> None:
    sheet = _csv(tmp_path / "r.csv", "Review date,Market,Decisions\n"
                 "2024-02-01,Slow spring,Offer installation\n"
                 "2024-02-01,Second look,Hire help\n")
    _import(store, sheet, "strategic_reviews")
    again = make_preview(store, ImportRequest(sheet, kind="strategic_reviews"))
    assert (again.plan.created, again.plan.updated, again.plan.unchanged) == (0, 0, 2)
    _import(store, _csv(tmp_path / "r2.csv", "Review date,Market,Decisions\n"
                        "2024-03-01,Busy,Keep going\n"), "strategic_reviews")
    # the day's only review, its decisions rewritten
    edited = _import(store, _csv(tmp_path / "r3.csv", "Review date,Market,Decisions\n"
                                 "2024-03-01,Busy,Open on Saturdays\n"), "strategic_reviews")
    assert edited.preview.plan.updated == 1
    assert _rows(store, "SELECT reviewed_on, decisions FROM strategic_reviews ORDER BY id") == [
        ("2024-02-01", "Offer installation"), ("2024-02-01", "Hire help"),
        ("2024-03-01", "Open on Saturdays")]
