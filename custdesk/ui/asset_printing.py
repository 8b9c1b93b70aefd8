"""File ▸ Print customers as an asset…: the one-page report (issue 15) for the period bar's
period, built in a task (`services/asset_service.py`) and previewed on A4."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from custdesk.domain.periods import Period
from custdesk.services.files import Store
from custdesk.ui.print_preview import preview_html
from custdesk.ui.tasks import TaskState


def print_asset(parent: QWidget, store: Store | None, period: Period, label: str,
                dialogs: dict[str, Any]) -> None:
    """Preview the page (kept in `dialogs["asset"]` while open)."""
    from custdesk.services.asset_service import asset_html

    def build(state: TaskState) -> str:
        assert state.store is not None
        return asset_html(state.store, period, label)

    preview_html(parent, store, "asset", "Building customers as an asset", build, dialogs)
