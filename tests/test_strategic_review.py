"""Strategic reviews (issue 16): dated records of the five questions plus decisions, kept
like scorecard assessments (history, open one, compare two), with actions planned from a
decision linked to the review; the dialog edits, saves, compares and plans."""

from __future__ import annotations

from datetime import date

import pytest

from custdesk.services import actions_service as acts
from custdesk.services import strategic_review_service as srs


def _two(store) -> tuple[int, int]:
    first = srs.save(store, srs.StrategicReview(
        "2026-09-30", market="Offices shrinking", external="Import duties up 5 %",
        decisions="- Raise paper prices 3 %\n\n• Drop fax rolls"))
    second = srs.save(store, srs.StrategicReview(
        "2026-10-31", market="Schools buying earlier", competition="Staples Pro cut prices",
        decisions="Launch a schools bundle"))
    return first, second


def test_history_latest_and_decision_lines(store) -> None:
    first, second = _two(store)
    history = srs.history(store)
    assert [r.reviewed_on for r in history] == ["2026-09-30", "2026-10-31"]
    assert history[0].decision_lines == ["Raise paper prices 3 %", "Drop fax rolls"]
    assert srs.latest(store).id == second
    assert srs.latest(store, date(2026, 10, 15)).id == first
    assert srs.latest(store, date(2026, 9, 1)) is None
    assert [r.id for r in srs.reviewed_between(store, date(2026, 10, 1), date(2026, 10, 31))
            ] == [second]


def test_compare_two_heading_by_heading(store) -> None:
    first, second = _two(store)
    a, b = srs.get(store, first), srs.get(store, second)
    assert a is not None and b is not None
    rows = srs.compare(a, b)
    assert [r[0] for r in rows] == [
        "Changes in your market", "New and emerging services",
        "Changes in your customers' needs", "External factors", "Competitive activity",
        "Decisions"]
    assert rows[0][1:] == ("Offices shrinking", "Schools buying earlier")
    assert rows[3][1:] == ("Import duties up 5 %", "")


def test_save_rewrites_and_refuses_empty_or_undated(store) -> None:
    first, _ = _two(store)
    srs.save(store, srs.StrategicReview("2026-09-29", market="Edited", id=first))
    edited = srs.get(store, first)
    assert edited is not None and edited.market == "Edited" and edited.decisions is None
    assert edited.reviewed_on == "2026-09-29"
    with pytest.raises(srs.ReviewError, match="the review is empty"):
        srs.save(store, srs.StrategicReview("2026-11-30", market="  "))
    with pytest.raises(srs.ReviewError, match="must look like 2026-11-30"):
        srs.save(store, srs.StrategicReview("30/11/2026", market="x"))
    with pytest.raises(srs.ReviewError, match="no strategic review 999"):
        srs.save(store, srs.StrategicReview("2026-11-30", market="x", id=999))
    assert len(srs.history(store)) == 2


def test_actions_from_a_decision_are_linked_to_the_review(store) -> None:
    first, second = _two(store)
    review = srs.get(store, first)
    assert review is not None
    draft = srs.action_draft(review, "Raise paper prices 3 %", today="2026-10-01")
    assert draft.action.signal == f"strategic_review:{first}"
    assert draft.action.issue == "Decision of the strategic review of 2026-09-30"
    acts.create_action(store, draft.action)
    assert [a.title for a in srs.linked_actions(store, first)] == ["Raise paper prices 3 %"]
    assert srs.linked_actions(store, second) == []
    with pytest.raises(srs.ReviewError):
        srs.action_draft(srs.StrategicReview("2026-11-30", market="x"), "Do it")


# ----- the dialog (pytest-qt) ----------------------------------------------------------------
def test_dialog_saves_compares_and_plans_an_action(qtbot, quiet_ui, store, monkeypatch) -> None:
    from PySide6.QtCore import QDate, Qt

    from custdesk.ui.dialogs import action_dialog
    from custdesk.ui.dialogs.strategic_review_dialog import StrategicReviewDialog

    _two(store)
    dialog = StrategicReviewDialog(store)
    qtbot.addWidget(dialog)
    assert dialog.history.count() == 2
    assert dialog.history.item(0).text() == "2026-10-31 · 1 decision"  # newest first
    dialog.save()  # a new, empty review is refused with the reason, nothing written
    assert "the review is empty" in dialog.message.text()
    dialog.date.setDate(QDate(2026, 11, 30))
    dialog.edits["customer_needs"].setPlainText("Next-day delivery")
    dialog.edits["decisions"].setPlainText("Offer next-day delivery\nHire a driver")
    with qtbot.waitSignal(dialog.saved, timeout=2000) as saved:
        dialog.save()
    new_id = saved.args[0]
    review = srs.get(store, new_id)
    assert review is not None and review.reviewed_on == "2026-11-30"
    assert review.customer_needs == "Next-day delivery"
    assert dialog.history.count() == 3

    opened = []
    monkeypatch.setattr(action_dialog.ActionDialog, "open",
                        lambda self: opened.append(self))
    cursor = dialog.edits["decisions"].textCursor()
    cursor.movePosition(cursor.MoveOperation.End)  # on "Hire a driver"
    dialog.edits["decisions"].setTextCursor(cursor)
    action = dialog.plan_action()
    assert opened and action is opened[0]
    assert action.base.title == "Hire a driver"
    assert action.base.signal == f"strategic_review:{new_id}"
    action.close()

    for i in range(2):  # the two oldest (listed last)
        dialog.history.item(dialog.history.count() - 1 - i).setCheckState(Qt.CheckState.Checked)
    dialog.compare_ticked()
    assert dialog.form.isHidden() and not dialog.compare_view.isHidden()
    text = dialog.compare_view.toPlainText()
    assert "Offices shrinking" in text and "Schools buying earlier" in text
    assert text.index("2026-09-30") < text.index("2026-10-31")
    dialog.history.item(0).setCheckState(Qt.CheckState.Checked)  # three ticked
    dialog.compare_ticked()
    assert "Tick exactly two" in dialog.message.text()
