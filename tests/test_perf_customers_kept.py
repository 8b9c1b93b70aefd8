"""The Customers screen's parts kept per last day (issue 18): the table rows with their
LTV and the cohort rows are kept per store until the next write; the lists in two parts
equal the whole. Kept results equal the ones computed afresh, follow a
write, and the screen is the same whether it finds them (after Today, after another period
with the same last day) or computes everything inline, on random files of every record
kind, for a year, 90 days, the whole span, a period ending before the last record and an
empty one."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services import growth_service
from custdesk.services import metrics_service as ms  # first: completes metrics_lists
from custdesk.services.screens import customers, today
from custdesk.services.screens.model import to_json
from custdesk.storage import beside, queries_cache
from custdesk.storage import queries_cohorts as qc
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
PERIODS = [Period(END - timedelta(days=364), END), Period(END - timedelta(days=89), END),
           Period(date(2015, 1, 1), END), Period(date(2024, 2, 1), date(2025, 5, 31)),
           Period(date(2000, 1, 1), date(2000, 12, 31))]
DAYS = (END, END - timedelta(days=1), date(2025, 5, 31), date(2021, 3, 31),
        date(2000, 12, 31))


@pytest.fixture(scope="module", params=[31, 32])
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("custk")) / "custk.db", request.param,
                          END, rng=random.Random(request.param), customers=(60, 200),
                          lines=(300, 1500), deals=(40, 150), tickets=(50, 200),
                          surveys=(40, 200))
    yield s
    s.close()


def _afresh(store, period: Period) -> dict:
    """The screen computed inline with nothing kept (the reference)."""
    queries_cache.clear(store)
    was = beside.ENABLED
    beside.ENABLED = False
    try:
        return to_json(customers.build(store, period, "p"))
    finally:
        beside.ENABLED = was
        queries_cache.clear(store)


@pytest.mark.parametrize("twins", [False, True])
def test_screen_with_kept_parts_equals_screen_afresh(store, monkeypatch, twins: bool) -> None:
    monkeypatch.setattr(beside, "ENABLED", twins)
    firsts = {period: _afresh(store, period) for period in PERIODS}
    year = firsts[PERIODS[0]]  # a year with everything the lists show
    assert year["tables"]["customers"] and year["lists"]["lost"] and year["lists"]["new"]
    assert year["lists"]["renewed"] and any(r["customers"] for r in year["tables"]["cohorts"])
    assert not firsts[PERIODS[-1]]["lists"]["new"]  # the empty period
    queries_cache.clear(store)
    today.build(store, PERIODS[0], "p")
    # in order: the year, then 90 days and the whole span find the year's last day kept
    for period in PERIODS:
        assert to_json(customers.build(store, period, "p")) == firsts[period], period
    for period in reversed(PERIODS):  # all kept now
        assert to_json(customers.build(store, period, "p")) == firsts[period], period


def test_table_rows_kept_equal_fresh_and_follow_a_write(store, monkeypatch) -> None:
    queries_cache.clear(store)
    for day in reversed(DAYS):  # the end last: kept among the last few
        fresh = ms.customer_rows(store, day, growth_service.ltv_by_customer(store, day))
        assert customers.table_rows(store, day) == fresh
    with monkeypatch.context() as m:  # kept: asked again, nothing is computed
        m.setattr(ms, "customer_rows", None)
        assert customers.table_rows(store, END) == fresh  # (the end's, computed last)
    cid, name = store.conn.execute(
        "SELECT id, name FROM customers ORDER BY id LIMIT 1").fetchone()
    with store.transaction():
        store.conn.execute("UPDATE customers SET name = 'Renamed' WHERE id = ?", (cid,))
    try:
        got = customers.table_rows(store, END)
        assert next(r for r in got if r.id == cid).name == "Renamed"
        assert got == fresh_end(store)
    finally:
        with store.transaction():
            store.conn.execute("UPDATE customers SET name = ? WHERE id = ?", (name, cid))


def fresh_end(store) -> list:
    return ms.customer_rows(store, END, growth_service.ltv_by_customer(store, END))


def test_cohort_rows_kept_are_copies_and_equal_fresh(store) -> None:
    queries_cache.clear(store)
    for day in DAYS:
        period = Period(day - timedelta(days=30), day)
        got = customers.cohort_rows(store, period)
        assert got == customers.cohort_rows_afresh(store, day)
        got[0]["customers"] = -1  # the caller's own copy
        assert customers.cohort_rows(store, period) == customers.cohort_rows_afresh(store,
                                                                                    day)
    assert any(r["customers"] for r in customers.cohort_rows(store, PERIODS[0]))


def test_lists_in_two_parts_equal_work_lists(store) -> None:
    window = ms.load_settings(store).window_days
    for period in PERIODS:
        queries_cache.clear(store)
        whole = customers.work_lists(store, period)
        assert {**customers.flow_lists(store, period, window),
                **customers.other_lists(store, period)} == whole
        assert list(whole) == ["lost", "new", "renewed", "not_renewed", "promoters",
                               "referrers"]



@pytest.mark.parametrize("twins", [False, True])
def test_cohort_rows_and_promoters_computed_once_by_the_build(store, monkeypatch,
                                                              twins: bool) -> None:
    monkeypatch.setattr(beside, "ENABLED", twins)
    made: list[date] = []
    afresh = customers.cohort_rows_afresh

    def counted(on, end: date) -> list:
        made.append(end)
        return afresh(on, end)

    monkeypatch.setattr(customers, "cohort_rows_afresh", counted)
    promoters: list[date] = []
    answers = qc._promoters

    def counted_promoters(on, end: date) -> list:
        promoters.append(end)
        return answers(on, end)

    monkeypatch.setattr(qc, "_promoters", counted_promoters)
    queries_cache.clear(store)
    screen = to_json(customers.build(store, PERIODS[0], "p"))
    # the cohorts on the catalogues' connection, found kept by the build after the pair;
    # the promoters there too, but the build asks for them without waiting: when it asks
    # while they are being made (a tiny file), both make them
    assert made == [END]
    assert promoters == [END] if not twins else promoters in ([END], [END, END])
    assert screen["tables"]["cohorts"] == afresh(store, END)
    assert screen["lists"]["promoters"]
