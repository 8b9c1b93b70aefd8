"""The per-customer summary "as of" a period's end (`queries_tally._AS_OF_CASES`: a
straddling customer's revenue and profit from the side of the end with fewer days of their
history, one order key in the whole history answered by the summary) must give the rows of
the statement it replaced (`_AS_OF_CASES_EACH_LINE`: every line up to the end summed), on
random files of every record kind with customers planted on the periods' edges (lines on
the end day with and without a time of day, the day after, one-key and repeat buyers,
costed and uncosted lines), for ends before, inside and after the file's lines, and the
tallies built on it must equal the reference's."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.storage import queries_summary
from custdesk.storage import queries_tally as qt
from custdesk.storage.queries_summary import ORDER_KEY, stats_source
from tests.random_kinds import TALLY_SIZE, random_kinds_file
from tests.test_perf_tally_settled import END, _plant

ENDS = [END - timedelta(days=d) for d in (0, 1, 89, 90, 200, 365, 366, 800, 1500, 3000)]
ENDS += [date(2000, 1, 1), END + timedelta(days=60)]


@pytest.fixture(scope="module", params=[71, 72, 73])
def store(request, tmp_path_factory):
    rng = random.Random(request.param)
    s = random_kinds_file(Path(tmp_path_factory.mktemp("asof")) / "asof.db",
                          request.param, END, rng=rng, **TALLY_SIZE)
    with s.transaction():
        for end in (END, END - timedelta(days=90), END - timedelta(days=400)):
            _plant(s, Period(end - timedelta(days=89), end), 90, rng)
    queries_summary.refresh_order_stats(s)
    yield s
    s.close()


def _rows(store, statement: str, end: str) -> list[tuple]:
    sql = statement.format(stats=stats_source(store), key=ORDER_KEY,
                           key2=ORDER_KEY.replace("o.", "o2."))
    return store.conn.execute(f"SELECT * FROM {sql} ORDER BY customer_id",
                              {"end": end}).fetchall()


def test_as_of_rows_equal_each_line(store) -> None:
    sides = [0, 0]  # straddling customers read after the end, before it
    for end in map(date.isoformat, ENDS):
        assert _rows(store, qt._AS_OF_CASES, end) == _rows(
            store, qt._AS_OF_CASES_EACH_LINE, end), end
        after, before = store.conn.execute(
            f"SELECT coalesce(sum({qt._FEWER_AFTER}), 0), coalesce(sum(NOT "
            f"({qt._FEWER_AFTER})), 0) FROM customer_order_stats t "
            "WHERE t.first_date <= :end AND t.last_date > :end", {"end": end}).fetchone()
        sides[0] += after
        sides[1] += before
    assert min(sides) >= 20  # both sides of the end read for many customers


def test_tallies_as_of_an_earlier_end_equal_reference(store) -> None:
    for end in ENDS[:9]:
        for period in (Period(end - timedelta(days=89), end),
                       Period(end - timedelta(days=364), end)):
            for window in (30, 90):
                assert qt._tallies_by_segment_and_reason(store, period, window) == \
                    qt.tallies_reference(store, period, window), (period, window)
