"""A period change keeping the last day finds the Loyalty and New screens' end tables kept:
the Loyalty tab (`loyalty.build_tab`) then makes the renewal lists on the New part's
second connection, after New's list, beside the groups' statement on its own. The tab must
draw the same as built afresh without second connections (random files of every kind; the
periods ending on the last day: a year, 90 days, one day, the whole span; a rule other than
the period's); the renewals must be made there only when both parts' tables are kept; a
failure of the tab's own part waits for the New part before it is raised."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, random_store

from custdesk.domain.periods import Period
from custdesk.services.screens import loyalty
from custdesk.storage import beside, queries_cache

SAME_END = (Period(END - timedelta(days=89), END), Period(END, END),
            Period(date(1990, 1, 1), END), Period(END - timedelta(days=29), END))


@pytest.fixture(scope="module", params=[141, 142])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("loyalty_lanes")), request.param)
    s.conn.commit()  # a second connection sees only what is committed
    yield s
    s.close()


def _spy_renewals(monkeypatch) -> list[str]:
    made: list[str] = []
    compute = loyalty.renewal_rows

    def spy(on, period, rule):
        made.append(threading.current_thread().name)
        return compute(on, period, rule)

    monkeypatch.setattr(loyalty, "renewal_rows", spy)
    return made


def _spy(read: list[str], name: str, fn):
    def spy(*args, **kwargs):
        read.append(name)
        return fn(*args, **kwargs)
    return spy


def _same(a, b) -> None:
    assert a.tables == b.tables and a.lists == b.lists and a.cards == b.cards
    assert a.empty == b.empty and a.notes == b.notes


def test_renewals_beside_on_a_period_change_keeping_the_last_day(store, monkeypatch) -> None:
    made = _spy_renewals(monkeypatch)
    for period in SAME_END:
        monkeypatch.setattr(beside, "ENABLED", False)
        queries_cache.clear(store)
        alone = loyalty.build_tab(store, period, "x")
        monkeypatch.setattr(beside, "ENABLED", True)
        queries_cache.clear(store)
        made.clear()
        loyalty.build_tab(store, Period.trailing_year(END), "x")  # first: nothing kept
        assert made == ["MainThread"]
        changed = loyalty.build_tab(store, period, "x")  # the end tables kept now
        assert made == ["MainThread", "custdesk-beside"]
        _same(changed, alone)


def test_another_last_day_makes_them_here(store, monkeypatch) -> None:
    made = _spy_renewals(monkeypatch)
    monkeypatch.setattr(beside, "ENABLED", True)
    queries_cache.clear(store)
    loyalty.build_tab(store, Period.trailing_year(END), "x")
    made.clear()
    other = Period.trailing_year(END - timedelta(days=1))
    got = loyalty.build_tab(store, other, "x")
    assert made == ["MainThread"]  # nothing kept for that day: made here, as before
    monkeypatch.setattr(beside, "ENABLED", False)
    queries_cache.clear(store)
    _same(got, loyalty.build_tab(store, other, "x"))


def test_a_failed_tab_part_waits_for_the_new_part(store, monkeypatch) -> None:
    monkeypatch.setattr(beside, "ENABLED", True)
    queries_cache.clear(store)
    loyalty.build_tab(store, Period.trailing_year(END), "x")  # the end tables kept
    ended = threading.Event()
    build_new = loyalty.new.build

    def slow_new(*args, **kwargs):
        try:
            threading.Event().wait(0.3)
            return build_new(*args, **kwargs)
        finally:
            ended.set()

    def fails(*_args, **_kwargs):
        raise RuntimeError("the groups failed")

    monkeypatch.setattr(loyalty.new, "build", slow_new)
    monkeypatch.setattr(loyalty.ql, "loyalty_groups", fails)
    with pytest.raises(RuntimeError, match="the groups failed"):
        loyalty.build_tab(store, Period(END - timedelta(days=89), END), "x")
    assert ended.is_set()


def test_end_tables_warmed_ahead_are_read_by_the_first_build(store, monkeypatch) -> None:
    """`warm_end_tables` (for a worker with nothing to do) keeps both parts' end tables:
    the tab's first build then reads no first days, habits or cohorts, and draws the same
    as built afresh; a second warm-up reads nothing either."""
    monkeypatch.setattr(beside, "ENABLED", True)
    year = Period.trailing_year(END)
    queries_cache.clear(store)
    fresh = loyalty.build_tab(store, year, "x")
    queries_cache.clear(store)
    read: list[str] = []
    for name in ("first_days", "habits", "cohort_cells"):
        monkeypatch.setattr(loyalty.ql, name, _spy(read, name, getattr(loyalty.ql, name)))
    loyalty.warm_end_tables(store, year)
    assert sorted(read) == ["cohort_cells", "first_days", "habits"]
    read.clear()
    loyalty.warm_end_tables(store, Period(END - timedelta(days=89), END))  # same last day
    warmed = loyalty.build_tab(store, year, "x")
    assert read == []
    _same(warmed, fresh)
