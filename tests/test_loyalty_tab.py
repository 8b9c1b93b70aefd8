"""The Loyalty tab draws the new and loyalty screens (issue 15); Today carries one line of
late onboarding; the promoters' button makes an action; Business settings keep the rule."""

from __future__ import annotations

from datetime import date

from test_loyalty_screens import END, Q2, shop  # noqa: F401 - the fixture
from ui_helpers import make_tab

from custdesk.domain.renewal import RenewalRule
from custdesk.services import actions_service, settings_service
from custdesk.services.screens import today
from custdesk.ui import formatting as fmt
from custdesk.ui.tabs.loyalty_tab import LoyaltyTab
from custdesk.ui.tabs.today_tab import TodayTab


def test_loyalty_tab_draws_both_screens(qtbot, shop, quiet_ui) -> None:  # noqa: F811
    tab = make_tab(qtbot, LoyaltyTab, shop, Q2)
    assert not tab.is_empty_state() and not tab.error.isVisible()
    assert tab.pages.tabText(0) == "New this period (4)"  # Dan, Gil, Hal, Ivy
    assert tab.pages.tabText(1) == "Onboarding (7, 7 late)"
    names = {r["customer"] for r in tab.panels["new"].model.rows()}
    assert names == {"Dan", "Gil", "Hal", "Ivy"}
    onboarding = tab.panels["onboarding"].model
    assert [c.header for c in onboarding.columns][3:] == [
        "Ordered", "Delivered", "Set up", "First check-in", "First repeat order"]
    by_month = tab.panels["cohorts"].model  # months read as the charts write them
    months = [by_month.index(r, 0).data() for r in range(by_month.rowCount())]
    assert months and all(len(m) == 6 and m[3] == " " for m in months)  # "Jan 24"
    assert by_month.rows()[0]["cohort"][4] == "-"  # the screen keeps ISO keys
    # the cohort switch: by quarter, revenue retained
    tab.cohort_by.setCurrentIndex(1)
    tab.cohort_measure.setCurrentIndex(1)
    rows = {r["cohort"]: r for r in tab.panels["cohorts"].model.rows()}
    assert rows["2024-Q1"]["revenue_1"] == 25.0  # 150 of 600
    assert "ordered in the period after ordering" in tab.renewal_text.text()
    assert [r["customer"] for r in tab.panels["referrers"].model.rows()] == ["Ann", "Cat"]


def test_ask_a_promoter_for_a_referral(qtbot, shop, quiet_ui) -> None:  # noqa: F811
    tab = make_tab(qtbot, LoyaltyTab, shop, Q2)
    panel = tab.panels["promoters"]
    row = next(i for i, r in enumerate(panel.model.rows()) if r["customer"] == "Ann")
    panel.table.selectRow(row)
    tab.promoters_button.click()
    actions = actions_service.list_actions(shop, customer_id=1)
    assert [a.title for a in actions] == ["Ask Ann for a referral or a review"]
    assert actions[0].due_on is not None and actions[0].due_on > date.today().isoformat()


def test_today_says_who_waits_for_onboarding(qtbot, shop, quiet_ui) -> None:  # noqa: F811
    screen = today.build(shop, Q2, "Q2", with_series=False)
    assert screen.tables["onboarding_overdue"][0] == {"step": "delivered", "customers": 6,
                                                     "days": 7}
    tab = make_tab(qtbot, TodayTab, shop, Q2)
    assert tab.onboarding_line.text().startswith(
        "Onboarding: 6 new customers waiting for delivery > 7 days; 1 for set-up")


def test_loyalty_settings_round_trip(shop) -> None:  # noqa: F811
    settings_service.save_loyalty_settings(shop, RenewalRule("days", 45), 3,
                                           "ordered, 0\nkick-off call, 5\n")
    rule, quarters = settings_service.loyalty_settings(shop)
    assert (rule, quarters) == (RenewalRule("days", 45), 3)
    from custdesk.services import onboarding_service

    assert [(s.name, s.days) for s in onboarding_service.steps(shop)] == [
        ("ordered", 0), ("kick-off call", 5)]
    import pytest

    with pytest.raises(ValueError, match="line 1"):
        settings_service.save_loyalty_settings(shop, RenewalRule(), 4, "no days here")
    assert settings_service.loyalty_settings(shop)[1] == 3  # nothing changed
    assert END == date(2024, 6, 30)


def test_business_settings_save_the_renewal_rule(qtbot, shop, quiet_ui) -> None:  # noqa: F811
    from custdesk.ui.dialogs.settings_dialog import BusinessSettingsDialog

    dialog = BusinessSettingsDialog(shop)
    qtbot.addWidget(dialog)
    box = dialog.loyalty
    assert not box.days.isEnabled()  # only the "days" rule uses N
    box.rule.setCurrentIndex(2)  # contract
    box.quarters.setValue(2)
    assert dialog.save()
    assert settings_service.loyalty_settings(shop) == (RenewalRule("contract", 90), 2)
    dialog = BusinessSettingsDialog(shop)
    qtbot.addWidget(dialog)
    dialog.loyalty.steps.setPlainText("kick-off, soon")
    assert not dialog.save()
    assert "line 1" in dialog.error.text()
    assert settings_service.loyalty_settings(shop)[1] == 2


def test_onboarding_dialog_marks_a_step(qtbot, shop, quiet_ui) -> None:  # noqa: F811
    from PySide6.QtCore import QDate

    from custdesk.services import onboarding_service
    from custdesk.ui.dialogs.onboarding_dialog import OnboardingDialog

    tab = make_tab(qtbot, LoyaltyTab, shop, Q2)
    panel = tab.panels["onboarding"]
    row = next(i for i, r in enumerate(panel.model.rows()) if r["customer"] == "Hal")
    panel.table.selectRow(row)
    dialog = tab._row_action("onboarding")
    assert isinstance(dialog, OnboardingDialog)
    dialog.step.setCurrentText("delivered")
    dialog.done_on.setDate(QDate(2024, 6, 5))
    dialog.save()
    rows = {r["customer"]: r for r in onboarding_service.track_rows(shop, END)}
    assert rows["Hal"]["step:delivered"] == "2024-06-05"
    assert tab.pages.tabText(1) == "Onboarding (7, 7 late)"  # Hal still late for set-up
    assert rows["Hal"]["status"] == "overdue: set up (due 2024-06-15)"
    # the tab shows that sentence with the app's dates, not ISO ones
    status = [c.key for c in panel.model.columns].index("status")
    hal = next(i for i, r in enumerate(panel.model.rows()) if r["customer"] == "Hal")
    assert panel.model.index(hal, status).data() == \
        f"overdue: set up (due {fmt.day_text('2024-06-15')})"
