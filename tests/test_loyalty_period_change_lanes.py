"""A period change keeping the last day finds the Loyalty and New screens' end tables kept:
the Loyalty tab (`loyalty.build_tab`) then makes the renewal lists on the New part's
second connection, after New's list, beside the groups' statement on its own. The tab must
draw the same as built afresh without second connections (random files of every kind; the
periods ending on the last day: a year, 90 days, one day, the whole span; a rule other than
the period's); the renewals must be made there only when both parts' tables are kept; a
failure of the tab's own part waits for the New part before it is raised, and a failure of
Loyalty's own lists for its end tables made beside; one build uses one renewal rule."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, random_store

from custdesk.domain.periods import Period
from custdesk.domain.renewal import RenewalRule
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


def test_a_failed_own_list_waits_for_the_end_tables_beside(store, monkeypatch) -> None:
    """Nothing kept: Loyalty's end tables are made on a second connection; its referrers
    failing meanwhile, the build waits for them before raising (else they would go on on
    that connection into the next build)."""
    monkeypatch.setattr(beside, "ENABLED", True)
    queries_cache.clear(store)
    made_on: list[str] = []
    ended = threading.Event()
    make = loyalty.end_tables

    def slow_end_tables(*args, **kwargs):
        made_on.append(threading.current_thread().name)
        try:
            threading.Event().wait(0.3)
            return make(*args, **kwargs)
        finally:
            ended.set()

    def fails(*_args, **_kwargs):
        raise RuntimeError("the referrers failed")

    monkeypatch.setattr(loyalty, "end_tables", slow_end_tables)
    monkeypatch.setattr(loyalty.qc, "referrers", fails)
    with pytest.raises(RuntimeError, match="the referrers failed"):
        loyalty.build(store, Period.trailing_year(END), "x")
    assert made_on == ["custdesk-beside"]
    assert ended.is_set()


@pytest.mark.parametrize("kept", [True, False])
def test_one_build_one_renewal_rule(store, monkeypatch, kept: bool) -> None:
    """The owner's rule changes after the tab read it (another process saves the
    settings): the renewal lists — made beside (both parts' end tables kept) or here — and
    the renewal table all follow the rule the tab read."""
    monkeypatch.setattr(beside, "ENABLED", True)
    queries_cache.clear(store)
    if kept:
        loyalty.build_tab(store, Period.trailing_year(END), "x")
    period = Period(END - timedelta(days=89), END)
    read_first, loyal_n = loyalty.settings_service.loyalty_settings(store)
    saved = [read_first]
    monkeypatch.setattr(loyalty.settings_service, "loyalty_settings",
                        lambda _store: (saved[0], loyal_n))
    build = loyalty.build

    def build_after_a_change(*args, **kwargs):
        saved[0] = RenewalRule("days", 30)
        return build(*args, **kwargs)

    monkeypatch.setattr(loyalty, "build", build_after_a_change)
    made = _spy_renewals(monkeypatch)
    got = loyalty.build_tab(store, period, "x")
    assert made == (["custdesk-beside"] if kept else ["MainThread"])
    table = got.tables["renewal"][0]
    assert (table["rule"], table["days"]) == (read_first.kind, read_first.days)
    renewed, not_renewed = loyalty.renewal_rows(store, period, read_first)
    assert (got.lists["renewed"], got.lists["not_renewed"]) == (renewed, not_renewed)
    assert table["renewed"] == len(renewed)
