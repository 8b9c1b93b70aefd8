"""Issue 11 items 7 and 8 on hand-built files: segments, sources, categories, owners,
channels, reasons and competitors match like names (the first spelling seen is kept), and
a lone `customer` column is matched value by value (ref, else e-mail, else name)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_files import business_lines

from custdesk.services.importer import ImportRequest, commit, make_preview, undo


def run(store, tmp_path: Path, name: str, text: str, **kw):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    preview = make_preview(store, ImportRequest(path, **kw))
    assert not preview.errors, preview.errors[:3]
    return preview, commit(store, preview)


def values(store, sql: str) -> list:
    return [r[0] for r in store.conn.execute(sql)]


# ---- item 7: one spelling per name ---------------------------------------------------------

def test_segments_spelled_apart_are_one_segment(store, tmp_path):
    run(store, tmp_path, "c1.csv", "Name,Segment\nAnn,Trade\n", kind="customers")
    run(store, tmp_path, "c2.csv", "Name,Segment\nBob,trade \nCid,TRADE\nDee,Retail\n",
        kind="customers")
    assert values(store, "SELECT DISTINCT segment FROM customers ORDER BY 1") == [
        "Retail", "Trade"]


def test_the_first_spelling_in_the_sheet_wins_when_the_file_has_none(store, tmp_path):
    run(store, tmp_path, "c.csv", "Name,Segment,Source\nAnn,trade ,WEB\nBob,Trade,web\n"
        "Cid,TRADE,Web site\n", kind="customers")
    assert values(store, "SELECT segment FROM customers ORDER BY id") == ["trade", "trade",
                                                                          "trade"]
    assert values(store, "SELECT source FROM customers ORDER BY id") == ["WEB", "WEB",
                                                                         "Web site"]


def test_orders_categories_and_the_segments_of_new_customers(store, tmp_path):
    run(store, tmp_path, "p.csv", "Product,Category\nDesk,Office Furniture\n",
        kind="products")
    run(store, tmp_path, "o.csv",
        "Order Date,Customer,Sales,Category,Segment,Product\n"
        "2025-01-01,Ann,10,office furniture,Home Office,Desk\n"
        "2025-01-02,Bob,20,OFFICE-FURNITURE,home office,Chair\n", kind="orders")
    assert values(store, "SELECT DISTINCT category FROM orders") == ["Office Furniture"]
    assert values(store, "SELECT category FROM products ORDER BY id") == [
        "Office Furniture", "Office Furniture"]  # Chair, created by the order line
    assert values(store, "SELECT DISTINCT segment FROM customers") == ["Home Office"]


def test_deal_owners_reasons_competitors_and_sources(store, tmp_path):
    run(store, tmp_path, "d1.csv", "Deal ID,Stage,Owner,Lost Reason,Competitor,Source\n"
        "D1,Lost,Jo Smith,price,Acme Ltd,Referral\n", kind="deals")
    run(store, tmp_path, "d2.csv", "Deal ID,Stage,Owner,Lost Reason,Competitor,Source,"
        "Win reason\nD2,Lost,JO SMITH,PRICE ,ACME LTD.,referral,\n"
        "D3,Won,jo smith,,,REFERRAL,Price\n", kind="deals")
    rows = store.conn.execute("SELECT owner, lost_reason, competitor, source, win_reason "
                              "FROM deals ORDER BY ref").fetchall()
    # "Price" is the reasons list's own spelling: it wins over the file's "price"
    assert rows == [("Jo Smith", "Price", "Acme Ltd", "Referral", None),
                    ("Jo Smith", "Price", "Acme Ltd", "Referral", None),
                    ("Jo Smith", None, None, "Referral", "Price")]


def test_ticket_and_spend_channels(store, tmp_path):
    run(store, tmp_path, "t.csv", "Ticket ID,Customer,Channel\nT1,Ann,E-mail\nT2,Bob,email\n"
        "T3,Cid,EMAIL\n", kind="tickets")
    run(store, tmp_path, "s.csv", "Month,Spend,Channel\n2025-01,100,e mail\n", kind="spend")
    assert values(store, "SELECT DISTINCT channel FROM tickets") == ["E-mail"]
    assert values(store, "SELECT channel FROM spend") == ["E-mail"]


def test_same_name_spelled_apart_is_not_an_update(store, tmp_path):
    run(store, tmp_path, "c1.csv", "Customer ID,Name,Segment\nC1,Ann,Trade\n",
        kind="customers")
    preview, _ = run(store, tmp_path, "c2.csv", "Customer ID,Name,Segment\nC1,Ann,TRADE\n",
                     kind="customers")
    assert (preview.plan.updated, preview.plan.unchanged) == (0, 1)


def test_reimporting_the_same_file_finds_its_lines(store, tmp_path):
    text = ("Order Date,Customer,Sales,Category\n2025-01-01,Ann,10,Desks\n"
            "2025-01-02,Ann,20,DESKS\n")
    run(store, tmp_path, "o.csv", text, kind="orders")
    path = tmp_path / "o.csv"
    again = make_preview(store, ImportRequest(path, kind="orders"))
    assert (again.plan.created, again.plan.unchanged) == (0, 2)


def test_undo_restores_the_file_exactly(store, tmp_path):
    run(store, tmp_path, "c1.csv", "Name,Segment\nAnn,Trade\n", kind="customers")
    before = business_lines(store.conn)
    _preview, result = run(store, tmp_path, "o.csv", "Order Date,Customer,Sales,Segment\n"
                           "2025-01-01,Bob,10,TRADE\n2025-01-02,Ann,5,trade\n", kind="orders")
    assert values(store, "SELECT segment FROM customers ORDER BY id") == ["Trade", "Trade"]
    undo(store, result.batch_id)
    assert business_lines(store.conn) == before


# ---- item 8: a lone customer column, value by value ---------------------------------------

CUSTOMERS = ("Customer ID,Name,Email,Segment\nC-001,Acme Corp,ap@acme.example,Trade\n"
             "C-002,Smith Co,buy@smith.example,Retail\n")
ORDERS = ("Date,customer,Amount\n2025-01-01,C-001,100\n2025-01-02,buy@smith.example,50\n"
          "2025-01-03,SMITH CO,25\n2025-01-04,acme corp,10\n")


@pytest.mark.parametrize("overrides", [(), ("customer=customer",)])
def test_a_customer_column_mixing_refs_emails_and_names(store, tmp_path, overrides):
    run(store, tmp_path, "c.csv", CUSTOMERS, kind="customers")
    preview, _ = run(store, tmp_path, "o.csv", ORDERS, kind="orders", overrides=overrides)
    assert preview.plan.new_customers == 0
    assert store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 2
    by_segment = dict(store.conn.execute(
        "SELECT c.segment, sum(o.revenue_e4) FROM orders o JOIN customers c "
        "ON c.id = o.customer_id GROUP BY c.segment"))
    assert by_segment == {"Trade": 1_100_000, "Retail": 750_000}


def test_unknown_values_are_created_as_what_they_look_like(store, tmp_path):
    run(store, tmp_path, "c.csv", CUSTOMERS, kind="customers")
    preview, result = run(store, tmp_path, "o.csv", "Date,customer,Amount\n"
                          "2025-01-01,C-003,1\n2025-01-02,new@shop.example,2\n"
                          "2025-01-03,Jones & Sons,3\n2025-01-04,c-003,4\n"
                          "2025-01-05,NEW@shop.example,5\n2025-01-06,JONES & SONS,6\n",
                          kind="orders")
    assert preview.plan.new_customers == 3
    rows = store.conn.execute("SELECT ref, name, email FROM customers WHERE id > 2 "
                              "ORDER BY id").fetchall()
    # a reference alone (or an e-mail alone) is shown as the name
    assert rows == [("C-003", "C-003", None), (None, "new@shop.example", "new@shop.example"),
                    (None, "Jones & Sons", None)]
    # "c-003" matches "C-003" as a name, the e-mail in capitals as an e-mail
    assert values(store, "SELECT customer_id FROM orders ORDER BY date") == [3, 4, 5, 3, 4, 5]
    undo(store, result.batch_id)
    assert store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 2


def test_a_name_column_beside_an_id_column_keeps_the_strict_rules(store, tmp_path):
    """With 'Customer ID' and 'Customer Name' both given, a different id is another
    customer even with the same name (Superstore-style files)."""
    run(store, tmp_path, "c.csv", CUSTOMERS, kind="customers")
    preview, _ = run(store, tmp_path, "o.csv", "Date,Customer ID,Customer Name,Amount\n"
                     "2025-01-01,C-009,Smith Co,5\n", kind="orders")
    assert preview.plan.new_customers == 1


def test_surveys_and_tickets_match_value_by_value_too(store, tmp_path):
    run(store, tmp_path, "c.csv", CUSTOMERS, kind="customers")
    run(store, tmp_path, "s.csv", "Date,Customer,NPS\n2025-01-01,ap@acme.example,9\n"
        "2025-01-02,C-002,3\n", kind="surveys")
    run(store, tmp_path, "t.csv", "Ticket ID,Customer,Topic\nT1,smith co,Late\n",
        kind="tickets")
    assert store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 2
    assert values(store, "SELECT customer_id FROM surveys ORDER BY date") == [1, 2]
    assert values(store, "SELECT customer_id FROM tickets") == [2]
