"""What tabs show beside the screen's raw keys: month keys read as the charts write them
("Jul 24") and a month the period holds only part of says so ("Jul 24 (17 d)"); amounts in
labels carry the currency ("$300–$500")."""

from __future__ import annotations

from datetime import date

import pytest
from test_why_lost import Q3, deals  # noqa: F401 - the fixture
from test_why_screen import tiny  # noqa: F401 - the fixture
from ui_helpers import make_tab

from custdesk.domain.periods import Period


def test_questionnaire_months_are_labelled_and_a_cut_month_marked(qtbot, tiny) -> None:  # noqa: F811
    from custdesk.ui.tabs.why_tab import WhyTab

    # 15 July to 31 August: July has 17 of its 31 days in the period, August all of them
    tab = make_tab(qtbot, WhyTab, tiny, Period(date(2024, 7, 15), date(2024, 8, 31)))
    months = tab.questionnaires_page.months.model
    keys = [r["month"] for r in months.rows()]
    shown = [months.index(r, 0).data() for r in range(months.rowCount())]
    expected = {"2024-07": "Jul 24 (17 d)", "2024-08": "Aug 24"}
    assert keys == ["2024-07", "2024-08"]
    assert shown == [expected[k] for k in keys]


@pytest.mark.usefixtures("quiet_ui", "english_locale")
def test_deal_size_bands_are_amounts_with_the_currency(qtbot, deals) -> None:  # noqa: F811
    from custdesk.ui.tabs.lost_prospects_tab import LostProspectsTab

    tab = make_tab(qtbot, LostProspectsTab, deals, Q3)
    assert "(up to $300: 2; $300–$500: 1; $500–$800: 1; over $800: 1)" in \
        tab.across.bands.text()
    tab.across.dimension.setCurrentIndex(2)  # deal size
    cross = tab.across.cross.model
    shown = {cross.index(r, 0).data() for r in range(cross.rowCount())}
    assert shown == {"$300–$500", "up to $300"}
    assert {r["group"] for r in cross.rows()} == {"300–500", "up to 300"}  # the screen's keys
