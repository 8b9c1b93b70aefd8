"""Scorecard evidence that measures four anchors (issue 16) on hand-built data: New
business (targets for the coming months, reviewed lately), Pipeline discipline (open deals
with amount and dated next step), Retention (at-risk customers with an open action) and
Service automation (record kinds kept current); each says the score band it suggests."""

from __future__ import annotations

from datetime import date

import pytest

from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import (
    Action,
    Customer,
    Deal,
    OrderLine,
    Survey,
    Target,
)
from custdesk.services import actions_service as acts
from custdesk.services import scorecard_evidence as se
from custdesk.services import scorecard_service
from custdesk.services import strategic_review_service as srs
from custdesk.storage import repository

OCT = Period(date(2026, 10, 1), date(2026, 10, 31))


def _o(cid: int, d: str) -> OrderLine:
    return OrderLine(date=d, customer_id=cid, revenue_e4=to_e4("100"), cost_e4=to_e4("50"))


def _t(month: str) -> Target:
    return Target(month=month, revenue_target_e4=to_e4("1000"))


@pytest.fixture
def shop(store):
    repository.save_all(
        store,
        customers=[Customer(name=n, id=i, acquired_on="2025-01-01")
                   for i, n in ((1, "Ann"), (2, "Bob"), (3, "Cy"))],
        # Ann and Cy have one old order (more than W/2 = 182 days before 31 Oct): at risk
        orders=[_o(1, "2026-01-01"), _o(2, "2026-10-20"), _o(3, "2026-02-01")],
        deals=[Deal(stage="Proposal", title="Full", amount_e4=to_e4("500"),
                    next_step_on="2026-11-05", created_on="2026-10-25"),
               Deal(stage="Lead", title="No step", amount_e4=to_e4("200"),
                    created_on="2026-09-01"),
               Deal(stage="Qualified", title="No amount", next_step_on="2026-11-02",
                    created_on="2026-09-01"),
               Deal(stage="Won", title="Closed", amount_e4=to_e4("900"),
                    created_on="2026-08-01", closed_on="2026-09-01"),
               Deal(stage="Lead", title="Later", amount_e4=to_e4("1"),
                    next_step_on="2026-12-01", created_on="2026-11-15")],  # after the end
        surveys=[Survey(date="2026-05-01", customer_id=2, nps=9)],
        targets=[_t("2026-11"), _t("2026-12")])
    acts.create_action(store, Action(title="Call Ann", created_on="2026-10-30", customer_id=1))
    return store


def test_bands() -> None:
    assert [se.band(x) for x in (None, 0, 24.9, 25, 49.9, 50, 74.9, 75, 89.9, 90, 100)] == [
        None, "0–2", "0–2", "3–4", "3–4", "5–6", "5–6", "7–8", "7–8", "9–10", "9–10"]


def test_pipeline_discipline(shop) -> None:
    ev = se.pipeline(shop, OCT)
    # open by 31 Oct: Full, No step, No amount ("Later" is created after, "Closed" is won)
    assert ev.n == 3 and ev.value == pytest.approx(100 / 3)
    assert ev.label == "Open deals with amount and dated next step"
    assert ev.detail == "1 of 3 · suggests 3–4"


def test_retention_at_risk_with_an_open_action(shop) -> None:
    ev = se.retention(shop, OCT)
    assert ev.n == 2 and ev.value == pytest.approx(50.0)  # Ann has one, Cy none
    assert ev.label == "At-risk customers with an open action"
    assert ev.detail == "1 of 2 · suggests 5–6"
    acts.create_action(shop, Action(title="Call Cy", created_on="2026-10-30", customer_id=3))
    assert se.retention(shop, OCT).detail.endswith("suggests 9–10")


def test_new_business_plan_and_review(shop) -> None:
    ev = se.new_business(shop, OCT)
    assert ev.value == 2 and ev.n == 3  # Nov and Dec have targets, Jan not
    assert ev.label == "Next 3 months with a revenue target"
    assert ev.detail == "no review in 31 days · suggests 3–4"
    repository.save_all(shop, targets=[_t("2027-01")])
    assert se.new_business(shop, OCT).detail.endswith("suggests 5–6")
    srs.save(shop, srs.StrategicReview("2026-10-15", market="Quiet autumn"))
    ev = se.new_business(shop, OCT)
    assert ev.value == 3 and ev.detail == "reviewed in 31 days · suggests 7–8"
    december = se.new_business(shop, Period(date(2026, 12, 1), date(2026, 12, 31)))
    assert december.value == 1 and december.detail.endswith("suggests 3–4")  # January only
    january = se.new_business(shop, Period(date(2027, 1, 1), date(2027, 1, 31)))
    assert january.value == 0 and january.detail.endswith("suggests 0–2")


def test_service_automation_is_records_kept_current(shop) -> None:
    ev = se.automation(shop, OCT)
    # orders (20 Oct), deals (25 Oct), actions (30 Oct) are fresh; surveys (1 May) stale
    assert ev.n == 4 and ev.value == pytest.approx(75.0)
    assert ev.label == "Records kept current (added in 30 days)"
    assert ev.detail == "3 of 4 kinds; stale: surveys · suggests 7–8"


def test_the_scorecard_shows_them_beside_the_questions(shop) -> None:
    evidence = scorecard_service.evidence(shop, OCT)
    assert evidence["pipeline"].label == "Open deals with amount and dated next step"
    assert "suggests" in evidence["retention"].detail
    assert evidence["automation"].label == "Records kept current (added in 30 days)"
    assert evidence["margins"].label == "Gross margin"  # the others are unchanged
