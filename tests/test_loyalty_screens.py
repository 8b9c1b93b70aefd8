"""The Loyalty and New screens (issue 15), counted by hand on a tiny business: cohort cells
(share active and revenue retained, SQL and the screen), new_repeat_90d_pct, renewed / not
renewed under each renewal rule (SQL and the pure reference), referrer ranking and their
revenue, revenue by NPS group, the quality of new customers and the onboarding track."""

from __future__ import annotations

from datetime import date

import pytest

from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import Customer, OrderLine, Survey
from custdesk.domain.renewal import RenewalRule, renewal_status
from custdesk.services import onboarding_service as obs
from custdesk.services import settings_service
from custdesk.services.screens import loyalty, new
from custdesk.storage import queries_loyalty as ql
from custdesk.storage import repository

END = date(2024, 6, 30)
Q2 = Period(date(2024, 4, 1), END)  # prior: 1 Jan – 31 Mar 2024 (91 days each)
H1 = Period(date(2024, 1, 1), END)


def _o(cid: int, day: str, revenue: str, delivered: str | None = None) -> OrderLine:
    return OrderLine(date=day, customer_id=cid, revenue_e4=to_e4(revenue),
                     order_ref=f"{cid}-{day}", delivered_on=delivered)


ORDERS = {1: [("2024-01-10", "100"), ("2024-02-15", "50"), ("2024-04-01", "30")],
          2: [("2024-01-20", "300")], 3: [("2024-02-05", "200"), ("2024-03-10", "100")],
          4: [("2024-05-01", "80"), ("2024-05-20", "20")],
          5: [("2023-06-01", "60"), ("2024-03-25", "70"), ("2024-06-10", "90")],
          6: [("2024-05-01", "100")], 7: [("2024-06-01", "40")], 8: [("2024-06-02", "500")]}
CONTRACT_END = {1: "2024-05-15", 3: "2024-06-20", 5: "2024-06-30", 2: "2024-08-01"}


@pytest.fixture
def shop(store):
    repository.save_all(
        store,
        customers=[
            Customer("Ann", id=1, acquired_on="2024-01-10", contract_end=CONTRACT_END[1]),
            Customer("Bob", id=2, acquired_on="2024-01-20", status="lost",
                     lost_on="2024-03-01", contract_end=CONTRACT_END[2]),
            Customer("Cat", id=3, acquired_on="2024-02-05", contract_end=CONTRACT_END[3]),
            Customer("Dan", id=4, acquired_on="2024-05-01", source="web"),
            Customer("Eve", id=5, acquired_on="2023-06-01", contract_end=CONTRACT_END[5]),
            Customer("Gil", id=6, acquired_on="2024-05-01", referred_by="Ann"),
            Customer("Hal", id=7, acquired_on="2024-06-01", referred_by=" ann"),
            Customer("Ivy", id=8, acquired_on="2024-06-02", referred_by="Cat"),
        ],
        orders=[_o(cid, day, rev, "2024-05-05" if (cid, day) == (4, "2024-05-01") else None)
                for cid, lines in ORDERS.items() for day, rev in lines],
        surveys=[Survey("2024-05-01", customer_id=1, nps=10, comment="love it"),
                 Survey("2024-02-01", customer_id=2, nps=3),
                 Survey("2024-03-01", customer_id=3, nps=8),
                 Survey("2024-06-15", customer_id=3, nps=9),
                 Survey("2024-06-01", customer_id=4, nps=7),
                 Survey("2024-07-05", customer_id=5, nps=5)],  # after the end: no answer
    )
    return store


