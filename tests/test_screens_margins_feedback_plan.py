"""The margins, feedback and plan screens (services/screens): cards equal the metrics engine
on the demo; tiny hand-built businesses whose every figure was worked out by hand; the sales
plan's revised rule (issue 11 item 2); `custdesk screen NAME --json`; the Margins tab draws
exactly its screens."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import (
    Customer,
    Deal,
    OrderLine,
    Product,
    Survey,
    SurveyKind,
    Target,
    Ticket,
)
from custdesk.domain.sales_plan import month_status, plan_windows
from custdesk.services import metrics_service as ms
from custdesk.services.screens import feedback, margins, plan
from custdesk.storage import repository

YEAR = Period(date(2025, 12, 1), date(2026, 11, 24))  # the demo's last 12 months
NOVEMBER = Period(date(2025, 11, 1), date(2025, 11, 30))
DEC_1 = Period(date(2025, 11, 2), date(2025, 12, 1))  # a period ending on 1 December
R = (2 / 3) ** (1 / 12)  # retention 2 of 3 over the trailing year, as a monthly factor


def _c(cid: int, **kw) -> Customer:
    return Customer(name=f"C{cid}", id=cid, created_on="2020-01-01", **kw)


def _o(cid: int, d: str, rev: str, cost: str | None = None, ref: str | None = None,
       product: int | None = None) -> OrderLine:
    return OrderLine(date=d, customer_id=cid, revenue_e4=to_e4(rev), product_id=product,
                     cost_e4=None if cost is None else to_e4(cost), order_ref=ref)


# ----- the demo: cards are the metrics engine's ----------------------------------------------
@pytest.mark.parametrize("builder", [margins, feedback])
def test_cards_on_the_demo_equal_compute_metrics(demo_store, builder) -> None:
    screen = builder.build(demo_store, YEAR, "Last 12 months", with_series=False)
    assert not screen.empty and not screen.series
    now = ms.compute_metrics(demo_store, YEAR).metrics
    before = ms.compute_metrics(demo_store, YEAR.prior()).metrics
    assert list(screen.cards) == list(builder.CARDS)
    for metric, card in screen.cards.items():
        assert card.current == now[metric], metric
        assert card.prior == before[metric], metric


# ----- margins, by hand ----------------------------------------------------------------------
@pytest.fixture
def shop(store):
    """Two products with target margins; November sales, some without a cost; October sales
    for the prior period's groups."""
    repository.save_all(
        store,
        customers=[_c(1, segment="Retail", acquired_on="2025-10-20"),
                   _c(2, segment="Trade", acquired_on="2025-01-01"),
                   _c(3, segment="Retail", acquired_on="2025-01-01")],
        products=[Product("Desk", id=1, category="Furniture", target_margin_pct=40.0),
                  Product("Lamp", id=2, category="Lighting", target_margin_pct=50.0)],
        orders=[_o(1, "2025-11-05", "1000", "700", "O1", 1), _o(1, "2025-11-05", "200", "80",
                                                                 "O1", 2),
                _o(2, "2025-11-12", "500", "250", "O2", 1), _o(2, "2025-11-18", "100", None,
                                                                "O3", 2),
                _o(2, "2025-10-10", "100", "90", "P1", 1), _o(3, "2025-10-11", "50", "60",
                                                               "P2", 2)])
    return store


