"""Deal, pipeline and feedback metrics against hand-computed figures (period 2024)."""

from __future__ import annotations

import math

import pytest
from metrics_fixtures import YEAR_2024

from custdesk.domain.metric_values import nps, proportion, wilson
from custdesk.domain.metrics_all import Settings, catalogue_from_records
from custdesk.domain.money import to_e4
from custdesk.domain.records import Customer, Deal, Product, Survey, SurveyKind, Ticket
from custdesk.services import metrics_service as ms
from custdesk.storage import repository

M = to_e4


def _d(i: int, stage: str, amount: str | None, created: str | None, closed: str | None = None,
       **kw) -> Deal:
    return Deal(stage=stage, id=i, amount_e4=None if amount is None else M(amount),
                created_on=created, closed_on=closed, **kw)


DEALS = [
    _d(1, "Won", "900", "2024-01-01", "2024-01-31", list_amount_e4=M("1000"), owner="Ann"),
    _d(2, "Won", "700", "2023-12-01", "2024-03-01", product_id=1, owner="Ann"),
    _d(3, "Won", None, "2024-02-01", "2024-02-11", owner="Bob"),  # no amount
    _d(4, "Lost", "500", "2024-04-01", "2024-05-01", lost_reason="Price", owner="Bob"),
    _d(5, "Lost", None, None, "2024-06-01"),
    _d(6, "Proposal", "2000", "2024-11-01"),
    _d(7, "Lead", "100", "2024-12-01", probability=40),
    _d(8, "Qualified", None, "2024-06-01"),
    _d(9, "Won", "300", "2024-12-15", "2025-02-01"),  # still open on 2024-12-31
    _d(10, "Lead", "100", "2025-01-10"),  # not created yet
    _d(11, "Won", "100", "2023-01-01", "2023-06-01"),
    _d(12, "Custom stage", "50", "2024-03-01"),  # unknown stage: open, 10 %
]
PRODUCTS = [Product(name="Widget", id=1, list_price_e4=M("1000"))]


def _s(d: str, kind=SurveyKind.CUSTOMER, **kw) -> Survey:
    return Survey(date=d, kind=kind, **kw)


SURVEYS = [
    _s("2024-02-01", nps=10, csat=5), _s("2024-03-01", nps=9, csat=4),
    _s("2024-04-01", nps=8, csat=2), _s("2024-05-01", nps=7), _s("2024-06-01", nps=6),
    _s("2024-07-01", nps=0), _s("2023-07-01", nps=10, csat=1),
    _s("2024-01-01", SurveyKind.EMPLOYEE, nps=9), _s("2024-01-01", SurveyKind.EMPLOYEE, nps=9),
    _s("2024-01-01", SurveyKind.EMPLOYEE, nps=3),
    _s("2024-01-01", SurveyKind.MYSTERY_SHOP, score=6),
    _s("2024-09-01", SurveyKind.MYSTERY_SHOP, score=8),
]
TICKETS = [
    Ticket(1, 1, opened_at="2024-01-01T09:00:00", first_response_at="2024-01-01T11:00:00",
           resolved_at="2024-01-02T09:00:00", topic="Billing", contacts=2, csat=4,
           is_complaint=True),
    Ticket(1, 2, opened_at="2024-01-05T09:00:00", first_response_at="2024-01-05T10:00:00",
           topic="billing ", csat=1),
    Ticket(1, 3, opened_at="2024-02-01T09:00:00", first_response_at="2024-02-01T13:00:00",
           resolved_at="2024-02-03T09:00:00", topic="Billing"),
    Ticket(2, 4, opened_at="2023-12-30T09:00:00", resolved_at="2024-01-01T09:00:00",
           topic="Delivery", contacts=3),
    Ticket(2, 5, opened_at="2024-01-03T09:00:00", topic="Delivery"),
]
CUSTOMERS = [Customer("One", id=1, created_on="2020-01-01"),
             Customer("Two", id=2, created_on="2020-01-01")]


@pytest.fixture(params=["records", "sql"])
def metrics(request, store):
    data = dict(customers=CUSTOMERS, deals=DEALS, products=PRODUCTS, surveys=SURVEYS,
                tickets=TICKETS)
    if request.param == "records":
        return catalogue_from_records(YEAR_2024, **data)
    repository.save_all(store, **data)
    return ms.compute_metrics(store, YEAR_2024).metrics


def test_pipeline(metrics) -> None:
    assert metrics["deals_open"].value == 5  # 6, 7, 8, 9, 12
    assert metrics["deals_open_unvalued"].value == 1  # 8
    assert metrics["pipeline_value"].value == pytest.approx(2450)
    assert metrics["pipeline_weighted_value"].value == pytest.approx(1000 + 40 + 300 + 5)