# ----- cohorts -------------------------------------------------------------------------------
def test_cohort_cells_by_month(shop) -> None:
    rows = {r["cohort"]: r for r in loyalty.cohort_rows(shop, END, 365, "month")}
    assert list(rows)[0] == "2023-07" and list(rows)[-1] == "2024-06"  # 12 months
    jan = rows["2024-01"]  # Ann and Bob: 400 in January
    assert jan["customers"] == 2
    # Bob is lost on 1 Mar: still active 1 month after 20 Jan, not 2 months after
    assert [jan[f"active_{k}"] for k in range(7)] == [100, 100, 50, 50, 50, 50, None]
    # Feb 50, Mar 0, Apr 30, May 0, Jun 0 of January's 400; July not over yet
    assert [jan[f"revenue_{k}"] for k in range(7)] == [100, 12.5, 0, 7.5, 0, 0, None]
    feb = rows["2024-02"]  # Cat: 200 in Feb, 100 in Mar
    assert (feb["revenue_1"], feb["revenue_4"], feb["revenue_5"]) == (50, 0, None)
    assert (feb["active_4"], feb["active_5"]) == (100, None)  # 5 Jul is after the end
    may = rows["2024-05"]  # Dan and Gil: 200 in May, nothing in June
    assert (may["customers"], may["revenue_0"], may["revenue_1"], may["active_1"]) == (
        2, 100, 0, 100)
    assert rows["2023-07"]["customers"] == 0 and rows["2023-07"]["active_0"] is None


def test_cohort_cells_lapse_with_a_short_window(shop) -> None:
    # W = 30 days: Ann (orders 10 Jan, 15 Feb, 1 Apr) has no order in the 30 days up to
    # 10 Feb (lapsed), one on 15 Feb by 10 Mar, 1 Apr by 10 Apr, none by 10 May
    cells = {(c.cohort, c.months): c for c in
             ql.cohort_cells(shop, date(2024, 1, 1), END, 30, by="month", max_months=5)}
    assert [cells[("2024-01", k)].active for k in range(6)] == [2, 0, 1, 1, 0, 0]
    assert all(cells[("2024-01", k)].reached for k in range(6))
    assert not cells[("2024-06", 1)].reached
    quarter = {(c.cohort, c.months): c for c in
               ql.cohort_cells(shop, date(2024, 1, 1), END, 365, by="quarter")}
    q1 = quarter[("2024-Q1", 0)]
    # month 0 is each one's own month: Ann's Jan 100 + Bob's Jan 300 + Cat's Feb 200
    assert (q1.customers, q1.revenue_e4) == (3, to_e4("600"))
    assert quarter[("2024-Q1", 1)].revenue_e4 == to_e4("150")  # Ann Feb 50, Cat Mar 100


# ----- new customers -------------------------------------------------------------------------
def test_new_repeat_90d_and_quality(shop) -> None:
    # acquired by 2 Apr (90 days before the end) with a first order: Ann (again 15 Feb),
    # Bob (never), Cat (again 10 Mar) -> 2 of 3
    screen = new.build(shop, H1, "H1")
    assert screen.cards["new_repeat_90d_pct"].value == pytest.approx(200 / 3)
    assert screen.cards["new_repeat_90d_pct"].current.n == 3
    compare = {r["key"]: r for r in screen.tables["quality_compare"]}
    assert compare["new_repeat_90d_pct"]["this_year"] == pytest.approx(200 / 3)
    assert compare["customers"]["this_year"] == 7 and compare["customers"]["last_year"] == 1
    # first orders 100 + 300 + 200 + 80 + 100 + 40 + 500 over 7 customers
    assert compare["new_first_order_avg"]["this_year"] == pytest.approx(1320 / 7)
    # Eve (last year): not lost within 180 days of June 2023
    assert (compare["early_churn_pct"]["last_year"], compare["early_churn_pct"]["last_year_n"]
            ) == (0, 1)
    # first answers this year: Ann 10, Bob 3, Cat 8, Dan 7 -> (1 - 1) / 4
    assert compare["first_nps"]["this_year"] == 0 and compare["first_nps"]["this_year_n"] == 4
    names = [r["customer"] for r in screen.lists["new"]]
    assert names == ["Ivy", "Hal", "Gil", "Dan", "Cat", "Bob", "Ann"]