def test_margins_by_hand(shop) -> None:
    s = margins.build(shop, NOVEMBER, "November")
    assert s.cards["revenue"].value == pytest.approx(1800)
    assert s.cards["gross_profit"].value == pytest.approx(670)  # 300 + 120 + 250
    assert s.cards["gross_margin_pct"].value == pytest.approx(670 / 1700 * 100)  # costed only
    assert s.cards["avg_order_value"].value == pytest.approx(600)  # 3 orders
    products = {r["name"]: r for r in s.tables["by_product"]}
    desk, lamp = products["Desk"], products["Lamp"]
    assert (desk["revenue"], desk["gross_profit"]) == (pytest.approx(1500), pytest.approx(550))
    assert desk["margin_pct"] == pytest.approx(550 / 1500 * 100)
    assert desk["below_target"] and desk["margin_gap_pts"] == pytest.approx(550 / 15 - 40)
    assert lamp["margin_pct"] == pytest.approx(60) and not lamp["below_target"]  # 120 ÷ 200
    assert {r["name"]: r["revenue"] for r in s.tables["by_category"]} == {
        "Furniture": pytest.approx(1500), "Lighting": pytest.approx(300)}
    segments = {r["name"]: r for r in s.tables["by_segment"]}
    assert segments["Retail"]["margin_pct"] == pytest.approx(35)  # 420 ÷ 1200
    assert segments["Trade"]["margin_pct"] == pytest.approx(50)  # 250 ÷ 500 costed
    groups = {r["group"]: r for r in s.tables["groups"]}
    # C1 makes 420 of 670: A (nothing ranked before it); C2 has 62.7 % before it: C
    assert [groups[g]["customers"] for g in "ABCD"] == [1, 0, 1, 0]
    assert groups["A"]["profit_share_pct"] == pytest.approx(420 / 670 * 100)
    moves = {r["from"]: r for r in s.tables["movement"]}
    # October: C2 (profit 10) was A, C3 (−10) D; C3 bought nothing in November
    assert (moves["A"]["C"], moves["D"]["lost"], moves["new"]["A"]) == (1, 1, 1)
    assert moves["Total"]["total"] == 3
    assert s.tables["by_product"][0]["name"] == "Desk"  # biggest revenue first


def test_margins_series_marks_the_cut_month_partial(shop) -> None:
    to_20th = Period(date(2025, 11, 1), date(2025, 11, 20))
    series = margins.build_series(shop, to_20th)
    revenue = series["revenue"]
    assert len(revenue) == 12 and [p.month for p in revenue][-2:] == ["2025-10", "2025-11"]
    assert (revenue[-1].partial, revenue[-1].days, revenue[-1].value) == (True, 20, 1800)
    assert not revenue[-2].partial and revenue[-2].value == pytest.approx(150)
    assert series["gross_margin_pct"][-2].value == pytest.approx(0)  # 10 − 10 over 150
    assert all(not p.partial for p in revenue[:-1])
    assert revenue[0].value == 0  # no sales: revenue 0, but the margin is unknown
    assert series["gross_margin_pct"][0].value is None


def test_margins_empty_without_order_lines(store) -> None:
    repository.save_all(store, surveys=[Survey("2025-11-01", nps=9)])
    assert margins.build(store, NOVEMBER).empty


# ----- feedback, by hand ---------------------------------------------------------------------
@pytest.fixture
def voices(store):
    repository.save_all(
        store,
        customers=[_c(1, segment="Retail"), _c(2, segment="Trade"), _c(3, segment="Retail"),
                   _c(4, segment="Trade")],
        surveys=[Survey("2025-09-01", customer_id=1, nps=2, comment="rude"),
                 Survey("2025-11-03", customer_id=1, nps=9, csat=5),
                 Survey("2025-11-10", customer_id=2, nps=3, csat=2, comment="late"),
                 Survey("2025-11-12", customer_id=3, nps=10),
                 Survey("2025-11-15", customer_id=4, nps=7),
                 Survey("2025-11-04", kind=SurveyKind.EMPLOYEE, nps=9),
                 Survey("2025-11-05", kind=SurveyKind.EMPLOYEE, nps=5)],
        tickets=[Ticket(1, opened_at="2025-11-02T09:00:00", first_response_at="2025-11-02T11:00:00",
                        resolved_at="2025-11-03T09:00:00", topic="Delivery", channel="Email",
                        is_complaint=True, csat=4),
                 Ticket(2, opened_at="2025-11-05T10:00:00", first_response_at="2025-11-05T14:00:00",
                        resolved_at="2025-11-05T16:00:00", topic="Delivery", channel="Phone"),
                 Ticket(2, opened_at="2025-11-08T10:00:00", first_response_at="2025-11-08T10:30:00",
                        topic="Delivery", channel="Email", is_complaint=True),
                 Ticket(3, opened_at="2025-11-20T08:00:00", first_response_at="2025-11-20T09:00:00",
                        resolved_at="2025-11-20T10:00:00", topic="Billing", channel="Phone")])
    return store


