"""One road: `custdesk screen NAME` prints what the tab draws — the same builder, called the
same way. For every tab, its load (without the monthly series, which it loads apart) equals
the registry's screen of the same name with its series left out."""

from __future__ import annotations

from datetime import date

import pytest

from custdesk.domain.periods import Period
from custdesk.services.screens.customers import TABLE_TOKEN
from custdesk.services.screens.model import to_json
from custdesk.services.screens.registry import SCREENS

# tab slug -> screen name (the two that kept older slugs)
SCREEN_OF_TAB = {"lost_prospects": "lost", "reasons": "why"}
PERIOD = Period(date(2025, 11, 25), date(2026, 11, 24))


@pytest.mark.parametrize("index", range(11))
def test_every_tab_draws_exactly_the_screen_the_cli_prints(qtbot, demo_store, index) -> None:
    from custdesk.ui.main_window import TAB_CLASSES

    tab = TAB_CLASSES[index]()
    qtbot.addWidget(tab)
    tab.set_period(PERIOD, refresh=False)
    shown = to_json(tab.load(demo_store, PERIOD))
    printed = to_json(SCREENS[SCREEN_OF_TAB.get(tab.slug, tab.slug)](
        demo_store, PERIOD, tab.period_label))
    shown.pop("series", None)
    printed.pop("series", None)
    # the Customers tab's screen also names its table rows (customers.TABLE_TOKEN: how the
    # tab asks not to be sent them again; tests/test_perf_customers_table_token.py)
    token = shown["tables"].pop(TABLE_TOKEN, None)
    assert (token is not None) == (tab.slug == "customers")
    assert shown == printed, tab.slug
