"""Re-imports never duplicate silently (issue 20 H8/H11) and custdesk's own full export
imports back in one go (issue 12).

- the full export carries a stable `key` for every order line, deal, ticket, survey and
  spend row (its line_key, `ref:<ref>`, or `row:<id>:<check>` generated for a record stored
  without one): re-importing it into the same file changes nothing;
- `custdesk import everything.xlsx` takes every sheet by its kind in one transaction (one
  backup, one batch, one undo) and reproduces the data in an empty file: every
  `custdesk screen NAME --json` prints the same;
- an order present in a file replaces that order's stored lines ("1 order changed: A-2
  250 → 25"); a deal without an id is found by (title, customer, created_on); what cannot
  be matched with certainty is listed as a possible duplicate.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest
from export_roundtrip_util import CONTENT_SQL, OWNER_TABLES, content

from custdesk.cli import main
from custdesk.commands.screen import SCREEN_NAMES
from custdesk.services import importer
from custdesk.services.exporter import export_workbook, kind_rows
from custdesk.services.importer import ImportRequest, commit, make_preview, undo
from custdesk.storage import open_store
from custdesk.storage.backups import list_backups

TABLES = (*CONTENT_SQL, "assessments", "assessment_answers", "deal_stage_history")


def _cli(*argv: str) -> tuple[int, str]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(list(argv))
    return code, buffer.getvalue()


def _screens(db: Path) -> dict[str, dict]:
    return {name: json.loads(_cli("--db", str(db), "screen", name, "--json")[1])
            for name in SCREEN_NAMES}


def _tables(db: Path) -> dict[str, list]:
    store = open_store(db)
    try:
        out = {t: sorted(map(repr, store.conn.execute(f"SELECT * FROM {t}")))
               for t in TABLES if t != "settings"}
        out.update({t: sorted(map(repr, content(store, t).items())) for t in CONTENT_SQL})
        return out
    finally:
        store.close(backup_if_changed=False)


@pytest.fixture
def demo_export(demo_store, tmp_path: Path) -> tuple[Path, Path]:
    """(the demo file, its full export), the store closed."""
    out = export_workbook(demo_store, tmp_path / "everything.xlsx").path
    db = Path(demo_store.path)
    demo_store.close(backup_if_changed=False)
    return db, out


def test_every_exported_record_carries_a_key(demo_store) -> None:
    for kind in ("orders", "deals", "tickets", "surveys", "spend", "interactions", "costs"):
        keys = [row[-1] for row in kind_rows(demo_store, kind)]
        assert keys and all(keys), kind
        assert len(set(keys)) == len(keys), kind


def test_own_export_reimported_into_the_same_file_changes_nothing(demo_export,
                                                                   tmp_path: Path) -> None:
    db, out = demo_export
    before_tables, before_screens = _tables(db), _screens(db)
    code, text = _cli("--db", str(db), "import", str(out))
    assert code == 0, text
    assert "Nothing new" in text
    assert _tables(db) == before_tables
    assert _screens(db) == before_screens
    # and sheet by sheet, as an owner importing one sheet would
    store = open_store(db)
    try:
        for kind in importer.WORKBOOK_ORDER:
            preview = make_preview(store, ImportRequest(out, kind=kind, sheet=kind))
            assert (preview.plan.created, preview.plan.updated, preview.plan.removed) == (
                0, 0, 0), kind
            assert not preview.plan.possible_duplicates, kind
    finally:
        store.close(backup_if_changed=False)


def test_export_everything_imports_into_an_empty_file_in_one_go(demo_export,
                                                                tmp_path: Path) -> None:
    db, out = demo_export
    empty = tmp_path / "new.db"
    code, text = _cli("--db", str(empty), "import", str(out))
    assert code == 0, text
    assert "Imported every sheet as batch 1" in text
    assert _screens(empty) == _screens(db)
    store = open_store(empty)
    try:
        assert store.conn.execute("SELECT count(*) FROM import_batches").fetchone()[0] == 1
        assert len(list_backups(empty)) <= 1  # one backup for the whole workbook
        undo(store, 1)  # one undo takes the whole workbook back
        for table in ("customers", "orders", "deals", "assessments", *OWNER_TABLES):
            assert store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    finally:
        store.close(backup_if_changed=False)
    # a second export of the new file re-imports into the first with nothing new
    assert _cli("--db", str(empty), "import", str(out))[0] == 0
    again = open_store(empty)
    try:
        second = export_workbook(again, tmp_path / "second.xlsx").path
    finally:
        again.close(backup_if_changed=False)
    code, text = _cli("--db", str(db), "import", str(second))
    assert code == 0 and "Nothing new" in text, text


def test_a_workbook_with_one_bad_row_writes_nothing(demo_export, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    db, out = demo_export
    book = load_workbook(out)
    sheet = book["surveys"]
    header = [c.value for c in sheet[2]]
    sheet.cell(row=3, column=header.index("date") + 1, value="not a date")
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    empty = tmp_path / "new.db"
    code, text = _cli("--db", str(empty), "import", str(bad))
    assert code == 1, text
    store = open_store(empty)
    try:
        for table in ("customers", "orders", "import_batches"):
            assert store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    finally:
        store.close(backup_if_changed=False)


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_corrected_order_line_replaces_the_wrong_one(store, tmp_path: Path) -> None:
    first = _csv(tmp_path / "orders.csv", "Order ID,Date,Customer,Product,Sales\n"
                 "A-1,2024-03-01,Ann,Pens,10\nA-1,2024-03-01,Ann,Ink,5\n"
                 "A-2,2024-03-02,Bob,Paper,250\n")
    commit(store, make_preview(store, ImportRequest(first, kind="orders")))
    fixed = _csv(tmp_path / "fixed.csv", "Order ID,Date,Customer,Product,Sales\n"
                 "A-1,2024-03-01,Ann,Pens,10\nA-1,2024-03-01,Ann,Ink,5\n"
                 "A-2,2024-03-02,Bob,Paper,25\n")
    preview = make_preview(store, ImportRequest(fixed, kind="orders"))
    assert preview.plan.changed_orders_text() == "1 order changed: A-2 250 → 25"
    assert (preview.plan.created, preview.plan.removed) == (1, 1)
    result = commit(store, preview)
    revenue = sorted(r for (r,) in store.conn.execute("SELECT revenue_e4 FROM orders"))
    assert revenue == [50_000, 100_000, 250_000]
    undo(store, result.batch_id)
    revenue = sorted(r for (r,) in store.conn.execute("SELECT revenue_e4 FROM orders"))
    assert revenue == [50_000, 100_000, 2_500_000]


def test_the_cli_preview_says_which_order_changed(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    first = _csv(tmp_path / "orders.csv", "Order ID,Date,Customer,Sales\n"
                 "A-2,2024-03-02,Bob,250\n")
    assert _cli("--db", str(db), "import", str(first))[0] == 0
    fixed = _csv(tmp_path / "fixed.csv", "Order ID,Date,Customer,Sales\nA-2,2024-03-02,Bob,25\n")
    code, text = _cli("--db", str(db), "import", str(fixed), "--dry-run")
    assert code == 0 and "1 order changed: A-2 250 → 25" in text, text


def test_a_deal_without_an_id_whose_stage_moved_is_updated(store, tmp_path: Path) -> None:
    head = "Title,Account,Stage,Created On,Amount\n"
    first = _csv(tmp_path / "d1.csv", head + "Desks,Acme,Proposal,2024-02-01,900\n"
                 "Chairs,Acme,Lead,2024-02-03,300\n")
    commit(store, make_preview(store, ImportRequest(first, kind="deals")))
    moved = _csv(tmp_path / "d2.csv", head + "Desks,Acme,Won,2024-02-01,900\n"
                 "Chairs,Acme,Lead,2024-02-03,300\n")
    preview = make_preview(store, ImportRequest(moved, kind="deals"))
    assert (preview.plan.created, preview.plan.updated) == (0, 1)
    commit(store, preview)
    rows = store.conn.execute("SELECT d.title, s.name FROM deals d JOIN stages s "
                              "ON s.id = d.stage_id ORDER BY d.title").fetchall()
    assert rows == [("Chairs", "Lead"), ("Desks", "Won")]


def test_what_cannot_be_matched_for_certain_is_a_possible_duplicate(store,
                                                                     tmp_path: Path) -> None:
    head = "Title,Account,Stage,Created On\n"
    commit(store, make_preview(store, ImportRequest(
        _csv(tmp_path / "d1.csv", head + "Desks,Acme,Proposal,2024-02-01\n"), kind="deals")))
    preview = make_preview(store, ImportRequest(
        _csv(tmp_path / "d2.csv", head + "Desks,Acme,Won,2024-05-09\n"), kind="deals"))
    assert preview.plan.created == 1
    assert any("'Desks'" in d for d in preview.plan.possible_duplicates)
    assert any(line.startswith("possible duplicate:") for line in preview.findings())
    # a new customer named like a stored one, with another e-mail
    commit(store, make_preview(store, ImportRequest(_csv(
        tmp_path / "c1.csv", "Name,Email\nAnn Lee,ann@a.example\n"), kind="customers")))
    preview = make_preview(store, ImportRequest(_csv(
        tmp_path / "c2.csv", "Name,Email\nAnn Lee,ann@b.example\n"), kind="customers"))
    assert preview.plan.created == 1
    assert any("Ann Lee" in d for d in preview.plan.possible_duplicates)


def test_an_order_with_an_invalid_row_is_not_replaced(store, tmp_path: Path) -> None:
    commit(store, make_preview(store, ImportRequest(_csv(
        tmp_path / "o1.csv", "Order ID,Date,Customer,Sales\nA-1,2024-03-01,Ann,10\n"
        "A-1,2024-03-01,Ann,20\n"), kind="orders")))
    preview = make_preview(store, ImportRequest(_csv(
        tmp_path / "o2.csv", "Order ID,Date,Customer,Sales\nA-1,2024-03-01,Ann,10\n"
        "A-1,2024-03-01,Ann,abc\n"), kind="orders", skip_invalid=True))
    assert preview.plan.removed == 0 and preview.plan.notes
    commit(store, preview)
    assert store.conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 2


def test_workbook_detection(demo_export, tmp_path: Path) -> None:
    _db, out = demo_export
    assert importer.workbook_kinds(out)[:3] == ["customers", "products", "orders"]
    assert importer.workbook_kinds(out)[-1] == "scorecard"
    single = tmp_path / "one.xlsx"
    shutil.copy(out, single)
    from openpyxl import load_workbook
    book = load_workbook(single)
    book["orders"].title = "Sales 2024"
    book.save(single)
    assert importer.workbook_kinds(single) is None