def test_feedback_by_hand(voices) -> None:
    s = feedback.build(voices, NOVEMBER, "November", with_series=False)
    value = {m: c.value for m, c in s.cards.items()}
    assert value["nps"] == pytest.approx(25)  # (2 promoters − 1 detractor) ÷ 4
    assert s.cards["nps"].current.n == 4
    assert value["enps"] == pytest.approx(0)
    assert value["csat_pct"] == pytest.approx(200 / 3)  # 5 and 4 of 5, 4, 2
    assert value["first_response_hours_median"] == pytest.approx(1.5)  # 2, 4, 0.5, 1
    assert value["resolution_hours_median"] == pytest.approx(6)  # 24, 6, 2
    assert value["complaints_count"] == 2
    assert value["repeat_contact_rate_pct"] == pytest.approx(25)  # C2's 2nd Delivery ticket
    assert s.cards["nps"].prior.value is None  # 2–31 Oct: no answers ("—", never 0)
    # latest answer counts: C1's old 2 was followed by a 9
    assert [(d["customer_id"], d["nps"], d["comment"]) for d in s.lists["detractors"]] == [
        (2, 3, "late")]
    topics = {r["name"]: r for r in s.tables["tickets_by_topic"]}
    assert (topics["Delivery"]["tickets"], topics["Delivery"]["complaints"]) == (3, 2)
    assert topics["Delivery"]["first_response_hours"] == pytest.approx(2)
    assert topics["Delivery"]["resolution_hours"] == pytest.approx(15)
    assert topics["Delivery"]["repeat_contact_pct"] == pytest.approx(100 / 3)
    assert topics["Billing"]["csat_pct"] is None
    channels = {r["name"]: r for r in s.tables["tickets_by_channel"]}
    assert channels["Email"]["first_response_hours"] == pytest.approx(1.25)
    assert channels["Phone"]["resolution_hours"] == pytest.approx(4)
    assert all(r["repeat_contact_pct"] is None for r in channels.values())
    segments = {r["segment"]: r for r in s.tables["segments"]}
    assert segments["Retail"]["nps"] == pytest.approx(100) and segments["Retail"]["nps_n"] == 2
    assert segments["Trade"]["nps"] == pytest.approx(-50)


def test_feedback_series_and_empty(voices, tmp_path) -> None:
    points = feedback.build_series(voices, Period(date(2025, 11, 1), date(2025, 11, 20)))["nps"]
    assert [p.month for p in points][-3:] == ["2025-09", "2025-10", "2025-11"]
    assert [p.value for p in points][-3:] == [pytest.approx(-100), None, pytest.approx(25)]
    assert points[-1].partial and points[-1].days == 20 and not points[-2].partial
    from custdesk.storage import open_store

    other = open_store(tmp_path / "orders-only.db")
    try:
        repository.save_all(other, customers=[_c(1)], orders=[_o(1, "2025-11-01", "10")])
        assert feedback.build(other, NOVEMBER).empty
    finally:
        other.close(backup_if_changed=False)


# ----- the sales plan, by hand (issue 11 item 2) ---------------------------------------------
def test_plan_windows_never_use_a_month_that_has_not_ended() -> None:
    day = date(2025, 12, 1)
    assert month_status("2025-11", day) == "past" and month_status("2026-03", day) == "future"
    for month in ("2025-12", "2026-01", "2026-03"):  # current and future: Sep–Nov
        w = plan_windows(month, day)
        assert (w.baseline.start, w.baseline.end) == (date(2025, 9, 1), date(2025, 11, 30))
        assert (w.trailing.start, w.trailing.end) == (date(2024, 12, 1), date(2025, 11, 30))
    past = plan_windows("2025-11", day)
    assert (past.baseline.start, past.baseline.end) == (date(2025, 8, 1), date(2025, 10, 31))


