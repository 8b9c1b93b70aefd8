"""Issues 14/17, import side: interactions and costs as import kinds (catalogue, preview
counts, write, undo by batch, full export and re-import, the CLI), tickets' follow_up_of,
surveys' incentive and deals' reason_detail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from export_roundtrip_util import CONTENT_SQL, content, import_full_export
from hostile_files import business_lines

from custdesk.cli import main
from custdesk.services.exporter import export_workbook
from custdesk.services.importer import (
    ImportRequest,
    UndoRefusedError,
    commit,
    list_batches,
    make_preview,
    undo,
)
from custdesk.storage import open_store

DEALS = ("Deal ID,Customer ID,Customer Name,Deal name,Stage,Lost reason,Reason detail\n"
         "D-1,C-1,Ann Lee,Chairs for Ann,Lost,Missing feature,Online approval by a manager\n"
         "D-2,,,Desks for a prospect,Proposal,,\n")
INTERACTIONS = ("Date,Customer,Deal,Type,Notes\n"
                "2025-03-01,Ann Lee,,Phone,Asked about toner\n"
                "2025-03-02,,D-2,E-mail,Sent the quote\n"
                "2025-03-03,,Chairs for Ann,Zoom,Showed the range\n"
                "2025-03-04,Bob Ray,,Carrier pigeon,\n"
                "2025-03-05,Ann Lee,,visit,Measured up\n")
COSTS = "Month,Category,Amount\n2025-01,Rent,2400\n2025-01,Wages,9800.50\n2025-02,rent,2400\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(store, path: Path, kind: str | None = None):
    preview = make_preview(store, ImportRequest(path, kind=kind))
    assert not preview.errors, preview.errors[:3]
    return preview, commit(store, preview)


def test_interactions_are_read_with_their_customer_deal_and_kind(store, tmp_path):
    run(store, write(tmp_path, "deals.csv", DEALS), "deals")
    preview = make_preview(store, ImportRequest(write(tmp_path, "log.csv", INTERACTIONS)))
    assert preview.kind == "interactions"  # guessed from the headers
    assert (preview.plan.created, preview.invalid, preview.plan.new_customers) == (5, 0, 1)
    assert any("'Carrier pigeon'" in line and "kept as other" in line
               for line in preview.findings())
    commit(store, preview)
    rows = store.conn.execute(
        "SELECT i.date, c.name, d.ref, i.kind, i.note FROM interactions i "
        "LEFT JOIN customers c ON c.id = i.customer_id LEFT JOIN deals d ON d.id = i.deal_id "
        "ORDER BY i.date").fetchall()
    assert rows == [("2025-03-01", "Ann Lee", None, "call", "Asked about toner"),
                    ("2025-03-02", None, "D-2", "email", "Sent the quote"),
                    # the deal found by its title; its customer taken from the deal
                    ("2025-03-03", "Ann Lee", "D-1", "meeting", "Showed the range"),
                    ("2025-03-04", "Bob Ray", None, "other", None),
                    ("2025-03-05", "Ann Lee", None, "visit", "Measured up")]


def test_interaction_rows_without_customer_or_with_an_unknown_deal_are_refused(store,
                                                                              tmp_path):
    run(store, write(tmp_path, "deals.csv", DEALS), "deals")
    path = write(tmp_path, "log.csv", "Date,Customer,Deal,Type\n2025-03-01,,,call\n"
                                      "2025-03-02,Ann Lee,D-99,call\n2025-03-03,Ann Lee,,call\n")
    preview = make_preview(store, ImportRequest(path, kind="interactions"))
    assert [(e.row, e.column, e.reason) for e in preview.errors] == [
        (2, "Customer", "a customer or a deal is required"),
        (3, "Deal", "no deal with this reference or title (import the deals first)")]
    assert (preview.plan.created, preview.invalid) == (1, 2)


def test_an_interactions_sheet_needs_a_customer_or_deal_column(store, tmp_path):
    path = write(tmp_path, "log.csv", "Date,Type,Notes\n2025-03-01,call,hello\n")
    code = main(["import", str(path), "--kind", "interactions", "--db", str(store.path)])
    assert code == 2


def test_interactions_and_costs_reimport_unchanged_and_undo_by_batch(store, tmp_path):
    before = business_lines(store.conn)
    header, *lines = INTERACTIONS.splitlines()
    calls = "\n".join([header, *(line for line in lines if not line.split(",")[2])]) + "\n"
    _p, first = run(store, write(tmp_path, "log.csv", calls), "interactions")
    _p, costs = run(store, write(tmp_path, "costs.csv", COSTS))
    assert costs.preview.kind == "costs"
    assert store.conn.execute("SELECT month, amount_e4, category FROM costs ORDER BY id"
                              ).fetchall() == [("2025-01", 24_000_000, "Rent"),
                                               ("2025-01", 98_005_000, "Wages"),
                                               ("2025-02", 24_000_000, "Rent")]  # one spelling
    for name, kind, count in (("log.csv", "interactions", 3), ("costs.csv", "costs", 3)):
        again = make_preview(store, ImportRequest(tmp_path / name, kind=kind))
        assert (again.plan.created, again.plan.unchanged) == (0, count), kind
    undo(store, costs.batch_id)
    assert store.conn.execute("SELECT count(*) FROM costs").fetchone()[0] == 0
    undo(store, first.batch_id)
    assert business_lines(store.conn) == before


def test_cli_imports_costs_and_interactions_by_kind(tmp_path, db_path, capsys):
    path = write(tmp_path, "month.csv", COSTS)
    code = main(["import", str(path), "--kind", "costs", "--db", str(db_path), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert (code, data["kind"], data["created"]) == (0, "costs", 3)
    path = write(tmp_path, "calls.csv", "Date,Customer,Kind\n2025-01-05,Ann,call\n")
    code = main(["import", str(path), "--kind", "interactions", "--db", str(db_path),
                 "--json"])
    data = json.loads(capsys.readouterr().out)
    assert (code, data["kind"], data["created"]) == (0, "interactions", 1)


TICKETS = ("Ticket ID,Customer,Opened,Topic,Follow up of\n"
           "T-2,Ann,2025-03-03,Delivery,T-1\n"  # its original comes later in the file
           "T-1,Ann,2025-03-01,Delivery,\n"
           "T-3,Bob,2025-03-04,Billing,T-0\n"  # no such ticket: a warning, not an error
           "T-4,Bob,2025-03-05,Billing,T-4\n")  # itself: left unlinked too


def preview_batch(store) -> int:
    """The oldest import not undone."""
    return min(int(b["id"]) for b in list_batches(store))


def _links(store) -> list[tuple[str, str | None]]:
    return store.conn.execute(
        "SELECT t.ref, p.ref FROM tickets t LEFT JOIN tickets p ON p.id = t.follow_up_of "
        "ORDER BY t.ref").fetchall()


def test_a_follow_up_ticket_is_linked_to_its_original_in_the_file_or_stored(store, tmp_path):
    preview = make_preview(store, ImportRequest(write(tmp_path, "t.csv", TICKETS),
                                                kind="tickets"))
    assert not preview.errors
    [note] = [line for line in preview.findings() if "follow-up" in line]
    assert note.startswith("2 follow-ups name a ticket that is neither in this file nor "
                           "stored (or itself): row 4 (T-0), row 5 (T-4)")
    commit(store, preview)
    assert _links(store) == [("T-1", None), ("T-2", "T-1"), ("T-3", None), ("T-4", None)]
    later = write(tmp_path, "t2.csv", "Ticket ID,Customer,Opened,Topic,Original ticket\n"
                                      "T-5,Bob,2025-03-09,Billing,T-3\n")
    _p, result = run(store, later, "tickets")
    assert _links(store)[-1] == ("T-5", "T-3")
    # the first import cannot be undone while a later ticket follows one of its tickets
    with pytest.raises(UndoRefusedError, match="1 tickets added later follow up tickets"):
        undo(store, preview_batch(store))
    undo(store, result.batch_id)
    assert [ref for ref, _p in _links(store)] == ["T-1", "T-2", "T-3", "T-4"]


def test_incentive_and_reason_detail_are_stored(store, tmp_path):
    run(store, write(tmp_path, "deals.csv", DEALS), "deals")
    run(store, write(tmp_path, "q.csv", "Date,Customer,Question,Score,Reward\n"
                                        "2025-02-01,Ann Lee,Why do you stay?,8,Prize draw\n"),
        "surveys")
    assert store.conn.execute("SELECT ref, reason_detail FROM deals ORDER BY ref").fetchall(
    ) == [("D-1", "Online approval by a manager"), ("D-2", None)]
    assert store.conn.execute("SELECT incentive FROM surveys").fetchall() == [("Prize draw",)]


def test_full_export_carries_the_new_kinds_and_fields_and_reimports_unchanged(store,
                                                                            tmp_path):
    run(store, write(tmp_path, "deals.csv", DEALS), "deals")
    run(store, write(tmp_path, "log.csv", INTERACTIONS), "interactions")
    run(store, write(tmp_path, "costs.csv", COSTS), "costs")
    run(store, write(tmp_path, "t.csv", TICKETS), "tickets")
    run(store, write(tmp_path, "q.csv", "Date,Customer,CSAT,Incentive\n"
                                        "2025-02-01,Ann Lee,★★★★☆,10% off\n"), "surveys")
    run(store, write(tmp_path, "o.csv", "Date,Customer,Sales,Country,Region,City\n"
                                        "2025-01-05,Ann Lee,100,UK,North,Leeds\n"), "orders")
    out = export_workbook(store, tmp_path / "full.xlsx").path
    again = open_store(tmp_path / "again.db")
    try:
        import_full_export(again, out)
        for table in ("interactions", "costs", "tickets", "surveys", "deals", "orders"):
            assert content(again, table) == content(store, table), table
            assert sum(content(store, table).values()) > 0, table
        assert table in CONTENT_SQL
    finally:
        again.close(backup_if_changed=False)
    for kind in ("interactions", "costs", "tickets", "surveys", "deals", "orders"):
        preview = make_preview(store, ImportRequest(out, kind=kind, sheet=kind))
        assert not preview.errors, (kind, preview.errors[:3])
        assert (preview.plan.created, preview.plan.updated) == (0, 0), kind
