"""Must-show imports of the real public files, checked against independent computations
done here with the csv module and python_calamine directly."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
import python_calamine

from custdesk.services.importer import ImportRequest, InvalidRowsError, commit, make_preview

E4 = Decimal("0.0001")


def _e4(value: object) -> int:
    """Independent amount conversion: text or float -> ten-thousandths."""
    text = value if isinstance(value, str) else repr(value)
    return int(Decimal(text).quantize(E4) * 10_000)


def _import(store, path: Path, **kw):
    preview = make_preview(store, ImportRequest(path, **kw))
    return preview, commit(store, preview)


def _totals(store) -> tuple[int, int, int, int]:
    return store.conn.execute(
        "SELECT count(*), sum(revenue_e4), sum(revenue_e4 - cost_e4), "
        "count(DISTINCT customer_id) FROM orders").fetchone()


def _sheet_rows(path: Path, sheet: str) -> tuple[list[str], list[list[object]]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name(sheet).to_python()
    return [str(h) for h in rows[0]], rows[1:]


@pytest.mark.parametrize("name, lines", [("superstore.xlsx", 9994), ("superstore.xls", 10194)])
def test_superstore_workbooks_import_as_orders(store, shared_data, name, lines):
    headers, rows = _sheet_rows(shared_data / name, "Orders")
    col = {h: i for i, h in enumerate(headers)}
    expected = (len(rows), sum(_e4(r[col["Sales"]]) for r in rows),
                sum(_e4(r[col["Profit"]]) for r in rows),
                len({r[col["Customer ID"]] for r in rows}))
    preview, result = _import(store, shared_data / name)
    assert (preview.sheet, preview.kind, preview.invalid) == ("Orders", "orders", 0)
    assert result.batch_id is not None
    assert expected[0] == lines
    assert _totals(store) == expected
    products = len({r[col["Product ID"]] for r in rows})
    assert store.conn.execute("SELECT count(*) FROM products").fetchone()[0] == products
    assert store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == expected[3]


def test_superstore_lines_keep_their_ship_to_geography(store, shared_data):
    """Issue 17: every line's Country, Region and City stored on the line as in the file
    (the customer keeps the first line's, as before)."""
    headers, rows = _sheet_rows(shared_data / "superstore.xlsx", "Orders")
    col = {h: i for i, h in enumerate(headers)}
    expected = sorted((str(r[col["Order ID"]]), str(r[col["Product ID"]]),
                       str(r[col["Country"]]), str(r[col["Region"]]), str(r[col["City"]]))
                      for r in rows)
    _import(store, shared_data / "superstore.xlsx")
    stored = sorted(store.conn.execute(
        "SELECT o.order_ref, p.ref, o.country, o.region, o.city FROM orders o "
        "JOIN products p ON p.id = o.product_id").fetchall())
    assert stored == expected
    # customers who moved: lines in more than one city, the customer in one of them
    moved = store.conn.execute("SELECT count(*) FROM (SELECT customer_id FROM orders "
                               "GROUP BY customer_id HAVING count(DISTINCT city) > 1)"
                               ).fetchone()[0]
    assert moved > 0
    assert store.conn.execute("SELECT count(*) FROM customers WHERE city IS NULL"
                              ).fetchone()[0] == 0


def test_superstore_csv_with_bom_and_day_first_dates(store, shared_data):
    path = shared_data / "superstore.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    expected = (len(rows), sum(_e4(r["Sales"]) for r in rows),
                sum(_e4(r["Profit"]) for r in rows), len({r["Customer ID"] for r in rows}))
    preview, _result = _import(store, path)
    assert (preview.kind, preview.invalid) == ("orders", 0)
    assert _totals(store) == expected == (10194, *expected[1:])
    # dd/mm/yy: the first line's 03/01/19 is 3 January 2019
    first = rows[0]["Order Date"]
    assert first == "03/01/19"
    assert store.conn.execute("SELECT date FROM orders ORDER BY id LIMIT 1").fetchone()[0] == \
        "2019-01-03"
    # the customer's segment and city ride along on the order line
    assert store.conn.execute("SELECT name, segment, city FROM customers WHERE ref = ?",
                              (rows[0]["Customer ID"],)).fetchone() == \
        (rows[0]["Customer Name"], rows[0]["Segment"], rows[0]["City"])


def test_superstore_xls_then_csv_finds_every_line_already_there(store, shared_data):
    _import(store, shared_data / "superstore.xls")
    preview, result = _import(store, shared_data / "superstore.csv")
    assert (preview.plan.created, preview.plan.unchanged, result.batch_id) == (0, 10194, None)


