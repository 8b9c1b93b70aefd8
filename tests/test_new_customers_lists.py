"""The Customers screen's work lists and cohort table (issues 14, 15), counted by hand on a
tiny business: lost this period (reason, value, last contact, complained, surveyed, left
without a word), new this period (first order, first won deal, source, referred by),
renewed / not renewed, promoters, referrers, and cohort retention; the Customers tab draws
each list and the cohort table."""

from __future__ import annotations

from datetime import date

import pytest
from ui_helpers import make_tab

from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import Customer, Deal, OrderLine, Survey, Ticket
from custdesk.services.screens import customers as customers_screen
from custdesk.storage import repository

Q3 = Period(date(2024, 7, 1), date(2024, 9, 30))  # prior: 31 Mar – 30 Jun 2024


def _order(cid: int, day: str, revenue: str) -> OrderLine:
    return OrderLine(date=day, customer_id=cid, revenue_e4=to_e4(revenue),
                     order_ref=f"{cid}-{day}")


@pytest.fixture
def tiny(store):
    repository.save_all(
        store,
        customers=[
            Customer("Ann", id=1, acquired_on="2024-01-10", segment="Retail", source="web"),
            Customer("Bob", id=2, acquired_on="2024-07-05", source="referral",
                     referred_by="Ann"),
            Customer("Cat", id=3, acquired_on="2023-02-01", status="lost", lost_on="2024-08-01",
                     lost_reason="Price"),
            Customer("Dan", id=4, acquired_on="2024-09-20", referred_by=" ann "),
            Customer("Eve", id=5, acquired_on="2023-06-01"),
            Customer("Fay", id=6, acquired_on="2024-02-01", referred_by="Zed Unknown"),
            Customer("Gus", id=7, acquired_on="2024-01-15", status="lost", lost_on="2024-03-01"),
        ],
        orders=[_order(1, "2024-01-10", "100"), _order(1, "2024-05-15", "200"),
                _order(1, "2024-08-20", "300"), _order(2, "2024-07-05", "50"),
                _order(2, "2024-09-10", "70"), _order(3, "2023-02-01", "400"),
                _order(3, "2024-04-01", "80"), _order(4, "2024-09-20", "30"),
                _order(5, "2024-01-02", "100"), _order(7, "2024-01-15", "10")],
        deals=[Deal("Won", id=1, customer_id=4, title="Fit-out", amount_e4=to_e4("1000"),
                    created_on="2024-09-01", closed_on="2024-09-18")],
        tickets=[Ticket(3, id=1, opened_at="2023-03-01T10:00:00", is_complaint=True)],
        surveys=[Survey("2024-06-01", customer_id=1, question="Why do you stay?",
                        reason="Friendly staff"),
                 Survey("2024-09-01", customer_id=1, nps=10, comment="great"),
                 Survey("2024-08-01", customer_id=2, nps=9),
                 Survey("2024-09-15", customer_id=2, nps=4)],
    )
    return store


def test_lost_this_period(tiny) -> None:
    screen = customers_screen.build(tiny, Q3, "Q3", with_series=False)
    # Cat: lost 1 Aug for Price; value = her revenue in the 365 days up to her last order
    # (1 Apr 2024: 80; 400 is older); her only contact a complaint in March 2023, more than
    # 365 days before leaving: she left without a word
    assert screen.lists["lost"] == [{
        "customer_id": 3, "customer": "Cat", "segment": None, "lost_on": date(2024, 8, 1),
        "reason": "Price", "value": 80.0, "last_order_on": date(2024, 4, 1),
        "last_contact_on": "2023-03-01", "complained": True, "surveyed": False,
        "silent": True}]
    assert screen.cards["customers_lost"].value == len(screen.lists["lost"])
    assert screen.cards["lost_silent_pct"].value == 100.0


def test_new_this_period(tiny) -> None:
    screen = customers_screen.build(tiny, Q3, "Q3", with_series=False)
    new = {r["customer"]: r for r in screen.lists["new"]}
    assert [r["customer"] for r in screen.lists["new"]] == ["Dan", "Bob"]  # latest first
    assert new["Bob"]["first_order_on"] == date(2024, 7, 5)
    assert new["Bob"]["first_order_value"] == 50.0 and new["Bob"]["value"] == 120.0
    assert (new["Bob"]["source"], new["Bob"]["referred_by"]) == ("referral", "Ann")
    assert new["Bob"]["repeat_90d"] is None  # acquired less than 90 days before 30 Sep
    assert (new["Dan"]["first_deal"], new["Dan"]["first_deal_value"]) == ("Fit-out", 1000.0)
    assert new["Dan"]["first_deal_on"] == date(2024, 9, 18)
    assert screen.cards["new_first_order_avg"].value == pytest.approx(40)  # (50 + 30) / 2
    assert screen.cards["referral_rate_pct"].value == 100.0  # Bob by source, Dan referred


