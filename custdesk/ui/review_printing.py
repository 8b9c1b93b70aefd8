"""File ▸ Print sales plan… and File ▸ Strategic review…: small openers wired by the main
window (the monthly review's own printing lives there, `print_review_dialog`).

The plan page is built in a read task (`services/review_service.plan_html`, the plan screen
for the last 90 days and the months ahead) and previewed on A4; the strategic review is
the dialog of `ui/dialogs/strategic_review_dialog.py`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from custdesk.services.files import Store
from custdesk.ui.print_preview import preview_html
from custdesk.ui.tasks import TaskState


def print_plan(parent: QWidget, store: Store | None, dialogs: dict[str, Any]) -> None:
    """Preview the sales plan page on A4 (kept in `dialogs["plan"]` while open)."""
    from custdesk.services.review_service import plan_html

    def build(state: TaskState) -> str:
        assert state.store is not None
        return plan_html(state.store)

    preview_html(parent, store, "plan", "Building the sales plan", build, dialogs)


def strategic_review(parent: QWidget, store: Store | None) -> object:
    """The strategic review dialog for the open file (one per file)."""
    if store is None:
        return None
    from custdesk.ui.dialogs.strategic_review_dialog import StrategicReviewDialog

    return StrategicReviewDialog.open_for(store, parent)
