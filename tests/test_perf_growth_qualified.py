"""The growth screen's qualified leads (issue 18): the one-window-pass statement
(`queries_growth_pipeline._ENTRIES`) equals the reference that numbers the steps and looks
back over them in a second pass (`_ENTRIES_BY_STEPS`), and the catalogue's
`queries_deals.leads_qualified`, on random files of every kind with awkward histories:
changes on the same day (the id breaks the tie), a first change with no from-stage, moves
back out of and into the qualifying stages, changes and creations on the periods' first
and last days, deals whose history is all outside the period."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period, month_slots
from custdesk.storage import queries_deals as qd
from custdesk.storage import queries_growth_pipeline as qp
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
SEEDS = [11, 12, 13]


def _awkward_histories(store, rng: random.Random) -> None:
    """Add the histories make_db does not write (see the module docstring)."""
    deals = [(i, c[:10]) for i, c in store.conn.execute(
        "SELECT id, created_on FROM deals WHERE created_on != '' ORDER BY id")]
    stage_ids = [i for (i,) in store.conn.execute("SELECT id FROM stages")]
    rows = []
    for deal, created in rng.sample(deals, min(len(deals), 60)):
        day = date.fromisoformat(created)
        prev: int | None = rng.choice(stage_ids + [None])
        for _ in range(rng.randint(1, 5)):
            day += timedelta(days=rng.choice([0, 0, 1, 30, 200]))  # ties on purpose
            stage = rng.choice(stage_ids)
            rows.append((deal, prev, stage, day.isoformat()))
            prev = stage
    # old deals whose only change, in the last year, moves between two qualifying stages:
    # already qualified, so no entry (the created step's stage is the one moved from)
    q = [i for (i,) in store.conn.execute(
        "SELECT id FROM stages WHERE name IN ('Qualified', 'Proposal', 'Negotiation')")]
    old = [i for i, created in deals if created < "2025-06-01"][:12]
    with store.transaction():
        store.conn.execute(f"DELETE FROM deal_stage_history WHERE deal_id IN "
                           f"({','.join(map(str, old)) or 'NULL'})")
        store.conn.executemany(
            "INSERT INTO deal_stage_history (deal_id, from_stage_id, stage_id, changed_on) "
            "VALUES (?, ?, ?, ?)", [(i, q[0], q[1 + i % 2], "2026-03-0" + str(1 + i % 9))
                                    for i in old])
        store.conn.executemany("INSERT INTO deal_stage_history (deal_id, from_stage_id, "
                               "stage_id, changed_on) VALUES (?, ?, ?, ?)", rows)
        store.conn.execute("UPDATE deal_stage_history SET from_stage_id = NULL "
                           "WHERE id % 7 = 0 AND changed_on NOT LIKE '2026-03-0%'")


@pytest.fixture(scope="module", params=SEEDS)
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("qualified")) / "kinds.db",
                          request.param, END, customers=(20, 150), lines=(50, 500),
                          deals=(100, 600), tickets=(0, 50), surveys=(0, 50))
    _awkward_histories(s, random.Random(request.param))
    yield s
    s.close()


def _periods(store, rng: random.Random) -> list[Period]:
    days = sorted({d[:10] for (d,) in store.conn.execute(
        "SELECT changed_on FROM deal_stage_history UNION SELECT created_on FROM deals "
        "WHERE created_on != ''")})
    out = [Period(END - timedelta(days=364), END), Period(date(2000, 1, 1), END),
           Period(date(2000, 1, 1), date(2000, 12, 31))]  # everything; nothing
    for _ in range(6):  # from and to days with a change or a creation: the boundaries
        a, b = sorted(rng.sample(days, 2))
        out.append(Period(date.fromisoformat(a), date.fromisoformat(b)))
    out.append(Period(date.fromisoformat(days[len(days) // 2]),
                      date.fromisoformat(days[len(days) // 2])))  # one day
    return out


def test_leads_qualified_one_pass_equals_reference(store) -> None:
    periods = _periods(store, random.Random(3))
    got = qp.leads_qualified(store, periods)
    assert got == qp.leads_qualified(store, periods, by_steps=True)
    assert got == [qd.leads_qualified(store, p) for p in periods]
    assert got is not None and got[1] > 0 and got[2] == 0
    for p in periods:  # each alone (the candidate deals of one period)
        assert qp.leads_qualified(store, [p, p.prior()]) == qp.leads_qualified(
            store, [p, p.prior()], by_steps=True)


def test_qualified_by_month_source_one_pass_equals_reference(store) -> None:
    periods = _periods(store, random.Random(4))
    for p in periods:
        rows = qp.qualified_by_month_source(store, p)
        assert rows == qp.qualified_by_month_source(store, p, by_steps=True)
    assert sum((qp.qualified_by_month(store, periods[1]) or {}).values()) > 0
    year = qp.qualified_by_month(store, periods[0]) or {}
    for s in month_slots(periods[0].start, periods[0].end):
        assert year.get(s.key, 0) == qd.leads_qualified(store, Period(s.start, s.end))


def test_no_qualified_stage_gives_none(tmp_path) -> None:
    s = random_kinds_file(tmp_path / "k.db", 21, END, customers=20, lines=50, deals=30,
                          tickets=0, surveys=0)
    with s.transaction():
        s.conn.execute("UPDATE stages SET name = 'Warm' WHERE name = 'Qualified'")
    period = Period(END - timedelta(days=364), END)
    assert qp.leads_qualified(s, [period]) is None
    assert qp.qualified_by_month_source(s, period) is None
    s.close()
