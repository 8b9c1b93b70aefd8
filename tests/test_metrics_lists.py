"""The owner's lists, profitability groups, movement, the sales plan, the customer table
and story — against hand-computed expectations."""

from __future__ import annotations

from datetime import date

import pytest
from metrics_fixtures import CUSTOMERS, ORDERS, YEAR_2024

from custdesk.domain.lists import RiskInputs, median_gap, movement, profit_groups, risk_reasons
from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import Deal, Survey, Target, Ticket
from custdesk.domain.sales_plan import plan_month
from custdesk.services import margins_service as mg
from custdesk.services import metrics_service as ms
from custdesk.storage import repository

D = date.fromisoformat


def test_gap_signal() -> None:
    days = [D("2024-01-01"), D("2024-01-11"), D("2024-01-31")]  # gaps 10, 20: median 15
    assert median_gap(days) == 15
    assert risk_reasons(RiskInputs(days), D("2024-02-22"), 365) == []  # 22 ≤ 22.5
    assert risk_reasons(RiskInputs(days), D("2024-02-23"), 365) == [
        "No order for 23 days (usually every 15 days)"]


def test_single_order_signal_uses_half_the_window() -> None:
    one = [D("2024-01-01")]
    assert risk_reasons(RiskInputs(one), D("2024-07-01"), 365) == []  # 182 days
    assert risk_reasons(RiskInputs(one), D("2024-07-02"), 365) == [
        "No order for 183 days since their only order"]


def test_other_signals() -> None:
    base = dict(order_dates=[D("2024-06-01")])
    as_of = D("2024-06-02")
    assert risk_reasons(RiskInputs(**base, revenue_last_90_e4=50, revenue_prior_90_e4=100),
                        as_of, 365) == []  # exactly half is not below half
    assert risk_reasons(RiskInputs(**base, revenue_last_90_e4=40, revenue_prior_90_e4=100),
                        as_of, 365) == ["Spending down 60 % in the last 90 days"]
    assert risk_reasons(RiskInputs(**base, latest_nps=7), as_of, 365) == []
    assert risk_reasons(RiskInputs(**base, latest_nps=6, latest_nps_on=D("2024-03-12"),
                                   open_complaint=True, repeat_contacts_30=2), as_of, 365) == [
        "NPS 6 on 12 Mar", "Has an unresolved complaint", "2 repeat contacts in 30 days"]
    assert risk_reasons(RiskInputs(**base, repeat_contacts_30=1), as_of, 365) == []


def test_old_nps_answers_stop_flagging_and_the_reason_is_dated() -> None:
    base = dict(order_dates=[D("2024-06-01")], latest_nps=4)
    as_of = D("2024-06-30")
    # within the last 180 days = as_of − 179 .. as_of (like "last 30 days" = T−29..T)
    assert risk_reasons(RiskInputs(**base, latest_nps_on=D("2024-01-03")), as_of, 365) == [
        "NPS 4 on 3 Jan"]  # 179 days before
    assert risk_reasons(RiskInputs(**base, latest_nps_on=D("2024-01-02")), as_of, 365) == []
    assert risk_reasons(RiskInputs(**base, latest_nps_on=D("2023-12-20")), as_of, 365,
                        nps_days=365) == ["NPS 4 on 20 Dec 2023"]  # the setting; other year
    assert risk_reasons(RiskInputs(**base), as_of, 365) == []  # undated answer: no flag


def test_hot_excludes_stale_and_slipped_deals(store) -> None:
    as_of = D("2025-08-01")
    fresh = "2025-07-25"
    deals = [
        Deal("Proposal", id=1, title="Hot", amount_e4=to_e4("100"), created_on="2025-06-01",
             last_activity_on=fresh),  # 50 %, touched a week ago
        Deal("Proposal", id=2, title="Quiet", amount_e4=to_e4("900"),
             created_on="2025-05-01", last_activity_on="2025-07-01"),  # 31 days: stale
        Deal("Negotiation", id=3, title="Overdue", amount_e4=to_e4("800"),
             created_on="2025-05-01", expected_close="2025-07-01",
             last_activity_on=fresh),  # due 31 days ago: slipped
        Deal("Lead", id=4, title="Closing", amount_e4=to_e4("50"), created_on="2025-07-20",
             expected_close="2025-08-31", last_activity_on=fresh),  # 10 %, due in 30 days
        Deal("Lead", id=5, title="Late", amount_e4=to_e4("50"), created_on="2025-07-20",
             expected_close="2025-09-01", last_activity_on=fresh),  # due in 31 days: not
        Deal("Lead", id=6, title="Just late", amount_e4=to_e4("60"), created_on="2025-07-20",
             expected_close="2025-07-02", last_activity_on=fresh),  # 30 days ago: neither
    ]
    repository.save_all(store, deals=deals)
    period = Period(D("2025-01-01"), as_of)
    assert [d.id for d in ms.hot_prospects(store, period)] == [1, 4]
    assert [d.id for d in ms.stale_deals(store, period)] == [2]
    assert [d.id for d in ms.slipped_deals(store, period)] == [3]


