"""The Pipeline screen from SQL sums and only the deals it can show (issue 18) == the
same figures from every deal of the file resolved in Python, on random files."""

from __future__ import annotations

import random
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.domain.text import name_key
from custdesk.services import deals_service as ds
from custdesk.services import metrics_service as ms
from custdesk.services import pipeline_service as ps
from custdesk.services.screens.pipeline_board import board, board_of, closed_sums
from custdesk.storage import queries_deals as qd
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)


@pytest.fixture(scope="module", params=[7, 8, 9])
def store(request, tmp_path_factory):
    rng = random.Random(request.param)
    s = random_kinds_file(Path(tmp_path_factory.mktemp("pipe")) / "pipe.db", request.param, END,
                          rng=rng, customers=(20, 150), lines=(100, 1000), deals=(100, 700),
                          tickets=20, surveys=10)
    with s.transaction():  # owners blank or missing, as imported files have them
        ids = [r[0] for r in s.conn.execute("SELECT id FROM deals ORDER BY id")]
        for did in rng.sample(ids, len(ids) // 10):
            s.conn.execute("UPDATE deals SET owner = ? WHERE id = ?",
                           (rng.choice([None, "", "  Ann "]), did))
    yield s
    s.close()


def _periods() -> list[Period]:
    rng = random.Random(3)
    out = [Period(END - timedelta(days=364), END), Period(date(2016, 1, 1), END),
           Period(date(2026, 11, 1), END)]
    for _ in range(4):
        start = date(2018, 1, 1) + timedelta(days=rng.randint(0, 3000))
        out.append(Period(start, start + timedelta(days=rng.randint(0, 200))))
    return out


def test_figures_and_owners_equal_every_deal_in_python(store) -> None:
    every = ms.load_deal_infos(store)
    settings = ms.load_settings(store)
    for period in _periods():
        got = ps.figures_of(store, {"now": period, "prior": period.prior()}, settings)
        assert got["now"] == ps.deal_figures(every, period, settings), period
        assert got["prior"] == ps.deal_figures(every, period.prior(), settings), period
        assert ps.owners_of(store, period, settings) == ps.by_owner(every, period, settings)
    assert ps.stages_in_use(store) == {name_key(d.deal.stage) for d in every} - {""}


def test_figures_and_owners_from_one_pass_equal_every_deal_in_python(store) -> None:
    """`figures_and_owners` (one pass by owner, the file their sum) == the figures and
    owners of every deal resolved in Python."""
    every = ms.load_deal_infos(store)
    settings = ms.load_settings(store)
    for period in _periods():
        figures, owners = ps.figures_and_owners(
            store, {"now": period, "prior": period.prior()}, "now", settings)
        assert figures["now"] == ps.deal_figures(every, period, settings), period
        assert figures["prior"] == ps.deal_figures(every, period.prior(), settings), period
        assert owners == ps.by_owner(every, period, settings), period
        assert owners == ps.owners_of(store, period, settings), period


def test_lists_and_board_from_the_screens_deals(store) -> None:
    every = ms.load_deal_infos(store)
    stages = ds.stages(store)
    for period in _periods():
        mine = ps.screen_deals(store, period)
        for fn in (ps.open_deals, ps.hot_deals, ps.stale_deals, ps.slipped_deals):
            assert fn(mine, period) == fn(every, period), (fn.__name__, period)
        assert [asdict(s) for s in ps.open_by_stage(store, mine, period)] == \
            [asdict(s) for s in ps.open_by_stage(store, every, period)]
        assert board(stages, mine, period) == board(stages, every, period)


def test_board_and_lists_from_open_deals_and_closed_sums_in_sql(store) -> None:
    """The screen's board from the open deals and the won/lost stages summed in SQL
    (`closed_stage_sums`) == the board of every deal resolved in Python; the lists from the
    open deals alone == from every deal."""
    every = ms.load_deal_infos(store)
    stages = ds.stages(store)
    for period in _periods():
        sums = qd.closed_stage_sums(store, period)
        assert sums == closed_sums(every, period), period
        mine = ps.open_screen_deals(store, period)
        assert board_of(stages, mine, sums, period) == board(stages, every, period), period
        for fn in (ps.open_deals, ps.hot_deals, ps.stale_deals, ps.slipped_deals):
            assert fn(mine, period) == fn(every, period), (fn.__name__, period)
        assert [asdict(s) for s in ps.open_by_stage(store, mine, period)] == \
            [asdict(s) for s in ps.open_by_stage(store, every, period)]
    year = _periods()[0]
    assert any(n for n, _v, _w in qd.closed_stage_sums(store, year).values())


def test_lists_from_the_open_deals_with_rows_made_once(store) -> None:
    """The screen filters the open deals once and makes each deal's row once
    (`open_at_end`, `named_once`): the same lists, in the same order, as from every deal."""
    every = ms.load_deal_infos(store)
    for period in _periods():
        opened, named = ps.open_at_end(every, period), ps.named_once()
        for fn in (ps.open_deals, ps.hot_deals, ps.stale_deals, ps.slipped_deals):
            assert fn(opened, period, named) == fn(every, period), (fn.__name__, period)
        assert [asdict(s) for s in ps.open_by_stage(store, opened, period)] == \
            [asdict(s) for s in ps.open_by_stage(store, every, period)]
    rows = ps.open_deals(ps.open_at_end(every, _periods()[1]), _periods()[1], named)
    again = ps.open_deals(ps.open_at_end(every, _periods()[1]), _periods()[1], named)
    assert all(a is b for a, b in zip(rows, again, strict=True))  # made once, shared
