"""Targets on the cards (issue 16): a period's target from monthly targets (worked by hand),
`with_targets` on every screen that shows the metric, the on/off-track colour in the
metric's direction, the targets service (check, one-transaction save) and its dialog."""

from __future__ import annotations

from datetime import date

import pytest

from custdesk.domain.metric_catalogue import METRICS
from custdesk.domain.metric_values import MetricValue
from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import (
    Customer,
    MetricTarget,
    OrderLine,
    Target,
    Ticket,
)
from custdesk.services import targets_service as ts
from custdesk.services.screens import feedback, margins, pipeline, today
from custdesk.services.screens.targets import monthly_targets, on_track, period_target
from custdesk.storage import repository

NOV = Period(date(2025, 11, 1), date(2025, 11, 30))
OCT_NOV = Period(date(2025, 10, 1), date(2025, 11, 30))
NOV_10 = Period(date(2025, 11, 1), date(2025, 11, 10))  # 10 of November's 30 days
OCT_20_NOV = Period(date(2025, 10, 22), date(2025, 11, 30))  # 10 days of October + Nov


# ----- the period's target, by hand ----------------------------------------------------------
T = {("2025-10", "revenue"): 3100.0, ("2025-11", "revenue"): 3000.0,
     ("2025-10", "nps"): 30.0, ("2025-11", "nps"): 40.0,
     ("2025-10", "deals_open"): 10.0, ("2025-11", "deals_open"): 12.0,
     ("2025-11", "first_response_hours_median"): 4.0}


def test_flows_add_up_pro_rata() -> None:
    assert period_target(T, "revenue", NOV) == pytest.approx(3000)
    assert period_target(T, "revenue", OCT_NOV) == pytest.approx(6100)
    assert period_target(T, "revenue", NOV_10) == pytest.approx(1000)  # 10/30 of 3000
    assert period_target(T, "revenue", OCT_20_NOV) == pytest.approx(1000 + 3000)  # 10/31
    # a month without a target: no sum (it would be a target too low)
    assert period_target(T, "revenue", Period(date(2025, 9, 1), date(2025, 11, 30))) is None


def test_rates_take_the_day_weighted_mean_levels_the_last_month() -> None:
    assert period_target(T, "nps", OCT_NOV) == pytest.approx((30 * 31 + 40 * 30) / 61)
    assert period_target(T, "nps", OCT_20_NOV) == pytest.approx((30 * 10 + 40 * 30) / 40)
    # months without one are left out of the mean
    assert period_target(T, "first_response_hours_median", OCT_NOV) == pytest.approx(4)
    assert period_target(T, "deals_open", OCT_NOV) == 12
    assert period_target(T, "deals_open", Period(date(2025, 10, 1), date(2025, 10, 31))) == 10
    assert period_target(T, "win_rate_pct", OCT_NOV) is None


def test_on_track_follows_the_metric_direction() -> None:
    lower = METRICS["first_response_hours_median"].higher_is_better
    assert lower is False
    assert on_track(3.5, 4, lower) is True  # below the target: on track
    assert on_track(4.5, 4, lower) is False  # above: off track
    assert on_track(4, 4, lower) is True
    assert on_track(35, 40, True) is False and on_track(45, 40, True) is True
    assert on_track(None, 40, True) is None and on_track(5, None, True) is None
    assert on_track(5, 4, None) is None  # spend: no good direction


# ----- on the screens ------------------------------------------------------------------------
def _o(cid: int, d: str, rev: str) -> OrderLine:
    return OrderLine(date=d, customer_id=cid, revenue_e4=to_e4(rev), cost_e4=to_e4("1"))


@pytest.fixture
def shop(store):
    repository.save_all(
        store,
        customers=[Customer(name="A", id=1, acquired_on="2025-01-01")],
        orders=[_o(1, "2025-11-05", "1000")],
        tickets=[Ticket(customer_id=1, opened_at="2025-11-03T09:00:00",
                        first_response_at="2025-11-03T12:00:00")],
        targets=[Target("2025-11", to_e4("3000"), 2)],
        metric_targets=[MetricTarget("2025-11", "first_response_hours_median", 4.0),
                        MetricTarget("2025-11", "gross_margin_pct", 50.0),
                        MetricTarget("2025-11", "win_rate_pct", 30.0),
                        MetricTarget("2025-11", "revenue", 2500.0)])
    return store


def test_monthly_targets_metric_rows_win_over_the_plan(shop) -> None:
    t = monthly_targets(shop)
    assert t[("2025-11", "revenue")] == 2500  # the metric row, not the plan's 3000
    assert t[("2025-11", "customers_new")] == 2


