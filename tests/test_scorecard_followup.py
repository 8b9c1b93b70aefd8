"""Scorecard follow-through (issue 13): per question a target score and the next action (an
Action with a due date, linked by scorecard_followups.action_id); the assessment's note is
editable; the printed summary lists the targets and the open next actions."""

from __future__ import annotations

import re
from datetime import date

import pytest

from custdesk.domain.periods import Period
from custdesk.domain.records import ActionStatus
from custdesk.services import actions_service as acts
from custdesk.services import edits
from custdesk.services import scorecard_service as svc
from custdesk.ui.tabs.scorecard_parts import NOT_ANSWERED

TODAY = date(2026, 11, 24)


def _text(html_text: str) -> str:
    """The summary as the reader sees it (QTextDocument's plain text)."""
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setHtml(html_text)
    return " ".join(doc.toPlainText().split())


def test_target_and_next_action_are_stored_and_printed(qapp, store) -> None:
    svc.save_assessment(store, {"margins": 4, "customer_service": 6}, date(2026, 11, 20),
                        "first go")
    svc.set_target(store, "margins", 8)
    action_id = svc.plan_next_action(store, "margins", "Price every product line",
                                     "2026-12-15", owner="Sam")
    action = acts.get_action(store, action_id)
    assert action is not None and (action.due_on, action.signal, action.status) == (
        "2026-12-15", "scorecard", ActionStatus.OPEN)
    assert store.conn.execute("SELECT question_id, target_score, action_id FROM "
                              "scorecard_followups").fetchall() == [("margins", 8, action_id)]
    svc.set_target(store, "customer_service", 9)
    text = _text(svc.summary_html(store))
    margins = next(q.name for q in svc.QUESTIONS if q.id == "margins")
    # under the question: its open next action with due date and who; beside the score
    # (4): the target
    assert "Next action: Price every product line (due 15 Dec 2026, Sam)" in text
    assert text.count("Next action:") == 1
    assert f"{margins} — " in text and " 4 target 8 " in text
    assert " 6 target 9 " in text  # customer service: a target, no action
    # done: no longer a next action; the target stays
    acts.close_action(store, action_id, "done")
    text = _text(svc.summary_html(store))
    assert "Price every product line" not in text and " 4 target 8 " in text


def test_a_fully_followed_up_summary_prints_on_one_page(qapp, store, tmp_path) -> None:
    from custdesk.reports.scorecard_pdf import pdf_page_count, write_pdf

    svc.save_assessment(store, {q.id: 5 for q in svc.QUESTIONS}, date(2026, 11, 20),
                        "a long note " * 8)
    for q in svc.QUESTIONS:
        svc.set_target(store, q.id, 8)
        svc.plan_next_action(store, q.id, f"A fairly long next action to raise {q.name}",
                             "2026-12-20", owner="Sam")
    html_text = svc.summary_html(store)
    assert _text(html_text).count("Next action:") == len(svc.QUESTIONS)
    out = tmp_path / "scorecard.pdf"
    assert write_pdf(html_text, out) == 1 and pdf_page_count(out) == 1


def test_no_followups_no_section_and_bad_targets_refused(qapp, store) -> None:
    svc.save_assessment(store, {"margins": 4}, date(2026, 11, 20))
    text = _text(svc.summary_html(store))
    assert "Next action" not in text and re.search(r"\btarget \d", text) is None
    for bad in (11, -1, 7.5, True):
        with pytest.raises(ValueError, match="0 to 10"):
            svc.set_target(store, "margins", bad)
    with pytest.raises(ValueError, match="no scorecard question"):
        svc.set_target(store, "nope", 5)
    with pytest.raises(acts.ActionError, match="due date"):
        svc.plan_next_action(store, "margins", "Something", "")
    assert store.conn.execute("SELECT count(*) FROM scorecard_followups").fetchone()[0] == 0
    assert store.conn.execute("SELECT count(*) FROM actions").fetchone()[0] == 0


def test_note_is_editable_and_undoable(store) -> None:
    a_id = svc.save_assessment(store, {"margins": 4}, date(2026, 11, 20), "first go")
    svc.set_note(store, a_id, "  after the supplier meeting ")
    assert svc.load_history(store)[-1].note == "after the supplier meeting"
    assert edits.undo_last_edit(store) == "Scorecard note"
    assert svc.load_history(store)[-1].note == "first go"
    with pytest.raises(LookupError):
        svc.set_note(store, a_id + 99, "x")


def test_the_tab_saves_targets_and_note_and_shows_the_next_action(qtbot, quiet_ui,
                                                                  store) -> None:
    from custdesk.ui.tabs.scorecard_tab import ScorecardTab

    tab = ScorecardTab(today=lambda: TODAY)
    qtbot.addWidget(tab)
    tab.set_period(Period(date(2025, 12, 1), TODAY), refresh=False)
    tab.set_store(store)
    tab.rows["margins"].spin.setValue(3)
    tab.rows["margins"].target.setValue(7)
    tab.note_edit.setText("quarterly check")
    assert tab.save()
    assert store.conn.execute("SELECT question_id, target_score FROM scorecard_followups"
                              ).fetchall() == [("margins", 7)]
    latest = svc.load_history(store)[-1]
    assert (latest.taken_on, latest.answers["margins"], latest.note) == (
        TODAY, 3, "quarterly check")
    # "Plan an action…" on the question: the saved action becomes its next action
    action_id = acts.create_action(store, acts.Action(
        title="Track margins monthly", created_on="2026-11-24", due_on="2026-12-01"))
    tab.link_action("margins", action_id)
    label = tab.rows["margins"].next_action
    assert label.isVisibleTo(tab) and "Track margins monthly" in label.text()
    assert tab.rows["margins"].target_score == 7  # reloaded from the file
    assert tab.rows["staff"].target.value() == NOT_ANSWERED
    # only the note changed: the shown assessment's note is edited, no new assessment
    tab.note_edit.setText("quarterly check, redone")
    tab.note_edit.textEdited.emit("quarterly check, redone")
    assert tab.save()
    history = svc.load_history(store)
    assert len(history) == 1 and history[-1].note == "quarterly check, redone"
    text = _text(tab.summary_html())
    assert "Track margins monthly" in text and "quarterly check, redone" in text