def test_maven_products_then_pipeline(store, shared_data):
    folder = shared_data / "maven_crm"
    with open(folder / "products.csv", newline="") as fh:
        products = list(csv.DictReader(fh))
    preview, _ = _import(store, folder / "products.csv")
    assert preview.kind == "products"
    got = dict(store.conn.execute("SELECT name, list_price_e4 FROM products").fetchall())
    assert got == {p["product"]: _e4(p["sales_price"]) for p in products}

    with open(folder / "sales_pipeline.csv", newline="") as fh:
        deals = list(csv.DictReader(fh))
    preview, _ = _import(store, folder / "sales_pipeline.csv")
    assert (preview.kind, preview.invalid, preview.plan.created) == ("deals", 0, 8800)
    again, result = _import(store, folder / "sales_pipeline.csv")
    assert (again.plan.unchanged, result.batch_id) == (8800, None)
    by_stage = dict(store.conn.execute(
        "SELECT s.name, count(*) FROM deals d JOIN stages s ON s.id = d.stage_id GROUP BY 1"))
    expected = {}
    for d in deals:
        expected[d["deal_stage"]] = expected.get(d["deal_stage"], 0) + 1
    assert by_stage == expected
    kinds = dict(store.conn.execute("SELECT name, kind FROM stages"))
    assert (kinds["Prospecting"], kinds["Engaging"], kinds["Won"], kinds["Lost"]) == \
        ("open", "open", "won", "lost")
    no_account = sum(1 for d in deals if not d["account"])
    assert store.conn.execute("SELECT count(*) FROM deals WHERE customer_id IS NULL"
                              ).fetchone()[0] == no_account == 1425
    # GTXPro in deals is the GTX Pro of products.csv: no extra product was created
    assert store.conn.execute("SELECT count(*) FROM products").fetchone()[0] == len(products)
    won_value = sum(_e4(d["close_value"]) for d in deals if d["deal_stage"] == "Won")
    assert store.conn.execute("SELECT sum(amount_e4) FROM deals d JOIN stages s "
                              "ON s.id = d.stage_id WHERE s.kind = 'won'").fetchone()[0] == \
        won_value


def test_telco_churn_marks_customers_lost(store, shared_data):
    path = shared_data / "telco_customer_churn.csv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    preview, _ = _import(store, path)
    assert (preview.kind, preview.plan.created) == ("customers", 7043)
    churned = {r["customerID"] for r in rows if r["Churn"] == "Yes"}
    lost = {r[0] for r in store.conn.execute("SELECT ref FROM customers WHERE status = 'lost'")}
    assert lost == churned
    by_contract = dict(store.conn.execute(
        "SELECT segment, count(*) FROM customers WHERE status = 'lost' GROUP BY segment"))
    expected: dict[str, int] = {}
    for r in rows:
        if r["Churn"] == "Yes":
            expected[r["Contract"]] = expected.get(r["Contract"], 0) + 1
    assert by_contract == expected


def test_support_tickets(store, shared_data):
    path = shared_data / "customer_support_tickets.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if any(r.values())]
    preview, _ = _import(store, path)
    assert (preview.kind, preview.invalid, preview.plan.created) == ("tickets", 0, len(rows))
    emails = {r["Customer Email"].lower() for r in rows}
    assert store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == len(emails)
    ratings = [int(float(r["Customer Satisfaction Rating"])) for r in rows
               if r["Customer Satisfaction Rating"]]
    assert store.conn.execute("SELECT count(csat), sum(csat) FROM tickets").fetchone() == \
        (len(ratings), sum(ratings))
    assert store.conn.execute("SELECT count(*) FROM tickets WHERE opened_at IS NOT NULL"
                              ).fetchone()[0] == 0
    first = rows[0]
    got = store.conn.execute("SELECT topic, channel, status FROM tickets WHERE ref = ?",
                             (first["Ticket ID"],)).fetchone()
    assert got == (first["Ticket Type"], first["Ticket Channel"], first["Ticket Status"])


def test_online_retail_missing_customers_block_then_skip(store, shared_data):
    path = shared_data / "online_retail_sample.csv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    missing = [i + 2 for i, r in enumerate(rows) if r["CustomerID"] == "NA"]
    assert len(missing) == 5078
    preview = make_preview(store, ImportRequest(path))
    assert preview.kind == "orders"
    assert [e.row for e in preview.errors] == missing
    assert {e.column for e in preview.errors} == {"CustomerID"}
    with pytest.raises(InvalidRowsError):
        commit(store, preview)
    assert store.conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 0

    _import(store, path, skip_invalid=True)
    kept = [r for r in rows if r["CustomerID"] != "NA"]
    revenue = sum(int((Decimal(r["Quantity"]) * Decimal(r["UnitPrice"]) * 10_000)
                      .quantize(Decimal(1))) for r in kept)
    assert store.conn.execute("SELECT count(*), sum(revenue_e4) FROM orders").fetchone() == \
        (len(kept), revenue)
    returns = sum(1 for r in kept if int(r["Quantity"]) < 0)
    assert store.conn.execute("SELECT count(*) FROM orders WHERE revenue_e4 < 0"
                              ).fetchone()[0] == sum(1 for r in kept if int(r["Quantity"]) < 0
                                                     and Decimal(r["UnitPrice"]) > 0)
    assert returns > 0
