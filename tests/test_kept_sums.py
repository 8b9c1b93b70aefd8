"""Growth's cards and Why's cards from what Today's catalogue kept (`queries_kept`, issue
18): the kept whole-file tally and qualified leads are the catalogue's own, they are found
under the keys the catalogue keeps them (nothing computed when they are), and the cards
built from them equal the cards built without them — on random files of every kind, for
periods ending before, at and after the data's end, an empty one and a one-day one."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.metrics_customers import CustomerTally
from custdesk.domain.periods import Period
from custdesk.services import growth_service as gs
from custdesk.services import metrics_service as ms
from custdesk.services.screens import growth, today, why
from custdesk.services.screens.model import to_json
from custdesk.storage import beside, queries_cache
from custdesk.storage import queries_deals as qd
from custdesk.storage import queries_growth_cards as qgc
from custdesk.storage import queries_growth_pipeline as qgp
from custdesk.storage import queries_kept as qk
from custdesk.storage import queries_tally as qt
from custdesk.storage import queries_why as qw
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
PERIODS = [Period(END - timedelta(days=364), END), Period(END - timedelta(days=89), END),
           Period(END - timedelta(days=729), END - timedelta(days=365)),
           Period(date(2016, 1, 1), END), Period(date(2025, 6, 1), date(2025, 6, 1)),
           Period(END + timedelta(days=1), END + timedelta(days=90))]
CARD_FIELDS = ("new", "end", "buyers", "year_pool", "year_lost", "year_profit_e4")


@pytest.fixture(scope="module", params=[31, 32])
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("kept")) / "kinds.db", request.param,
                          END, customers=(20, 250), lines=(100, 2500), deals=(50, 600),
                          tickets=(50, 800), surveys=(20, 300))
    with s.transaction():  # the odd rows of a real file
        s.conn.execute("UPDATE customers SET status = 'lost' WHERE id % 9 = 0")
        s.conn.execute("UPDATE customers SET lost_on = '2025-03-01' WHERE id % 13 = 0")
        s.conn.execute("UPDATE customers SET segment = NULL, source = '' WHERE id % 7 = 0")
    yield s
    s.close(backup_if_changed=False)


def _boom(*_args, **_kwargs):
    raise AssertionError("computed although the catalogue kept it")


def test_nothing_is_kept_before_a_catalogue_and_asking_keeps_nothing(store) -> None:
    queries_cache.clear(store)
    window = ms.load_settings(store).window_days
    for _ in range(2):
        assert qk.customer_tally(store, PERIODS[0], window) is None
        assert qk.leads_qualified(store, PERIODS[0]) is None


@pytest.mark.parametrize("period", PERIODS, ids=[str(p) for p in PERIODS])
def test_kept_sums_are_the_catalogues(store, period) -> None:
    queries_cache.clear(store)
    window = ms.load_settings(store).window_days
    ms.compute_metrics_and_prior(store, period)  # what Today builds
    for p in (period, period.prior()):
        kept = qk.customer_tally(store, p, window)
        assert kept == sum(qt.customer_tallies(store, p, window).values(), CustomerTally())
        # the figures the screens took from their own statements
        lean = qgc.card_tally(store, p, window)
        assert {f: getattr(kept, f) for f in CARD_FIELDS} == {
            f: getattr(lean, f) for f in CARD_FIELDS}
        assert (kept.lost, kept.lost_silent) == qw.lost_silent(store, p, window)
        assert qk.leads_qualified(store, p) == qd.leads_qualified(store, p)


def test_the_years_kept_sums_are_not_vacuous(store) -> None:
    queries_cache.clear(store)
    window = ms.load_settings(store).window_days
    ms.compute_metrics_and_prior(store, PERIODS[0])
    kept = qk.customer_tally(store, PERIODS[0], window)
    assert kept is not None and kept.new and kept.year_lost and kept.lost
    assert qk.leads_qualified(store, PERIODS[0])


@pytest.mark.parametrize("period", PERIODS, ids=[str(p) for p in PERIODS])
def test_growth_cards_from_kept_sums_equal_their_own(store, period, monkeypatch) -> None:
    queries_cache.clear(store)
    own = growth.card_figures(store, period, gs.source_sums(store, period))
    alone = growth.card_figures(store, period)  # a page without the per-source sums
    assert own == alone
    queries_cache.clear(store)
    ms.compute_metrics_and_prior(store, period)
    monkeypatch.setattr(qgc, "card_tally", _boom)
    monkeypatch.setattr(qgp, "leads_qualified", _boom)
    assert growth.card_figures(store, period, gs.source_sums(store, period)) == own
    assert growth.card_figures(store, period) == own


@pytest.mark.parametrize("period", PERIODS, ids=[str(p) for p in PERIODS])
def test_why_cards_from_kept_sums_equal_their_own(store, period, monkeypatch) -> None:
    queries_cache.clear(store)
    own = why.figures(store, period)
    queries_cache.clear(store)
    ms.compute_metrics_and_prior(store, period)
    monkeypatch.setattr(qw, "lost_silent", _boom)
    assert why.figures(store, period) == own


@pytest.mark.parametrize("twins", [False, True])
def test_screens_after_today_equal_the_screens_first(store, monkeypatch, twins: bool) -> None:
    """The whole Why screen and Growth's first page (cards and Acquisition) built after
    Today (kept sums; with twins the parts on second connections) equal them built first."""
    monkeypatch.setattr(beside, "ENABLED", twins)
    for period in PERIODS[:4]:
        queries_cache.clear(store)
        first_why = to_json(why.build(store, period, "p"))
        first_growth = to_json(growth.build_pages(store, period, "p", ("acquisition",)))
        if period == PERIODS[0]:  # a year with what the cards show
            assert first_why["cards"]["lost_silent_pct"]["prior"] is not None
            assert first_growth["cards"]["leads_qualified"]["value"]
        queries_cache.clear(store)
        today.build(store, period, "p")
        assert to_json(why.build(store, period, "p")) == first_why, period
        assert to_json(growth.build_pages(store, period, "p", ("acquisition",))) == (
            first_growth), period


def test_a_write_drops_the_kept_sums(store) -> None:
    queries_cache.clear(store)
    window = ms.load_settings(store).window_days
    ms.compute_metrics_and_prior(store, PERIODS[0])
    assert qk.customer_tally(store, PERIODS[0], window) is not None
    with store.transaction():
        store.conn.execute("UPDATE customers SET segment = segment WHERE id = 1")
    assert qk.customer_tally(store, PERIODS[0], window) is None
    assert qk.leads_qualified(store, PERIODS[0]) is None
