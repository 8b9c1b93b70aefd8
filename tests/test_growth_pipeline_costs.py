"""Growth screen (issue 17), worked by hand: leads per month by source, `leads_qualified`
per month from a stage history, the funnel's stage-to-stage conversion, open pipeline at
month ends rebuilt from history and the recorded snapshot; operating costs and cost to
serve per segment; sales by country, region and city (the line's ship-to, else the
customer's), segment × source and penetration."""

from __future__ import annotations

from datetime import date

import pytest

from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import Customer, Deal, OrderLine, Ticket
from custdesk.services.screens import growth_costs, growth_markets, growth_pipeline
from custdesk.storage import pipeline_snapshots, repository
from custdesk.storage import queries_growth_pipeline as qp
from custdesk.storage.deal_history import record_stage_change, stages_catalogue

Q1 = Period(date(2025, 1, 1), date(2025, 3, 31))


@pytest.fixture
def deals(store):
    """D1 Lead (5 Jan) → Qualified 10 Feb → Proposal 1 Mar → Won 20 Mar; D2 Lead (20 Jan) →
    Qualified 25 Jan → Lost 15 Feb; D3 created in Qualified (1 Feb), D4 in Lead (3 Feb),
    no history; D5 created 10 Mar, lost 15 Mar, no history. Amounts 1000, 500, 300, 200,
    none."""
    repository.save_all(store, deals=[
        Deal("Won", id=1, source="Web", amount_e4=to_e4("1000"), created_on="2025-01-05",
             closed_on="2025-03-20"),
        Deal("Lost", id=2, source="web ", amount_e4=to_e4("500"), created_on="2025-01-20",
             closed_on="2025-02-15"),
        Deal("Qualified", id=3, source="Referral", amount_e4=to_e4("300"),
             created_on="2025-02-01"),
        Deal("Lead", id=4, amount_e4=to_e4("200"), created_on="2025-02-03"),
        Deal("Lost", id=5, source="WEB", created_on="2025-03-10", closed_on="2025-03-15")])
    ids = {name: i for i, name, _, _ in stages_catalogue(store)}
    with store.transaction():
        for deal, before, after, on in ((1, "Lead", "Qualified", "2025-02-10"),
                                        (1, "Qualified", "Proposal", "2025-03-01"),
                                        (1, "Proposal", "Won", "2025-03-20"),
                                        (2, "Lead", "Qualified", "2025-01-25"),
                                        (2, "Qualified", "Lost", "2025-02-15")):
            record_stage_change(store, deal, ids[before], ids[after], on)
    return store


def test_leads_new_and_qualified_per_month(deals) -> None:
    rows, sources = growth_pipeline.leads(deals, Q1)
    assert sources == ["Web", "(none)", "Referral"]
    got = [(r["month"], r["leads_new"], r["leads_qualified"], r["Web"], r["Referral"],
            r["(none)"]) for r in rows]
    assert got == [("2025-01", 2, 1, 2, 0, 0), ("2025-02", 2, 2, 0, 1, 1),
                   ("2025-03", 1, 0, 1, 0, 0)]
    # qualified by source: D2 ("web ") in January; D1 (Web) and D3 (Referral) in February
    assert [(r["Web qualified"], r["Referral qualified"], r["(none) qualified"])
            for r in rows] == [(1, 0, 0), (1, 1, 0), (0, 0, 0)]


def test_funnel_conversion(deals) -> None:
    rows = growth_pipeline.funnel_rows(deals, Q1)
    # Negotiation: no deal was ever in it, so it is not shown (D1 went Proposal → Won)
    assert [(r["stage"], r["deals"]) for r in rows] == [
        ("Lead", 5), ("Qualified", 3), ("Proposal", 1), ("Won", 1)]
    assert [r["conversion_pct"] for r in rows] == [None, 60, pytest.approx(100 / 3), 100]
    # a period that created only D5 (lost without history): it entered the first stage
    march = Period(date(2025, 3, 1), date(2025, 3, 31))
    assert [r["deals"] for r in growth_pipeline.funnel_rows(deals, march)] == [1, 0, 0, 0]


def test_open_pipeline_at_month_ends_from_history(deals) -> None:
    got = qp.open_pipeline_at(deals, [date(2025, 1, 31), date(2025, 2, 28),
                                      date(2025, 3, 12), date(2025, 3, 31)])
    assert got == {"2025-01-31": (2, to_e4("1500"), 2), "2025-02-28": (3, to_e4("1500"), 3),
                   "2025-03-12": (4, to_e4("1500"), 3), "2025-03-31": (2, to_e4("500"), 2)}


def test_snapshot_recorded_and_shown_beside_the_rebuilt_figure(deals) -> None:
    assert pipeline_snapshots.record(deals, date(2025, 3, 31)) == 2  # Lead and Qualified
    # weighted: 300 × 25 % + 200 × 10 %
    assert pipeline_snapshots.load(deals) == {
        "2025-03": (2, to_e4("500"), to_e4("95"), "2025-03-31")}
    pipeline_snapshots.record(deals, date(2025, 3, 31))  # replaced, not added
    rows = {r["month"]: r for r in growth_pipeline.month_ends(deals, Q1)}
    assert (rows["2025-03"]["deals_open"], rows["2025-03"]["snapshot_value"]) == (2, 500)
    assert rows["2025-02"]["snapshot_value"] is None and rows["2025-02"]["deals_open"] == 3


