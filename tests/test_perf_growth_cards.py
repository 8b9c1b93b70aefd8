"""The growth cards' customer sums from the flags over the summary as it is
(`queries_growth_cards.card_tally`, issue 18) equal the per-source sums over the summary
as of the period's end (`growth_service.source_sums`), and the cards equal either way —
on random `make_db` files of every kind, for periods ending before, at and after the
data's end."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.metrics_customers import CustomerTally
from custdesk.domain.periods import Period
from custdesk.services import growth_service as gs
from custdesk.services import metrics_service as ms
from custdesk.services.screens import growth
from custdesk.storage import queries_growth_cards as qgc
from custdesk.storage import queries_growth_flags as qgf
from custdesk.storage import queries_why as qw
from custdesk.storage.queries import SILENT
from custdesk.storage.queries_growth_sources import customer_flags
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
PERIODS = [Period(END - timedelta(days=364), END), Period(END - timedelta(days=729),
                                                         END - timedelta(days=365)),
           Period(date(2024, 1, 1), date(2024, 3, 31)), Period(date(2016, 1, 1), END),
           Period(date(2025, 6, 1), date(2025, 6, 1)),
           Period(END + timedelta(days=1), END + timedelta(days=90))]
FIELDS = ("new", "end", "buyers", "year_pool", "year_lost", "year_active", "year_profit_e4")


@pytest.fixture(scope="module", params=[21, 22, 23])
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("cards")) / "kinds.db", request.param, END,
                          customers=(20, 250), lines=(100, 2500), deals=(50, 600),
                          tickets=(50, 800), surveys=(20, 300))
    with s.transaction():  # the odd rows of a real file
        s.conn.execute("UPDATE customers SET status = 'lost' WHERE id % 9 = 0")
        s.conn.execute("UPDATE customers SET lost_on = '2025-03-01' WHERE id % 13 = 0")
        s.conn.execute("UPDATE customers SET acquired_on = '2025-10-01' WHERE id % 17 = 0")
        s.conn.execute("UPDATE customers SET segment = NULL, source = '' WHERE id % 7 = 0")
        s.conn.execute("UPDATE orders SET cost_e4 = NULL WHERE id % 4 = 0")
    yield s
    s.close(backup_if_changed=False)


@pytest.mark.parametrize("period", PERIODS, ids=[str(p) for p in PERIODS])
def test_card_sums_equal_the_per_source_sums(store, period) -> None:
    window = ms.load_settings(store).window_days
    assert qgf.lean_flags(store, period, window) is not None  # the fast path
    got = qgc.card_tally(store, period, window)
    want = sum((g.tally for g in gs.source_sums(store, period)), CustomerTally())
    assert {f: getattr(got, f) for f in FIELDS} == {f: getattr(want, f) for f in FIELDS}
    assert got.end  # not vacuous (the year's has new customers too: below)
    assert growth.card_figures(store, period) == growth.card_figures(
        store, period, gs.source_sums(store, period))


def test_the_years_cards_count_new_and_lost_customers(store) -> None:
    got = qgc.card_tally(store, PERIODS[0], ms.load_settings(store).window_days)
    assert got.new and got.year_pool and got.year_lost and got.year_profit_e4


@pytest.mark.parametrize("period", PERIODS, ids=[str(p) for p in PERIODS])
def test_lost_in_silence_equals_the_flags_as_of_the_end(store, period) -> None:
    """Why's `lost_silent` over the lean flags == over `customer_flags` (as of the end)."""
    window = ms.load_settings(store).window_days
    flags, params = customer_flags(store, period, window)
    want = store.conn.execute(qw._LOST_SILENT.format(
        flags=flags, silent=SILENT.format(cid="cust_id", day="loss_day")), params).fetchone()
    assert qw.lost_silent(store, period, window) == tuple(want)


def test_every_flag_equals_the_flags_as_of_the_end(store) -> None:
    """Row by row, every state flag and period sum of the lean flags (not the summary's
    own columns, which they read as they are)."""
    window = ms.load_settings(store).window_days
    cols = ("cust_id, seg, source, acq, last_end, last_before, profit_year, active_end, "
            "start, new, won_back, y_start, y_new, y_won, lost_end, gone_end")
    for period in PERIODS:
        lean = qgf.lean_flags(store, period, window)
        assert lean is not None
        rows = [store.conn.execute(f"SELECT {cols} FROM ({sql}) ORDER BY cust_id",
                                   params).fetchall()
                for sql, params in (lean, customer_flags(store, period, window))]
        assert rows[0] == rows[1], period
