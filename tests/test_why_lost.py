"""Lost prospects analysis (issue 14) on hand-built deals: head to head per competitor
(counts, values, win rate, reasons, average discount, quarter trend), deal size bands, the
reason cross-tabs, the lost value per reason, and the reason detail found by the tab's
search."""

from __future__ import annotations

from datetime import date

import pytest
from ui_helpers import make_tab

from custdesk.domain import deal_analysis as da
from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import Customer, Deal, Product
from custdesk.services.screens import lost
from custdesk.storage import repository

Q3 = Period(date(2024, 7, 1), date(2024, 9, 30))


@pytest.fixture
def deals(store):
    """Against Acme (spelled three ways): won 900 of a 1,000 list and 800 of 1,000, lost 500
    on Price ("their quote was 15 % lower"); against Beta: lost 300 on Missing feature (no
    barcode scanner); a 100 win against nobody; an Acme loss in Q2 (before the period)."""
    repository.save_all(
        store,
        customers=[Customer("Ann", id=1, segment="Retail"), Customer("Bob", id=2,
                                                                     segment="Trade")],
        products=[Product("Scanner Pro", id=1)],
        deals=[
            Deal("Won", id=1, customer_id=1, amount_e4=to_e4("900"),
                 list_amount_e4=to_e4("1000"), competitor="Acme", win_reason="Service",
                 created_on="2024-06-01", closed_on="2024-07-10"),
            Deal("Won", id=2, customer_id=2, amount_e4=to_e4("800"),
                 list_amount_e4=to_e4("1000"), competitor="acme ", win_reason="Price",
                 created_on="2024-06-01", closed_on="2024-08-10"),
            Deal("Lost", id=3, customer_id=2, title="Toner deal", amount_e4=to_e4("500"),
                 competitor="ACME", lost_reason="Price", created_on="2024-06-01",
                 closed_on="2024-08-20"),
            Deal("Lost", id=4, customer_id=1, title="Scanner deal", product_id=1,
                 amount_e4=to_e4("300"), competitor="Beta", lost_reason="Missing feature",
                 owner="Tom", created_on="2024-06-01", closed_on="2024-09-01"),
            Deal("Won", id=5, amount_e4=to_e4("100"), list_amount_e4=to_e4("200"),
                 created_on="2024-06-01", closed_on="2024-09-02"),
            Deal("Lost", id=6, customer_id=1, amount_e4=to_e4("50"), competitor="Acme",
                 lost_reason="Timing", created_on="2024-04-01", closed_on="2024-05-05"),
        ])
    with store.transaction() as db:  # m005's column; the Deal record may not carry it yet
        db.execute("UPDATE deals SET reason_detail = 'Their quote was 15% lower' WHERE id = 3")
        db.execute("UPDATE deals SET reason_detail = 'No barcode scanner support' WHERE id = 4")
    return store


def test_head_to_head_per_competitor(deals) -> None:
    screen = lost.build(deals, Q3, "Q3")
    rows = {r["competitor"]: r for r in screen.tables["head_to_head"]}
    assert list(rows) == ["Acme", "Beta"]  # most deals first; "acme " and "ACME" are Acme
    acme = rows["Acme"]
    assert (acme["won"], acme["lost"], acme["deals"]) == (2, 1, 3)
    assert acme["win_rate_pct"] == pytest.approx(200 / 3)
    assert (acme["won_value"], acme["lost_value"]) == (1700.0, 500.0)
    # discounts of the won deals: 10 % and 20 % -> 15 %
    assert (acme["discount_pct_avg"], acme["discount_n"]) == (pytest.approx(15.0), 2)
    assert acme["lost_reasons"] == "Price 1"
    assert acme["win_reasons"] == "Price 1, Service 1"  # ties by name
    beta = rows["Beta"]
    assert (beta["won"], beta["lost"], beta["win_rate_pct"], beta["discount_pct_avg"]) == (
        0, 1, 0.0, None)
    assert screen.notes == ()  # a won deal names its rival: no warning


def test_head_to_head_quarter_by_quarter(deals) -> None:
    rows = lost.build(deals, Q3, "Q3").tables["head_to_head_by_quarter"]
    acme = {r["quarter"]: r for r in rows if r["competitor"] == "Acme"}
    assert len(acme) == 8 and list(acme)[-1] == "2024-Q3"
    assert (acme["2024-Q2"]["won"], acme["2024-Q2"]["lost"],
            acme["2024-Q2"]["win_rate_pct"]) == (0, 1, 0.0)
    assert acme["2024-Q3"]["win_rate_pct"] == pytest.approx(200 / 3)
    assert acme["2024-Q1"]["win_rate_pct"] is None


