"""The demo does not contradict itself (issue 11 item 11), whatever day it ends on.

Nothing is dated before its customer exists or after the demo's last day; monthly targets
sit near the revenue actually made, so the sales plan shows real gaps; and every list and
at-risk signal has something true to show, read through the real metrics functions on a
database holding the demo.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import DEMO_END

from custdesk.domain.demo_data import DemoBusiness, generate_demo
from custdesk.domain.periods import Period, add_months, month_key
from custdesk.domain.records import SurveyKind
from custdesk.domain.sales_plan import plan_windows
from custdesk.services import metrics_service as ms
from custdesk.services.demo import write_demo
from custdesk.services.margins_service import sales_plan
from custdesk.storage import open_store
from custdesk.storage.store import Store

ENDS = (DEMO_END, date(2026, 12, 1), date(2027, 3, 15))
BAND = (0.9, 1.3)  # a target within this multiple of the recent monthly revenue
RISK_KINDS = {"gap": "No order for", "spending down": "Spending down", "NPS": "NPS ",
              "unresolved complaint": "unresolved complaint",
              "repeat contacts": "repeat contacts in 30 days"}
NON_NULL = ("nps", "csat_pct", "first_response_hours_median", "repeat_contact_rate_pct",
            "complaints_count", "win_rate_pct", "gross_margin_pct", "enps",
            "mystery_shop_avg", "customers_lost", "customers_new")


def _acquired(business: DemoBusiness) -> dict[int, str]:
    """customer id -> acquired(c): acquired_on, else the first order's date."""
    first: dict[int, str] = {}
    for line in business.orders:
        first[line.customer_id] = min(first.get(line.customer_id, line.date), line.date)
    out = {}
    for c in business.customers:
        assert c.id is not None
        dated = c.acquired_on or first.get(c.id)
        assert dated is not None, f"{c.name} is an undated contact"
        out[c.id] = dated
    return out


def _monthly_revenue(business: DemoBusiness) -> dict[str, int]:
    revenue: dict[str, int] = defaultdict(int)
    for line in business.orders:
        revenue[line.date[:7]] += line.revenue_e4
    return revenue


@pytest.fixture(scope="module", params=ENDS, ids=str)
def demo(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[date, DemoBusiness, Store]]:
    end: date = request.param
    path: Path = tmp_path_factory.mktemp("demo") / f"demo-{end}.db"
    store = open_store(path)
    write_demo(store, seed=7, end=end)
    yield end, generate_demo(seed=7, end=end), store
    store.close(backup_if_changed=False)


# ----- dates: nothing before its customer, nothing after the last day ------------------------

def test_no_record_before_its_customer_or_after_the_end(demo) -> None:
    end, business, _ = demo
    acquired = _acquired(business)
    last = end.isoformat()
    wrong: list[str] = []

    def check(what: str, cid: int | None, *days: str | None) -> None:
        for d in days:
            if d is None:
                continue
            if cid is not None and d[:10] < acquired[cid]:
                wrong.append(f"{what} on {d} before customer {cid} came ({acquired[cid]})")
            if d[:10] > last:
                wrong.append(f"{what} on {d} after the demo's last day {last}")

    for c in business.customers:
        check(f"customer {c.id} acquired/lost", c.id, c.acquired_on, c.lost_on)
    for line in business.orders:
        check(f"order {line.order_ref}", line.customer_id, line.date)
    for t in business.tickets:
        check(f"ticket {t.ref}", t.customer_id, t.opened_at, t.first_response_at,
              t.resolved_at)
    for s in business.surveys:
        check(f"{s.kind.value} survey", s.customer_id, s.date)
    for deal in business.deals:  # expected_close is a plan: it may lie ahead
        check(f"deal {deal.ref}", deal.customer_id, deal.created_on, deal.closed_on,
              deal.last_activity_on)
    for a in business.assessments:
        check("assessment", None, a.taken_on)
    assert all(s.month <= month_key(end) for s in business.spend)
    assert not wrong, f"{len(wrong)} records out of their customer's life: {wrong[:5]}"


def test_tickets_open_after_they_are_answered_and_resolved(demo) -> None:
    _, business, _ = demo
    for t in business.tickets:
        assert t.opened_at is not None
        if t.first_response_at:
            assert t.opened_at <= t.first_response_at
        if t.resolved_at:
            assert t.first_response_at and t.first_response_at <= t.resolved_at
        assert (t.status == "Open") == (t.resolved_at is None)


def test_marked_lost_customers_say_nothing_after_they_left(demo) -> None:
    _, business, _ = demo
    lost_on = {c.id: c.lost_on for c in business.customers if c.lost_on}
    for line in business.orders:
        assert line.date <= lost_on.get(line.customer_id, "9999")
    for t in business.tickets:
        assert (t.opened_at or "")[:10] <= lost_on.get(t.customer_id, "9999")
    for s in business.surveys:
        if s.customer_id is not None:
            assert s.date <= lost_on.get(s.customer_id, "9999")


