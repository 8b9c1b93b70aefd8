"""The Loyalty screen makes its end day's tables (cohorts, order frequency, habits) on a
second connection while it makes its lists (`loyalty.build`; the tab runs the New screen
on another meanwhile). The screen must be the same with second connections and without,
on random files of every record kind, for a year, 90 days, one day, the whole span, a
period ending before the last record and one before any record; the tables must really be
made on a second connection, filed where the next build finds them, and a period keeping
the last day must not make them again."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, random_store

from custdesk.domain.periods import Period
from custdesk.services import metrics_service, settings_service
from custdesk.services.screens import loyalty
from custdesk.storage import beside, queries_cache

PERIODS = (Period.trailing_year(END), Period(END - timedelta(days=89), END), Period(END, END),
           Period(date(1990, 1, 1), END), Period.trailing_year(END - timedelta(days=45)),
           Period(date(1999, 1, 1), date(2000, 1, 1)))


@pytest.fixture(scope="module", params=[131, 132])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("loyalty_split")), request.param)
    s.conn.commit()  # a second connection sees only what is committed
    yield s
    s.close()


@pytest.mark.parametrize("build", [loyalty.build, loyalty.build_tab])
def test_same_with_second_connections_and_without(store, monkeypatch, build) -> None:
    for period in PERIODS:
        monkeypatch.setattr(beside, "ENABLED", False)
        queries_cache.clear(store)
        alone = build(store, period, "x")
        monkeypatch.setattr(beside, "ENABLED", True)
        queries_cache.clear(store)
        split = build(store, period, "x")
        assert split.tables == alone.tables
        assert split.lists == alone.lists
        assert split.cards == alone.cards
        assert split.empty == alone.empty and split.notes == alone.notes


def test_end_tables_made_beside_once_per_end(store, monkeypatch) -> None:
    monkeypatch.setattr(beside, "ENABLED", True)
    queries_cache.clear(store)
    made: list[tuple[str, bool]] = []
    compute = loyalty._end_tables

    def spy(on, end, window, loyal_n, *cohorts):
        made.append((threading.current_thread().name, on is store))
        return compute(on, end, window, loyal_n, *cohorts)

    monkeypatch.setattr(loyalty, "_end_tables", spy)
    asked: list[object] = []
    handed = loyalty.beside

    def count(on, fn):
        asked.append(on)
        return handed(on, fn)

    monkeypatch.setattr(loyalty, "beside", count)
    _rule, loyal_n = settings_service.loyalty_settings(store)
    window = metrics_service.load_settings(store).window_days
    assert loyalty.kept_end_tables(store, END, window, loyal_n) is None  # nothing made
    assert not made
    year = loyalty.build(store, Period.trailing_year(END), "x")
    assert made == [("custdesk-beside", False)]  # on a second connection, on its thread
    assert len(asked) == 1
    quarter = loyalty.build(store, Period(END - timedelta(days=89), END), "x")
    assert len(made) == 1  # filed with the store's results: the same last day reads them
    assert len(asked) == 1  # and read here: no second connection taken for that
    assert loyalty.kept_end_tables(store, END, window, loyal_n) == loyalty.end_tables(
        store, END, window, loyal_n)
    for name in ("cohorts_month", "cohorts_quarter", "order_frequency", "habits"):
        assert quarter.tables[name] == year.tables[name]
    loyalty.build(store, Period.trailing_year(END - timedelta(days=1)), "x")
    assert len(made) == 2  # another last day: made again
