"""The Today and Customers screens: the same numbers as the metrics engine on the demo, hand
computed figures on a tiny business, 12 calendar-month series with the partial month marked,
`custdesk screen today|customers --json`, and the Today tab drawing the very screen built."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import date

import pytest
from conftest import set_aside_demo_actions
from ui_helpers import make_tab

from custdesk.cli import main
from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period, trailing_months
from custdesk.domain.records import Customer, Deal, OrderLine, Survey
from custdesk.services import metrics_service as ms
from custdesk.services.screens import customers as customers_screen
from custdesk.services.screens import today as today_screen
from custdesk.services.triage_service import TriagedAtRisk
from custdesk.storage import open_store, repository

YEAR = Period(date(2025, 11, 25), date(2026, 11, 24))  # ends mid-month (the demo's last day)
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))  # ends on a month end
Q3 = Period(date(2024, 7, 1), date(2024, 9, 30))  # the tiny business's period


def same(a, b) -> bool:
    """Two MetricValues (or None) hold the same figure."""
    return (a is None) == (b is None) and (a is None or (a.value, a.n) == (b.value, b.n))


# ----- the demo: cards and tables are the engine's figures ---------------------------------
@pytest.mark.parametrize("period", [YEAR, OCTOBER])
def test_today_cards_are_compute_metrics(demo_store, period) -> None:
    set_aside_demo_actions(demo_store)  # counts start from no action
    screen = today_screen.build(demo_store, period, "x", with_series=False)
    current = ms.compute_metrics(demo_store, period).metrics
    prior = ms.compute_metrics(demo_store, period.prior()).metrics
    assert [m for m, _e in today_screen.CARDS] == [m for m in screen.cards
                                                   if m not in ("customers_new_value",
                                                                "customers_lost_value")]
    for metric, card in screen.cards.items():
        assert same(card.current, current[metric]), metric
        assert same(card.prior, prior[metric]), metric
    assert screen.cards["customers_new"].extra_value == current["customers_new_value"]
    # the same rows, each with its triage state (issue 13: none snoozed or handled here)
    assert screen.lists["at_risk"] == [
        TriagedAtRisk(**dataclasses.asdict(r)) for r in ms.at_risk(demo_store, period)]
    assert screen.lists["hot"] == ms.hot_prospects(demo_store, period)
    totals = {r["list"]: r for r in screen.tables["list_totals"]}
    assert totals["at_risk"]["total"] == pytest.approx(
        sum(r.value_at_risk for r in screen.lists["at_risk"]))
    assert all(totals[k]["count"] == len(v) for k, v in screen.lists.items())
    assert not screen.series and not screen.empty


def test_customers_cards_and_tables_are_the_engines(demo_store) -> None:
    screen = customers_screen.build(demo_store, YEAR, "x", with_series=False)
    report = ms.compute_metrics(demo_store, YEAR, by=("segment",))
    for metric, card in screen.cards.items():
        assert same(card.current, report.metrics[metric]), metric
    bridge = ms.customers_bridge(demo_store, YEAR)
    steps = {r["step"]: r["customers"] for r in screen.tables["bridge"]}
    assert steps == {"Start": bridge.start, "New": bridge.new, "Won back": bridge.won_back,
                     "Lost": bridge.lost, "End": bridge.end}
    assert steps["End"] == screen.cards["customers_active"].value
    assert {r["reason"]: r["customers"] for r in screen.tables["lost_by_reason"]} == \
        bridge.lost_by_reason
    total = demo_store.conn.execute("SELECT count(*) FROM customers").fetchone()[0]
    assert len(screen.tables["customers"]) == total
    segments = {r["segment"]: r for r in screen.tables["segments"]}
    for segment, values in report.breakdowns["segment"].items():
        assert segments[segment]["churn_rate_pct"] == values["churn_rate_pct"].value


# ----- a tiny business, computed by hand ----------------------------------------------------
def _order(cid: int, day: str, revenue: str, cost: str | None, ref: str) -> OrderLine:
    return OrderLine(date=day, customer_id=cid, revenue_e4=to_e4(revenue), order_ref=ref,
                     cost_e4=None if cost is None else to_e4(cost))


@pytest.fixture
def tiny(store):
    """Ann (3 orders, a detractor), Bob and Dan new in Q3 2024, Cat lost for Price on 1 Aug,
    Eve with one order in January (at risk); a hot deal and a lost deal."""
    repository.save_all(
        store,
        customers=[
            Customer("Ann", id=1, acquired_on="2024-01-10", segment="Retail", source="web"),
            Customer("Bob", id=2, acquired_on="2024-07-05", segment="Trade"),
            Customer("Cat", id=3, acquired_on="2023-02-01", status="lost",
                     lost_on="2024-08-01", lost_reason="Price", segment="Retail"),
            Customer("Dan", id=4, acquired_on="2024-09-20", segment="Trade"),
            Customer("Eve", id=5, acquired_on="2023-06-01", segment="Retail"),
        ],
        orders=[
            _order(1, "2024-01-10", "100", "60", "A1"), _order(1, "2024-05-15", "200", "100", "A2"),
            _order(1, "2024-08-20", "300", "150", "A3"),
            _order(2, "2024-07-05", "50", "20", "B1"), _order(2, "2024-09-10", "70", "30", "B2"),
            _order(3, "2023-02-01", "400", "200", "C1"), _order(3, "2024-04-01", "80", "40", "C2"),
            _order(4, "2024-09-20", "30", None, "D1"),
            _order(5, "2024-01-02", "100", None, "E1"),
        ],
        deals=[
            Deal("Proposal", id=1, customer_id=4, title="Dan's fit-out", amount_e4=to_e4("1000"),
                 created_on="2024-09-01", expected_close="2024-10-15",
                 last_activity_on="2024-09-25"),
            Deal("Lost", id=2, customer_id=2, title="Bob's second site", amount_e4=to_e4("400"),
                 created_on="2024-07-01", closed_on="2024-08-10", lost_reason="Price"),
        ],
        surveys=[Survey("2024-09-01", customer_id=1, nps=3, comment="slow")],
    )
    return store


def test_today_on_the_tiny_business(tiny) -> None:
    screen = today_screen.build(tiny, Q3, "Q3")
    card = {m: c.value for m, c in screen.cards.items()}
    # Q3: Ann 300 + Bob 50 + 70 + Dan 30; the prior 92 days (31 Mar–30 Jun): Ann 200 + Cat 80
    assert card["revenue"] == pytest.approx(450)
    assert screen.cards["revenue"].prior.value == pytest.approx(280)
    # lines with a cost: profit 150 + 30 + 40 = 220 on revenue 420
    assert card["gross_margin_pct"] == pytest.approx(220 / 420 * 100)
    assert card["customers_new"] == 2 and card["customers_new_value"] == pytest.approx(150)
    # Cat (lost 1 Aug): her revenue in the 365 days up to her last order (1 Apr 2024)
    assert card["customers_lost"] == 1 and card["customers_lost_value"] == pytest.approx(80)
    assert card["retention_rate_pct"] == pytest.approx(200 / 3)  # Ann and Eve of 3 at start
    assert card["nps"] == pytest.approx(-100)  # one answer, a 3
    assert card["win_rate_pct"] == 0  # one deal closed, lost
    assert card["pipeline_weighted_value"] == pytest.approx(500)  # 1000 at Proposal's 50 %
    at_risk = screen.lists["at_risk"]
    # Ann: a detractor (value: her last 365 days, 600); Eve: 272 days since her only order
    assert [(r.customer, r.value_at_risk) for r in at_risk] == [("Ann", 600), ("Eve", 100)]
    assert any("NPS" in reason for reason in at_risk[0].reasons)
    assert [d.title for d in screen.lists["hot"]] == ["Dan's fit-out"]
    assert [(d.title, d.lost_reason) for d in screen.lists["lost"]] == [
        ("Bob's second site", "Price")]
    assert [(d.customer, d.nps, d.comment) for d in screen.lists["detractors"]] == [
        ("Ann", 3, "slow")]
    assert screen.tables["list_totals"] == [
        {"list": "at_risk", "count": 2, "total": 700.0},
        {"list": "hot", "count": 1, "total": 500.0},
        {"list": "lost", "count": 1, "total": 400.0},
        {"list": "detractors", "count": 1, "total": None},
        {"list": "at_risk_snoozed", "count": 0, "total": 0},  # triage (issue 13)
        {"list": "needs_me", "count": 0, "total": 0},
        {"list": "actions_due", "count": 0, "total": None}]  # always there
    revenue = screen.series["revenue"]  # Oct 2023 .. Sep 2024, September complete
    assert [p.month for p in revenue] == [s.key for s in trailing_months(Q3.end, 12)]
    assert not any(p.partial for p in revenue)
    by_month = {p.month: p.value for p in revenue}
    assert (by_month["2024-01"], by_month["2024-08"], by_month["2024-09"]) == (200, 300, 100)


def test_customers_on_the_tiny_business(tiny) -> None:
    screen = customers_screen.build(tiny, Q3, "Q3")
    assert screen.tables["bridge"] == [
        {"step": "Start", "customers": 3, "kind": "total", "value": None},  # Ann, Cat, Eve
        {"step": "New", "customers": 2, "kind": "up", "value": 150.0},  # Bob, Dan
        {"step": "Won back", "customers": 0, "kind": "up", "value": None},
        {"step": "Lost", "customers": 1, "kind": "down", "value": 80.0},  # Cat
        {"step": "End", "customers": 4, "kind": "total", "value": None}]
    assert screen.tables["lost_by_reason"] == [{"reason": "Price", "customers": 1}]
    assert screen.cards["churn_rate_pct"].value == pytest.approx(20)  # 1 of 3 + 2
    # bought in the prior period: Ann and Cat; in both periods: Ann
    assert screen.cards["renewal_rate_pct"].value == pytest.approx(50)
    assert screen.cards["renewal_rate_pct"].current.n == 2
    rows = {r.name: r for r in screen.tables["customers"]}
    assert set(rows) == {"Ann", "Bob", "Cat", "Dan", "Eve"}
    assert (rows["Ann"].orders, rows["Ann"].revenue, rows["Ann"].gross_profit) == (3, 600, 290)
    assert rows["Cat"].status == "lost" and rows["Eve"].at_risk and not rows["Bob"].at_risk
    segments = {r["segment"]: r for r in screen.tables["segments"]}
    assert segments["Retail"]["churn_rate_pct"] == pytest.approx(100 / 3)  # Cat of 3
    assert segments["Retail"]["customers_active"] == 2  # Ann, Eve
    assert segments["Trade"]["churn_rate_pct"] == 0 and segments["Trade"]["customers_active"] == 2
    assert segments["Trade"]["renewal_rate_pct"] is None  # nobody in Trade bought before
    renewal = screen.series["renewal_rate_monthly_pct"]
    assert len(renewal) == 12 and renewal[-1].month == "2024-09" and not renewal[-1].partial


# ----- series: 12 calendar months, the partial one marked -----------------------------------
def test_series_on_a_mid_month_end_mark_the_last_month_partial(demo_store) -> None:
    series = today_screen.build_series(demo_store, YEAR)
    assert set(series) == set(today_screen.TRENDS)
    slots = trailing_months(YEAR.end, 12)
    for metric, points in series.items():
        assert [p.month for p in points] == [s.key for s in slots], metric
        assert [p.partial for p in points] == [False] * 11 + [True]
        assert points[-1].days == 24 and points[0].days == 31
    for slot, point in zip(slots, series["renewal_rate_monthly_pct"], strict=True):
        month = ms.compute_metrics(demo_store, Period(slot.start, slot.end)).metrics
        assert point.value == pytest.approx(month["renewal_rate_pct"].value), slot.key
    for slot, point in zip(slots, series["revenue"], strict=True):
        month = ms.compute_metrics(demo_store, Period(slot.start, slot.end)).metrics
        assert point.value == pytest.approx(month["revenue"].value), slot.key


def test_series_on_a_month_end_are_all_whole_months(demo_store) -> None:
    renewal = customers_screen.build_series(demo_store, OCTOBER)["renewal_rate_monthly_pct"]
    assert len(renewal) == 12 and renewal[-1].month == "2026-10" and renewal[0].month == "2025-11"
    assert not any(p.partial for p in renewal) and renewal[-1].days == 31


# ----- the command line ---------------------------------------------------------------------
@pytest.fixture
def demo_file(demo_db_template, tmp_path) -> str:
    path = tmp_path / "demo-copy.db"
    shutil.copyfile(demo_db_template, path)
    return str(path)


@pytest.fixture
def empty_file(tmp_path) -> str:
    path = tmp_path / "empty.db"
    open_store(path).close(backup_if_changed=False)
    return str(path)


@pytest.mark.parametrize("name", ["today", "customers"])
def test_screen_json_on_the_demo(name, demo_file, capsys) -> None:
    assert main(["screen", name, "--db", demo_file, "--from", "2025-11-25", "--to",
                 "2026-11-24", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["screen"] == name and data["empty"] is False
    assert (data["period"]["from"], data["period"]["to"]) == ("2025-11-25", "2026-11-24")
    if name == "today":
        assert set(data["lists"]) == {"at_risk", "hot", "lost", "detractors", "actions_due",
                                      "at_risk_snoozed", "needs_me"}
        assert data["cards"]["revenue"]["value"] > 0
        assert data["cards"]["customers_new"]["extra"]["metric"] == "customers_new_value"
    else:
        assert set(data["tables"]) == {"customers", "bridge", "lost_by_reason", "segments",
                                       "cohorts"}
        assert set(data["lists"]) == {"lost", "new", "renewed", "not_renewed", "promoters",
                                      "referrers"}
        # the demo shows something in every list and cohort row
        assert all(data["lists"].values())
        assert data["cards"]["customers_lost"]["value"] == len(data["lists"]["lost"])
        assert data["cards"]["customers_new"]["value"] == len(data["lists"]["new"])
        assert isinstance(data["tables"]["customers"][0]["revenue"], float)
    for points in data["series"].values():
        assert len(points) == 12 and points[-1] == {"month": "2026-11", "value":
                                                    points[-1]["value"], "partial": True,
                                                    "days": 24}


@pytest.mark.parametrize("name", ["today", "customers"])
def test_screen_json_on_an_empty_file(name, empty_file, capsys) -> None:
    assert main(["screen", name, "--db", empty_file, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["empty"] is True and data["cards"] == {} and data["series"] == {}
    assert main(["screen", name, "--db", empty_file]) == 0  # the text summary too
    assert "Nothing to show yet" in capsys.readouterr().out


# ----- the Today tab draws the screen it was given ------------------------------------------
@pytest.mark.usefixtures("quiet_ui")
def test_today_tab_draws_exactly_the_screen(qtbot, demo_store, monkeypatch) -> None:
    from custdesk.domain.metric_catalogue import METRICS
    from custdesk.ui import formatting as fmt
    from custdesk.ui.tabs import today_tab

    built = []
    real_build = today_screen.build
    monkeypatch.setattr(today_screen, "build",
                        lambda *a, **k: built.append(real_build(*a, **k)) or built[-1])
    tab = make_tab(qtbot, today_tab.TodayTab, demo_store, YEAR)
    assert len(built) == 1 and tab.data.cards is built[0].cards  # one build, drawn as is
    screen = tab.data
    for metric, widget in tab.cards.items():
        card = screen.cards[metric]
        assert widget.value.text() == fmt.by_unit(card.value, METRICS[metric].unit, short=True)
    assert tab.cards["customers_new"].detail.text().startswith(
        "worth " + fmt.money_short(screen.cards["customers_new_value"].value))
    totals = {r["list"]: r for r in screen.tables["list_totals"]}
    for key, panel in tab.lists.items():
        assert panel.model.rowCount() == len(screen.lists[key]) == totals[key]["count"]
        assert panel.model.rows() == screen.lists[key]
    assert tab.lists["at_risk"].summary.text() == (
        f"{totals['at_risk']['count']:,} · {fmt.money_short(totals['at_risk']['total'])} at risk")


# ----- charts: a partial month is drawn apart, never as a whole month's drop ----------------
@pytest.mark.usefixtures("quiet_ui")
def test_a_partial_month_is_shaded_never_drawn_as_a_drop(qtbot) -> None:
    import pyqtgraph as pg

    from custdesk.services.screens.model import SeriesPoint
    from custdesk.ui.charts import Sparkline, TrendChart

    points = [SeriesPoint("2026-10", 100.0, False, 31), SeriesPoint("2026-11", 90.0, False, 30),
              SeriesPoint("2026-12", 5.0, True, 1)]
    chart = TrendChart("money")
    qtbot.addWidget(chart)
    chart.set_series({"Revenue": points})
    (line,) = chart.getPlotItem().listDataItems()  # one line, whole months only
    assert list(line.getData()[0]) == [0, 1] and list(line.getData()[1]) == [100.0, 90.0]
    bands = [i for i in chart.getPlotItem().items if isinstance(i, pg.LinearRegionItem)]
    assert [tuple(round(x, 2) for x in b.getRegion()) for b in bands] == [(1.55, 2.45)]
    assert chart.category_axis.labels[-1] == "Dec 26*"
    assert chart.hover_text(2).startswith("<b>Dec 26 (1 day so far)</b>")
    assert "$5.00" in chart.hover_text(2)
    spark = Sparkline("Revenue", "money")
    qtbot.addWidget(spark)
    spark.set_points(points)
    # the headline is November (the latest whole month), never December's one day
    assert spark.latest.text().startswith("$90") and "Nov" in spark.latest.text()
    assert "Dec 26 (1 day so far): $5.00" in spark.toolTip()
    assert all(5.0 not in list(item.getData()[1]) for item in spark.plot.listDataItems())
