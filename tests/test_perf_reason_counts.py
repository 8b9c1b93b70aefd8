"""The reasons panels' counts (issue 18): the statement grouping each unit once for "all",
segment and source (`queries_reasons._REASONS`) equals the reference crossing every record
with the four dimensions (`_REASONS_CROSSED`), row for row and in order, on random files of
every kind with the awkward cases: blank and alike segments and sources, surveys and deals
without a customer, a deal's own source, a customer answering
several times (the same and different quarters, the same reason spelled alike), records on
the periods' first and last days, periods with no record."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.storage import queries_reasons as qr
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
SEEDS = [31, 32, 33]


def _awkward(store, rng: random.Random) -> None:
    with store.transaction():
        store.conn.execute("UPDATE customers SET segment = '' WHERE id % 7 = 0")
        store.conn.execute("UPDATE customers SET segment = NULL WHERE id % 11 = 0")
        store.conn.execute("UPDATE customers SET segment = ' ' || lower(segment) "
                           "WHERE id % 13 = 0")
        store.conn.execute("UPDATE customers SET source = '' WHERE id % 5 = 0")
        store.conn.execute("UPDATE surveys SET customer_id = NULL WHERE id % 9 = 0")
        store.conn.execute("UPDATE deals SET customer_id = NULL WHERE id % 13 = 0")
        store.conn.execute("UPDATE deals SET source = 'Partner ' WHERE id % 4 = 0")
        store.conn.execute("UPDATE deals SET source = ' ' WHERE id % 6 = 0")
        store.conn.execute("UPDATE surveys SET reason = upper(reason) || ' ' WHERE id % 5 = 0")
        # one customer's answers repeated: later the same day, next quarter, next year
        copies = store.conn.execute(
            "SELECT customer_id, kind, question, would_refer, reason, date FROM surveys "
            "WHERE reason IS NOT NULL AND customer_id IS NOT NULL ORDER BY id LIMIT 40").fetchall()
        rows = []
        for cid, kind, question, refer, reason, day in copies:
            d = date.fromisoformat(day[:10])
            for later in rng.sample([0, 1, 95, 370], 2):
                rows.append((cid, kind, question, refer, reason,
                             (d + timedelta(days=later)).isoformat()))
        store.conn.executemany(
            "INSERT INTO surveys (customer_id, kind, question, would_refer, reason, date) "
            "VALUES (?, ?, ?, ?, ?, ?)", rows)


@pytest.fixture(scope="module", params=SEEDS)
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("reasons")) / "kinds.db",
                          request.param, END, customers=(50, 300), lines=(100, 800),
                          deals=(100, 600), tickets=(0, 30), surveys=(100, 400))
    _awkward(s, random.Random(request.param))
    yield s
    s.close()


def _periods(store, rng: random.Random) -> list[tuple[date, date]]:
    days = sorted({d[:10] for (d,) in store.conn.execute(
        "SELECT date FROM surveys WHERE reason IS NOT NULL UNION SELECT closed_on FROM deals "
        "WHERE closed_on != '' UNION SELECT lost_on FROM customers WHERE lost_on != ''")})
    out = [(END - timedelta(days=364), END), (date(2010, 1, 1), END),
           (date(2000, 1, 1), date(2000, 12, 31)), (END - timedelta(days=89), END)]
    for _ in range(5):  # from and to a day with a record: the boundaries
        a, b = sorted(rng.sample(days, 2))
        out.append((date.fromisoformat(a), date.fromisoformat(b)))
    out.append((date.fromisoformat(days[-1]), date.fromisoformat(days[-1])))  # one day
    return out


def _quarter_start(d: date, back: int) -> date:
    first = date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
    for _ in range(back):
        first = date(first.year - (first.month == 1), (first.month - 4) % 12 + 1, 1)
    return first


@pytest.mark.parametrize("window", [1, 90, 365])
def test_reason_counts_equal_reference(store, window: int) -> None:
    seen = set()
    for start, end in _periods(store, random.Random(window)):
        for trend_start in (_quarter_start(start, 0), _quarter_start(end, 7), start):
            got = qr.reason_counts(store, start, end, trend_start, window)
            assert got == qr.reason_counts(store, start, end, trend_start, window,
                                           crossed=True)
            seen |= {r.dimension for r in got if r.answers > 1}
    assert seen == set(qr.DIMENSIONS)  # units with several answers in every dimension


def test_reason_counts_of_an_empty_period(store) -> None:
    empty = (date(2000, 1, 1), date(2000, 12, 31))
    assert qr.reason_counts(store, *empty, empty[0], 90) == []