def test_win_rates_cycle_discount(metrics) -> None:
    assert (metrics["deals_won"].value, metrics["deals_lost"].value) == (3, 2)
    win = metrics["win_rate_pct"]
    assert (win.value, win.n) == (pytest.approx(60), 5)
    assert win.low == pytest.approx(23.07, abs=0.01)
    assert win.high == pytest.approx(88.24, abs=0.01)
    assert win.small_sample
    assert metrics["win_rate_value_pct"].value == pytest.approx(1600 / 2100 * 100)
    assert metrics["sales_cycle_days_avg"].value == pytest.approx((30 + 91 + 10) / 3)
    assert metrics["discount_pct_avg"].value == pytest.approx(20)  # 10 % and 30 %
    assert metrics["discount_pct_avg"].n == 2
    assert metrics["deep_discount_share_pct"].value == pytest.approx(50)
    assert metrics["lead_conversion_pct"].value == pytest.approx(3 / 8 * 100)


def test_feedback(metrics) -> None:
    score = metrics["nps"]
    assert (score.value, score.n) == (pytest.approx(0), 6)
    # p+ = p− = 1/3: variance (2/3 − 0) ÷ 6, se = 1/3
    assert score.high == pytest.approx(1.959964 / 3 * 100, abs=1e-3)
    assert score.low == pytest.approx(-1.959964 / 3 * 100, abs=1e-3)
    assert metrics["enps"].value == pytest.approx(100 / 3)
    assert metrics["csat_pct"].value == pytest.approx(60)  # 5, 4, 2 + tickets 4, 1
    assert metrics["first_response_hours_median"].value == pytest.approx(2)
    assert metrics["resolution_hours_median"].value == pytest.approx(36)
    assert metrics["repeat_contact_rate_pct"].value == pytest.approx(50)  # tickets 2, 5
    assert metrics["contacts_per_issue"].value == pytest.approx(2)  # 2, blank = 1, 3
    assert metrics["complaints_count"].value == 1
    assert metrics["mystery_shop_avg"].value == pytest.approx(7)


def test_owner_and_reason_breakdowns(store) -> None:
    repository.save_all(store, customers=CUSTOMERS, deals=DEALS, products=PRODUCTS)
    report = ms.compute_metrics(store, YEAR_2024, by=["owner", "reason"])
    owners = report.breakdowns["owner"]
    assert owners["Ann"]["deals_won"].value == 2
    assert owners["Bob"]["win_rate_pct"].value == pytest.approx(50)
    assert report.breakdowns["reason"]["Price"]["deals_lost"].value == 1
    assert report.breakdowns["reason"]["Not recorded"]["deals_lost"].value == 1


def test_wilson_against_the_closed_formula() -> None:
    z = 1.959963984540054
    for k, n in ((0, 10), (10, 10), (7, 31), (1, 2)):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        low, high = wilson(k, n)
        assert low == pytest.approx(max(0, centre - half) * 100)
        assert high == pytest.approx(min(1, centre + half) * 100)
    assert wilson(0, 0) is None
    assert proportion(0, 0).value is None  # zero denominator: unknown, not 0


def test_nps_edges() -> None:
    assert nps([]).value is None
    all_promoters = nps([9, 10, 10])
    assert all_promoters.value == pytest.approx(100)
    assert all_promoters.high == pytest.approx(100)  # zero variance: a point
    assert nps([0] * 40).value == pytest.approx(-100)
    assert not nps([0] * 40).small_sample


def test_repeat_contacts_leave_out_tickets_without_an_opening_time() -> None:
    # ticket 2 has only a first response two days after ticket 1: it is neither a repeat
    # nor counted in the denominator (it used to be dated by its first response)
    tickets = [
        Ticket(1, 1, opened_at="2024-03-01T09:00:00", topic="Billing"),
        Ticket(1, 2, first_response_at="2024-03-03T09:00:00", topic="Billing"),
        Ticket(1, 3, opened_at="2024-03-05T09:00:00", topic="Billing"),
    ]
    m = catalogue_from_records(YEAR_2024, customers=CUSTOMERS, tickets=tickets)
    assert (m["repeat_contact_rate_pct"].value, m["repeat_contact_rate_pct"].n) == (50, 2)
    none_opened = [Ticket(1, 4, first_response_at="2024-03-03T09:00:00", topic="Billing")]
    m = catalogue_from_records(YEAR_2024, customers=CUSTOMERS, tickets=none_opened)
    assert m["repeat_contact_rate_pct"].value is None


def test_repeat_window_up_to_a_year() -> None:
    tickets = [Ticket(1, 1, opened_at="2024-01-10T09:00:00", topic="Delivery"),
               Ticket(1, 2, opened_at="2024-12-20T09:00:00", topic="delivery")]  # 345 days
    week = catalogue_from_records(YEAR_2024, customers=CUSTOMERS, tickets=tickets)
    year = catalogue_from_records(YEAR_2024, customers=CUSTOMERS, tickets=tickets,
                                  settings=Settings(repeat_contact_days=365))
    assert week["repeat_contact_rate_pct"].value == 0
    assert year["repeat_contact_rate_pct"].value == 50
