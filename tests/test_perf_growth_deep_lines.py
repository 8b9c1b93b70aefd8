"""The growth screen's deep-discount lines (issue 18): the totals and the biggest lines
from one scan (`deep_discount_lines`) equal the reference scanning for each
(`two_scans=True`) — the float sum of discounts bit for bit — and the totals equal
`deep_discount_totals`, on random files with awkward lines: discounts on the threshold,
at and above 100 %, blank; equal discounts given (the line id breaks the tie); unknown
costs; lines without a product; periods with no deep line."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.storage import queries_growth_price as qp
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)


@pytest.fixture(scope="module", params=[51, 52, 53])
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("deep")) / "kinds.db", request.param,
                          END, customers=(20, 150), lines=(300, 2000), deals=(0, 20),
                          tickets=(0, 20), surveys=(0, 20))
    rng = random.Random(request.param)
    ids = [i for (i,) in s.conn.execute("SELECT id FROM orders")]
    with s.transaction():
        s.conn.executemany("UPDATE orders SET discount = ? WHERE id = ?",
                           [(rng.choice([0.2, 0.2 - 1e-12, 0.35, 1.0, 1.3, None,
                                         rng.random()]), i)
                            for i in rng.sample(ids, len(ids) // 2)])
        s.conn.execute("UPDATE orders SET revenue_e4 = 1234567, discount = 0.25 "
                       "WHERE id % 17 = 0")  # equal discounts given
        s.conn.execute("UPDATE orders SET cost_e4 = NULL WHERE id % 5 = 0")
        s.conn.execute("UPDATE orders SET product_id = NULL WHERE id % 7 = 0")
    yield s
    s.close()


def _periods() -> list[Period]:
    rng = random.Random(9)
    out = [Period(END - timedelta(days=364), END), Period(date(2010, 1, 1), END),
           Period(date(2000, 1, 1), date(2000, 12, 31))]
    for _ in range(4):
        start = date(2017, 1, 1) + timedelta(days=rng.randint(0, 3400))
        out.append(Period(start, start + timedelta(days=rng.randint(0, 300))))
    return out


@pytest.mark.parametrize("deep", [20.0, 0.0, 35.0, 99.9])
def test_deep_lines_from_one_scan_equal_two_scans(store, deep: float) -> None:
    listed = 0
    for period in _periods():
        for limit in (1, 5, 200):
            got = qp.deep_discount_lines(store, period, deep, limit)
            want = qp.deep_discount_lines(store, period, deep, limit, two_scans=True)
            assert got == want
            assert repr(got.discount_e4) == repr(want.discount_e4)
            totals = qp.deep_discount_totals(store, period, deep)
            assert (got.count, got.revenue_e4, got.discount_e4, got.profit_e4) == (
                totals.count, totals.revenue_e4, totals.discount_e4, totals.profit_e4)
            assert len(got.rows) == min(limit, got.count)
            listed += len(got.rows)
    assert listed or deep > 99  # none that deep: the empty totals
