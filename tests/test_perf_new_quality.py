"""The New screen's quality tables from one pass (`new.quality_tables`: each row's sums
put once in its (source, year, month) bucket) must equal the per-table functions over the
rows (`compare_rows`, `source_rows`, `month_rows` with `new_quality.quality`), on the first
days of random files of every record kind and on random rows with every odd corner
(no first order, no cost, no answer, sources alike but for case and spaces, rows outside
both years)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, random_store

from custdesk.domain import new_quality as nq
from custdesk.domain.periods import Period
from custdesk.services.screens import new
from custdesk.storage import queries_loyalty as ql


def _reference(rows, this_year, last_year, end, window, groups):
    return {"quality_compare": new.compare_rows(rows, this_year, last_year, end, window,
                                                groups),
            "quality_by_source": new.source_rows(rows, this_year, last_year, end, window,
                                                 groups),
            "quality_by_month": new.month_rows(rows, end, window, groups)}


def _check(rows, end, window):
    this_year = Period.trailing_year(end)
    last_year = this_year.prior()
    groups = nq.groups_after_90d(rows, end)
    got = new.quality_tables(rows, this_year, last_year, end, window, groups)
    assert got == _reference(rows, this_year, last_year, end, window, groups)
    return got


@pytest.mark.parametrize("seed", [101, 102, 103])
def test_tables_equal_reference_on_files(tmp_path: Path, seed: int) -> None:
    store = random_store(tmp_path, seed)
    try:
        for end in (END, END - timedelta(days=200), date(2022, 6, 30)):
            start = Period.trailing_year(end).prior().start
            rows = ql.first_days(store, start, end)
            got = _check(rows, end, 90)
            assert got["quality_compare"][0]["this_year"] + got["quality_compare"][0][
                "last_year"] == len(rows)
    finally:
        store.close()


def _random_row(rng: random.Random, i: int, end: date) -> ql.FirstDays:
    acquired = end - timedelta(days=rng.randint(-5, 800))  # some after `end` or too old
    first = None if rng.random() < 0.2 else acquired + timedelta(days=rng.randint(0, 30))
    last = None if first is None or rng.random() < 0.3 else first + timedelta(
        days=rng.randint(0, 180))
    return ql.FirstDays(
        i, acquired.isoformat(), rng.choice([None, "", "Web", "web ", " WEB", "Ads", "ads",
                                             "Referral", "  "]),
        None, rng.choice([None, (acquired + timedelta(days=rng.randint(0, 400))).isoformat()]),
        first and first.isoformat(), None if first is None else rng.randint(0, 50_000_000),
        rng.randint(0, 4), rng.randint(0, 9_000_000), rng.randint(0, 5_000_000),
        rng.randint(-2_000_000, 6_000_000), rng.randint(-1_000_000, 2_000_000),
        last and last.isoformat(), rng.choice([None, None, *range(11)]))


@pytest.mark.parametrize("seed", range(8))
def test_tables_equal_reference_on_random_rows(seed: int) -> None:
    rng = random.Random(seed)
    rows = [_random_row(rng, i, END) for i in range(rng.randint(0, 400))]
    _check(rows, END, rng.choice([30, 90, 180]))


def test_one_row_sums_give_quality() -> None:
    rng = random.Random(5)
    for _ in range(50):
        rows = [_random_row(rng, i, END) for i in range(rng.randint(0, 20))]
        groups = nq.groups_after_90d(rows, END)
        sums = nq.add_sums([nq.row_sums(r, END, 90, groups) for r in rows])
        assert nq.quality_from_sums(sums) == nq.quality(rows, END, 90, groups)


@pytest.mark.parametrize("window", [1, 30, 90, 180, 400])
def test_early_churn_by_its_days_equals_the_rule_at_the_boundaries(window: int) -> None:
    """`early_churned_by` (ISO days worked out once per acquisition day) against
    `early_churned`: lost the day before, on and after day 180; a last order whose window
    ends the day before, on and after it (with a time of day, or a date alone)."""
    rng = random.Random(window)
    for acquired in (date(2024, 2, 29), date(2025, 12, 31), date(2026, 3, 1)):
        limit = acquired + timedelta(days=nq.EARLY_CHURN_DAYS)
        days = nq.churn_days(acquired.isoformat(), window)
        lost_days = [None, "", *((limit + timedelta(days=k)).isoformat() for k in (-1, 0, 1))]
        last_days = [None, *((limit - timedelta(days=window + k)).isoformat() + time
                             for k in (-1, 0, 1, 2) for time in ("", " 23:59:59"))]
        seen = set()
        for lost in lost_days:
            for last in last_days:
                row = _random_row(rng, 1, END)._replace(
                    acquired=acquired.isoformat(), lost_on=lost, last_order_180d=last)
                churned = nq.early_churned(row, window)
                assert nq.early_churned_by(row, days) == churned, (lost, last)
                seen.add(churned)
        assert seen == {True, False}