def test_size_bands_are_the_quartiles_of_closed_deals() -> None:
    edges = da.band_edges([to_e4(x) for x in ("900", "800", "500", "300", "100")])
    assert edges == [to_e4("300"), to_e4("500"), to_e4("800")]
    assert da.band_labels(edges) == ["up to 300", "300–500", "500–800", "over 800"]
    assert da.band_of(to_e4("500"), edges) == "300–500"  # an edge belongs to the band below
    assert da.band_of(None, edges) == da.NO_AMOUNT
    assert da.band_labels(da.band_edges([to_e4("5")])) == ["any size"]
    zeros = da.band_edges([0, 0, 0, to_e4("100"), to_e4("300")])  # lost deals valued 0
    assert da.band_labels(zeros) == ["no value (0 or less)", "0–100", "over 100"]


def test_reasons_across_product_segment_size_and_owner(deals) -> None:
    screen = lost.build(deals, Q3, "Q3")
    cells = {(r["dimension"], r["group"], r["reason"]): (r["deals_lost"], r["share_pct"],
                                                        r["value"])
             for r in screen.tables["cross_tabs"]}
    assert cells == {
        ("product", "(none)", "Price"): (1, 100.0, 500.0),
        ("product", "Scanner Pro", "Missing feature"): (1, 100.0, 300.0),
        ("segment", "Trade", "Price"): (1, 100.0, 500.0),
        ("segment", "Retail", "Missing feature"): (1, 100.0, 300.0),
        ("size", "300–500", "Price"): (1, 100.0, 500.0),
        ("size", "up to 300", "Missing feature"): (1, 100.0, 300.0),
        ("owner", "(none)", "Price"): (1, 100.0, 500.0),
        ("owner", "Tom", "Missing feature"): (1, 100.0, 300.0),
    }
    assert {r["reason"]: r["value"] for r in screen.tables["by_reason"]} == {
        "Price": 500.0, "Missing feature": 300.0}
    assert [b["closed_deals"] for b in screen.tables["size_bands"]] == [2, 1, 1, 1]


def test_lost_deals_carry_their_reason_detail(deals) -> None:
    rows = {r["id"]: r for r in lost.build(deals, Q3, "Q3").lists["lost_deals"]}
    assert rows[4]["reason_detail"] == "No barcode scanner support"
    assert (rows[4]["product"], rows[4]["segment"]) == ("Scanner Pro", "Retail")
    assert rows[3]["reason_detail"] == "Their quote was 15% lower"


def test_no_won_deal_naming_a_rival_is_said(deals) -> None:
    screen = lost.build(deals, Period(date(2024, 8, 15), date(2024, 9, 30)), "late Q3")
    assert all(r["won"] == 0 for r in screen.tables["head_to_head"])
    assert screen.notes == (lost.NO_WINS_NAMED,)


@pytest.mark.usefixtures("quiet_ui")
def test_the_search_finds_the_reason_detail(qtbot, deals) -> None:
    from custdesk.ui.tabs.lost_prospects_tab import LostProspectsTab

    tab = make_tab(qtbot, LostProspectsTab, deals, Q3)
    assert tab.model.rowCount() == 2
    tab.table.search.setText("barcode")
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1)
    assert tab.model.rows()[0]["title"] == "Scanner deal"
    assert tab.head_to_head.rivals.model.rowCount() == 2
    trend = tab.head_to_head.trend.model
    assert trend.columns[-1].header == "2024-Q3"
    assert trend.index(0, trend.columnCount() - 1).data() == "2–1 · 67 %"
    tab.across.dimension.setCurrentIndex(2)  # deal size
    assert tab.across.cross.model.columns[0].header == "Deal size"
    assert {r["group"] for r in tab.across.cross.model.rows()} == {"300–500", "up to 300"}


def test_metrics_by_competitor_is_the_head_to_head(deals) -> None:
    """`custdesk metrics --by competitor` gives the Lost prospects tab's head-to-head
    counts: won and lost against each rival and the win rate."""
    from custdesk.services.metrics_service import compute_metrics

    groups = compute_metrics(deals, Q3, by=["competitor"]).breakdowns["competitor"]
    rows = {r["competitor"]: r for r in lost.build(deals, Q3, "Q3").tables["head_to_head"]}
    for name in ("Acme", "Beta"):
        g = groups[name]
        assert (g["deals_won"].value, g["deals_lost"].value) == (rows[name]["won"],
                                                                  rows[name]["lost"])
        assert g["win_rate_pct"].value == pytest.approx(rows[name]["win_rate_pct"])
    assert groups["Acme"]["win_rate_pct"].value == pytest.approx(200 / 3)
    assert groups["(none)"]["deals_won"].value == 1  # the won deal that names no rival
