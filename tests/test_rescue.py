"""Detractor rescue (issue 13): an action planned from a detractor carries the comment, the
Feedback screen's detractor rows say whether a rescue action exists (and its status and
outcome), and "N detractors, M with a rescue action, K rescued (done)" is counted; Today's
strip of due actions (pytest-qt; no modal dialog is run)."""

from __future__ import annotations

from datetime import date, timedelta

from conftest import set_aside_demo_actions
from ui_helpers import make_tab

from custdesk.domain.periods import Period
from custdesk.domain.records import Action
from custdesk.services import actions_service as acts
from custdesk.services.screens import feedback
from custdesk.services.screens import today as today_screen

YEAR = Period(date(2025, 12, 1), date(2026, 11, 24))


def _detractors(store) -> list[dict]:
    return feedback.build(store, YEAR, with_series=False).lists["detractors"]


def _plan_rescues(store) -> tuple[list[dict], dict[str, int]]:
    """Rescue actions for the first three detractors (open / done / dropped), an action from
    another signal for the fourth and one older than the fifth's answer: only the first
    three are rescues."""
    rows = _detractors(store)
    assert len(rows) >= 5
    ids = {}
    for key, row in zip(("open", "done", "dropped"), rows, strict=False):
        draft = acts.draft_from_signal("detractor", row, today=row["date"][:10])
        ids[key] = acts.create_action(store, draft.action)
    acts.close_action(store, ids["done"], "Called; sent a voucher", on=rows[1]["date"][:10])
    acts.drop_action(store, ids["dropped"], "Moved away", on=rows[2]["date"][:10])
    acts.create_action(store, Action("Keep them", rows[3]["date"][:10], signal="at_risk",
                                     customer_id=rows[3]["customer_id"]))
    before = (date.fromisoformat(rows[4]["date"][:10]) - timedelta(days=1)).isoformat()
    acts.create_action(store, Action("Old rescue", before, signal="detractor",
                                     customer_id=rows[4]["customer_id"]))
    return rows, ids


def test_a_detractor_draft_carries_the_comment() -> None:
    row = {"customer_id": 7, "customer": "Ann", "nps": 3, "date": "2026-10-01",
           "comment": "Slow delivery"}
    draft = acts.draft_from_signal("detractor", row, today="2026-10-02")
    assert draft.action.title == "Rescue Ann"
    assert draft.action.issue == "Detractor: NPS 3 on 2026-10-01 — “Slow delivery”"
    assert (draft.action.customer_id, draft.action.signal) == (7, "detractor")


def test_the_feedback_screen_shows_each_detractors_rescue(demo_store) -> None:
    set_aside_demo_actions(demo_store)  # counts start from no action
    before = _detractors(demo_store)
    assert {r["rescue"] for r in before} == {"none"}  # the demo plans no actions
    assert feedback.build(demo_store, YEAR, with_series=False).tables["rescue"] == [
        {"detractors": len(before), "with_action": 0, "rescued": 0}]
    rows, ids = _plan_rescues(demo_store)
    screen = feedback.build(demo_store, YEAR, with_series=False)
    after = {r["customer_id"]: r for r in screen.lists["detractors"]}
    first, second, third, fourth, fifth = (after[r["customer_id"]] for r in rows[:5])
    assert (first["rescue"], first["rescue_action_id"]) == ("open", ids["open"])
    assert (second["rescue"], second["rescue_outcome"]) == ("done", "Called; sent a voucher")
    assert (third["rescue"], third["rescue_outcome"]) == ("dropped", "Moved away")
    assert fourth["rescue"] == "none"  # an at-risk action is not a rescue
    assert fifth["rescue"] == "none"  # planned before this answer: not its rescue
    # hand count: 3 of the detractors have a rescue action, 1 of them done
    assert screen.tables["rescue"] == [{"detractors": len(before), "with_action": 3,
                                        "rescued": 1}]
    assert acts.rescue_text(screen.tables["rescue"][0]) == (
        f"{len(before)} detractors, 3 with a rescue action, 1 rescued (done)")


def test_a_later_rescue_wins_over_an_earlier_one(demo_store) -> None:
    row = _detractors(demo_store)[0]
    day = row["date"][:10]
    first = acts.create_action(demo_store, Action("Call", day, signal="detractor",
                                                  customer_id=row["customer_id"]))
    acts.close_action(demo_store, first, "No answer", on=day)
    later = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    second = acts.create_action(demo_store, Action("Visit", later, signal="detractor",
                                                   customer_id=row["customer_id"]))
    found = acts.rescue_actions(demo_store, [(row["customer_id"], row["date"])])
    assert found[row["customer_id"]].id == second


def test_the_feedback_tab_draws_the_rescue_column_and_count(qtbot, quiet_ui,
                                                             demo_store) -> None:
    set_aside_demo_actions(demo_store)  # counts start from no action
    from custdesk.ui.tabs.feedback_tab import FeedbackTab

    rows, _ids = _plan_rescues(demo_store)
    tab = make_tab(qtbot, FeedbackTab, demo_store, YEAR)
    model = tab.detractors.model
    col = [c.key for c in model.columns].index("rescue")
    texts = {model.row_at(i)["customer_id"]: model.data(model.index(i, col))
             for i in range(model.rowCount())}
    assert texts[rows[0]["customer_id"]] == "open"
    assert texts[rows[1]["customer_id"]] == "done: Called; sent a voucher"
    assert texts[rows[2]["customer_id"]] == "dropped: Moved away"
    assert texts[rows[3]["customer_id"]] == "no action"
    assert tab.detractors.note.text() == (
        f"{model.rowCount()} detractors, 3 with a rescue action, 1 rescued (done)")