def test_renewed_and_not_renewed(tiny) -> None:
    screen = customers_screen.build(tiny, Q3, "Q3", with_series=False)
    # ordered in the prior period: Ann (200) and Cat (80); again in Q3: Ann (300)
    assert screen.lists["renewed"] == [{
        "customer_id": 1, "customer": "Ann", "segment": "Retail", "prior_value": 200.0,
        "value": 300.0, "last_order_on": date(2024, 8, 20), "why_stay": "Friendly staff"}]
    assert [(r["customer"], r["prior_value"], r["value"])
            for r in screen.lists["not_renewed"]] == [("Cat", 80.0, 0.0)]
    renewal = screen.cards["renewal_rate_pct"].current
    assert renewal.n == 2 and renewal.value == 50.0


def test_promoters_and_referrers(tiny) -> None:
    screen = customers_screen.build(tiny, Q3, "Q3", with_series=False)
    # Bob's latest answer is a 4: not a promoter any more
    assert screen.lists["promoters"] == [{
        "customer_id": 1, "customer": "Ann", "segment": "Retail", "nps": 10,
        "answered_on": date(2024, 9, 1), "comment": "great", "revenue_year": 600.0,
        "referred": 2}]
    # " ann " is Ann (matched like a name); Zed is named by Fay but is no customer
    assert screen.lists["referrers"] == [
        {"customer_id": 1, "customer": "Ann", "segment": "Retail", "referred": 2,
         "referred_in_period": 2, "referred_revenue": 150.0},
        {"customer_id": None, "customer": "Zed Unknown", "segment": None, "referred": 1,
         "referred_in_period": 0, "referred_revenue": 0.0}]


def test_cohort_retention(tiny) -> None:
    screen = customers_screen.build(tiny, Q3, "Q3", with_series=False)
    rows = {r["cohort"]: r for r in screen.tables["cohorts"]}
    assert list(rows)[0] == "2022-Q4" and list(rows)[-1] == "2024-Q3" and len(rows) == 8
    # Cat: still ordering a year on (365 days exactly is not lapsed)
    assert rows["2023-Q1"] == {"cohort": "2023-Q1", "customers": 1, "active_3m_pct": 100.0,
                               "active_3m": 1, "active_6m_pct": 100.0, "active_6m": 1,
                               "active_12m_pct": 100.0, "active_12m": 1}
    # Ann, Fay and Gus (lost 1 Mar): 2 of 3 active at 3 and 6 months; 12 not reached yet
    q1 = rows["2024-Q1"]
    assert (q1["customers"], q1["active_3m"], q1["active_6m"]) == (3, 2, 2)
    assert q1["active_3m_pct"] == pytest.approx(200 / 3) and q1["active_12m_pct"] is None
    # Bob (5 Jul) and Dan: three months not reached by 30 Sep
    assert rows["2024-Q3"]["customers"] == 2 and rows["2024-Q3"]["active_3m_pct"] is None
    assert rows["2024-Q2"]["customers"] == 0 and rows["2024-Q2"]["active_3m_pct"] is None


@pytest.mark.usefixtures("quiet_ui")
def test_customers_tab_draws_the_lists(qtbot, tiny) -> None:
    from custdesk.ui import formatting as fmt
    from custdesk.ui.tabs.customers_tab import LIST_PANELS, CustomersTab

    tab = make_tab(qtbot, CustomersTab, tiny, Q3)
    screen = tab.data
    for i, (key, (title, _cols, card_ids)) in enumerate(LIST_PANELS.items(), start=1):
        panel = tab.lists[key]
        assert panel.model.rowCount() == len(screen.lists[key]), key
        assert tab.list_tabs.tabText(i) == f"{title} ({len(screen.lists[key])})"
        for metric in card_ids:
            card = screen.cards[metric]
            assert tab.list_cards[key][metric].value.text() == fmt.by_unit(
                card.value, card.unit, short=True)
    assert tab.list_cards["lost"]["lost_silent_pct"].value.text() == "100.0 %"
    assert tab.cohorts.model.rowCount() == 8
    lost = tab.lists["lost"].model
    silent_col = [c.key for c in lost.columns].index("silent")
    assert lost.index(0, silent_col).data() == "yes"
    assert tab.open_customer({"customer_id": None}) is None  # an unknown referrer
