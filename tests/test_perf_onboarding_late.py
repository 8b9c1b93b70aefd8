"""Today's late onboarding steps counted in SQL (`onboarding_late.first_late_counts`, what
`overdue_counts` runs when the New screen has not kept its tracks) must equal
`overdue_counts_reference` (every customer's Track and StepState objects) on random files
of every record kind: with and without delivered days, owner-set due and done days (some
after the day looked at, blank ones), the owner's own steps (renamed, repeated, on day 0,
far out), acquisitions on the span's first and last days, first orders after the day or at
a time of day, and days before any record; and with the tracks kept, the kept counts."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain import onboarding as ob
from custdesk.services import onboarding_service as obs
from custdesk.storage import onboarding as rows
from custdesk.storage import onboarding_late, queries_cache, queries_summary
from custdesk.storage.repository import set_setting
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
ENDS = (END, END - timedelta(days=1), END - timedelta(days=45), END + timedelta(days=20),
        date(2021, 3, 31), date(2000, 1, 1))


@pytest.fixture(scope="module", params=[121, 122, 123])
def store(request, tmp_path_factory):
    rng = random.Random(request.param)
    s = random_kinds_file(Path(tmp_path_factory.mktemp("late")) / "k.db", request.param,
                          END, rng=rng, customers=(60, 250), lines=(300, 2500))
    ids = [cid for (cid,) in s.conn.execute("SELECT id FROM customers")]
    # many recent acquisitions (some on the span's first and last days, some blank), and
    # first orders after the end or at a time of day
    for cid in rng.sample(ids, len(ids) // 2):
        when = rng.choice([END - timedelta(days=rng.randint(0, 200)), END,
                           END - timedelta(days=179), END - timedelta(days=180)])
        s.conn.execute("UPDATE customers SET acquired_on = ? WHERE id = ?",
                       (rng.choice([when.isoformat(), ""]), cid))
    s.conn.execute("UPDATE orders SET date = date || 'T09:00:00' WHERE id % 17 = 0")
    s.conn.execute("INSERT INTO orders (customer_id, date, month, revenue_e4, order_ref) "
                   "SELECT id, '2026-12-10', 202612, 100, NULL FROM customers "
                   "WHERE id % 9 = 0")
    s.conn.commit()
    queries_summary.refresh_order_stats(s)
    s.conn.commit()
    yield s
    s.close()


def _compare(store) -> int:
    late = 0
    for end in ENDS:
        queries_cache.clear(store)
        counts = obs.overdue_counts(store, end)  # nothing kept: the SQL count
        assert counts == obs.overdue_counts_reference(store, end), end
        obs.track_rows(store, end)  # the New screen's tracks kept: read them
        assert obs.overdue_counts(store, end) == counts
        late += sum(r["customers"] for r in counts)
    return late


def test_without_delivered_days(store) -> None:
    store.conn.execute("UPDATE orders SET delivered_on = NULL")
    store.conn.commit()
    assert not rows.deliveries_recorded(store)
    assert _compare(store)


def _owner_steps(store, rng: random.Random, steps: list[str]) -> None:
    store.conn.execute("DELETE FROM onboarding_steps")
    ids = [cid for (cid,) in store.conn.execute("SELECT id FROM customers")]
    for cid in rng.sample(ids, len(ids) // 2):
        names = sorted(set(steps))
        for step in rng.sample(names, rng.randint(1, min(3, len(names)))):
            due = rng.choice([None, "", (END - timedelta(days=rng.randint(-30, 60)))
                              .isoformat()])
            done = rng.choice([None, None, "", (END - timedelta(days=rng.randint(-10, 90)))
                               .isoformat() + rng.choice(["", "T10:00:00"])])
            store.conn.execute("INSERT INTO onboarding_steps (customer_id, step, due_on, "
                               "done_on) VALUES (?, ?, ?, ?)", (cid, step, due, done))
    store.conn.commit()


def test_owner_steps_without_delivered_days(store) -> None:
    """An owner's due day makes a delivery late in a file that shows none."""
    store.conn.execute("UPDATE orders SET delivered_on = NULL")
    _owner_steps(store, random.Random(4), [s for s, _d in ob.DEFAULT_STEPS])
    assert _compare(store)


def test_with_delivered_days_and_owner_steps(store) -> None:
    rng = random.Random(3)
    lines = [i for (i,) in store.conn.execute("SELECT id FROM orders")]
    for i in rng.sample(lines, len(lines) // 3):
        store.conn.execute("UPDATE orders SET delivered_on = ? WHERE id = ?",
                           (rng.choice(["", "2026-10-05", "2026-11-20T10:00:00",
                                        "2026-12-30", None]), i))
    _owner_steps(store, rng, [s for s, _d in ob.DEFAULT_STEPS])
    assert rows.deliveries_recorded(store)
    assert _compare(store)


@pytest.mark.parametrize("plan", [
    [("ordered", 0), ("welcome call", 3), ("delivered", 7), ("first repeat order", 60)],
    [("first repeat order", 20), ("ordered", 5), ("kick-off", 0)],
    [("delivered", 2), ("set up", 14), ("set up", 40), ("review", 3650)],
    [("training", 1)]])
def test_the_owners_own_steps(store, plan: list[tuple[str, int]]) -> None:
    set_setting(store, "onboarding_steps", ob.steps_to_setting([ob.Step(n, d)
                                                                for n, d in plan]))
    _owner_steps(store, random.Random(len(plan)), [n for n, _d in plan])
    try:
        assert _compare(store)
    finally:
        set_setting(store, "onboarding_steps", ob.steps_to_setting(
            [ob.Step(n, d) for n, d in ob.DEFAULT_STEPS]))
        store.conn.execute("DELETE FROM onboarding_steps")
        store.conn.commit()


def test_a_step_far_beyond_the_calendar_is_never_late(store) -> None:
    queries_cache.clear(store)
    got = onboarding_late.first_late_counts(store, [("ordered", 0), ("far", 10**9)],
                                            END - timedelta(days=179), END, frozenset())
    assert "far" not in got
