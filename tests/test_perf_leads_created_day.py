"""`leads_qualified`'s history statement reads a deal's creation day for its first change
alone (`queries_deals._HISTORY`) and equals the statement it replaced, which joined every
change to its deal's row (`_HISTORY_JOINED`), and the steps spelled out
(`_HISTORY_BY_STEPS`); the deals without history counted from a plain scan, the day
compared whole (`_NO_HISTORY`), and the deal sums' deals that can count chosen the same
way (`_CAN_COUNT`), equal their references — on random files of every record kind with
creation and closing days and changes on each edge of the periods (with and without a
time of day, blank, short, past the 10th character a multibyte one), ties on one moment,
changes from no stage, and changes of a deal no longer in the file."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.storage import queries_deals as qd
from tests.random_kinds import boundary_periods, random_kinds_file

END = date(2026, 11, 24)


def _days(periods: list[Period]) -> list[str]:
    out = ["", "2026", "2026-03-15 10:00:00", "2026-03-15é", "2026-03-1é"]
    for p in periods:
        for d in (p.start - timedelta(days=1), p.start, p.end, p.end + timedelta(days=1)):
            out += [d.isoformat(), f"{d.isoformat()} 09:30:00"]
    return out


def _periods() -> list[Period]:
    rng = random.Random(12)
    out = boundary_periods(END)
    for _ in range(4):
        start = date(2019, 1, 1) + timedelta(days=rng.randint(0, 2500))
        out.append(Period(start, start + timedelta(days=rng.randint(0, 400))))
    return out


@pytest.fixture(scope="module", params=[41, 42, 43])
def store(request, tmp_path_factory):
    rng = random.Random(request.param)
    s = random_kinds_file(Path(tmp_path_factory.mktemp("leads")) / "leads.db",
                          request.param, END, rng=rng, customers=(30, 120), lines=(50, 300),
                          deals=(150, 500), tickets=(10, 50), surveys=(10, 50))
    days = _days(_periods())
    stages = [i for (i,) in s.conn.execute("SELECT id FROM stages")]
    with s.transaction():
        deals = [i for (i,) in s.conn.execute("SELECT id FROM deals")]
        for did in rng.sample(deals, len(deals) // 2):
            s.conn.execute("UPDATE deals SET created_on = ?, closed_on = ? WHERE id = ?",
                           (rng.choice([*days, None]), rng.choice([*days, None]), did))
        changes = [i for (i,) in s.conn.execute("SELECT id FROM deal_stage_history")]
        assert changes, "make_db writes stage histories"
        for hid in rng.sample(changes, len(changes) // 2):
            s.conn.execute("UPDATE deal_stage_history SET changed_on = ? WHERE id = ?",
                           (rng.choice(days), hid))
        for hid in rng.sample(changes, len(changes) // 6):
            s.conn.execute("UPDATE deal_stage_history SET from_stage_id = ? WHERE id = ?",
                           (rng.choice([None, *stages]), hid))
        # ties: a second change of a deal at the moment of one of its changes
        for hid in rng.sample(changes, len(changes) // 10):
            s.conn.execute("INSERT INTO deal_stage_history (deal_id, from_stage_id, stage_id,"
                           " changed_on) SELECT deal_id, stage_id, ?, changed_on"
                           " FROM deal_stage_history WHERE id = ?", (rng.choice(stages), hid))
    # changes of deals no longer in the file (another tool, keys not enforced): the join
    # of the replaced statement left them out
    s.conn.execute("PRAGMA foreign_keys = OFF")
    with s.transaction():
        s.conn.execute("UPDATE deal_stage_history SET deal_id = deal_id + 10000000 "
                       "WHERE id IN (SELECT id FROM deal_stage_history ORDER BY id LIMIT 40)")
    s.conn.execute("PRAGMA foreign_keys = ON")
    yield s
    s.close()


def test_first_change_seek_equals_the_join_and_the_steps(store) -> None:
    stages = [i for (i,) in store.conn.execute("SELECT id FROM stages ORDER BY id")]
    counted = 0
    for period in _periods():
        for qualifying in (stages[1:3], stages[2:], [stages[0]], stages, []):
            params = {"qualifying": json.dumps(qualifying), "lo": period.start.isoformat(),
                      "hi": period.end.isoformat()}
            (new,) = store.conn.execute(qd._HISTORY, params).fetchone()
            (joined,) = store.conn.execute(qd._HISTORY_JOINED, params).fetchone()
            (steps,) = store.conn.execute(qd._HISTORY_BY_STEPS, params).fetchone()
            assert new == joined == steps, (period, qualifying)
            counted += new
    assert counted  # the periods hold deals entering the stages


def test_leads_qualified_with_the_replaced_statement(store, monkeypatch) -> None:
    new = [qd._leads_qualified(store, p) for p in _periods()]
    monkeypatch.setattr(qd, "_HISTORY", qd._HISTORY_JOINED)
    assert new == [qd._leads_qualified(store, p) for p in _periods()]
    assert any(new)


def test_deals_without_history_from_a_scan(store) -> None:
    stages = [i for (i,) in store.conn.execute("SELECT id FROM stages ORDER BY id")]
    counted = 0
    for period in _periods():
        for qualifying in (stages[1:3], stages[2:], stages, []):
            params = {"qualifying": json.dumps(qualifying), "lo": period.start.isoformat(),
                      "hi": period.end.isoformat()}
            for without in (qd._WITHOUT, ""):
                (new,) = store.conn.execute(qd._NO_HISTORY.format(without=without),
                                            params).fetchone()
                (ref,) = store.conn.execute(qd._NO_HISTORY_REFERENCE.format(without=without),
                                            params).fetchone()
                assert new == ref, (period, qualifying, without)
                counted += new
    assert counted


@pytest.mark.parametrize("grp", [qd._SEGMENT_OR_NO_CUSTOMER, qd.GROUPS[None],
                                 qd.GROUPS["owner"]])
def test_deal_sums_choose_the_same_deals(store, monkeypatch, grp: str) -> None:
    pairs = [[("", p), ("prior", p.prior())] for p in _periods()]
    pairs += [[("", p)] for p in _periods()] + [[]]
    new = [qd._deal_sums(store, pair, grp) for pair in pairs]
    monkeypatch.setattr(qd, "_CAN_COUNT", qd._CAN_COUNT_REFERENCE)
    assert new == [qd._deal_sums(store, pair, grp) for pair in pairs]
    assert any(sums for sums, _ in new)