def test_profit_groups_by_share_of_profit() -> None:
    profits = {1: 15, 2: 10, 3: 10, 4: 10, 5: 10, 6: 10, 7: 10, 8: 10, 9: 10, 10: 5,
               11: 0, 12: -3}  # positive total 100
    groups = profit_groups(profits)
    assert [cid for cid, g in groups.items() if g == "A"] == [1, 2]  # 0 % and 15 % before
    assert sorted(cid for cid, g in groups.items() if g == "B") == [3, 4, 5]
    assert sorted(cid for cid, g in groups.items() if g == "C") == [6, 7, 8, 9, 10]
    assert sorted(cid for cid, g in groups.items() if g == "D") == [11, 12]
    assert profit_groups({}) == {}
    assert profit_groups({1: -1}) == {1: "D"}  # no positive profit at all


def test_movement_table() -> None:
    assert movement({1: "A", 2: "B", 3: "C"}, {1: "A", 2: "A", 4: "D"}) == {
        ("A", "A"): 1, ("B", "A"): 1, ("C", "lost"): 1, ("new", "D"): 1}


def test_plan_month_formulas() -> None:
    p = plan_month("2025-01", to_e4(10_000), to_e4(8_000), 81.0, to_e4(500), 20.0)
    assert p.baseline == pytest.approx(7860.74, abs=0.01)  # 8000 × 0.81^(1/12)
    assert p.gap == pytest.approx(2139.26, abs=0.01)
    assert p.new_customers_needed == 5  # ⌈2139.26 ÷ 500⌉
    assert p.leads_needed == 25  # ⌈5 ÷ 0.20⌉
    covered = plan_month("2025-01", to_e4(1_000), to_e4(8_000), 100.0, None, None)
    assert (covered.gap, covered.new_customers_needed, covered.leads_needed) == (0, 0, 0)
    unknown = plan_month("2025-01", to_e4(10_000), to_e4(8_000), 81.0, None, 20.0)
    assert (unknown.new_customers_needed, unknown.leads_needed) == (None, None)


@pytest.fixture
def business(store):
    deals = [
        Deal("Proposal", id=1, title="Big", amount_e4=to_e4("1000"), created_on="2024-12-01",
             last_activity_on="2024-12-20"),
        Deal("Lead", id=2, title="Soon", amount_e4=to_e4("300"), created_on="2024-10-01",
             expected_close="2025-01-20", last_activity_on="2024-11-01"),
        Deal("Lead", id=3, title="Cold", amount_e4=to_e4("5000"), created_on="2024-10-01",
             expected_close="2025-06-01", last_activity_on="2024-12-15"),
        Deal("Lost", id=4, title="Gone", created_on="2024-01-01", closed_on="2024-05-01",
             lost_reason="Price", competitor="Rival"),
    ]
    surveys = [Survey("2024-03-01", customer_id=1, nps=3, comment="slow"),
               Survey("2024-09-01", customer_id=1, nps=9),
               Survey("2024-08-01", customer_id=2, nps=5, comment="too dear")]
    tickets = [Ticket(2, opened_at="2024-12-01T10:00:00", is_complaint=True)]
    repository.save_all(store, customers=CUSTOMERS, orders=ORDERS, deals=deals,
                        surveys=surveys, tickets=tickets,
                        targets=[Target("2025-01", to_e4("1000"))])
    return store


def test_deal_lists(business) -> None:
    # "Soon" is due within 30 days but quiet since 11-01: stale deals are never hot
    assert [d.id for d in ms.hot_prospects(business, YEAR_2024)] == [1]
    assert [d.id for d in ms.stale_deals(business, YEAR_2024)] == [2]  # quiet since 11-01
    lost = ms.lost_deals(business, YEAR_2024)
    assert [(d.id, d.lost_reason, d.competitor) for d in lost] == [(4, "Price", "Rival")]