def test_every_screen_carries_the_target(shop) -> None:
    s = today.build(shop, NOV, with_series=False)
    assert s.cards["revenue"].target == pytest.approx(2500)
    assert s.cards["customers_new"].target == 2
    assert s.cards["gross_margin_pct"].target == 50
    assert s.cards["nps"].target is None
    m = margins.build(shop, NOV, with_series=False)
    assert m.cards["revenue"].target == pytest.approx(2500)
    assert m.cards["gross_margin_pct"].target == 50 and m.cards["cac"].target is None
    f = feedback.build(shop, NOV, with_series=False)
    assert f.cards["first_response_hours_median"].target == 4
    assert f.cards["first_response_hours_median"].value == pytest.approx(3)
    assert today.build(shop, NOV_10, with_series=False).cards["revenue"].target == \
        pytest.approx(2500 / 3)


def test_pipeline_cards_take_targets(shop) -> None:
    from custdesk.domain.records import Deal

    repository.save_all(shop, deals=[Deal(stage="Won", customer_id=1, created_on="2025-11-01",
                                           closed_on="2025-11-04", amount_e4=to_e4("10"))])
    s = pipeline.build(shop, NOV)
    assert s.cards["win_rate_pct"].target == 30


def test_screen_json_prints_the_target(shop, capsys) -> None:
    import json

    from custdesk.cli import main

    path = shop.path
    shop.close()  # the command takes the file's lock
    assert main(["screen", "feedback", "--db", str(path), "--from", "2025-11-01",
                 "--to", "2025-11-30", "--json"]) == 0
    cards = json.loads(capsys.readouterr().out)["cards"]
    assert cards["first_response_hours_median"]["target"] == 4


# ----- the service ---------------------------------------------------------------------------
def test_service_checks_before_writing(store) -> None:
    with pytest.raises(ts.TargetError, match="Row 1: the month"):
        ts.check([ts.TargetRow("2025-13", "nps", 40)])
    with pytest.raises(ts.TargetError, match="not a metric"):
        ts.check([ts.TargetRow("2025-11", "happiness", 40)])
    with pytest.raises(ts.TargetError, match="must be a number"):
        ts.check([ts.TargetRow("2025-11", "nps", float("nan"))])
    with pytest.raises(ts.TargetError, match=r"Row 2: Net promoter score .*row 1"):
        ts.check([ts.TargetRow("2025-11", "nps", 40), ts.TargetRow("2025-11", "nps", 50)])
    with pytest.raises(ts.TargetError):
        ts.save(store, [ts.TargetRow("2025-11", "nps", 40), ts.TargetRow("2025-11", "nps", 5)])
    assert ts.load(store) == []


def test_service_saves_the_table_and_leaves_plan_targets(shop) -> None:
    rows = ts.load(shop)
    assert {(r.month, r.metric, r.target) for r in rows} == {
        ("2025-11", "first_response_hours_median", 4), ("2025-11", "gross_margin_pct", 50),
        ("2025-11", "win_rate_pct", 30), ("2025-11", "revenue", 2500)}
    by = {r.metric: r for r in rows}
    new = [by["revenue"],  # kept
           ts.TargetRow("2025-12", "nps", 40, by["gross_margin_pct"].id),  # changed
           ts.TargetRow("2025-11", "gross_margin_pct", 45)]  # new; two rows removed
    assert ts.save(shop, new) == 3
    assert {(r.month, r.metric, r.target) for r in ts.load(shop)} == {
        ("2025-11", "revenue", 2500), ("2025-12", "nps", 40), ("2025-11", "gross_margin_pct", 45)}
    from custdesk.storage.queries_records import load_targets

    assert [(t.month, t.revenue_target_e4) for t in load_targets(shop)] == [
        ("2025-11", to_e4("3000"))]  # the plan's own rows are not touched


def test_swapping_two_rows_months_is_one_save(shop) -> None:
    a, b = (r for r in ts.load(shop) if r.metric in ("gross_margin_pct", "revenue"))
    rows = [ts.TargetRow("2025-11", "nps", 1, a.id), ts.TargetRow("2025-11", "nps", 2, b.id)]
    with pytest.raises(ts.TargetError):  # the same key twice is refused before the write
        ts.save(shop, rows)
    swapped = [ts.TargetRow(a.month, b.metric, 1, a.id), ts.TargetRow(b.month, a.metric, 2, b.id)]
    ts.save(shop, swapped)
    assert {(r.metric, r.target) for r in ts.load(shop)} == {(b.metric, 1), (a.metric, 2)}