# ----- targets follow the revenue actually made ----------------------------------------------

def test_targets_sit_near_actual_revenue_up_to_three_months_ahead(demo) -> None:
    end, business, _ = demo
    revenue = _monthly_revenue(business)
    months = sorted(t.month for t in business.targets)
    assert months[-1] == month_key(add_months(end.replace(day=1), 3))
    assert months[0] <= month_key(end - timedelta(days=700))
    for t in business.targets:
        base = plan_windows(t.month, end).baseline  # the 3 complete months the plan uses
        mean = sum(revenue[m] for m in Period(base.start, base.end).months()) / 3
        ratio = t.revenue_target_e4 / mean
        assert BAND[0] <= ratio <= BAND[1], f"{t.month}: target {ratio:.2f}× recent revenue"
        assert t.new_customers_target and t.new_customers_target >= 3


def test_the_sales_plan_shows_real_gaps(demo) -> None:
    end, _, store = demo
    current = end.replace(day=1)
    months = [month_key(add_months(current, i)) for i in range(-6, 4)]
    plan = sales_plan(store, months, end)
    assert [p.month for p in plan] == months
    for p in plan:
        assert p.gap is not None and p.gap > 0, f"{p.month}: no gap to fill"
        assert p.new_customers_needed and p.leads_needed
    past = [p for p in plan if p.status == "past"]
    assert any(p.actual_revenue is not None and p.actual_revenue >= p.target for p in past)
    assert any(p.actual_revenue is not None and p.actual_revenue < p.target for p in past)


# ----- every list and signal has something to show ------------------------------------------

def test_every_list_has_something_true_to_show(demo) -> None:
    end, _, store = demo
    year = Period.preset("last_12_months", end)
    risky = ms.at_risk(store, year)
    reasons = [reason for row in risky for reason in row.reasons]
    missing = [kind for kind, words in RISK_KINDS.items()
               if not any(words in reason for reason in reasons)]
    assert not missing, f"no customer at risk for: {missing}"
    hot = {r.id for r in ms.hot_prospects(store, year)}
    stale = {r.id for r in ms.stale_deals(store, year)}
    slipped = {r.id for r in ms.slipped_deals(store, year)}
    assert hot and stale and slipped
    assert not hot & (stale | slipped)
    lost = ms.lost_deals(store, year)
    assert lost and any(r.lost_reason for r in lost) and any(r.competitor for r in lost)
    assert ms.detractors(store, year)


def test_metrics_of_the_last_year_are_all_known(demo) -> None:
    end, _, store = demo
    metrics = ms.compute_metrics(store, Period.preset("last_12_months", end)).metrics
    assert metrics["customers_won_back"].value is not None
    assert metrics["customers_won_back"].value >= 1
    unknown = [m for m in NON_NULL if metrics[m].value is None]
    assert not unknown, f"unknown on the demo: {unknown}"
    assert metrics["deals_open"].value and metrics["repeat_contact_rate_pct"].value


def test_customers_come_go_and_come_back(demo) -> None:
    end, business, _ = demo
    last_order: dict[int, str] = {}
    for line in business.orders:
        last_order[line.customer_id] = max(last_order.get(line.customer_id, ""), line.date)
    year_ago = (end - timedelta(days=365)).isoformat()
    told = [c for c in business.customers if c.status == "lost"]
    assert told and all(c.lost_on and c.lost_reason for c in told)
    silent = [c for c in business.customers
              if c.status is None and c.id in last_order and last_order[c.id] < year_ago]
    assert silent, "no customer lapsed without a word"


def test_tickets_and_surveys_give_every_feedback_figure_a_story(demo) -> None:
    end, business, _ = demo
    recent = (end - timedelta(days=21)).isoformat()
    open_tickets = [t for t in business.tickets if t.resolved_at is None]
    assert open_tickets
    assert any(t.is_complaint and (t.opened_at or "") >= recent for t in open_tickets)
    customer = [s for s in business.surveys if s.kind == SurveyKind.CUSTOMER]
    assert any(s.would_refer is True and s.reason for s in customer)
    assert any(s.would_refer is False and s.reason for s in customer)
    half_year = (end - timedelta(days=180)).isoformat()
    assert any(s.nps is not None and s.nps <= 6 and s.date >= half_year for s in customer)
    assert any(s.nps is not None and s.nps >= 9 and s.date >= half_year for s in customer)
    kinds = {s.kind for s in business.surveys}
    assert kinds == set(SurveyKind)
    stay = [s for s in business.surveys if s.kind == SurveyKind.QUESTIONNAIRE]
    assert stay and all(s.reason and s.customer_id for s in stay)
    assert all(s.score is not None for s in business.surveys
               if s.kind == SurveyKind.MYSTERY_SHOP)
