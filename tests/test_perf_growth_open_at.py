"""The growth pipeline's open pipeline at month ends (issue 18): the statement joining only
the open ranges, with their deal's created day and amount, to the month ends equals the
reference joining every near range and then its deal and stage (`open_pipeline_at(...,
every_deal=True)`), on random files with awkward histories: changes dated before the deal
was created (its ranges before creation do not count), changes on the same day, a first
change with no from-stage, deals without an amount or a created day."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import month_slots
from custdesk.storage import queries_growth_pipeline as qp
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)


@pytest.fixture(scope="module", params=[41, 42, 43])
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("open_at")) / "kinds.db",
                          request.param, END, customers=(20, 100), lines=(50, 300),
                          deals=(100, 500), tickets=(0, 20), surveys=(0, 20))
    rng = random.Random(request.param)
    deals = [(i, c[:10]) for i, c in s.conn.execute(
        "SELECT id, created_on FROM deals WHERE created_on != '' ORDER BY id")]
    stage_ids = [i for (i,) in s.conn.execute("SELECT id FROM stages")]
    rows = []
    for deal, created in rng.sample(deals, min(len(deals), 50)):
        day = date.fromisoformat(created) - timedelta(days=rng.choice([40, 95, 400]))
        prev = rng.choice(stage_ids + [None])
        for _ in range(rng.randint(1, 4)):
            day += timedelta(days=rng.choice([0, 20, 61]))  # some before creation, ties
            stage = rng.choice(stage_ids)
            rows.append((deal, prev, stage, day.isoformat()))
            prev = stage
    with s.transaction():
        s.conn.executemany("INSERT INTO deal_stage_history (deal_id, from_stage_id, stage_id, "
                           "changed_on) VALUES (?, ?, ?, ?)", rows)
        s.conn.execute("UPDATE deals SET amount_e4 = NULL WHERE id % 6 = 0")
        s.conn.execute("UPDATE deals SET created_on = '' WHERE id % 29 = 0")
    yield s
    s.close()


def _spans(rng: random.Random) -> list[tuple[date, date]]:
    out = [(END - timedelta(days=364), END), (date(2015, 1, 1), END),
           (date(2000, 1, 1), date(2000, 12, 31))]
    for _ in range(5):
        start = date(2016, 1, 1) + timedelta(days=rng.randint(0, 3700))
        out.append((start, start + timedelta(days=rng.randint(0, 500))))
    return out


def test_open_pipeline_at_equals_every_range_reference(store) -> None:
    seen = 0
    for start, end in _spans(random.Random(5)):
        ends = [s.end for s in month_slots(start, end)]
        want = qp.open_pipeline_at(store, ends, every_deal=True)
        assert qp.open_pipeline_at(store, ends) == want
        seen += sum(n for n, _a, _k in want.values())
    assert seen
    assert qp.open_pipeline_at(store, []) == {}
