"""Triage of Today's lists (issue 13): at-risk new / handled / snoozed, detractor
follow-ups with value at stake and a later answer, the "Needs me" deals — through the
service, the screen JSON and the Today tab (pytest-qt)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from conftest import set_aside_demo_actions

from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import Action, Customer, Deal, OrderLine, Survey
from custdesk.services import actions_service as acts
from custdesk.services import edits
from custdesk.services import triage_service as triage
from custdesk.services.screens import today as today_screen
from custdesk.services.screens.model import to_json
from custdesk.storage.repository import save_all

YEAR = Period(date(2025, 12, 1), date(2026, 11, 24))  # the demo's last year
TODAY = date.today()


def _day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def _screen(store, period: Period = YEAR) -> dict:
    return json.loads(json.dumps(to_json(today_screen.build(store, period,
                                                             with_series=False))))


def _ids(rows) -> list[int]:
    return [r["customer_id"] for r in rows]


def test_a_snoozed_at_risk_customer_leaves_the_list_until_the_date_and_comes_back(
        demo_store) -> None:
    set_aside_demo_actions(demo_store)  # counts start from no action
    first = _screen(demo_store)
    rows = first["lists"]["at_risk"]
    n = len(rows)
    assert n > 3 and {r["state"] for r in rows} == {"new"}
    assert first["tables"]["at_risk_triage"] == [{"new": n, "handled": 0, "snoozed": 0}]
    snoozed, handled = rows[0], rows[1]
    triage.snooze(demo_store, snoozed["customer_id"], _day(0), "Called, on holiday",
                  customer=snoozed["customer"])
    acts.create_action(demo_store, Action(title="Visit", created_on=_day(0),
                                          customer_id=handled["customer_id"],
                                          signal="at_risk"))
    after = _screen(demo_store)
    assert snoozed["customer_id"] not in _ids(after["lists"]["at_risk"])
    assert after["tables"]["at_risk_triage"] == [{"new": n - 2, "handled": 1, "snoozed": 1}]
    assert [r for r in after["lists"]["at_risk"] if r["state"] == "handled"] == [
        {**handled, "state": "handled"}]
    (kept,) = after["lists"]["at_risk_snoozed"]
    assert (kept["customer_id"], kept["state"], kept["snoozed_until"], kept["note"]) == (
        snoozed["customer_id"], "snoozed", _day(0), "Called, on holiday")
    totals = {t["list"]: t for t in after["tables"]["list_totals"]}
    assert totals["at_risk"]["count"] == n - 1
    assert totals["at_risk"]["total"] == pytest.approx(
        sum(r["value_at_risk"] for r in rows) - snoozed["value_at_risk"])
    # the day after the snooze's last day, the customer is back (inclusive until)
    demo_store.conn.execute("UPDATE customer_snoozes SET until = ?", (_day(-1),))
    back = _screen(demo_store)
    assert snoozed["customer_id"] in _ids(back["lists"]["at_risk"])
    assert back["tables"]["at_risk_triage"][0]["snoozed"] == 0


def test_snooze_and_unsnooze_are_undoable_edits(demo_store) -> None:
    cid = demo_store.conn.execute("SELECT min(id) FROM customers").fetchone()[0]
    with pytest.raises(triage.TriageError, match="today or later"):
        triage.snooze(demo_store, cid, _day(-1))
    triage.snooze(demo_store, cid, triage.default_until(), customer="Ann")
    assert triage.snooze_of(demo_store, cid) == (_day(14), None)
    assert triage.unsnooze(demo_store, cid, customer="Ann") is True
    assert triage.snooze_of(demo_store, cid) is None
    assert edits.undo_last_edit(demo_store) == "Un-snooze Ann"
    assert triage.snooze_of(demo_store, cid) == (_day(14), None)
    assert edits.undo_last_edit(demo_store) == "Snooze Ann"
    assert triage.snooze_of(demo_store, cid) is None


PERIOD = Period(date(2026, 1, 1), date(2026, 3, 31))


@pytest.fixture
def small(store):
    save_all(store, customers=[Customer("Ann", id=1, acquired_on="2025-01-01"),
                               Customer("Bob", id=2, acquired_on="2025-01-01"),
                               Customer("Cat", id=3, acquired_on="2025-01-01")],
             orders=[OrderLine(date=d, customer_id=c, revenue_e4=to_e4(v))
                     for c, d, v in ((1, "2026-01-10", "100"), (1, "2025-06-01", "50"),
                                     (1, "2025-03-31", "999"),  # a day before the window
                                     (2, "2026-02-01", "300"), (2, "2026-04-02", "70"))],
             surveys=[Survey("2026-02-01", customer_id=1, nps=3),
                      Survey("2026-05-01", customer_id=1, nps=8),  # after the period
                      Survey("2026-03-01", customer_id=2, nps=5),
                      Survey("2026-03-15", customer_id=3, nps=2, comment="Rude")])
    return store


def _detractors(store) -> list[dict]:
    return _screen(store, PERIOD)["lists"]["detractors"]


def test_detractors_sorted_by_value_at_stake_with_a_later_answer(small) -> None:
    rows = _detractors(small)
    # W = 365 days to 31 Mar 2026: Ann 100 + 50 (not the 999 of 31 Mar 2025), Bob 300
    # (not April's 70), Cat nothing
    assert [(r["customer"], r["value_at_stake"], r["follow_up"], r["moved"]) for r in rows] == [
        ("Bob", 300.0, "to_contact", ""), ("Ann", 150.0, "to_contact", "NPS 3 → 8"),
        ("Cat", 0.0, "to_contact", "")]


def test_a_resolved_detractor_leaves_the_list_until_a_new_low_answer(small) -> None:
    triage.set_followup(small, 3, "contacted", "Apologised", on="2026-03-20", customer="Cat")
    triage.set_followup(small, 2, "resolved", "Refund", on="2026-03-10", customer="Bob")
    rows = _detractors(small)
    assert [(r["customer"], r["follow_up"], r["follow_up_on"], r["follow_up_note"])
            for r in rows] == [("Ann", "to_contact", None, None),
                               ("Cat", "contacted", "2026-03-20", "Apologised")]
    # Bob's follow-up was closed (10 Mar) after his answer (1 Mar): off the list; a new
    # 0–6 answer after it brings him back, to contact
    save_all(small, surveys=[Survey("2026-03-25", customer_id=2, nps=4)])
    rows = _detractors(small)
    assert [(r["customer"], r["follow_up"], r["nps"]) for r in rows][0] == (
        "Bob", "to_contact", 4)
    assert edits.last_edit(small).label == "Detractor Bob: resolved"
    with pytest.raises(triage.TriageError):
        triage.set_followup(small, 2, "fixed")


def test_needs_me_lists_open_flagged_deals_with_overdue_next_steps(store) -> None:
    save_all(store, customers=[Customer("Ann", id=1)],
             deals=[Deal("Proposal", id=1, customer_id=1, title="Big one", needs_me=True,
                         amount_e4=to_e4("5000"), next_step="Call CFO",
                         next_step_on=_day(-2)),
                    Deal("Proposal", id=2, title="Later", needs_me=True,
                         next_step_on=_day(3)),
                    Deal("Proposal", id=3, title="Not flagged", needs_me=False),
                    Deal("Won", id=4, title="Closed", needs_me=True, closed_on="2026-01-01")])
    rows = [(r.title, r.customer, r.amount, r.next_step, r.overdue)
            for r in triage.needs_me(store)]
    assert rows == [("Big one", "Ann", 5000.0, "Call CFO", True),
                    ("Later", None, None, None, False)]


def test_screen_json_always_has_actions_due(small) -> None:
    screen = _screen(small, PERIOD)
    assert screen["lists"]["actions_due"] == []
    assert screen["lists"]["needs_me"] == []
    assert screen["tables"]["actions_due_totals"] == [{"count": 0, "overdue": 0,
                                                       "due_today": 0}]


# ---- the Today tab (pytest-qt; dialogs are driven by their own methods, never exec) ----

def test_today_tab_snooze_dialog_takes_the_customer_off_until_the_day(qtbot, quiet_ui,
                                                                      demo_store) -> None:
    set_aside_demo_actions(demo_store)  # counts start from no action
    from PySide6.QtCore import QDate
    from ui_helpers import make_tab

    from custdesk.ui.dialogs.triage_dialogs import SnoozeDialog, unsnooze_now
    from custdesk.ui.tabs.today_tab import TodayTab

    tab = make_tab(qtbot, TodayTab, demo_store, YEAR)
    panel = tab.lists["at_risk"]
    n = panel.model.rowCount()
    row = panel.model.row_at(0)
    dialog = SnoozeDialog(demo_store, row, tab)
    qtbot.addWidget(dialog)
    assert dialog.until_edit.date() == QDate.currentDate().addDays(14)  # the default
    dialog.until_edit.setDate(QDate.currentDate())
    dialog.note_edit.setText("Back from holiday")
    dialog.save()
    tab.refresh()
    assert panel.model.rowCount() == n - 1
    assert row.customer_id not in [r.customer_id for r in panel.model.rows()]
    assert "0 handled, 1 snoozed" in panel.heading.text()
    assert not tab.show_snoozed.isHidden()
    tab.show_snoozed.setChecked(True)  # shown again, to un-snooze
    shown = {r.customer_id: r for r in panel.model.rows()}
    assert shown[row.customer_id].state == "snoozed"
    assert shown[row.customer_id].note == "Back from holiday"
    unsnooze_now(demo_store, shown[row.customer_id])
    tab.refresh()
    assert tab.show_snoozed.isHidden()
    assert [r.state for r in panel.model.rows()].count("new") == n


def test_handled_state_when_an_action_covers_the_customer(qtbot, quiet_ui,
                                                           demo_store) -> None:
    set_aside_demo_actions(demo_store)  # counts start from no action
    from ui_helpers import make_tab

    from custdesk.ui.dialogs.action_dialog import ActionDialog
    from custdesk.ui.tabs.today_tab import TodayTab, state_text

    tab = make_tab(qtbot, TodayTab, demo_store, YEAR)
    row = tab.lists["at_risk"].model.row_at(2)
    dialog = ActionDialog.from_signal(demo_store, "at_risk", row, tab)
    dialog.save()
    tab.refresh()
    rows = {r.customer_id: r for r in tab.lists["at_risk"].model.rows()}
    assert state_text(rows[row.customer_id]) == "Handled"
    assert sum(r.state == "handled" for r in rows.values()) == 1
    acts.close_action(demo_store, acts.list_actions(demo_store)[0].id, "Kept them")
    tab.refresh()
    rows = {r.customer_id: r for r in tab.lists["at_risk"].model.rows()}
    assert rows[row.customer_id].state == "new"  # a done action no longer covers them


def test_an_action_from_a_detractor_is_due_on_today_and_in_the_customer_story(
        qtbot, quiet_ui, demo_store) -> None:
    set_aside_demo_actions(demo_store)  # counts start from no action
    from ui_helpers import make_tab

    from custdesk.services.screens.customer import build_customer
    from custdesk.ui.dialogs.action_dialog import ActionDialog
    from custdesk.ui.tabs.today_tab import TodayTab

    tab = make_tab(qtbot, TodayTab, demo_store, YEAR)
    row = tab.lists["detractors"].model.row_at(0)
    assert row.follow_up == "to_contact" and row.value_at_stake > 0
    dialog = ActionDialog.from_signal(demo_store, "detractor", row, tab)
    dialog.due_check.setChecked(True)  # due today
    title = dialog.title_edit.text()
    dialog.save()
    tab.refresh()
    due = tab.data.lists["actions_due"]
    assert [(r["title"], r["customer"]) for r in due] == [(title, row.customer)]
    assert title in tab.due_strip.text()
    story = build_customer(demo_store, row.customer_id, YEAR).lists["story"]
    assert any(title in s["what"] for s in story if s["kind"] == "Action")


def test_follow_up_dialog_takes_a_resolved_detractor_off_and_undo_puts_it_back(
        qtbot, quiet_ui, demo_store) -> None:
    from ui_helpers import make_tab

    from custdesk.ui.dialogs.triage_dialogs import FollowUpDialog
    from custdesk.ui.tabs.today_tab import TodayTab

    tab = make_tab(qtbot, TodayTab, demo_store, YEAR)
    panel = tab.lists["detractors"]
    n = panel.model.rowCount()
    row = panel.model.row_at(1)
    dialog = FollowUpDialog(demo_store, row, tab)
    qtbot.addWidget(dialog)
    dialog.state_box.setCurrentIndex(dialog.state_box.findData("resolved"))
    dialog.note_edit.setText("Refunded, happy again")
    dialog.save()
    tab.refresh()
    assert panel.model.rowCount() == n - 1
    assert row.customer_id not in [r.customer_id for r in panel.model.rows()]
    assert edits.undo_last_edit(demo_store) == f"Detractor {row.customer}: resolved"
    tab.refresh()
    assert panel.model.rowCount() == n


def test_today_tab_needs_me_strip_flags_a_late_next_step(qtbot, quiet_ui, small) -> None:
    from PySide6.QtCore import Qt
    from ui_helpers import make_tab

    from custdesk.ui.tabs.today_tab import TodayTab

    save_all(small, deals=[Deal("Proposal", id=1, customer_id=1, title="Big one",
                                needs_me=True, next_step="Call CFO", next_step_on=_day(-1)),
                           Deal("Proposal", id=2, title="Later", needs_me=True,
                                next_step_on=_day(5))])
    tab = make_tab(qtbot, TodayTab, small, PERIOD)
    panel = tab.lists["needs_me"]
    assert [r.title for r in panel.model.rows()] == ["Big one", "Later"]
    assert panel.summary.text().startswith("2")
    assert not panel.table.isHidden()
    due = [c.key for c in panel.model.columns].index("next_step_on")
    late = panel.model.index(0, due)
    assert panel.model.data(late).endswith("— late")
    assert panel.model.data(late, Qt.ItemDataRole.ForegroundRole).color().name() == "#c0392b"
    assert panel.model.data(panel.model.index(1, due),
                            Qt.ItemDataRole.ForegroundRole) is None


def test_an_open_rescue_whose_customer_moved_up_stays_until_closed(small) -> None:
    triage.set_followup(small, 3, "contacted", on="2026-03-16", customer="Cat")
    save_all(small, surveys=[Survey("2026-03-20", customer_id=3, nps=9)])  # Cat moved up
    rows = {r["customer"]: r for r in _detractors(small)}
    assert (rows["Cat"]["nps"], rows["Cat"]["date"], rows["Cat"]["later_nps"],
            rows["Cat"]["moved"], rows["Cat"]["follow_up"]) == (
        2, "2026-03-15", 9, "NPS 2 → 9", "contacted")
    triage.set_followup(small, 3, "resolved", on="2026-03-21", customer="Cat")
    assert "Cat" not in {r["customer"] for r in _detractors(small)}
    # no follow-up: a customer who moved up is simply no detractor any more
    save_all(small, surveys=[Survey("2026-03-25", customer_id=2, nps=10)])
    assert "Bob" not in {r["customer"] for r in _detractors(small)}


def test_the_customer_dialog_says_snoozed_and_follow_up(qtbot, quiet_ui, demo_store) -> None:
    from custdesk.ui.dialogs.customer_dialog import CustomerDialog

    cid = demo_store.conn.execute("SELECT min(id) FROM customers").fetchone()[0]
    triage.snooze(demo_store, cid, _day(3), "Away")
    triage.set_followup(demo_store, cid, "contacted", "Left a message", on=_day(0))
    dialog = CustomerDialog.open_for(demo_store, cid)
    qtbot.addWidget(dialog)
    text = dialog.risk.text()
    assert "Snoozed on Today's at-risk list until" in text and "Away" in text
    assert "Detractor follow-up: Contacted on" in text and "Left a message" in text
    dialog.close()


def test_snooze_from_the_customer_dialog_and_un_snooze_now(qtbot, quiet_ui,
                                                           demo_store) -> None:
    from custdesk.ui.dialogs.customer_dialog import CustomerDialog

    cid = demo_store.conn.execute("SELECT min(id) FROM customers").fetchone()[0]
    dialog = CustomerDialog.open_for(demo_store, cid)
    qtbot.addWidget(dialog)
    snooze = dialog.snooze()
    assert not hasattr(snooze, "unsnooze_button")  # not snoozed yet
    snooze.note_edit.setText("Busy season")
    snooze.save()
    assert triage.snooze_of(demo_store, cid) == (_day(14), "Busy season")
    assert "Busy season" in dialog.risk.text()  # reloaded after the save
    again = dialog.snooze()
    again.unsnooze_button.click()
    assert triage.snooze_of(demo_store, cid) is None
    assert "Snoozed" not in dialog.risk.text()
    dialog.close()