@pytest.fixture
def planned(store):
    """On 1 Dec 2025: C1 and C2 buy every month (C1 also on 1 Dec); C3 lapsed in May 2025;
    C4, C5 and C6 are new in the trailing year (first 90 days: 600, 100, 250)."""
    orders = [_o(1, "2025-12-01", "90")]
    for y, m in [(2024, m) for m in range(1, 13)] + [(2025, m) for m in range(1, 12)]:
        orders += [_o(1, f"{y}-{m:02d}-15", "300"), _o(2, f"{y}-{m:02d}-15", "600")]
    orders += [_o(2, "2025-08-20", "300"), _o(3, "2023-01-01", "100"),
               _o(3, "2024-05-01", "100"), _o(4, "2025-03-10", "400"),
               _o(4, "2025-05-01", "200"), _o(4, "2025-10-05", "50"),
               _o(5, "2025-09-20", "100"), _o(6, "2025-11-10", "250")]
    repository.save_all(
        store,
        customers=[_c(1, acquired_on="2024-01-01"), _c(2, acquired_on="2024-01-01"),
                   _c(3, acquired_on="2023-01-01"), _c(4, acquired_on="2025-03-10"),
                   _c(5, acquired_on="2025-09-20"), _c(6, acquired_on="2025-11-10")],
        orders=orders,
        deals=[Deal("Won", id=1, customer_id=4, created_on="2025-02-01",
                    closed_on="2025-03-10"),
               Deal("Lead", id=2, created_on="2025-04-01"),
               Deal("Lead", id=3, created_on="2025-06-01"),
               Deal("Lost", id=4, created_on="2025-07-01", closed_on="2025-08-01")],
        targets=[Target("2025-11", to_e4("1200"), 1), Target("2025-12", to_e4("2000"), 3),
                 Target("2026-01", to_e4("2500")), Target("2026-03", to_e4("1500"), 2)])
    return store


def test_plan_on_1_december_by_hand(planned) -> None:
    s = plan.build(planned, DEC_1, "to 1 Dec", today=date(2026, 6, 1))
    rows = {r["month"]: r for r in s.tables["plan"]}
    assert list(rows) == ["2025-11", "2025-12", "2026-01", "2026-03"]  # Feb: no target
    # Sep–Nov 2025 from customers acquired before the month: 900 + 1800 + 50 + 100 + 250
    existing = 3100 / 3
    first_90 = (600 + 100 + 250) / 3
    for month, target, new, leads in (("2025-12", 2000, 4, 16), ("2026-01", 2500, 5, 20),
                                      ("2026-03", 1500, 2, 8)):
        r = rows[month]
        assert (r["baseline_from"], r["baseline_to"]) == ("2025-09", "2025-11")
        assert r["existing_monthly_revenue"] == pytest.approx(existing)
        assert r["retention_12m_pct"] == pytest.approx(200 / 3)  # C3 lapsed: 2 of 3
        assert r["baseline"] == pytest.approx(existing * R)
        assert r["gap"] == pytest.approx(target - existing * R)
        assert r["first_90_day_revenue"] == pytest.approx(first_90)
        assert r["lead_conversion_pct"] == pytest.approx(25)  # 1 won of 4 created
        assert (r["new_customers_needed"], r["leads_needed"]) == (new, leads), month  # ⌈ ⌉
    # Regression: March is not dragged down by December's one day (old rule: 90 ÷ 3 = 30)
    assert rows["2026-03"]["baseline"] > 900
    assert (rows["2026-03"]["actual_revenue"], rows["2026-03"]["actual_new_customers"]) == (
        None, None)
    assert rows["2026-03"]["new_customers_target"] == 2  # the owner's own, beside the need
    december = rows["2025-12"]
    assert (december["status"], december["actual_revenue"], december["actual_days"]) == (
        "current", 90, 1)
    # November is past: Aug–Oct baseline (C2's extra 300), its own trailing year, actuals
    nov = rows["2025-11"]
    assert nov["status"] == "past" and (nov["baseline_from"], nov["baseline_to"]) == (
        "2025-08", "2025-10")
    assert nov["existing_monthly_revenue"] == pytest.approx(3150 / 3)
    assert nov["first_90_day_revenue"] == pytest.approx(350)  # C4 and C5 only
    assert (nov["new_customers_needed"], nov["leads_needed"]) == (1, 4)  # ⌈184.9 ÷ 350⌉
    assert (nov["actual_revenue"], nov["actual_new_customers"]) == (1150, 1)  # 300+600+250
    assert nov["new_customers_target"] == 1
    assert nov["revenue_vs_target"] == pytest.approx(-50)
    new_in_nov = ms.compute_metrics(planned, NOVEMBER).metrics["customers_new"].value
    assert nov["actual_new_customers"] == new_in_nov


