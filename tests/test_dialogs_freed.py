"""Closed dialogs are freed: opening and closing the customer, merge, settings and
metric-definitions dialogs N times leaves none of them among the window's children, and
the closed ones' C++ objects are gone (shiboken6.isValid is False)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QDialog

N = 5


@pytest.fixture
def window(qtbot, quiet_ui, demo_store):  # the main window on the demo file
    from custdesk.ui.main_window import MainWindow

    w = MainWindow(demo_store, persist_state=False)
    qtbot.addWidget(w)
    yield w
    w.set_store(None)


def flush_deletes() -> None:
    """Run the deferred deletes a closed WA_DeleteOnClose dialog has posted."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


def first_customer(store) -> int:
    return store.conn.execute("SELECT min(id) FROM customers").fetchone()[0]


def openers(window) -> dict[str, Callable[[], QDialog]]:
    from custdesk.ui.dialogs.customer_dialog import CustomerDialog
    from custdesk.ui.dialogs.merge_dialog import MergeDialog

    store = window.store
    cid = first_customer(store)
    return {
        "customer": lambda: CustomerDialog.open_for(store, cid, window),
        "merge": lambda: _opened(MergeDialog(store, window)),
        "settings": window.settings_dialog,
        "metric_definitions": window.show_metric_definitions,
    }


def _opened(dialog: QDialog) -> QDialog:
    dialog.open()
    return dialog


@pytest.mark.parametrize("kind", ["customer", "merge", "settings", "metric_definitions"])
def test_closed_dialogs_are_freed(window, kind: str) -> None:
    open_dialog = openers(window)[kind]
    closed: list[QDialog] = []
    for _ in range(N):
        dialog = open_dialog()
        assert dialog.isVisible()
        dialog.close()
        flush_deletes()
        closed.append(dialog)
    left = [c for c in window.findChildren(QDialog) if shiboken6.isValid(c)]
    assert left == [], f"{len(left)} closed {kind} dialog(s) still alive"
    assert not any(shiboken6.isValid(d) for d in closed)


def test_one_dialog_per_customer_and_per_kind(window) -> None:
    from custdesk.ui.dialogs.customer_dialog import CustomerDialog

    cid = first_customer(window.store)
    first = CustomerDialog.open_for(window.store, cid, window)
    assert CustomerDialog.open_for(window.store, cid, window) is first
    other = CustomerDialog.open_for(window.store, cid + 1, window)
    assert other is not first
    settings = window.settings_dialog()
    assert window.settings_dialog() is settings
    for d in (first, other, settings):
        d.close()
    flush_deletes()
    again = CustomerDialog.open_for(window.store, cid, window)
    assert again is not first and shiboken6.isValid(again)
    again.close()
    flush_deletes()


def test_customer_dialog_shows_the_customer_screen(window) -> None:
    from custdesk.ui.dialogs.customer_dialog import CustomerDialog

    cid = first_customer(window.store)
    dialog = CustomerDialog.open_for(window.store, cid, window)
    assert dialog.story.name == "customer"
    assert dialog.timeline_model.rowCount() == len(dialog.story.lists["story"])
    assert "Revenue" in dialog.figures.text()
    dialog.close()
    flush_deletes()
