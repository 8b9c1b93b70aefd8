"""Edit ▸ Undo: one menu entry that takes back the newest thing — the last edit made in the
app, or the last import when that came later (services/edits.newest_undo decides).

An edit is taken back at once (it is small, logged row by row, and a backup is near),
as a write task of the one task runner (every tab redraws after it); an import goes
through the window's own "Undo last import…", which says what it was and asks first.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QStatusBar, QWidget

from custdesk.services import edits
from custdesk.services.files import DatabaseError, Store
from custdesk.ui import plain_text
from custdesk.ui.tasks import TaskState, default_runner

TITLE = "Undo"


class UndoWindow(Protocol):
    """What the undo needs of the main window."""

    store: Store | None

    def undo_last_import(self) -> None: ...

    def statusBar(self) -> QStatusBar: ...  # (Qt's name)


def update_label(action: QAction, store: Store | None) -> None:
    """"Undo Edit deal Acme" / "Undo import of orders.xlsx", or plain "Undo" (left enabled:
    Ctrl+Z works between two openings of the menu, and says when there is nothing)."""
    newest = edits.newest_undo(store) if store is not None and not store.closed else None
    # a label is the owner's text: "&" would become a mnemonic, so it is doubled
    action.setText(newest.label.replace("&", "&&") if newest else "&Undo")
    action.setToolTip(newest.label if newest else "Nothing to undo")


def undo_newest(window: UndoWindow, parent: QWidget) -> None:
    """Undo the newest edit or import (an edit: a write task; every tab redraws after it)."""
    store = window.store
    if store is None or store.closed:
        return
    newest = edits.newest_undo(store)
    if newest is None:
        QMessageBox.information(parent, TITLE, "There is nothing to undo.")
        return
    if newest.kind == "import":
        window.undo_last_import()
        return

    def task(state: TaskState) -> str:
        assert state.store is not None
        return edits.undo_last_edit(state.store)

    def done(label: str) -> None:
        window.statusBar().showMessage(f"Undone: {label}", 8000)

    def failed(exc: BaseException) -> None:
        known = isinstance(exc, (edits.EditUndoRefusedError, DatabaseError))
        text = str(exc) if known else f"The edit was not undone: {exc}"
        QMessageBox.warning(parent, TITLE, plain_text.safe(text))

    default_runner().write(store, task, {"*"}, done, failed, key="edit-undo")