def test_detractors_use_the_latest_answer(business) -> None:
    rows = ms.detractors(business, YEAR_2024)
    assert [(r.customer_id, r.nps, r.comment) for r in rows] == [(2, 5, "too dear")]


def test_at_risk_and_customer_rows(business) -> None:
    # active on 2024-12-31: A, B, E, H. E: −5 in the last 90 days against 20 before;
    # B: latest NPS 5 and an unresolved complaint. A: latest NPS 9, and its gap (305 days
    # vs 1.5 × 208) is fine.
    rows = ms.at_risk(business, YEAR_2024)
    assert [(r.customer_id, r.reasons) for r in rows] == [
        (2, ["NPS 5 on 1 Aug", "Has an unresolved complaint"]),  # value at risk 120
        (5, ["Spending down 125 % in the last 90 days"]),  # value at risk 15
    ]
    assert rows[0].value_at_risk == pytest.approx(120)
    table = {r.id: r for r in ms.customer_rows(business, date(2024, 12, 31))}
    assert (table[1].status, table[3].status, table[4].status) == ("active", "lost", "lapsed")
    assert table[1].revenue == pytest.approx(650)
    assert table[1].gross_profit == pytest.approx(190)  # costed lines only
    assert table[1].orders == 3
    assert table[5].at_risk and not table[1].at_risk


def test_groups_and_movement_via_service(business) -> None:
    groups = ms.profitability_groups(business, YEAR_2024)
    # 2024 gross profit: C 200, A 100, B 20, E −2 → positive total 320; C alone passes
    # 20 % and 50 %, so A (62.5 % before it) is already C
    assert groups == {3: "A", 1: "C", 2: "C", 5: "D"}
    moves = ms.group_movement(business, YEAR_2024)
    # prior period (2022-12-31..2023-12-31): A 90, D 60, E 5 of 155 → A: A, D: C, E: C
    assert moves == {("A", "C"): 1, ("C", "lost"): 1, ("C", "D"): 1, ("new", "A"): 1,
                     ("new", "C"): 1}


def test_customer_story(business) -> None:
    story = ms.customer_story(business, 1)
    assert story.customer.name == "A"
    assert len(story.orders) == 4
    assert [m for m, _, _ in story.monthly] == ["2023-01", "2023-06", "2024-03"]
    assert [s.nps for s in story.surveys] == [3, 9]
    with pytest.raises(KeyError):
        ms.customer_story(business, 999)


def test_sales_plan_shows_its_inputs(business) -> None:
    # planned on 1 Jan 2025: the baseline months are Oct–Dec 2024, the trailing year 2024
    (plan,) = mg.sales_plan(business, ["2024-12", "2025-01"], date(2025, 1, 1))  # no 12 target
    assert plan.month == "2025-01" and plan.target == pytest.approx(1000)
    # existing customers' revenue Oct–Dec 2024: E 20 − 5 = 15 → 5 a month
    assert plan.recent_monthly_revenue == pytest.approx(5)
    # trailing 12 months = 2024: retention = A, E of S = A, D, E
    assert plan.retention_12m_pct == pytest.approx(200 / 3)
    assert plan.baseline == pytest.approx(5 * (2 / 3) ** (1 / 12))
    # acquired in 2024: C (500 in its first 90 days) and H (0)
    assert plan.first_90_day_revenue == pytest.approx(250)
    assert plan.new_customers_needed == 4  # ⌈(1000 − baseline) ÷ 250⌉
    # 4 deals created in 2024, none won: 0 % conversion, so leads cannot be computed
    assert plan.lead_conversion_pct == 0 and plan.leads_needed is None


def test_story_risk_matches_the_at_risk_list(demo_store) -> None:
    """The story computes one customer's risk from their own records; same answer."""
    end = ms.data_span(demo_store).end
    listed = {r.customer_id: r.reasons for r in ms.at_risk(demo_store, Period(end, end))}
    rows = {r.id: r for r in ms.customer_rows(demo_store, end)}
    assert listed  # the demo has customers at risk
    for cid in list(listed)[:15] + [c for c in rows if c not in listed][:15]:
        story = ms.customer_story(demo_store, cid)
        assert story.risk_reasons == listed.get(cid, []), cid
        assert story.status == rows[cid].status, cid
