"""The Lost prospects screen from the period's closed deals, the file's deal sums and
counts in SQL (`lost.build`; issue 18) == the screen from every deal closed since the prior
period's or the trend's start loaded as records (`lost.build_from_records`), on random files
of every record kind, with competitor and reason spellings, same-day closes and the
periods' boundary days planted."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services.screens import lost
from custdesk.services.screens.model import to_json
from custdesk.storage import queries_cache
from custdesk.storage import queries_deals as qd
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
YEAR = Period(END - timedelta(days=364), END)
RIVALS = ["Acme", "acme ", "ACME", " Zenith", "zenith", "Beta Corp", "", "  ", None]
REASONS = ["Price", " price", "Timing", "", "  ", "\t", None, "No decision"]


def _plant(store, rng: random.Random) -> None:
    """Competitors and reasons spelled several ways, closes on the year's and the prior
    period's first and last days and on quarter boundaries, several deals closed the same
    day (the first spelling is then the smaller id's), timestamps as close dates."""
    closed = [r[0] for r in store.conn.execute(
        "SELECT d.id FROM deals d JOIN stages s ON s.id = d.stage_id "
        "WHERE s.kind IN ('won', 'lost') ORDER BY d.id")]
    days = [YEAR.start, YEAR.end, YEAR.prior().start, YEAR.prior().end,
            date(2026, 10, 1), date(2026, 9, 30), date(2025, 1, 1), date(2024, 12, 31)]
    with store.transaction():
        for did in rng.sample(closed, len(closed) // 2):
            store.conn.execute("UPDATE deals SET competitor = ?, lost_reason = ? WHERE id = ?",
                               (rng.choice(RIVALS), rng.choice(REASONS), did))
        for did in rng.sample(closed, min(len(closed), 40)):
            on = rng.choice(days).isoformat() + rng.choice(["", "T09:30:00", " 17:00"])
            store.conn.execute("UPDATE deals SET closed_on = ?, competitor = ? WHERE id = ?",
                               (on, rng.choice(RIVALS[:6]), did))
        # a rival first named on one day by three deals, two spelled alike: the smallest
        # id's spelling is shown
        a, b, c = sorted(rng.sample(closed, 3))
        on = lost.trend_period(YEAR).start.isoformat()
        for did, spelled in ((a, "ORBIT "), (b, "Orbit"), (c, "ORBIT ")):
            store.conn.execute("UPDATE deals SET closed_on = ?, competitor = ? WHERE id = ?",
                               (on, spelled, did))


@pytest.fixture(scope="module", params=[21, 22, 23])
def store(request, tmp_path_factory):
    rng = random.Random(request.param)
    s = random_kinds_file(Path(tmp_path_factory.mktemp("lost")) / "lost.db", request.param,
                          END, rng=rng, customers=(20, 150), lines=(100, 800),
                          deals=(200, 700), tickets=20, surveys=10)
    _plant(s, rng)
    yield s
    s.close()


def _periods() -> list[Period]:
    """A year, 90 days, a quarter, the whole span (longer than the trend's 8 quarters),
    a single day, periods ending before the last record, one before any deal."""
    rng = random.Random(8)
    out = [YEAR, Period(END - timedelta(days=89), END), Period(date(2026, 7, 1), END),
           Period(date(2000, 1, 1), END), Period(END, END),
           Period(date(1990, 1, 1), date(1990, 12, 31))]
    for _ in range(5):
        start = date(2018, 1, 1) + timedelta(days=rng.randint(0, 3000))
        out.append(Period(start, start + timedelta(days=rng.randint(0, 400))))
    return out


@pytest.mark.parametrize("cached", [False, True])
def test_screen_from_sums_equals_screen_from_records(store, cached) -> None:
    """Equal with the deal sums computed for the screen and found kept (as after Today)."""
    for period in _periods():
        queries_cache.clear(store)
        reference = to_json(lost.build_from_records(store, period, "p"))
        if not cached:
            queries_cache.clear(store)
        got = to_json(lost.build(store, period, "p"))
        for part in ("cards", "lists", "tables"):
            for key in reference[part]:
                assert got[part][key] == reference[part][key], (period, part, key)
        assert got == reference, period


def test_quarters_name_each_rival_by_its_first_spelling(store) -> None:
    """The planted spellings merge into one rival each, named as first spelled (by close,
    then id); blank competitors are no rival."""
    rows = lost.build(store, Period(date(2000, 1, 1), END), "all").tables[
        "head_to_head_by_quarter"]
    names = {r["competitor"] for r in rows}
    assert len({n.lower().strip() for n in names}) == len(names)
    assert "" not in names
    year = {r["competitor"] for r in lost.build(store, YEAR, "y").tables[
        "head_to_head_by_quarter"]}
    assert "ORBIT" in year and "Orbit" not in year
    counts, firsts = qd.competitor_quarters(store, lost.trend_period(YEAR))
    assert counts and all(kind in ("won", "lost") and n > 0 for _r, kind, _q, n in counts)
    assert len({r for r, *_ in firsts}) == len(firsts)  # one first deal per spelling
