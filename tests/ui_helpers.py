"""What the tab tests share: a tab on a store for a period (fixtures are in conftest.py)."""

from __future__ import annotations

from custdesk.domain.periods import Period


def make_tab(qtbot, cls, store, period: Period):
    """A tab of class `cls` showing `store` for `period`, loaded synchronously."""
    tab = cls()
    qtbot.addWidget(tab)
    tab.set_period(period, refresh=False)
    tab.set_store(store)
    return tab