# ----- the card and the dialog (pytest-qt) ---------------------------------------------------
def test_card_shows_target_on_and_off_track(qtbot, quiet_ui) -> None:
    from custdesk.ui.kpi_card import BAD, GOOD, KpiCard

    card = KpiCard("first_response_hours_median")
    qtbot.addWidget(card)
    info = METRICS["first_response_hours_median"]
    card.set_metric(info, MetricValue(3.0, 10), None, "", 4.0)
    assert card.on_track is True and not card.target_line.isHidden()
    assert card.target_line.text() == "on track · target 4.0 h"
    assert GOOD in card.target_line.styleSheet()
    card.set_metric(info, MetricValue(5.0, 10), None, "", 4.0)
    assert card.on_track is False and card.target_line.text().startswith("off track")
    assert BAD in card.target_line.styleSheet()
    assert "Target: 4.0 h" in card.toolTip()
    card.set_metric(info, MetricValue(5.0, 10))
    assert card.target_line.isHidden() and card.on_track is None


def test_today_tab_draws_the_target(qtbot, quiet_ui, shop) -> None:
    from custdesk.ui.tabs.margins_tab import MarginsTab
    from custdesk.ui.tabs.today_tab import TodayTab
    from tests.ui_helpers import make_tab

    tab = make_tab(qtbot, TodayTab, shop, NOV)
    revenue = tab.cards["revenue"]
    assert revenue.target_line.text() == "off track · target $2,500"
    assert revenue.on_track is False  # 1,000 against 2,500
    margin = make_tab(qtbot, MarginsTab, shop, NOV).cards["gross_margin_pct"]
    assert margin.on_track is True  # 99.9 % against 50 %


def test_targets_dialog_edits_and_saves(qtbot, quiet_ui, shop) -> None:
    from PySide6.QtWidgets import QComboBox

    from custdesk.ui.dialogs.targets_dialog import TargetsDialog

    dialog = TargetsDialog(shop)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 4
    dialog.add_row()
    n = dialog.table.rowCount() - 1
    dialog.table.item(n, 0).setText("2025-12")
    box = dialog.table.cellWidget(n, 1)
    assert isinstance(box, QComboBox)
    box.setCurrentIndex(box.findData("nps"))
    dialog.table.item(n, 2).setText("abc")
    dialog.save()
    assert "must be a number" in dialog.message.text()
    dialog.table.item(n, 2).setText("40")
    dialog.table.setCurrentCell(0, 0)
    dialog.remove_row()
    with qtbot.waitSignal(dialog.saved, timeout=2000) as saved:
        dialog.save()
    assert saved.args == [4]
    got = {(r.month, r.metric, r.target) for r in ts.load(shop)}
    assert ("2025-12", "nps", 40) in got and len(got) == 4


def test_margins_tab_opens_the_dialog(qtbot, quiet_ui, shop) -> None:
    from custdesk.ui.dialogs.targets_dialog import TargetsDialog
    from custdesk.ui.tabs.margins_tab import MarginsTab
    from tests.ui_helpers import make_tab

    tab = make_tab(qtbot, MarginsTab, shop, NOV)
    dialog = tab.edit_targets()
    assert isinstance(dialog, TargetsDialog)
    assert tab.edit_targets() is dialog  # one per file
    dialog.close()


def test_feedback_cards_show_the_owners_target(qtbot, quiet_ui, demo_store) -> None:
    """The shared card filler draws the target line (Feedback had the target in its screen
    but no line on the card)."""
    from datetime import date

    from ui_helpers import make_tab

    from custdesk.domain.periods import Period
    from custdesk.services import targets_service
    from custdesk.ui.tabs.feedback_tab import FeedbackTab

    targets_service.save(demo_store, [*targets_service.load(demo_store),
                                      targets_service.TargetRow("2026-10", "nps", 40.0)])
    tab = make_tab(qtbot, FeedbackTab, demo_store, Period(date(2026, 10, 1),
                                                          date(2026, 10, 31)))
    text = tab.cards["nps"].target_line.text()
    assert "target 40" in text and ("on track" in text or "off track" in text)


def test_customers_cards_carry_the_owners_targets(demo_store) -> None:
    from datetime import date

    from custdesk.domain.periods import Period
    from custdesk.services import targets_service
    from custdesk.services.screens import customers

    targets_service.save(demo_store, [*targets_service.load(demo_store),
                                      targets_service.TargetRow("2026-10", "churn_rate_pct",
                                                                5.0)])
    screen = customers.build(demo_store, Period(date(2026, 10, 1), date(2026, 10, 31)), "",
                             with_series=False)
    assert screen.cards["churn_rate_pct"].target == 5.0