def test_onboarding_track_and_today_count(shop) -> None:
    # Dan's first order was delivered 5 May; everyone else acquired in the 180 days up to
    # 30 Jun waits for delivery past its 7 days; Dan's set-up (due 15 May) is late
    counts = obs.overdue_counts(shop, END)
    assert counts == [{"step": "delivered", "customers": 6, "days": 7},
                      {"step": "set up", "customers": 1, "days": 14}]
    obs.mark_step(shop, 6, "delivered", done_on="2024-05-10")  # Gil now waits for set-up
    assert obs.overdue_sentence(obs.overdue_counts(shop, END)) == (
        "5 new customers waiting for delivery > 7 days; 2 for set-up > 14 days")
    rows = {r["customer"]: r for r in obs.track_rows(shop, END)}
    assert rows["Dan"]["step:ordered"] == "2024-05-01"
    assert rows["Dan"]["step:delivered"] == "2024-05-05"
    assert rows["Gil"]["step:delivered"] == "2024-05-10"
    assert rows["Gil"]["status"] == "overdue: set up (due 2024-05-15)"
    assert rows["Ann"]["step:first repeat order"] == "2024-02-15"  # her second order
    with pytest.raises(ValueError, match="not one of"):
        obs.mark_step(shop, 6, "polish", done_on="2024-05-10")


# ----- renewals ------------------------------------------------------------------------------
def _renewal(store, kind: str, days: int = 90) -> tuple[list[str], list[str]]:
    settings_service.save_loyalty_settings(store, RenewalRule(kind, days), 4)
    screen = loyalty.build(store, Q2, "Q2")
    return ([r["customer"] for r in screen.lists["renewed"]],
            [r["customer"] for r in screen.lists["not_renewed"]])


def _reference(kind: str, days: int = 90) -> tuple[set[str], set[str]]:
    names = {1: "Ann", 2: "Bob", 3: "Cat", 4: "Dan", 5: "Eve", 6: "Gil", 7: "Hal", 8: "Ivy"}
    out: tuple[set[str], set[str]] = (set(), set())
    for cid, lines in ORDERS.items():
        end = CONTRACT_END.get(cid)
        status = renewal_status(RenewalRule(kind, days), Q2,
                                [date.fromisoformat(d) for d, _ in lines],
                                date.fromisoformat(end) if end else None)
        if status is not None:
            out[0 if status else 1].add(names[cid])
    return out


def test_renewed_by_period(shop) -> None:
    # ordered in Jan–Mar: Ann (again 1 Apr), Eve (again 10 Jun), Bob and Cat (not again)
    renewed, not_renewed = _renewal(shop, "period")
    assert set(renewed) == {"Ann", "Eve"} and set(not_renewed) == {"Bob", "Cat"}
    assert _reference("period") == (set(renewed), set(not_renewed))


def test_renewed_within_n_days(shop) -> None:
    # N = 60: last order before 1 Apr + 60 days — Ann 15 Feb -> 15 Apr (ordered 1 Apr),
    # Cat 10 Mar -> 9 May (no order), Eve 25 Mar -> 24 May (ordered only 10 Jun: late),
    # Bob 20 Jan -> 20 Mar (before the period: not due in it)
    renewed, not_renewed = _renewal(shop, "days", 60)
    assert renewed == ["Ann"] and sorted(not_renewed) == ["Cat", "Eve"]
    assert _reference("days", 60) == (set(renewed), set(not_renewed))
    screen = loyalty.build(shop, Q2, "Q2")
    ann = screen.lists["renewed"][0]
    assert (ann["due_on"], ann["renewed_on"]) == (date(2024, 4, 15), date(2024, 4, 1))
    assert screen.tables["renewal"][0]["renewed_pct"] == pytest.approx(100 / 3)


def test_renewed_by_contract_end(shop) -> None:
    # contract ends in Q2: Ann 15 May (last order 1 Apr, before 15 Apr: not renewed),
    # Cat 20 Jun (no order), Eve 30 Jun (ordered 10 Jun, within 30 days before): renewed
    renewed, not_renewed = _renewal(shop, "contract")
    assert renewed == ["Eve"] and sorted(not_renewed) == ["Ann", "Cat"]
    assert _reference("contract") == (set(renewed), set(not_renewed))


