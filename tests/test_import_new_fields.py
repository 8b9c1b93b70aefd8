"""The fields METRICS.md added, end to end: imported from a csv and from an xlsx, read back
by the loaders, exported, imported again identically; targets per product line and per
metric; an m002 file upgraded by m003."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from export_roundtrip_util import CONTENT_SQL, content, import_full_export
from hostile_files import business_lines

from custdesk.domain.records import Customer, Deal, MetricTarget, OrderLine, Survey, Target
from custdesk.services.exporter import export_workbook
from custdesk.services.importer import ImportRequest, commit, make_preview, undo
from custdesk.storage import migrations, open_store
from custdesk.storage import queries_records as rec
from custdesk.storage.repository import save_all

CUSTOMERS = (["Customer ID", "Name", "Campaign", "Renewal date", "Region", "Segment"], [
    ["C-1", "Ann Lee", "Spring promo", "2026-03-31", "North", "Trade"],
    ["C-2", "Bob Ray", "", "2026-06-30", "South", "Retail"]])
ORDERS = (["Order Date", "Customer ID", "Sales", "Order Status", "Ship Date", "Delivery Date",
           "Region"], [
    ["2025-01-05", "C-1", "100", "Delivered", "2025-01-06", "2025-01-09", "North"],
    ["2025-02-07", "C-2", "250.50", "Shipped", "2025-02-08", "", "South"]])
DEALS = (["Deal ID", "Customer ID", "Stage", "Amount", "Win reason", "Next step date",
          "Needs me", "Special terms", "Campaign"], [
    ["D-1", "C-1", "Won", "5000", "Fast delivery", "", "No", "", "Spring promo"],
    ["D-2", "C-2", "Proposal", "1200", "", "2025-03-01", "Yes", "Net 60", ""]])
SURVEYS = (["Date", "Customer ID", "Question", "NPS", "Reason"], [
    ["2025-02-01", "C-1", "Why did you choose us?", "9", "Service"],
    ["2025-02-01", "C-2", "Why would you not refer us?", "4", "Price"]])
TARGETS = (["Month", "Revenue target", "New customers target", "Product", "Category",
            "Metric", "Target"], [
    ["2025-01", "10000", "3", "", "", "", ""],
    ["2025-01", "4000", "", "GTX Pro", "", "", ""],
    ["2025-01", "2500", "", "", "Chairs", "", ""],
    ["2025-01", "", "", "", "", "nps", "40"],
    ["2025-01", "", "", "", "", "first_response_hours_median", "4"],
    ["2025-02", "12000", "", "", "", "NPS", "45"]])  # one row, two targets


def write(tmp_path: Path, name: str, table: tuple[list[str], list[list[str]]],
          fmt: str) -> Path:
    headers, rows = table
    path = tmp_path / f"{name}.{fmt}"
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([headers, *rows])
    else:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = name
        sheet.append(headers)
        for row in rows:
            sheet.append([cell or None for cell in row])
        book.save(path)
    return path


def run(store, path: Path, kind: str, **kw):
    preview = make_preview(store, ImportRequest(path, kind=kind, **kw))
    assert not preview.errors, preview.errors[:3]
    return commit(store, preview)


def import_all(store, tmp_path: Path, fmt: str) -> None:
    store.conn.execute("INSERT INTO products(name, name_key, ref) VALUES ('GTX Pro', "
                       "'gtxpro', 'P-9')")
    store.conn.commit()
    for kind, table in (("customers", CUSTOMERS), ("orders", ORDERS), ("deals", DEALS),
                        ("surveys", SURVEYS), ("targets", TARGETS)):
        run(store, write(tmp_path, kind, table, fmt), kind)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_new_fields_are_imported_and_read_back(store, tmp_path, fmt):
    import_all(store, tmp_path, fmt)
    ann = rec.load_customer(store, 1)
    assert ann is not None
    assert (ann.campaign, ann.contract_end, ann.region) == ("Spring promo", "2026-03-31",
                                                            "North")
    assert store.conn.execute(
        "SELECT status, shipped_on, delivered_on, region FROM orders ORDER BY date").fetchall(
    ) == [("Delivered", "2025-01-06", "2025-01-09", "North"),
          ("Shipped", "2025-02-08", None, "South")]
    deals = {d.ref: d for d in rec.load_deals(store)}
    assert (deals["D-1"].win_reason, deals["D-1"].needs_me, deals["D-1"].campaign) == (
        "Fast delivery", False, "Spring promo")
    assert (deals["D-2"].next_step_on, deals["D-2"].needs_me, deals["D-2"].special_terms) == (
        "2025-03-01", True, "Net 60")
    assert [s.question for s in rec.load_surveys(store)] == [
        "Why did you choose us?", "Why would you not refer us?"]
    # the sales plan sees the whole business's revenue targets only, as before
    assert rec.load_targets(store) == [Target("2025-01", 100_000_000, 3),
                                       Target("2025-02", 120_000_000, None)]
    assert rec.load_line_targets(store) == [
        Target("2025-01", 40_000_000, product="GTX Pro"),
        Target("2025-01", 25_000_000, category="Chairs")]
    assert rec.load_metric_targets(store) == {
        ("2025-01", "first_response_hours_median"): 4.0, ("2025-01", "nps"): 40.0,
        ("2025-02", "nps"): 45.0}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_reproduces_the_new_fields(store, tmp_path, fmt):
    import_all(store, tmp_path, fmt)
    out = export_workbook(store, tmp_path / "full.xlsx").path
    again = open_store(tmp_path / "again.db")
    try:
        import_full_export(again, out)
        for table in CONTENT_SQL:
            if table != "settings":
                assert content(again, table) == content(store, table), table
    finally:
        again.close(backup_if_changed=False)
    # and the export imported into the file it came from changes nothing (the kinds whose
    # records have an identity: order lines and surveys are keyed by their file's lines)
    for kind in ("customers", "deals", "targets"):
        preview = make_preview(store, ImportRequest(out, kind=kind, sheet=kind))
        assert not preview.errors, (kind, preview.errors[:3])
        assert (preview.plan.created, preview.plan.updated) == (0, 0), kind


@pytest.mark.parametrize("kind", ["customers", "orders", "deals", "surveys", "targets"])
def test_one_kind_exported_to_csv_imports_back(store, tmp_path, kind):
    import_all(store, tmp_path, "csv")
    out = export_workbook(store, tmp_path / f"{kind}-out.csv", [kind]).path
    again = open_store(tmp_path / "again.db")
    try:
        again.conn.execute("INSERT INTO products(name, name_key, ref) VALUES ('GTX Pro', "
                           "'gtxpro', 'P-9')")
        again.conn.commit()
        run(again, out, kind)
        table = kind if kind != "orders" else "orders"
        if kind in ("customers", "targets"):
            assert content(again, table) == content(store, table)
        else:  # the records that point at customers carry what matches them
            assert sum(content(again, table).values()) == sum(content(store, table).values())
    finally:
        again.close(backup_if_changed=False)


def test_targets_per_line_and_metric_update_and_undo(store, tmp_path):
    run(store, write(tmp_path, "targets", TARGETS, "csv"), "targets")
    before = business_lines(store.conn)
    changed = (TARGETS[0], [["2025-01", "", "", "", "", "NPS", "42"],
                            ["2025-01", "4500", "", "gtx-pro", "", "", ""],
                            ["2025-03", "", "", "", "chairs", "nps", "50"]])
    preview = make_preview(store, ImportRequest(write(tmp_path, "t2", changed, "csv"),
                                                kind="targets"))
    assert (preview.plan.created, preview.plan.updated, preview.plan.unchanged) == (1, 2, 0)
    result = commit(store, preview)
    assert rec.load_metric_targets(store)[("2025-01", "nps")] == 42.0
    assert [t.metric for t in rec.load_all_metric_targets(store) if t.category] == ["nps"]
    assert rec.load_line_targets(store)[0] == Target("2025-01", 45_000_000, product="GTX Pro")
    undo(store, result.batch_id)
    assert business_lines(store.conn) == before


@pytest.mark.parametrize(("rows", "reason"), [
    ([["2025-01", "", "", "", "", "nps", ""]], "target is required with a metric"),
    ([["2025-01", "", "", "", "", "", "40"]], "metric is required with a target"),
    ([["2025-01", "", "", "", "", "happiness", "4"]], "not a metric id"),
    ([["2025-01", "10", "", "GTX Pro", "Chairs", "", ""]], "a product or a category"),
    ([["2025-01", "", "", "", "", "", ""]], "revenue target or a metric"),
    ([["2025-01", "", "", "", "", "nps", "40"], ["2025-01", "", "", "", "", "NPS", "41"]],
     "the nps target for this month appears on an earlier row"),
])
def test_target_rows_that_are_refused(store, tmp_path, rows, reason):
    path = write(tmp_path, "bad", (TARGETS[0], rows), "csv")
    preview = make_preview(store, ImportRequest(path, kind="targets"))
    assert any(reason in e.reason for e in preview.errors), preview.errors


def test_month_and_target_sheet_is_a_revenue_target(store, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Month,Target\n2025-01,900\n", encoding="utf-8")
    commit(store, make_preview(store, ImportRequest(path)))
    assert rec.load_targets(store) == [Target("2025-01", 9_000_000)]


def test_save_all_and_loaders_carry_the_new_fields(store):
    save_all(store, customers=[Customer("Ann", id=1, campaign="C1", contract_end="2026-01-31",
                                        region="West")],
             orders=[OrderLine("2025-01-02", 1, 10_000, status="Returned",
                               shipped_on="2025-01-03", delivered_on="2025-01-05",
                               region="West")],
             deals=[Deal("Lead", customer_id=1, win_reason="Fit", next_step_on="2025-02-01",
                         needs_me=True, special_terms="Net 30", campaign="C1")],
             surveys=[Survey("2025-01-09", customer_id=1, nps=8, question="Why stay?")],
             targets=[Target("2025-01", 5, 1), Target("2025-01", 2, category="Desks")],
             metric_targets=[MetricTarget("2025-01", "nps", 30.0),
                             MetricTarget("2025-01", "nps", 20.0, product="GTX Pro")])
    store.conn.commit()
    assert rec.load_customer(store, 1).region == "West"
    deal = rec.load_deals(store)[0]
    assert (deal.win_reason, deal.needs_me, deal.next_step_on) == ("Fit", True, "2025-02-01")
    assert rec.load_surveys(store)[0].question == "Why stay?"
    assert rec.load_targets(store) == [Target("2025-01", 5, 1)]
    assert rec.load_metric_targets(store) == {("2025-01", "nps"): 30.0}
    assert rec.load_line_targets(store) == [Target("2025-01", 2, category="Desks")]
    assert store.conn.execute("SELECT status, region FROM orders").fetchall() == [
        ("Returned", "West")]


def test_an_m002_file_is_upgraded_and_keeps_its_rows(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    with monkeypatch.context() as patch:  # this version as it was before m003
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:2])
        patch.setattr(migrations, "LATEST_VERSION", 2)
        old = open_store(path)
        assert old.schema_version() == 2
        old.conn.executescript("""
            INSERT INTO customers(id, name, name_key, segment, created_on)
                VALUES (1, 'Ann', 'ann', 'Trade', '2024-01-01');
            INSERT INTO orders(customer_id, date, month, revenue_e4)
                VALUES (1, '2024-02-01', 202402, 10000);
            INSERT INTO deals(customer_id, stage_id, title) VALUES (1, 1, 'Desk');
            INSERT INTO surveys(date, customer_id, nps) VALUES ('2024-03-01', 1, 9);
            INSERT INTO targets VALUES ('2024-05', 70000, 2, NULL), ('2024-04', 50000, NULL,
                NULL);
        """)
        rowids = old.conn.execute("SELECT rowid, month FROM targets ORDER BY rowid").fetchall()
        old.close(backup_if_changed=False)
    store = open_store(path)
    try:
        assert store.schema_version() == migrations.LATEST_VERSION >= 3
        assert store.conn.execute("SELECT id, month FROM targets ORDER BY id").fetchall() == \
            rowids
        assert rec.load_targets(store) == [Target("2024-04", 50000), Target("2024-05", 70000, 2)]
        columns = {table: {r[1] for r in store.conn.execute(f"PRAGMA table_info({table})")}
                   for table in ("customers", "orders", "deals", "surveys", "targets")}
        assert {"campaign", "contract_end", "region"} <= columns["customers"]
        assert {"status", "shipped_on", "delivered_on", "region"} <= columns["orders"]
        assert {"campaign", "needs_me", "next_step_on", "special_terms",
                "win_reason"} <= columns["deals"]
        assert "question" in columns["surveys"]
        assert {"product", "category", "metric", "target"} <= columns["targets"]
        assert store.conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 1
        assert rec.load_deals(store)[0].title == "Desk"
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        schema = list(store.conn.execute("SELECT sql FROM sqlite_master ORDER BY name"))
        assert migrations.migrate(store) == []  # twice: nothing to do
        assert list(store.conn.execute("SELECT sql FROM sqlite_master ORDER BY name")) == schema
        with pytest.raises(Exception, match="CHECK|UNIQUE"):  # one row per line and metric
            store.conn.execute("INSERT INTO targets(month, revenue_target_e4) "
                               "VALUES ('2024-05', 1)")
    finally:
        store.close(backup_if_changed=False)


def test_a_new_file_and_an_upgraded_one_have_the_same_schema(tmp_path, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:2])
        patch.setattr(migrations, "LATEST_VERSION", 2)
        open_store(tmp_path / "old.db").close(backup_if_changed=False)
    stores = [open_store(tmp_path / "old.db"), open_store(tmp_path / "new.db")]
    try:
        old, new = ({r for r in s.conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE "
            "'sqlite_%'")} for s in stores)
        assert old == new
    finally:
        for s in stores:
            s.close(backup_if_changed=False)


def test_bare_contacts_stay_undated_through_a_whole_export(store, tmp_path):
    """A person known only from a ticket comes back from the tickets sheet, not from the
    customers sheet (which would date them by its import day); one with more than a name
    and anyone entered by hand stay on the customers sheet."""
    store.conn.execute("INSERT INTO customers(name, name_key, created_on) "
                       "VALUES ('Hand Made', 'handmade', '2024-01-01')")
    store.conn.commit()
    path = tmp_path / "t.csv"
    path.write_text("Ticket ID,Customer Name,Customer Email,Topic\n"
                    "T1,Bare Contact,bare@x.example,Late\nT2,Hand Made,,Broken\n",
                    encoding="utf-8")
    commit(store, make_preview(store, ImportRequest(path, kind="tickets")))
    out = export_workbook(store, tmp_path / "full.xlsx").path
    sheet = openpyxl.load_workbook(out, read_only=True)["customers"]
    names = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert names == ["Hand Made"]
    again = open_store(tmp_path / "again.db")
    try:
        import_full_export(again, out)
        assert content(again, "customers") == content(store, "customers")
        assert again.conn.execute("SELECT b.kind FROM customers c JOIN import_batches b "
                                  "ON b.id = c.batch_id WHERE c.name = 'Bare Contact'"
                                  ).fetchone()[0] == "tickets"
    finally:
        again.close(backup_if_changed=False)


def test_a_ship_date_column_takes_the_order_dates_day_order(store, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("Order Date,Customer,Sales,Ship Date\n13/01/2025,Ann,10,03/02/2025\n",
                    encoding="utf-8")
    commit(store, make_preview(store, ImportRequest(path, kind="orders")))
    assert store.conn.execute("SELECT date, shipped_on FROM orders").fetchall() == [
        ("2025-01-13", "2025-02-03")]
    path.write_text("Order Date,Customer,Sales,Ship Date\n12/01/2025,Ann,10,03/02/2025\n",
                    encoding="utf-8")
    with pytest.raises(Exception, match="Order Date, Ship Date"):
        make_preview(store, ImportRequest(path, kind="orders"))


def test_a_later_export_of_the_same_orders_updates_their_status(store, tmp_path):
    first = (ORDERS[0], [ORDERS[1][0], ORDERS[1][1]])
    run(store, write(tmp_path, "o1", first, "csv"), "orders")
    before = business_lines(store.conn)
    later = (ORDERS[0], [ORDERS[1][0], ["2025-02-07", "C-2", "250.50", "Delivered",
                                        "2025-02-08", "2025-02-10", "South"]])
    preview = make_preview(store, ImportRequest(write(tmp_path, "o2", later, "csv"),
                                                kind="orders"))
    assert not preview.errors
    assert (preview.plan.created, preview.plan.updated, preview.plan.unchanged) == (0, 1, 1)
    result = commit(store, preview)
    assert store.conn.execute("SELECT status, delivered_on FROM orders WHERE date = "
                              "'2025-02-07'").fetchone() == ("Delivered", "2025-02-10")
    undo(store, result.batch_id)
    assert business_lines(store.conn) == before
