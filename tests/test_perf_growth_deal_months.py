"""The Pipeline page's won and lost deals by month from the closed deals alone
(`queries_growth_pipeline.closed_by_month`, issue 18) == the catalogue's `deal_totals` of
every month's slot, on random `make_db` files (with deals closed without a creation day,
without an amount, with a list amount or only a product list price) and periods."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services.screens import growth_price
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
PERIODS = [Period(END - timedelta(days=364), END), Period(date(2016, 1, 1), END),
           Period(date(2025, 2, 10), date(2025, 5, 20)), Period(date(2026, 3, 3),
                                                               date(2026, 3, 3)),
           Period(END + timedelta(days=1), END + timedelta(days=60))]


@pytest.fixture(scope="module", params=[31, 32, 33])
def store(request, tmp_path_factory):
    path = Path(tmp_path_factory.mktemp("dealmonths")) / "deals.db"
    s = random_kinds_file(path, request.param, END,
                          customers=(20, 150), lines=(100, 800), deals=(200, 900), tickets=20,
                          surveys=10)
    with s.transaction():  # the gaps an imported pipeline has
        s.conn.execute("UPDATE deals SET created_on = NULL WHERE id % 7 = 0")
        s.conn.execute("UPDATE deals SET created_on = '' WHERE id % 11 = 0")
        s.conn.execute("UPDATE deals SET amount_e4 = NULL WHERE id % 9 = 0")
        s.conn.execute("UPDATE deals SET list_amount_e4 = NULL WHERE id % 3 = 0")
        s.conn.execute("UPDATE deals SET closed_on = closed_on || 'T10:00' WHERE id % 5 = 0")
    yield s
    s.close(backup_if_changed=False)


@pytest.mark.parametrize("period", PERIODS, ids=[str(p) for p in PERIODS])
def test_deal_months_equal_the_catalogues_deal_totals(store, period) -> None:
    got = growth_price.deal_months(store, period)
    assert got == growth_price.deal_months(store, period, reference=True)


def test_deal_months_are_not_empty(store) -> None:
    rows = growth_price.deal_months(store, PERIODS[1])
    assert sum(r["deals_won"] for r in rows) and sum(r["deals_lost"] for r in rows)
    assert any(r["discount_pct_avg"] is not None for r in rows)
    assert any(r["sales_cycle_days_avg"] is not None for r in rows)


def test_qualified_leads_of_several_periods_in_one_pass(store) -> None:
    """`queries_growth_pipeline.leads_qualified` (the cards' period and prior period in
    one pass) == `queries_deals.leads_qualified` of each period."""
    from custdesk.storage import queries_deals as qd
    from custdesk.storage import queries_growth_pipeline as qgp

    for period in PERIODS:
        pair = [period, period.prior()]
        assert qgp.leads_qualified(store, pair) == [qd.leads_qualified(store, p)
                                                    for p in pair], period
    assert qgp.leads_qualified(store, PERIODS) == [qd.leads_qualified(store, p)
                                                   for p in PERIODS]
    assert qgp.leads_qualified(store, PERIODS[1:2])[0]  # not vacuous
    assert qgp.leads_qualified(store, []) == []


def test_no_qualified_stage_no_figure(store, tmp_path) -> None:
    from custdesk.storage import queries_growth_pipeline as qgp

    with store.transaction():
        store.conn.execute("UPDATE stages SET name = 'Checked' WHERE name = 'Qualified'")
    try:
        assert qgp.leads_qualified(store, PERIODS[:2]) is None
    finally:
        with store.transaction():
            store.conn.execute("UPDATE stages SET name = 'Qualified' WHERE name = 'Checked'")