# ----- promoters, referrers, NPS groups ------------------------------------------------------
def test_referrers_promoters_and_referred(shop) -> None:
    screen = loyalty.build(shop, Q2, "Q2")
    referrers = [(r["customer"], r["referred"], r["referred_revenue"])
                 for r in screen.lists["referrers"]]
    assert referrers == [("Ann", 2, 140.0), ("Cat", 1, 500.0)]  # Gil 100 + Hal 40; Ivy
    promoters = {r["customer"]: r["referred"] for r in screen.lists["promoters"]}
    assert promoters == {"Ann": 2, "Cat": 1}  # Cat's latest answer is 9
    referred = {r["group"]: r for r in screen.tables["referred_vs_others"]}
    assert referred["referred"]["customers"] == 3
    assert referred["referred"]["revenue_pct"] == pytest.approx(640 / 860 * 100)


def test_revenue_by_nps_group(shop) -> None:
    # Q2 revenue 860: Ann 30 + Cat 0 (promoters), Dan 100 (passive), Bob 0 (detractor),
    # Eve 90 + Gil 100 + Hal 40 + Ivy 500 (no answer by 30 Jun)
    rows = {r["group"]: r for r in loyalty.build(shop, Q2, "Q2").tables["revenue_by_nps"]}
    assert [rows[g]["customers"] for g in loyalty.NPS_GROUPS] == [2, 1, 1, 4]
    assert [rows[g]["revenue"] for g in loyalty.NPS_GROUPS] == [30, 100, 0, 730]
    assert rows["promoters"]["revenue_pct"] == pytest.approx(30 / 860 * 100)
    assert rows["no answer"]["revenue_pct"] == pytest.approx(730 / 860 * 100)
    # active on 31 Mar and still on 30 Jun: Ann and Cat (promoters), Eve (no answer)
    assert (rows["promoters"]["retention_pct"], rows["promoters"]["retention_n"]) == (100, 2)
    assert rows["detractors"]["retention_pct"] is None  # Bob left before the period


def test_purchase_habits(shop) -> None:
    screen = loyalty.build(shop, Q2, "Q2")
    freq = {r["orders"]: r["customers"] for r in screen.tables["order_frequency"]}
    # orders of the 365 days up to 30 Jun (from 1 Jul 2023): Eve's of June 2023 is older
    assert freq == {"1": 4, "2": 3, "3–5": 1, "6–10": 0, "11+": 0}
    habits = screen.tables["habits"][0]
    # gaps: Ann 36, 46; Cat 34; Dan 19; Eve 77 -> the median of 5 is 36
    assert habits["typical_gap_days"] == 36
    # an order in each of the 4 quarters up to 30 Jun (from 1 Jul 2023): nobody
    assert habits["loyal_customers"] == 0
    settings_service.save_loyalty_settings(shop, RenewalRule(), 1)
    one = loyalty.build(shop, Q2, "Q2").tables["habits"][0]
    assert one["loyal_customers"] == 8 - 2 and one["loyal_revenue_pct"] == 100  # Bob, Cat


def test_empty_file_keeps_every_key(store) -> None:
    screen = loyalty.build(store, Q2, "Q2")
    assert screen.empty and set(screen.lists) == set(loyalty.LISTS)
    assert new.build(store, Q2, "Q2").empty


def test_a_step_the_file_cannot_show_is_not_late() -> None:
    from custdesk.domain import onboarding as ob

    plan = [ob.Step(n, d) for n, d in ob.DEFAULT_STEPS]
    acquired, as_of = date(2024, 5, 1), date(2024, 6, 30)
    states = ob.track(plan, acquired, as_of, data_done={ob.ORDERED: acquired}, owner={},
                      untracked=frozenset({ob.DELIVERED}))
    assert [s.overdue for s in states] == [False, False, True, True, False]
    assert ob.status_text(states) == "overdue: set up (due 2024-05-15)"
    owned = ob.track(plan, acquired, as_of, data_done={}, untracked=frozenset({ob.DELIVERED}),
                     owner={ob.DELIVERED: (date(2024, 5, 3), None)})
    assert owned[1].overdue and owned[1].due_on == date(2024, 5, 3)
