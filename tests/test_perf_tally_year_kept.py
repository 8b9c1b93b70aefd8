"""A period's customer tallies with the trailing year's fields (`queries_tally.YEAR_FIELDS`)
taken per segment from the kept tallies of the one-year period ending on the same day
(Today's 12 months, then 90 days) must equal the reference statement
(`queries_tally.tallies_reference`): every field per segment and for the file, and every
field but the year's per (segment, lost reason) — the bridge's grouping reads none of
them. Random files of every record kind with customers planted on the periods' edges
(the settled test's planter: last orders around the cuts, losses recorded on the edges or
marked lost, won deals without orders, orders after the end, undated customers); periods
of 90 and 30 days, one day, the whole span, two years, ending before the last order, before
any record (empty), and lapse windows of 30, 90 and 365 days."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.metrics_customers import CustomerTally
from custdesk.domain.periods import Period
from custdesk.storage import Store, queries_cache, queries_summary
from custdesk.storage import queries_tally as qt
from tests.random_kinds import TALLY_SIZE, random_kinds_file
from tests.test_perf_tally_settled import END, _plant

Fine = list[tuple[str, str, CustomerTally]]
ENDS = (END, END - timedelta(days=200), date(2024, 3, 1), date(2000, 12, 31))


def _periods(end: date) -> list[Period]:
    return [Period(end - timedelta(days=89), end), Period(end - timedelta(days=29), end),
            Period(end, end), Period(date(1999, 1, 1), end),
            Period(end - timedelta(days=729), end)]


@pytest.fixture(scope="module", params=[91, 92, 93])
def store(request, tmp_path_factory):
    rng = random.Random(request.param)
    s = random_kinds_file(Path(tmp_path_factory.mktemp("year")) / "year.db",
                          request.param, END, rng=rng, **TALLY_SIZE)
    with s.transaction():
        for end, window in itertools.product(ENDS[:2], (30, 90)):
            _plant(s, _periods(end)[0], window, rng)
    queries_summary.refresh_order_stats(s)
    yield s
    s.close()


def _by_segment(fine: Fine) -> dict[str, CustomerTally]:
    out: dict[str, CustomerTally] = defaultdict(CustomerTally)
    for seg, _reason, tally in fine:
        out[seg] += tally
    return dict(out)


def _without_year(fine: Fine) -> Fine:
    zero = dict.fromkeys(qt.YEAR_FIELDS, 0)
    return [(seg, reason, replace(t, **zero)) for seg, reason, t in fine]


def _assert_same(got: Fine, want: Fine, label: object) -> None:
    assert _by_segment(got) == _by_segment(want), label
    assert _without_year(got) == _without_year(want), label
    assert sum((t for *_k, t in got), CustomerTally()) == sum(
        (t for *_k, t in want), CustomerTally()), label


def test_year_taken_from_the_one_year_tallies_equals_reference(store) -> None:
    checked = 0
    for end, window in itertools.product(ENDS, (30, 90, 365)):
        year = qt._tallies_by_segment_and_reason(store, Period.trailing_year(end), window)
        for period in _periods(end):
            got = qt._tallies_by_segment_and_reason(store, period, window, year_from=year)
            want = qt.tallies_reference(store, period, window)
            _assert_same(got, want, (period, window))
            checked += any(getattr(t, f) for *_k, t in want for f in qt.YEAR_FIELDS)
    assert checked >= 20  # the year's fields are not all 0


def test_the_year_fields_are_the_ones_given(store) -> None:
    """The statement does not compute them: other year fields given, other fields out."""
    end, window = END, 90
    year = qt._tallies_by_segment_and_reason(store, Period.trailing_year(end), window)
    doubled = [(s, r, replace(t, **{f: 2 * getattr(t, f) + 1 for f in qt.YEAR_FIELDS}))
               for s, r, t in year]
    got = _by_segment(qt._tallies_by_segment_and_reason(
        store, _periods(end)[0], window, year_from=doubled))
    assert {s: tuple(getattr(t, f) for f in qt.YEAR_FIELDS) for s, t in got.items()} == {
        s: tuple(getattr(t, f) for f in qt.YEAR_FIELDS)
        for s, t in _by_segment(doubled).items()}


def test_customer_tallies_use_the_kept_year(store, monkeypatch) -> None:
    """Kept: the one-year period's tallies are used (both groupings equal the reference's
    where they must); not kept: computed whole, as before."""
    wants = {end: qt.tallies_reference(store, _periods(end)[0], 90) for end in ENDS[:3]}
    seen: list[bool] = []
    real = qt._tallies_by_segment_and_reason

    def spy(s: Store, period: Period, window: int, **kw: object) -> Fine:
        seen.append(kw.get("year_from") is not None)
        return real(s, period, window, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(qt, "_tallies_by_segment_and_reason", spy)
    for end in ENDS[:3]:
        period = _periods(end)[0]
        want = wants[end]
        queries_cache.clear(store)
        alone = qt.customer_tallies(store, period, 90)
        assert alone == _by_segment(want)
        queries_cache.clear(store)
        qt.customer_tallies(store, Period.trailing_year(end), 90)
        assert qt.customer_tallies(store, period, 90) == _by_segment(want)
        queries_cache.clear(store)
        qt.customer_tallies(store, Period.trailing_year(end), 90)
        by_reason = qt.customer_tallies(store, period, 90, by="lost_reason")
        want_reason: dict[str, CustomerTally] = defaultdict(CustomerTally)
        for _seg, reason, t in _without_year(want):
            want_reason[reason] += t
        assert {r: replace(t, **dict.fromkeys(qt.YEAR_FIELDS, 0))
                for r, t in by_reason.items()} == want_reason
    # per end: alone (not kept), the year, kept, the year again, kept
    assert seen == [False, False, True, False, True] * 3


@pytest.mark.parametrize("end", [date(2024, 3, 1), date(2024, 12, 2), date(2025, 2, 27)])
def test_a_leap_years_12_months_serve_too(store, end: date) -> None:
    """"Last 12 months" holding a 29 February is 366 days (not `trailing_year`'s 365): kept,
    it serves a shorter period ending on the same day, and the 365 days serve it — the
    year's fields are over the same 365 days (review, round 10: the reuse missed in a leap
    year)."""
    months = Period.preset("last_12_months", end)
    assert months != Period.trailing_year(end) and (months.end - months.start).days == 365
    seen: list[bool] = []
    real = qt._tallies_by_segment_and_reason

    def spy(s: Store, period: Period, window: int, **kw: object) -> Fine:
        seen.append(kw.get("year_from") is not None)
        return real(s, period, window, **kw)  # type: ignore[arg-type]

    for shorter in (Period(end - timedelta(days=89), end), months):
        want = _by_segment(qt.tallies_reference(store, shorter, 90))
        kept = Period.trailing_year(end) if shorter == months else months
        queries_cache.clear(store)
        qt.customer_tallies(store, kept, 90)
        qt._tallies_by_segment_and_reason, saved = spy, real  # type: ignore[assignment]
        try:
            assert qt.customer_tallies(store, shorter, 90) == want
        finally:
            qt._tallies_by_segment_and_reason = saved
    assert seen == [True, True]
