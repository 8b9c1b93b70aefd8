"""Today's work on three lanes (issue 18): the prior period's catalogue starts on its own
connection at once (its feedback and deal sums, made once for both periods, asked for after
its customer tallies) and Today's trends run after it on that connection
(`metrics_service.compute_metrics_and_prior_then`). The reports, the trends and the whole
screen equal those built on one connection, on random files of every record kind, for a
year, 90 days, the whole span, a period ending before the last record, an empty period and
one-day periods on boundary days."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services import metrics_service as ms
from custdesk.services.screens import today
from custdesk.storage import beside, queries_cache
from custdesk.storage import queries_deals as qd
from custdesk.storage import queries_feedback as qf
from tests.random_kinds import MID_SIZE, boundary_periods, random_kinds_file

END = date(2026, 11, 24)


@pytest.fixture(scope="module", params=[41, 42])
def store(request, tmp_path_factory):
    path = Path(tmp_path_factory.mktemp("lanes")) / "lanes.db"
    s = random_kinds_file(path, request.param, END,
                          **MID_SIZE)
    yield s
    s.close()


def _periods() -> list[Period]:
    return boundary_periods(END)


def _one_connection(store, period: Period, by=()):
    """Each period's catalogue alone (its own sums) and the trends, computed inline on the
    store, nothing kept between them."""
    was, beside.ENABLED = beside.ENABLED, False
    try:
        queries_cache.clear(store)
        now = ms.compute_metrics(store, period, by)
        queries_cache.clear(store)
        prior = ms.compute_metrics(store, period.prior())
        queries_cache.clear(store)
        return now, prior, today.build_series(store, period)
    finally:
        beside.ENABLED = was
        queries_cache.clear(store)


@pytest.mark.parametrize("by", [(), ("segment",)])
def test_the_pair_and_the_trends_equal_one_connections(store, by) -> None:
    for period in _periods():
        ref_now, ref_prior, ref_series = _one_connection(store, period, by)
        ran_on: list[object] = []

        def trends(s, period=period, ran_on=ran_on):
            ran_on.append(s)
            return today.build_series(s, period)

        now, prior, series = ms.compute_metrics_and_prior_then(store, period, by, trends)
        assert (now, prior, series) == (ref_now, ref_prior, ref_series), period
        assert ran_on and ran_on[0] is not store  # the prior's second connection
        # kept: the pair is read, the trends run on the caller's connection
        again = ms.compute_metrics_and_prior_then(store, period, by, trends)
        assert again == (ref_now, ref_prior, ref_series)
        assert ran_on[1] is store
        # and each report alone is the catalogue of its period (seeded for later screens)
        assert ms.compute_metrics(store, period, by) == ref_now
        assert ms.compute_metrics(store, period.prior()) == ref_prior
        queries_cache.clear(store)


def test_without_then_nothing_extra_is_returned(store) -> None:
    period = _periods()[0]
    now, prior, extra = ms.compute_metrics_and_prior_then(store, period)
    assert extra is None
    assert (now, prior) == ms.compute_metrics_and_prior(store, period)
    queries_cache.clear(store)


@pytest.mark.parametrize("twins", [True, False])
def test_today_with_trends_beside_equals_the_screen_on_one_connection(store, twins,
                                                                     monkeypatch) -> None:
    for period in _periods():
        queries_cache.clear(store)
        monkeypatch.setattr(beside, "ENABLED", False)
        ref = today.build(store, period, "x")
        queries_cache.clear(store)
        monkeypatch.setattr(beside, "ENABLED", twins)
        assert today.build(store, period, "x") == ref, period
        assert today.build(store, period, "x") == ref, period  # kept this time
        no_series = today.build(store, period, "x", with_series=False)
        assert no_series.cards == ref.cards and not no_series.series
    queries_cache.clear(store)


def test_both_periods_sums_are_made_once_whoever_asks_first(store, monkeypatch) -> None:
    """The caller's and the prior's connections both ask; the statements run once."""
    calls: list[str] = []
    feedback, deals = qf.feedback_totals, qd.deal_totals
    monkeypatch.setattr(qf, "feedback_totals",
                        lambda *a, **k: calls.append("feedback") or feedback(*a, **k))
    monkeypatch.setattr(qd, "deal_totals",
                        lambda *a, **k: calls.append("deals") or deals(*a, **k))
    period = _periods()[0]
    periods = [("now", period), ("prior", period.prior())]
    once = ms._SumsOnce(periods, ms.load_settings(store).repeat_contact_days, None)
    got: list = []
    threads = [threading.Thread(target=lambda k=k: got.append(once.of(store, k)))
               for k in ("now", "prior", "now")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(calls) == ["deals", "feedback"]
    queries_cache.clear(store)
    whole_feedback = feedback(store, periods, ms.load_settings(store).repeat_contact_days)
    for key in ("now", "prior"):
        expected = ({("", g): v for (k, g), v in whole_feedback.items() if k == key},
                    {("", g): v for (k, g), v in deals(store, periods).items() if k == key})
        assert once.of(store, key) == expected
    assert got.count(once.of(store, "now")) == 2 and once.of(store, "prior") in got
    queries_cache.clear(store)
