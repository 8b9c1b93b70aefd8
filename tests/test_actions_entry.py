"""The last two entry points of "Plan an action…" (issue 13): a ticket topic with complaints
on Feedback, and a scorecard question (its score as the issue). pytest-qt; no modal runs."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from ui_helpers import make_tab

from custdesk.domain.periods import Period
from custdesk.services import actions_service as acts

YEAR = Period(date(2025, 12, 1), date(2026, 11, 24))


def test_a_ticket_topic_draft_names_its_complaints() -> None:
    row = {"name": "Delivery", "tickets": 61, "complaints": 13, "csat_pct": 56.3}
    draft = acts.draft_from_signal("complaint", row, today="2026-11-24")
    assert draft.action.title == "Resolve the complaints about Delivery"
    assert draft.action.issue == ("Complaints about Delivery: 13 of 61 tickets in the "
                                  "period, satisfaction 56 %")
    assert (draft.action.signal, draft.action.customer_id, draft.subject) == (
        "complaint", None, "Delivery")
    one = acts.draft_from_signal("complaint", {"id": 4, "customer_id": 2, "customer": "Ann",
                                               "topic": "Billing",
                                               "opened_at": "2026-11-02 09:00"})
    assert (one.action.title, one.action.issue, one.action.ticket_id) == (
        "Resolve complaint of Ann", "Complaint about Billing, opened 2026-11-02", 4)


def test_a_scorecard_draft_says_the_score_or_that_there_is_none() -> None:
    low = acts.draft_from_signal("scorecard", {"question": "Margins", "score": 3,
                                               "area": "Profit"})
    assert (low.action.title, low.action.issue) == (
        "Raise the score of Margins", "Scorecard: Margins scored 3/10 — Profit")
    blank = acts.draft_from_signal("scorecard", {"question": "Margins", "score": None})
    assert blank.action.issue == "Scorecard: Margins (not scored yet)"


def test_feedbacks_topics_with_complaints_plan_an_action(qtbot, quiet_ui, demo_store
                                                         ) -> None:
    from custdesk.ui.dialogs.action_dialog import ActionDialog
    from custdesk.ui.tabs.feedback_tab import FeedbackTab, complaint_signal

    tab = make_tab(qtbot, FeedbackTab, demo_store, YEAR)
    table = tab.topics.table
    assert table.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu
    rows = [tab.topics.model.row_at(i) for i in range(tab.topics.model.rowCount())]
    row = next(r for r in rows if r["complaints"])
    assert complaint_signal(row) == "complaint"
    assert complaint_signal({**row, "complaints": 0}) is None  # nothing to act on
    dialog = ActionDialog.from_signal(demo_store, complaint_signal(row), row, tab)
    assert dialog.title_edit.text() == f"Resolve the complaints about {row['name']}"
    saved: list[int] = []
    dialog.saved.connect(saved.append)
    dialog.save()
    assert saved, dialog.message.text()
    action = acts.get_action(demo_store, saved[0])
    assert action is not None and action.signal == "complaint"
    assert action.issue.startswith(f"Complaints about {row['name']}: {row['complaints']} of ")


def test_a_scorecard_question_plans_an_action(qtbot, quiet_ui, demo_store) -> None:
    from custdesk.ui.dialogs.action_dialog import ActionDialog
    from custdesk.ui.tabs.scorecard_tab import ScorecardTab

    tab = ScorecardTab(today=lambda: YEAR.end)
    qtbot.addWidget(tab)
    tab.set_period(YEAR, refresh=False)
    tab.set_store(demo_store)
    row = next(iter(tab.rows.values()))
    assert "href='plan'" in row.text.text()
    row.set_score(2)
    row.text.linkActivated.emit("plan")  # the row's "Plan an action…" link
    dialog = tab.plan_action(row)  # the same dialog, raised (one per signal row)
    assert isinstance(dialog, ActionDialog) and dialog.isVisible()
    name = row.question.name
    assert dialog.title_edit.text() == f"Raise the score of {name}"
    assert dialog.issue_edit.toPlainText() == (
        f"Scorecard: {name} scored 2/10 — {row.question.area}")
    saved: list[int] = []
    dialog.saved.connect(saved.append)
    dialog.save()
    assert saved and acts.get_action(demo_store, saved[0]).signal == "scorecard"
