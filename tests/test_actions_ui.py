"""Planning an action from a signal (issue 13): the at-risk row pre-fills the issue, the
save goes through the task runner, and the dialog is freed on close (pytest-qt; no modal
dialog is ever run: the dialog's own methods are called)."""

from __future__ import annotations

from datetime import date

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from ui_helpers import make_tab

from custdesk.domain.periods import Period
from custdesk.domain.records import ActionStatus
from custdesk.services import actions_service as acts

YEAR = Period(date(2025, 12, 1), date(2026, 11, 24))


def flush_deletes() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


def test_an_action_from_an_at_risk_row_prefills_the_issue_and_saves(qtbot, quiet_ui,
                                                                       demo_store) -> None:
    from custdesk.ui.dialogs.action_dialog import ActionDialog
    from custdesk.ui.tabs.today_tab import TodayTab

    tab = make_tab(qtbot, TodayTab, demo_store, YEAR)
    panel = tab.lists["at_risk"]
    assert panel.model.rowCount() > 0
    row = panel.model.row_at(0)
    dialog = ActionDialog.from_signal(demo_store, "at_risk", row, tab)
    assert dialog.isVisible()
    assert dialog.title_edit.text() == f"Keep {row.customer}"
    issue = dialog.issue_edit.toPlainText()
    assert issue.startswith("At risk: ") and row.reasons[0] in issue
    assert ActionDialog.from_signal(demo_store, "at_risk", row, tab) is dialog  # one per row
    dialog.owner_edit.setText("Sam")
    dialog.cause_box.setCurrentIndex(dialog.cause_box.findData("process"))
    dialog.due_check.setChecked(True)
    saved: list[int] = []
    dialog.saved.connect(saved.append)
    dialog.save()
    assert saved, dialog.message.text()
    action = acts.get_action(demo_store, saved[0])
    assert action is not None
    assert (action.customer_id, action.owner, action.cause, action.signal, action.status) == (
        row.customer_id, "Sam", "process", "at_risk", ActionStatus.OPEN)
    assert action.issue == issue and action.due_on == date.today().isoformat()
    flush_deletes()
    assert not shiboken6.isValid(dialog)  # saved → closed → freed


def test_a_blank_title_is_refused_in_the_dialog(qtbot, quiet_ui, demo_store) -> None:
    from custdesk.ui.dialogs.action_dialog import ActionDialog

    row = {"customer_id": 1, "customer": "Ann", "nps": 3, "date": "2026-10-01",
           "comment": "Slow delivery"}
    before = acts.list_actions(demo_store)  # the demo owner's own
    dialog = ActionDialog.from_signal(demo_store, "detractor", row)
    qtbot.addWidget(dialog)
    assert "Slow delivery" in dialog.issue_edit.toPlainText()
    dialog.title_edit.setText("  ")
    dialog.save()
    assert "title" in dialog.message.text() and dialog.isVisible()
    assert acts.list_actions(demo_store) == before
    dialog.close()


def test_closed_action_dialogs_are_freed(qtbot, quiet_ui, demo_store) -> None:
    from PySide6.QtWidgets import QDialog, QWidget

    from custdesk.ui.dialogs.action_dialog import ActionDialog

    parent = QWidget()
    qtbot.addWidget(parent)
    closed = []
    for i in range(5):
        row = {"id": i + 1, "title": f"Deal {i}", "stage": "Proposal", "amount": 100.0}
        dialog = ActionDialog.from_signal(demo_store, "hot_deal", row, parent)
        assert dialog.isVisible() and dialog.title_edit.text() == f"Move Deal {i} forward"
        dialog.close()
        flush_deletes()
        closed.append(dialog)
    assert not any(shiboken6.isValid(d) for d in closed)
    assert [d for d in parent.findChildren(QDialog) if shiboken6.isValid(d)] == []
    assert ActionDialog._open == {}


def test_the_customer_dialog_plans_an_action_for_its_customer(qtbot, quiet_ui,
                                                              demo_store) -> None:
    from custdesk.ui.dialogs.customer_dialog import CustomerDialog

    cid = demo_store.conn.execute("SELECT min(id) FROM customers").fetchone()[0]
    dialog = CustomerDialog.open_for(demo_store, cid)
    qtbot.addWidget(dialog)
    action = dialog.plan_action()
    assert action is not None and action.base.customer_id == cid
    action.close()
    dialog.close()
