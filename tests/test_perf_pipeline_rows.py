"""The Pipeline screen from one row per open deal (`queries_deals.open_deal_rows`,
`pipeline_rows`, `pipeline_board.board_of_rows`; issue 18) == the screen from the open deals
loaded and resolved as records with `domain.lists`' rules (`build_from_records`), on random
files of every record kind, with the rules' boundary days, ties and blank owners planted."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services.screens import pipeline
from custdesk.services.screens.model import to_json
from custdesk.storage import beside, queries_cache
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
YEAR = Period(END - timedelta(days=364), END)


def _plant_edges(store, rng: random.Random) -> None:
    """Deals on the rules' edges as of END: exactly 30 and 31 days without activity,
    expected to close exactly 30 and 31 days ago, today, in 30 and 31 days; probability
    exactly 50; weighted values tied; blank titles (named by the reference, else "deal
    with ACCOUNT", else by id); no customer; blank owners (the owners' table's "(none)");
    open now but closed after the period's end."""
    ids = [r[0] for r in store.conn.execute("SELECT id FROM deals ORDER BY id")]
    # once on deals open now and created long before END (they stay open at END), once on
    # any deals
    open_ids = [r[0] for r in store.conn.execute(
        "SELECT d.id FROM deals d JOIN stages s ON s.id = d.stage_id WHERE s.kind = 'open' "
        "AND d.created_on < ? ORDER BY d.id", ((END - timedelta(days=100)).isoformat(),))]
    stages = dict(store.conn.execute("SELECT kind, id FROM stages WHERE kind != 'open'"))
    day = END.isoformat

    def ago(n: int) -> str:
        return (END - timedelta(days=n)).isoformat()

    fresh = f"last_activity_on = '{ago(2)}', probability = 10"  # hot only by its close
    edits = [
        ("last_activity_on = ?, created_on = ?", (ago(30), ago(90))),
        ("last_activity_on = ?, created_on = ?", (ago(31), ago(90))),
        ("last_activity_on = NULL, created_on = ?", (ago(30),)),
        ("last_activity_on = '', created_on = ?", (ago(31),)),
        ("expected_close = ?", (ago(30),)), ("expected_close = ?", (ago(31),)),
        *((f"expected_close = ?, {fresh}", (close,))
          for close in (day(), ago(-30), ago(-31), ago(1))),
        ("expected_close = ''", ()),
        ("probability = 50", ()), ("probability = 49.99", ()),
        ("amount_e4 = 1000000, probability = 30", ()),
        ("amount_e4 = 1000000, probability = 30", ()),
        ("amount_e4 = 1000000, probability = 30", ()),
        ("amount_e4 = NULL", ()), ("amount_e4 = 12345, probability = 50", ()),
        ("title = '', ref = 'OPP-1'", ()), ("title = NULL, ref = NULL", ()),
        ("title = '  ', ref = NULL", ()),
        ("title = NULL, ref = NULL, customer_id = NULL", ()),
        ("customer_id = NULL", ()),
        ("owner = NULL", ()), ("owner = ''", ()), ("owner = '  Ann '", ()),
        ("owner = '  Ann ', stage_id = ?, closed_on = ?", (stages["won"], ago(5))),
        ("next_step_on = ?, needs_me = 1", (ago(1),)), ("next_step_on = ?", (day(),)),
        ("stage_id = ?, closed_on = ?", (stages["won"], ago(-3))),
        ("stage_id = ?, closed_on = ?", (stages["lost"], ago(-10))),
        ("stage_id = ?, closed_on = ?, created_on = ?", (stages["lost"], ago(-2), ago(40))),
    ]
    with store.transaction():
        chosen = rng.sample(open_ids, len(edits)) + rng.sample(ids, len(edits))
        for (sets, params), did in zip(edits * 2, chosen, strict=True):
            store.conn.execute(f"UPDATE deals SET {sets} WHERE id = ?", (*params, did))
        store.conn.execute("INSERT INTO stages (name, name_key, kind, probability, position) "
                           "VALUES ('Demo booked', 'demobooked', 'open', 40, 3)")
        demo = store.conn.execute("SELECT id FROM stages WHERE name = 'Demo booked'"
                                  ).fetchone()[0]
        for did in rng.sample(ids, 5):
            store.conn.execute("UPDATE deals SET stage_id = ?, closed_on = NULL WHERE id = ?",
                               (demo, did))


@pytest.fixture(scope="module", params=[11, 12, 13])
def store(request, tmp_path_factory):
    rng = random.Random(request.param)
    s = random_kinds_file(Path(tmp_path_factory.mktemp("rows")) / "rows.db", request.param,
                          END, rng=rng, customers=(20, 150), lines=(100, 800),
                          deals=(300, 700), tickets=20, surveys=10)
    _plant_edges(s, rng)
    yield s
    s.close()


def _periods() -> list[Period]:
    """A year, 90 days, the whole span, periods ending before the last record (random,
    some a single day), one before any deal (nothing open) and a future one."""
    rng = random.Random(5)
    out = [YEAR, Period(END - timedelta(days=89), END), Period(date(2000, 1, 1), END),
           Period(date(1990, 1, 1), date(1990, 12, 31)),
           Period(END + timedelta(days=1), END + timedelta(days=40))]
    for _ in range(5):
        start = date(2018, 1, 1) + timedelta(days=rng.randint(0, 3000))
        out.append(Period(start, start + timedelta(days=rng.randint(0, 200))))
    return out


@pytest.mark.parametrize("twins", [False, True])
def test_screen_from_rows_equals_screen_from_records(store, monkeypatch, twins) -> None:
    monkeypatch.setattr(beside, "ENABLED", twins)
    for period in _periods():
        queries_cache.clear(store)
        reference = to_json(pipeline.build_from_records(store, period, "p"))
        got = to_json(pipeline.build(store, period, "p"))
        for part in ("lists", "tables", "cards"):
            for key in reference[part]:
                assert got[part][key] == reference[part][key], (period, part, key)
        assert got == reference, period


def test_the_planted_edges_are_listed_as_the_rules_say(store) -> None:
    """The boundary days fall where METRICS.md puts them (so the parity above covers them):
    30 days quiet is not stale, 31 is; 30 days past the expected close is not slipped, 31 is;
    closing today or in 30 days is hot, in 31 days is not (unless by probability)."""
    screen = pipeline.build(store, YEAR, "p")
    rows = screen.lists["open_deals"]
    assert rows and [r["id"] for r in screen.lists["hot"]] == [
        r["id"] for r in rows if "hot" in r["flags"]]
    quiet = {r["last_activity_on"]: r for r in rows if r["last_activity_on"]}
    ago = {n: (END - timedelta(days=n)).isoformat() for n in (30, 31)}
    assert "stale" not in quiet[ago[30]]["flags"] and "stale" in quiet[ago[31]]["flags"]
    closing = {r["expected_close"]: r for r in rows if r["expected_close"]}
    assert "slipped" not in closing[ago[30]]["flags"]
    assert "slipped" in closing[ago[31]]["flags"]
    by_close = {r["expected_close"]: r["flags"] for r in rows
                if r["last_activity_on"] == (END - timedelta(days=2)).isoformat()
                and r["probability"] == 10}
    soon = {n: (END + timedelta(days=n)).isoformat() for n in (-1, 0, 30, 31)}
    assert by_close[soon[0]] == by_close[soon[30]] == ["hot"]
    assert by_close[soon[31]] == by_close[soon[-1]] == []
    assert all("flags" not in r for name in ("hot", "stale", "slipped")
               for r in screen.lists[name])
    weights = [r["weighted"] or 0 for r in rows]
    assert weights == sorted(weights, reverse=True)
    assert any(w == 30 * 100 / 100 for w in weights)  # the tied deals (100 × 30 %) are listed
