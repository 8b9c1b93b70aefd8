"""The onboarding list and Today's late-step counts from plain tuples
(`onboarding_service.track_rows` / `overdue_counts`) must equal the same built from the
Track and StepState objects (`track_rows_reference` / `overdue_counts_reference`), on
random files of every record kind with delivered days, owner-set due and done days (some
after the day looked at), the owner's own steps and a file without any delivered day."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, random_store

from custdesk.domain import onboarding as ob
from custdesk.services import onboarding_service as obs
from custdesk.storage import onboarding as rows
from custdesk.storage import queries_cache
from custdesk.storage.repository import set_setting

ENDS = (END, END - timedelta(days=45), date(2021, 3, 31), date(2000, 1, 1))


@pytest.fixture(scope="module", params=[111, 112, 113])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("onboarding")), request.param)
    # recent acquisitions, so many customers are being onboarded at END
    rng = random.Random(request.param)
    ids = [cid for (cid,) in s.conn.execute("SELECT id FROM customers")]
    for cid in rng.sample(ids, len(ids) // 2):
        s.conn.execute("UPDATE customers SET acquired_on = ? WHERE id = ?",
                       ((END - timedelta(days=rng.randint(0, 200))).isoformat(), cid))
    yield s
    s.close()


def _compare(store) -> int:
    queries_cache.clear(store)
    late = 0
    for end in ENDS:
        got = obs.track_rows(store, end)
        assert got == obs.track_rows_reference(store, end)
        counts = obs.overdue_counts(store, end)
        assert counts == obs.overdue_counts_reference(store, end)
        late += sum(r["customers"] for r in counts)
    return late


def test_without_delivered_days(store) -> None:
    store.conn.execute("UPDATE orders SET delivered_on = NULL")
    store.conn.commit()
    assert not rows.deliveries_recorded(store)
    assert _compare(store)


def test_with_delivered_days_and_owner_steps(store) -> None:
    rng = random.Random(3)
    lines = [i for (i,) in store.conn.execute("SELECT id FROM orders")]
    for i in rng.sample(lines, len(lines) // 3):
        store.conn.execute("UPDATE orders SET delivered_on = ? WHERE id = ?",
                           (rng.choice(["", "2026-10-05", "2026-11-20T10:00:00",
                                        "2026-12-30", None]), i))
    ids = [cid for (cid,) in store.conn.execute(
        "SELECT id FROM customers WHERE acquired_on >= ?", ((END - timedelta(days=200))
                                                            .isoformat(),))]
    steps = [s for s, _d in ob.DEFAULT_STEPS]
    for cid in rng.sample(ids, len(ids) // 2):
        for step in rng.sample(steps, rng.randint(1, 3)):
            due = rng.choice([None, (END - timedelta(days=rng.randint(-30, 60))).isoformat()])
            done = rng.choice([None, None, (END - timedelta(days=rng.randint(-10, 90)))
                               .isoformat()])
            rows.save_step(store, cid, step, due, done or (None if due else "2026-11-01"),
                           None)
    store.conn.commit()
    assert _compare(store)


def test_the_owners_own_steps(store) -> None:
    set_setting(store, "onboarding_steps", ob.steps_to_setting(
        [ob.Step("set up", 3), ob.Step(ob.ORDERED, 2), ob.Step("call", 0),
         ob.Step(ob.REPEAT, 45), ob.Step(ob.DELIVERED, 10)]))
    store.conn.commit()
    assert _compare(store)


def test_a_step_due_past_the_calendar_with_the_owners_own_due_days(store) -> None:
    """A hand-edited plan whose step falls past year 9999 (the settings dialog caps steps
    at 3650 days): with the owner's own due day on it for every customer the tracks are
    made, as `ob.track` makes them (it adds the offset only where no own day is set)."""
    set_setting(store, "onboarding_steps", '[["ordered", 0], ["far", 3000000]]')
    ids = [cid for (cid,) in store.conn.execute("SELECT id FROM customers")]
    for cid in ids:
        rows.save_step(store, cid, "far", (END + timedelta(days=5)).isoformat(), None, None)
    store.conn.commit()
    try:
        assert [s.name for s in obs.steps(store)] == ["ordered", "far"]
        assert _compare(store) >= 0
        queries_cache.clear(store)
        assert any(obs.track_rows(store, END))
    finally:
        store.conn.execute("DELETE FROM onboarding_steps WHERE step = 'far'")
        set_setting(store, "onboarding_steps", ob.steps_to_setting(list(
            ob.Step(n, d) for n, d in ob.DEFAULT_STEPS)))
        store.conn.commit()
