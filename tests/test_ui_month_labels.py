"""Month keys in tab tables read as the charts write them ("Jul 24"), and a month the
period holds only part of says so ("Jul 24 (17 d)") instead of passing for a whole month."""

from __future__ import annotations

from datetime import date

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
