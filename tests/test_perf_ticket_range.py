"""The tickets a feedback statement reads (`queries_feedback._IN_RANGE`: three plain
comparisons before the day's substr/coalesce) are those of the range test it kept as its
reference (`IN_RANGE_REFERENCE`), and every statement built on it sums the same — on
random files of every record kind with tickets on each edge of the range: times on the
first and last day with and without a time of day, the day before at 23:59:59, blank and
missing times (the day from the first response or the resolution), short and odd texts."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.storage import queries_feedback as qf
from tests.random_kinds import boundary_periods, random_kinds_file

END = date(2026, 11, 24)
YEAR = Period(END - timedelta(days=364), END)


def _edge_times(period: Period) -> list[str | None]:
    """Texts on and around a period's edges (a tie: several tickets hold each)."""
    out: list[str | None] = [None, "", "2026", "2026-1", " " + period.start.isoformat()]
    for d in (period.start - timedelta(days=1), period.start, period.end,
              period.end + timedelta(days=1)):
        iso = d.isoformat()
        out += [iso, f"{iso}T00:00:00", f"{iso} 23:59:59", f"{iso}T12:00:00+05:00"]
    return out


@pytest.fixture(scope="module", params=[31, 32, 33])
def store(request, tmp_path_factory):
    rng = random.Random(request.param)
    s = random_kinds_file(Path(tmp_path_factory.mktemp("trange")) / "trange.db",
                          request.param, END, rng=rng, customers=(20, 120), lines=(50, 300),
                          deals=(10, 50), tickets=(300, 900), surveys=(10, 50))
    ids = [r[0] for r in s.conn.execute("SELECT id FROM tickets ORDER BY id")]
    edges = [t for p in (YEAR, *boundary_periods(END)) for t in _edge_times(p)]
    with s.transaction():
        for tid in rng.sample(ids, len(ids) // 2):
            # each time drawn apart: opened blank and the day from a later column, a
            # resolution in range of a ticket opened before it, and the reverse
            s.conn.execute("UPDATE tickets SET opened_at = ?, first_response_at = ?, "
                           "resolved_at = ? WHERE id = ?",
                           (rng.choice(edges), rng.choice(edges), rng.choice(edges), tid))
    yield s
    s.close()


def _periods() -> list[Period]:
    rng = random.Random(9)
    out = [YEAR, *boundary_periods(END)]
    for _ in range(5):
        start = date(2020, 1, 1) + timedelta(days=rng.randint(0, 2400))
        out.append(Period(start, start + timedelta(days=rng.randint(0, 500))))
    return out


def test_range_selects_the_reference_tickets(store) -> None:
    for period in _periods():
        params = {"lo": period.start.isoformat(), "hi": period.end.isoformat()}
        new = [r[0] for r in store.conn.execute(
            f"SELECT t.id FROM tickets t WHERE {qf._IN_RANGE} ORDER BY t.id", params)]
        ref = [r[0] for r in store.conn.execute(
            f"SELECT t.id FROM tickets t WHERE {qf.IN_RANGE_REFERENCE} ORDER BY t.id",
            params)]
        assert new == ref, period
    year = {"lo": YEAR.start.isoformat(), "hi": YEAR.end.isoformat()}
    (n,) = store.conn.execute(f"SELECT count(*) FROM tickets t WHERE {qf._IN_RANGE}",
                              year).fetchone()
    assert n  # the planted edges put tickets in the year


def _as_reference(monkeypatch) -> None:
    """Every statement of `queries_feedback` that tests the range, with the reference's."""
    for name in ("_GROUP_SUMS", "_FILE_SUMS", "_TABLE_SUMS"):
        sql = getattr(qf, name)
        assert qf._IN_RANGE in sql, name
        monkeypatch.setattr(qf, name, sql.replace(qf._IN_RANGE, qf.IN_RANGE_REFERENCE))
    monkeypatch.setattr(qf, "_IN_RANGE", qf.IN_RANGE_REFERENCE)


@pytest.mark.parametrize("repeat_days", [1, 7])
def test_feedback_sums_equal_with_the_reference_range(store, repeat_days: int,
                                                      monkeypatch) -> None:
    def sums(period: Period) -> tuple:
        pair = [("", period), ("prior", period.prior())]
        return (qf.grouped_totals(store, pair, repeat_days),
                qf._file_sums(store, period, repeat_days),
                qf.topic_and_channel_sums(store, period, repeat_days),
                qf._ticket_rows(store, pair, repeat_days, qf._SEGMENT_OR_NO_CUSTOMER))

    new = {p: sums(p) for p in _periods()}
    _as_reference(monkeypatch)
    for period, got in new.items():
        assert got == sums(period), period
    assert any(rows[0] for *_, rows in new.values())