def test_plan_stands_on_today_when_the_period_ends_later(planned) -> None:
    later = Period(date(2025, 12, 1), date(2026, 3, 31))
    rows = {r["month"]: r for r in
            plan.build(planned, later, today=date(2025, 12, 1)).tables["plan"]}
    # January and March have not happened on 1 Dec: never zero revenue, Sep–Nov instead
    assert rows["2026-03"]["baseline_from"] == "2025-09"
    assert rows["2026-03"]["status"] == "future" and rows["2026-03"]["actual_revenue"] is None


def test_plan_empty_without_targets(shop) -> None:
    assert plan.build(shop, NOVEMBER).empty


# ----- custdesk screen NAME --json -----------------------------------------------------------
@pytest.mark.parametrize("name", ["margins", "feedback", "plan"])
def test_cli_screen_json_on_the_demo_and_an_empty_file(name, demo_db_template, tmp_path,
                                                        capsys) -> None:
    from custdesk.cli import main
    from custdesk.storage import open_store

    demo = tmp_path / "demo.db"
    shutil.copyfile(demo_db_template, demo)
    assert main(["screen", name, "--db", str(demo), "--period", "last-12-months",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["screen"] == name and not data["empty"]
    start, end = (date.fromisoformat(data["period"][k]) for k in ("from", "to"))
    assert (end - start).days + 1 in (365, 366)
    for points in data["series"].values():
        assert all({"month", "value", "partial"} <= set(p) for p in points)
        assert not any(p["partial"] for p in points[:-1])
    if name == "plan":
        rows = data["tables"]["plan"]
        assert rows
        current = end.strftime("%Y-%m")
        for r in rows:
            assert {"month", "revenue_target", "baseline", "gap", "new_customers_needed",
                    "leads_needed", "new_customers_target", "actual_revenue",
                    "actual_new_customers"} <= set(r)
            if r["month"] > current:  # future months: complete months only, no actuals
                assert r["baseline_to"] < current and r["actual_revenue"] is None
    else:
        assert data["cards"] and data["series"]

    empty = tmp_path / "empty.db"
    open_store(empty).close(backup_if_changed=False)
    assert main(["screen", name, "--db", str(empty), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["empty"] is True


# ----- the Margins tab draws exactly its screens ---------------------------------------------
@pytest.mark.usefixtures("quiet_ui")
def test_margins_tab_draws_its_screens(qtbot, demo_store) -> None:
    from ui_helpers import make_tab

    from custdesk.domain.metric_catalogue import METRICS
    from custdesk.ui import formatting as fmt
    from custdesk.ui.tabs.margins_tab import MarginsTab

    tab = make_tab(qtbot, MarginsTab, demo_store, YEAR)
    screen = margins.build(demo_store, YEAR, tab.period_label)
    ahead = plan.build(demo_store, YEAR, tab.period_label)
    for metric, card in screen.cards.items():
        shown = fmt.by_unit(card.value, METRICS[metric].unit, short=True)
        assert tab.cards[metric].value.text() == shown, metric
    for panel, key in ((tab.products, "by_product"), (tab.categories, "by_category"),
                       (tab.segments, "by_segment"), (tab.groups, "groups"),
                       (tab.movement, "movement")):
        assert panel.model.all_rows() == screen.tables[key], key
    assert tab.plan.model.all_rows() == ahead.tables["plan"]
    assert tab.data.series == screen.series
    # November ends on the 24th: the chart gets it as a partial point (drawn hollow)
    assert tab.revenue_chart.points["Revenue"] == screen.series["revenue"]
    assert tab.revenue_chart.points["Revenue"][-1].partial
    # the margin chart is drawn in a later event-loop turn (its first paint apart)
    assert "Gross margin" not in tab.margin_chart.points
    from custdesk.ui import idle_queue

    idle_queue.run_pending(tab)
    assert tab.margin_chart.points["Gross margin"] == screen.series["gross_margin_pct"]
    assert "24 days" in tab.trend_note.text()