def test_a_rescue_planned_in_the_dialog_shows_on_feedback(qtbot, quiet_ui, demo_store
                                                          ) -> None:
    set_aside_demo_actions(demo_store)  # counts start from no action
    from custdesk.ui.dialogs.action_dialog import ActionDialog
    from custdesk.ui.tabs.feedback_tab import FeedbackTab

    tab = make_tab(qtbot, FeedbackTab, demo_store, YEAR)
    row = next(r for r in (tab.detractors.model.row_at(i)
                           for i in range(tab.detractors.model.rowCount())) if r["comment"])
    dialog = ActionDialog.from_signal(demo_store, "detractor", row, tab)
    assert row["comment"] in dialog.issue_edit.toPlainText()  # the comment pre-filled
    dialog.due_check.setChecked(True)
    saved: list[int] = []
    dialog.saved.connect(saved.append)
    dialog.save()
    assert saved, dialog.message.text()
    tab.refresh()
    found = next(tab.detractors.model.row_at(i) for i in range(tab.detractors.model.rowCount())
                 if tab.detractors.model.row_at(i)["customer_id"] == row["customer_id"])
    assert (found["rescue"], found["rescue_action_id"]) == ("open", saved[0])
    assert "1 with a rescue action, 0 rescued" in tab.detractors.note.text()


# ---- Today: due and overdue actions -----------------------------------------------------

def _due_plan(store) -> dict[str, int]:
    today = date.today()

    def day(n: int) -> str:
        return (today + timedelta(days=n)).isoformat()

    cid = store.conn.execute("SELECT min(id) FROM customers").fetchone()[0]
    name = store.conn.execute("SELECT name FROM customers WHERE id = ?", (cid,)).fetchone()[0]
    ids = {
        "late": acts.create_action(store, Action("Call back", day(-10), customer_id=cid,
                                                 due_on=day(-2))),
        "today": acts.create_action(store, Action("Send quote", day(-1), due_on=day(0))),
        "week": acts.create_action(store, Action("Visit", day(-1), due_on=day(7))),
        "later": acts.create_action(store, Action("Review", day(-1), due_on=day(8))),
        "undated": acts.create_action(store, Action("Think", day(-1))),
        "done": acts.create_action(store, Action("Fixed", day(-5), due_on=day(-1))),
    }
    acts.close_action(store, ids["done"], "ok", on=day(0))
    ids["customer"] = name
    return ids


def test_today_lists_the_actions_due_within_a_week_or_late(demo_store) -> None:
    set_aside_demo_actions(demo_store)  # counts start from no action
    ids = _due_plan(demo_store)
    screen = today_screen.build(demo_store, YEAR, with_series=False)
    due = screen.lists["actions_due"]
    # hand-checked: late (2 days), due today, due in 7 days; not day 8, undated or done
    assert [r["id"] for r in due] == [ids["late"], ids["today"], ids["week"]]
    assert [(r["overdue"], r["days_overdue"], r["due_in"]) for r in due] == [
        (True, 2, -2), (False, None, 0), (False, None, 7)]
    assert due[0]["customer"] == ids["customer"]
    assert screen.tables["actions_due_totals"] == [{"count": 3, "overdue": 1,
                                                    "due_today": 1}]
    assert screen.tables["list_totals"][-1] == {"list": "actions_due", "count": 3,
                                                "total": None}


def test_the_today_strip_names_due_actions_and_opens_them(qtbot, quiet_ui, demo_store
                                                         ) -> None:
    set_aside_demo_actions(demo_store)  # counts start from no action
    from custdesk.ui.dialogs.action_dialog import ActionDialog
    from custdesk.ui.tabs.today_tab import TodayTab, due_strip_html

    empty = make_tab(qtbot, TodayTab, demo_store, YEAR)
    assert "none due this week" in empty.due_strip.text()
    ids = _due_plan(demo_store)
    tab = make_tab(qtbot, TodayTab, demo_store, YEAR)
    text = tab.due_strip.text()
    assert "Due actions (3, 1 late)" in text
    assert f"action:{ids['late']}'>Call back ({ids['customer']})" in text
    assert "2 days late" in text and "due today" in text and "due in 7 days" in text
    assert "Review" not in text and "Think" not in text and "Fixed" not in text
    dialog = tab.open_link(f"action:{ids['today']}")
    assert isinstance(dialog, ActionDialog) and dialog.title_edit.text() == "Send quote"
    dialog.close()
    assert tab.open_link("nonsense") is None
    rows = [{"id": i, "title": f"A{i}", "overdue": False, "due_in": 1} for i in range(6)]
    assert "+2 more on the Actions tab" in due_strip_html(rows, None)
