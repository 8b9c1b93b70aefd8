"""The smaller kinds: surveys, spend, targets, products; customers duplicated in one file."""

from __future__ import annotations

from pathlib import Path

from hostile_files import business_lines

from custdesk.services.importer import ImportRequest, commit, make_preview, undo


def run(store, tmp_path: Path, name: str, text: str, **kw):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    preview = make_preview(store, ImportRequest(path, **kw))
    return preview, commit(store, preview)


def test_surveys_with_nps_and_refer_flags(store, tmp_path):
    text = ("Date,Customer,NPS,Would Recommend,Comment,Survey Type\n"
            "2024-05-01,Ann,9,Yes,Great,\n2024-05-02,,3,No,Slow,Employee\n")
    preview, _ = run(store, tmp_path, "nps.csv", text)
    assert (preview.kind, preview.invalid) == ("surveys", 0)
    rows = store.conn.execute("SELECT date, customer_id IS NOT NULL, kind, nps, would_refer, "
                              "comment FROM surveys ORDER BY date").fetchall()
    assert rows == [("2024-05-01", 1, "customer", 9, 1, "Great"),
                    ("2024-05-02", 0, "employee", 3, 0, "Slow")]


def test_nps_out_of_range_is_an_error(store, tmp_path):
    path = tmp_path / "nps.csv"
    path.write_text("Date,NPS\n2024-05-01,11\n", encoding="utf-8")
    preview = make_preview(store, ImportRequest(path, kind="surveys"))
    assert [(e.row, e.column, e.reason) for e in preview.errors] == \
        [(2, "NPS", "not a whole number from 0 to 10")]


def test_spend_by_month(store, tmp_path):
    text = "Month,Spend,Channel\nJan 2024,\"$1,200.00\",Ads\n2024-02,800,Ads\n"
    run(store, tmp_path, "spend.csv", text)
    assert store.conn.execute("SELECT month, amount_e4, channel FROM spend ORDER BY month"
                              ).fetchall() == [("2024-01", 12_000_000, "Ads"),
                                               ("2024-02", 8_000_000, "Ads")]


def test_targets_are_updated_by_month_and_undo_restores(store, tmp_path):
    run(store, tmp_path, "t1.csv", "Month,Revenue Target\n2024-01,1000\n2024-02,1200\n")
    before = business_lines(store.conn)
    preview, result = run(store, tmp_path, "t2.csv",
                          "Month,Revenue Target\n2024-01,1500\n2024-02,1200\n2024-03,900\n")
    assert (preview.plan.created, preview.plan.updated, preview.plan.unchanged) == (1, 1, 1)
    assert store.conn.execute("SELECT revenue_target_e4 FROM targets WHERE month = '2024-01'"
                              ).fetchone()[0] == 15_000_000
    undo(store, result.batch_id)
    assert business_lines(store.conn) == before


def test_products_update_list_prices_by_name(store, tmp_path):
    run(store, tmp_path, "p1.csv", "Product,Price\nGTXPro,100\n")
    preview, _ = run(store, tmp_path, "p2.csv", "Product,Price,Series\nGTX Pro,120,GTX\n")
    assert (preview.plan.created, preview.plan.updated) == (0, 1)
    assert store.conn.execute("SELECT name, list_price_e4, category FROM products"
                              ).fetchall() == [("GTX Pro", 1_200_000, "GTX")]


def test_a_customer_twice_in_one_file_is_created_once(store, tmp_path):
    text = "Name,Email,Phone\nAnn Lee,ann@example.com,\nANN LEE,ann@example.com,555\n"
    preview, _ = run(store, tmp_path, "c.csv", text)
    assert (preview.plan.created, preview.plan.unchanged) == (1, 1)
    assert store.conn.execute("SELECT name, phone FROM customers").fetchall() == \
        [("Ann Lee", "555")]


def test_orders_by_email_and_profit_only(store, tmp_path):
    text = "Date,Email,Sales,Profit\n2024-01-02,ann@example.com,100,25\n"
    run(store, tmp_path, "o.csv", text)
    assert store.conn.execute("SELECT c.email, o.revenue_e4, o.cost_e4 FROM orders o JOIN "
                              "customers c ON c.id = o.customer_id").fetchall() == \
        [("ann@example.com", 1_000_000, 750_000)]


def test_deals_without_a_customer_column_are_valid(store, tmp_path):
    # METRICS.md: only `stage` is required for deals (early pipelines have no account yet)
    text = "Stage,Amount,Title\nProposal,1000,Big one\nLead,250,Small\n"
    preview, _ = run(store, tmp_path, "deals.csv", text, kind="deals")
    assert (preview.kind, preview.invalid) == ("deals", 0)
    rows = store.conn.execute("SELECT title, s.name, amount_e4, customer_id FROM deals d "
                              "JOIN stages s ON s.id = d.stage_id ORDER BY title").fetchall()
    assert rows == [("Big one", "Proposal", 1000 * 10_000, None),
                    ("Small", "Lead", 250 * 10_000, None)]
    assert store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 0
