"""Growth economics (issue 17): acquisition by source with spend per channel, LTV per
customer and by segment, spend by month — a tiny business worked out by hand; the demo
(per-customer LTV means equal the catalogue); `custdesk screen growth --json` on the demo
and an empty file; the Margins tab's growth sub-tabs."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import Customer, OrderLine, Spend
from custdesk.services import growth_service as gs
from custdesk.services import metrics_service as ms
from custdesk.services.screens import growth
from custdesk.storage import repository

YEAR = Period(date(2025, 1, 1), date(2025, 12, 31))


def _o(cid: int, d: str, rev: str, cost: str | None = None) -> OrderLine:
    return OrderLine(date=d, customer_id=cid, revenue_e4=to_e4(rev),
                     cost_e4=None if cost is None else to_e4(cost))


@pytest.fixture
def shop(store):
    """C1, C2 new from the web ("Web", "web "); C3 a referral since 2024; C4 new from ads
    without orders; C5 from the web, last order March 2024 (lapses 1 March 2025). Spend:
    WEB 300 (Jan), ads 100 (Feb), Events 50 (Mar: no source of that name)."""
    repository.save_all(
        store,
        customers=[Customer("C1", id=1, source="Web", segment="Retail",
                            acquired_on="2025-02-01"),
                   Customer("C2", id=2, source="web ", segment="Trade",
                            acquired_on="2025-06-01"),
                   Customer("C3", id=3, source="Referral", segment="Retail",
                            acquired_on="2024-01-01"),
                   Customer("C4", id=4, source="Ads", segment="Trade",
                            acquired_on="2025-12-01"),
                   Customer("C5", id=5, source="WEB", segment="Retail",
                            acquired_on="2024-03-01")],
        orders=[_o(1, "2025-02-01", "100", "60"), _o(1, "2025-03-01", "50"),
                _o(2, "2025-06-01", "200", "150"),
                _o(3, "2024-01-01", "80", "40"), _o(3, "2025-05-01", "100", "50"),
                _o(5, "2024-03-01", "100", "0")],
        spend=[Spend("2025-01", to_e4("300"), channel="WEB"),
               Spend("2025-02", to_e4("100"), channel="ads"),
               Spend("2025-03", to_e4("50"), channel="Events")])
    return store


def test_acquisition_by_source_by_hand(shop) -> None:
    rows = {r.source: r for r in gs.source_rows(shop, YEAR)}
    assert list(rows) == ["Web", "Ads", "Referral"]  # most new first; first spelling shown
    web = rows["Web"]
    assert (web.new_customers, web.spend, web.cac) == (2, 300, 150)
    # C1: 1 Feb–31 Dec (334 days) revenue 150, profit 40 + 50 (no cost: the revenue);
    # C2: 1 Jun–31 Dec (214 days) revenue 200, profit 50
    assert web.first_year_revenue == pytest.approx(175)
    assert web.first_year_profit == pytest.approx(70)
    assert web.first_year_days == pytest.approx(274)
    monthly = 140 / 548 * 365.25 / 12
    assert web.payback_months == pytest.approx(150 / monthly)
    assert web.ltv_historical == pytest.approx((90 + 50 + 100) / 3)  # C5 included
    # the source's own churn: C5 of {C5, C1, C2} lost; active C1, C2 made 90 and 50
    assert web.ltv_predictive == pytest.approx(70 * 3)
    assert web.ltv_cac_ratio == pytest.approx(210 / 150)
    ads = rows["Ads"]
    assert (ads.new_customers, ads.cac, ads.first_year_revenue) == (1, 100, 0)
    assert ads.payback_months is None and ads.ltv_predictive is None  # no profit, no churn
    referral = rows["Referral"]
    assert (referral.new_customers, referral.spend, referral.cac) == (0, None, None)


def test_growth_totals_spend_and_segments_by_hand(shop) -> None:
    g = gs.growth(shop, YEAR)
    assert g.unmatched_spend == {"Events": 50}
    assert g.channels == ["WEB", "ads", "Events"]
    months = {r["month"]: r for r in g.spend_by_month}
    assert len(months) == 12
    assert months["2025-01"] == {"month": "2025-01", "WEB": 300, "total": 300}
    assert months["2025-03"]["Events"] == 50 and months["2025-07"]["total"] == 0
    segments = {r.segment: r for r in g.segments}
    assert (segments["Retail"].customers_active, segments["Retail"].new_customers) == (2, 1)
    assert segments["Trade"].ltv_historical == pytest.approx(50)  # C2 only has orders


def test_ltv_per_customer_by_hand(shop) -> None:
    ltv = gs.ltv_by_customer(shop, YEAR.end)
    # churn over 2025: C5 lost of {C3, C5 at start; C1, C2, C4 new} = 1/5: profit × 5
    assert ltv[1] == (pytest.approx(90), pytest.approx(450))
    assert ltv[2] == (pytest.approx(50), pytest.approx(250))
    assert ltv[3] == (pytest.approx(90), pytest.approx(250))  # this year's 50 × 5
    assert ltv[4] == (None, 0)  # active, no orders yet
    assert ltv[5] == (pytest.approx(100), None)  # lost: no future
    m = ms.compute_metrics(shop, YEAR).metrics
    assert m["ltv_predictive"].value == pytest.approx((450 + 250 + 250 + 0) / 4)
    assert m["ltv_historical_avg"].value == pytest.approx((90 + 50 + 90 + 100) / 4)


def test_ltv_per_customer_means_equal_the_catalogue_on_the_demo(demo_store) -> None:
    period = Period(date(2025, 11, 25), date(2026, 11, 24))
    ltv = gs.ltv_by_customer(demo_store, period.end)
    m = ms.compute_metrics(demo_store, period).metrics
    hist = [h for h, _p in ltv.values() if h is not None]
    pred = [p for _h, p in ltv.values() if p is not None]
    assert sum(hist) / len(hist) == pytest.approx(m["ltv_historical_avg"].value)
    assert sum(pred) / len(pred) == pytest.approx(m["ltv_predictive"].value)
    assert len(pred) == m["ltv_predictive"].n


def test_sql_first_year_sales_equal_python(shop) -> None:
    from custdesk.storage import queries_growth as qg

    windows = {1: (date(2025, 2, 1), date(2025, 2, 28)), 3: (date(2024, 1, 1),
                                                             date(2025, 12, 31))}
    lines = [_o(1, "2025-02-01", "100", "60"), _o(1, "2025-03-01", "50"),
             _o(3, "2024-01-01", "80", "40"), _o(3, "2025-05-01", "100", "50")]
    expected: dict[int, list[int]] = {}
    for o in lines:
        lo, hi = windows[o.customer_id]
        if lo <= date.fromisoformat(o.date) <= hi:
            got = expected.setdefault(o.customer_id, [0, 0])
            got[0] += o.revenue_e4
            got[1] += o.revenue_e4 - (o.cost_e4 or 0)
    assert qg.sales_in_windows(shop, windows) == {k: tuple(v) for k, v in expected.items()}


def test_screen_by_hand(shop) -> None:
    s = growth.build(shop, YEAR, "2025")
    assert not s.empty
    assert s.cards["spend"].value == pytest.approx(450)
    assert s.cards["cac"].value == pytest.approx(150)  # 450 ÷ 3 new
    assert [r["source"] for r in s.tables["by_source"]] == ["Web", "Ads", "Referral"]
    assert any("Events" in n["note"] for n in s.lists["page_notes"]
               if n["page"] == "acquisition")


@pytest.mark.parametrize("which", ["demo", "empty"])
def test_cli_screen_growth_json(which, demo_db_template, tmp_path, capsys) -> None:
    from custdesk.cli import main

    path = tmp_path / f"{which}.db"
    if which == "demo":
        shutil.copyfile(demo_db_template, path)
        args = ["--period", "last-12-months"]
    else:
        from custdesk.storage.database import open_store

        open_store(path).close()
        args = []
    assert main(["screen", "growth", "--db", str(path), "--json", *args]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["cards"]) == set(growth.CARDS)
    if which == "empty":
        assert data["empty"] and data["tables"]["by_source"] == []
        return
    sources = data["tables"]["by_source"]
    assert {r["source"] for r in sources} >= {"web", "ads", "referral"}
    assert sum(r["new_customers"] for r in sources) == data["cards"]["customers_new"]["value"]
    assert data["lists"]["channels"]


def test_growth_tab_acquisition_page_draws_growth(qtbot, quiet_ui, shop) -> None:
    """Acquisition by source, LTV by segment and spend by month and channel live on the
    Growth tab's first page (Margins no longer repeats them)."""
    from custdesk.ui.tabs.growth_tab import GrowthTab
    from custdesk.ui.tabs.margins_tab import MarginsTab
    from tests.ui_helpers import make_tab

    tab = make_tab(qtbot, GrowthTab, shop, YEAR)
    assert tab.pages.tabText(tab.pages.currentIndex()) == "Acquisition"
    assert tab.panels["by_source"].model.rowCount() == 3
    assert tab.panels["by_segment"].model.rowCount() == 2
    spend = tab.panels["spend_by_month"].model
    assert [c.header for c in spend.columns] == ["Month", "WEB", "ads", "Events", "Total"]
    assert spend.rowCount() == 12
    assert "Events" in tab.page_note.text()
    margins = make_tab(qtbot, MarginsTab, shop, YEAR)
    assert [margins.sales_tabs.tabText(i) for i in range(margins.sales_tabs.count())] == [
        "Products", "Categories", "Segments", "Plan", "Line plan"]


def test_the_customers_list_carries_each_customers_ltv(demo_store) -> None:
    """Issue 17: historical and predicted LTV per customer are columns of the customers list,
    the same figures as `ltv_by_customer` (whose averages are the catalogue's LTVs)."""
    from datetime import date

    from custdesk.domain.periods import Period
    from custdesk.services import growth_service
    from custdesk.services.screens import customers

    period = Period(date(2025, 11, 25), date(2026, 11, 24))
    rows = customers.build(demo_store, period, "", with_series=False).tables["customers"]
    ltv = growth_service.ltv_by_customer(demo_store, period.end)
    assert rows and all((r.ltv_hist, r.ltv_pred) == ltv.get(r.id, (None, None)) for r in rows)
    assert any(r.ltv_pred is not None for r in rows)
    assert all(r.ltv_pred is None for r in rows if r.status != "active")
