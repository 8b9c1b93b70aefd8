"""The lost screen (being moved here from its tab; see model.py)."""

from __future__ import annotations

from custdesk.domain.periods import Period
from custdesk.services.screens.model import Screen
from custdesk.storage import Store


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True) -> Screen:
    raise NotImplementedError("the lost screen is not built yet")