@pytest.fixture
def served(store):
    """Retail: R1 (2 orders, 3 contacts on one ticket + 1 blank = 4) and R2 (1 order);
    Trade: T1 (1 order, 1 line at 20 % off: 25 given). Costs: rent 1000 in Jan and Feb,
    ads 300 in Feb, 50 with no category in March; April's row is outside Q1."""
    repository.save_all(
        store,
        customers=[Customer("R1", id=1, segment="Retail", source="web", country="UK",
                            city="Leeds", region="North"),
                   Customer("R2", id=2, segment="Retail", source="ads", country="UK",
                            city="York"),
                   Customer("T1", id=3, segment="Trade", source="web", country="FR")],
        orders=[OrderLine("2025-01-10", 1, to_e4("100"), order_ref="A", cost_e4=to_e4("60")),
                OrderLine("2025-01-10", 1, to_e4("50"), order_ref="A"),
                OrderLine("2025-02-10", 1, to_e4("100"), order_ref="B", cost_e4=to_e4("70"),
                          region="South"),
                OrderLine("2025-03-01", 2, to_e4("40"), cost_e4=to_e4("10")),
                OrderLine("2025-03-05", 3, to_e4("100"), cost_e4=to_e4("50"), discount=0.2)],
        tickets=[Ticket(1, opened_at="2025-01-12", contacts=3), Ticket(1, opened_at="2025-02-01"),
                 Ticket(3, opened_at="2024-12-01", contacts=9)])
    store.conn.executemany(
        "INSERT INTO costs(month, amount_e4, category) VALUES (?, ?, ?)",
        [("2025-01", to_e4("1000"), "Rent"), ("2025-02", to_e4("1000"), "Rent"),
         ("2025-02", to_e4("300"), "Ads"), ("2025-03", to_e4("50"), None),
         ("2025-04", to_e4("999"), "Rent")])
    store.conn.commit()
    return store


def test_costs_and_cost_to_serve_by_hand(served) -> None:
    repository.set_setting(served, "cost_per_contact", "5")
    repository.set_setting(served, "cost_per_delivery", "2.5")
    tables, lists, notes = growth_costs.costs(served, Q1)
    months = {r["month"]: r for r in tables["costs_by_month"]}
    assert months["2025-02"]["total"] == 1300 and months["2025-03"]["(none)"] == 50
    assert lists["cost_categories"] == [{"category": "Rent"}, {"category": "Ads"},
                                        {"category": "(none)"}]
    serve = {r["segment"]: r for r in tables["cost_to_serve"]}
    retail, trade = serve["Retail"], serve["Trade"]
    assert (retail["customers"], retail["orders"], retail["contacts"]) == (2, 3, 4)
    assert (retail["contact_cost"], retail["delivery_cost"], retail["discounts"]) == (
        20, 7.5, 0)
    assert retail["gross_profit"] == 100 - 60 + 100 - 70 + 40 - 10  # costed lines only
    assert retail["profit_after_serving"] == 100 - 27.5
    assert trade["cost_to_serve"] == pytest.approx(25 + 2.5)
    # costliest per buying customer first: Trade 27.5 against Retail 13.75
    assert [r["segment"] for r in tables["cost_to_serve"]] == ["Trade", "Retail"]
    assert not notes
    months = [(r["month"], r["segment"], r["customers"]) for r in tables["segment_months"]]
    assert months == [("2025-01", "Retail", 1), ("2025-02", "Retail", 1),
                      ("2025-03", "Retail", 1), ("2025-03", "Trade", 1)]


def test_cost_to_serve_without_settings_counts_discounts_only(served) -> None:
    tables, _lists, notes = growth_costs.costs(served, Q1)
    retail = next(r for r in tables["cost_to_serve"] if r["segment"] == "Retail")
    assert retail["contact_cost"] is None and retail["cost_to_serve"] == 0
    assert "cost per support contact and a cost per delivery" in notes[0]


def test_markets_by_place_segment_source_and_penetration(served) -> None:
    tables, _notes = growth_markets.markets(served, Q1)
    country = {r["place"]: r for r in tables["by_country"]}
    assert country["UK"]["revenue"] == 290 and country["UK"]["customers"] == 2
    assert country["FR"]["share_pct"] == pytest.approx(100 / 390 * 100)
    # the February line ships to South; R1's other lines take the customer's North
    region = {r["place"]: r["revenue"] for r in tables["by_region"]}
    assert region == {"North": 150, "South": 100, "(none)": 140}
    assert {r["place"]: r["revenue"] for r in tables["by_city"]} == {
        "Leeds": 250, "(none)": 100, "York": 40}
    pairs = {(r["segment"], r["source"]): (r["customers"], r["revenue"])
             for r in tables["segment_source"]}
    assert pairs == {("Retail", "web"): (1, 250), ("Retail", "ads"): (1, 40),
                     ("Trade", "web"): (1, 100)}
    q1 = {r["segment"]: r for r in tables["penetration"] if r["quarter"] == "2025-Q1"}
    assert q1["Retail"]["customers_pct"] == pytest.approx(200 / 3)
    assert q1["Trade"]["revenue_pct"] == pytest.approx(100 / 390 * 100)


def test_month_by_month_sql_equals_the_catalogues_queries_on_the_demo(demo_store) -> None:
    """leads_qualified per month in one query = `queries_deals.leads_qualified` month by
    month; open deals at each month end rebuilt from history = `queries_deals.open_deals`."""
    from custdesk.domain.periods import month_slots
    from custdesk.storage import queries_deals as qd

    span = Period(date(2025, 1, 1), date(2026, 11, 30))
    slots = month_slots(span.start, span.end)
    by_month = qp.qualified_by_month(demo_store, span)
    assert by_month and sum(by_month.values()) > 50
    for s in slots:
        assert by_month.get(s.key, 0) == qd.leads_qualified(demo_store, Period(s.start, s.end))
    ends = qp.open_pipeline_at(demo_store, [s.end for s in slots])
    for s in slots:
        assert ends.get(s.end.isoformat(), (0, 0, 0))[0] == len(qd.open_deals(demo_store, s.end))
