"""Today's at-risk and detractor lists: `moved_on` numbers only the answers of customers
with an open follow-up, and the at-risk rows are labelled from their customers only; both
must equal the earlier whole-file versions on random files of every record kind."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, periods, random_store

from custdesk.domain.periods import Period
from custdesk.services import metrics_service  # noqa: F401  (before metrics_lists: the circle)
from custdesk.storage import queries_cache, triage
from custdesk.storage import queries_records as rec

# moved_on before the change: the window over every survey of the file
_EVERY_SURVEY = """
WITH answers AS (
  SELECT customer_id, nps, date, comment, row_number() OVER (
           PARTITION BY customer_id ORDER BY date DESC, id DESC) AS newest,
         row_number() OVER (PARTITION BY customer_id, nps <= 6
                            ORDER BY date DESC, id DESC) AS newest_of_kind
  FROM surveys WHERE kind = 'customer' AND customer_id IS NOT NULL AND nps IS NOT NULL
    AND date != '' AND substr(date, 1, 10) <= :day)
SELECT f.customer_id, low.nps, low.date, low.comment, coalesce(c.name, '?')
FROM detractor_followups f
JOIN answers latest ON latest.customer_id = f.customer_id AND latest.newest = 1
     AND latest.nps >= 7
JOIN answers low ON low.customer_id = f.customer_id AND low.nps <= 6
     AND low.newest_of_kind = 1
LEFT JOIN customers c ON c.id = f.customer_id
WHERE f.state IN ('to_contact', 'contacted')"""


@pytest.fixture(scope="module", params=[51, 52])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("triage")), request.param)
    rng = random.Random(request.param)
    surveyed = [cid for (cid,) in s.conn.execute(
        "SELECT DISTINCT customer_id FROM surveys WHERE customer_id IS NOT NULL")]
    for cid in rng.sample(surveyed, len(surveyed) // 2):
        s.conn.execute("INSERT INTO detractor_followups(customer_id, state, changed_on) "
                       "VALUES (?, ?, ?)", (cid, rng.choice(
                           ["to_contact", "contacted", "resolved", "not_recovered"]),
                           (END - timedelta(days=rng.randint(0, 900))).isoformat()))
    s.conn.commit()
    yield s
    s.close()


def test_moved_on_equals_the_whole_file_window(store) -> None:
    seen = 0
    for as_of in (END, END - timedelta(days=120), date(2022, 6, 30), date(2019, 1, 1)):
        old = [(int(r[0]), int(r[1]), r[2], r[3], r[4])
               for r in store.conn.execute(_EVERY_SURVEY, {"day": as_of.isoformat()})]
        assert triage.moved_on(store, as_of) == old
        seen += len(old)
    assert seen


def test_at_risk_rows_equal_whole_file_labels(store) -> None:
    from custdesk.services import metrics_lists as ml

    labels = rec.customer_labels(store)
    seen = 0
    for period in periods():
        queries_cache.clear(store)
        rows = ml.at_risk(store, period)
        reasons, value = ml._risk_by_customer(store, period.end)
        ref = sorted((ml.AtRisk(cid, labels[cid][0], labels[cid][1], list(reasons[cid]),
                                value[cid] / 10_000, "; ".join(reasons[cid]))
                      for cid in reasons), key=lambda r: (-r.value_at_risk, r.customer_id))
        assert rows == ref
        seen += len(rows)
    assert seen


def test_at_risk_states_equal_the_probe_per_customer(tmp_path, monkeypatch) -> None:
    """`at_risk_states` reads the snoozes and open actions, not a probe per listed
    customer: the same states as `at_risk_states_reference` for the customers it names,
    (None, None, False) for the others — snoozes ending before, on and after the day,
    open, done and dropped actions, actions without a customer, customers not listed —
    and the same triaged at-risk list."""
    from custdesk.services import metrics_lists as ml
    from custdesk.services import triage_service

    s = random_store(tmp_path, 53)
    rng = random.Random(53)
    ids = [cid for (cid,) in s.conn.execute("SELECT id FROM customers")]
    for cid in rng.sample(ids, len(ids) // 3):
        s.conn.execute("INSERT INTO customer_snoozes(customer_id, until, note, set_on) "
                       "VALUES (?, ?, ?, '2026-01-01')",
                       (cid, (END + timedelta(days=rng.randint(-3, 3))).isoformat(),
                        rng.choice([None, "call back"])))
    for cid in [*rng.sample(ids, len(ids) // 3), None, None]:
        s.conn.execute("INSERT INTO actions(title, customer_id, status, created_on) "
                       "VALUES ('Call', ?, ?, '2026-01-01')",
                       (cid, rng.choice(["open", "open", "done", "dropped"])))
    s.conn.commit()
    plain = (None, None, False)
    try:
        for today in (END - timedelta(days=2), END, END + timedelta(days=1)):
            day = today.isoformat()
            listed = rng.sample(ids, len(ids) // 2)
            ref = triage.at_risk_states_reference(s, listed, day)
            got = triage.at_risk_states(s, listed, day)
            assert got == {cid: v for cid, v in ref.items() if v != plain}
            assert any(v[0] for v in got.values()) and any(v[2] for v in got.values())
            assert all(got.get(cid, plain) == ref[cid] for cid in listed)
            rows = ml.at_risk(s, Period(END - timedelta(days=90), END))
            assert rows
            triaged = triage_service.triage_at_risk(s, rows, day)
            with monkeypatch.context() as m:
                m.setattr(triage, "at_risk_states", triage.at_risk_states_reference)
                assert triage_service.triage_at_risk(s, rows, day) == triaged
    finally:
        s.close()
