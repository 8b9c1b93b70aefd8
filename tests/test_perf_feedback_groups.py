"""The Feedback tab's ticket tables by topic and by channel from one pass over the tickets
(`queries_feedback.topic_and_channel_totals`) == the two passes it replaced
(`ticket_group_totals`) and the pure-Python rules over each group's tickets, on random
files of every record kind with odd tickets (blank topics and channels, topics spelled
apart, tickets without an opening time, ties on one moment, repeats on the window's edge)."""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.metrics_feedback import feedback_totals, ticket_day
from custdesk.domain.periods import Period, day
from custdesk.services import feedback_service as fb
from custdesk.storage import queries_feedback as qf
from custdesk.storage import queries_records as rec
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)


@pytest.fixture(scope="module", params=[4, 5, 6])
def store(request, tmp_path_factory):
    rng = random.Random(request.param)
    s = random_kinds_file(Path(tmp_path_factory.mktemp("fbg")) / "fbg.db", request.param, END,
                          rng=rng, customers=(20, 120), lines=(50, 300), deals=(10, 50),
                          tickets=(300, 900), surveys=(10, 50))
    ids = [r[0] for r in s.conn.execute("SELECT id FROM tickets ORDER BY id")]
    with s.transaction():
        for tid in rng.sample(ids, len(ids) // 6):
            s.conn.execute("UPDATE tickets SET topic = ? WHERE id = ?",
                           (rng.choice([None, "", "  billing ", "BILLING", "Bil-ling"]), tid))
        for tid in rng.sample(ids, len(ids) // 8):
            s.conn.execute("UPDATE tickets SET channel = ? WHERE id = ?",
                           (rng.choice([None, "", "Phone", "phone"]), tid))
        for tid in rng.sample(ids, len(ids) // 20):
            s.conn.execute("UPDATE tickets SET opened_at = ? WHERE id = ?",
                           (rng.choice([None, ""]), tid))
        # a follow-up of the same customer and topic at the same moment, and one exactly
        # 7 days (the default window) after
        for tid in rng.sample(ids, len(ids) // 10):
            cid, opened, topic = s.conn.execute(
                "SELECT customer_id, opened_at, topic FROM tickets WHERE id = ?",
                (tid,)).fetchone()
            if opened:
                later = (day(opened) + timedelta(days=7)).isoformat() + opened[10:]
                s.conn.execute("INSERT INTO tickets (customer_id, opened_at, topic, channel,"
                               " csat) VALUES (?, ?, ?, 'Email', 4), (?, ?, ?, NULL, NULL)",
                               (cid, opened, topic, cid, later, topic))
    yield s
    s.close()


def _periods() -> list[Period]:
    rng = random.Random(11)
    out = [Period(END - timedelta(days=364), END), Period(date(2015, 1, 1), END),
           Period(date(2000, 1, 1), date(2000, 12, 31))]
    for _ in range(4):
        start = date(2018, 1, 1) + timedelta(days=rng.randint(0, 3000))
        out.append(Period(start, start + timedelta(days=rng.randint(0, 300))))
    return out


@pytest.mark.parametrize("repeat_days", [1, 7, 30])
def test_one_pass_equals_two_passes_and_python(store, repeat_days: int) -> None:
    tickets = rec.load_tickets(store)
    for period in _periods():
        both = qf.topic_and_channel_totals(store, period, repeat_days)
        assert set(both) == {"topic", "channel"}
        for by in ("topic", "channel"):
            assert both[by] == qf.ticket_group_totals(store, period, repeat_days, by,
                                                      repeats=by == "topic"), (by, period)
            groups = defaultdict(list)
            for t in tickets:
                groups[getattr(t, by) or "(none)"].append(t)
            for g, (opened, totals) in both[by].items():
                assert opened == sum(1 for t in groups[g]
                                     if period.contains(day(ticket_day(t)))), (by, g)
                if opened:
                    want = feedback_totals(groups[g], [], period, repeat_days)
                    if by == "channel":
                        want = dataclasses.replace(want, repeats=0)
                    assert totals == want, (by, g, period)


def test_screen_rows_equal_the_two_calls(store) -> None:
    for period in _periods():
        both = fb.tickets_by_topic_and_channel(store, period)
        assert both == {by: fb.tickets_by(store, period, by) for by in ("topic", "channel")}
    year = fb.tickets_by_topic_and_channel(store, _periods()[0])
    assert year["topic"] and year["channel"]  # the file's last year has tickets


@pytest.mark.parametrize("repeat_days", [1, 7, 30])
def test_screen_pass_equals_ticket_tables_and_catalogue_sums(store, repeat_days: int) -> None:
    """`feedback_screen_totals` (one pass) returns the topic and channel tables and files
    exactly the feedback sums by segment+total that `feedback_totals` computes."""
    from custdesk.storage import queries_cache

    for period in _periods():
        queries_cache.clear(store)
        periods = [("", period), ("prior", period.prior())]
        fresh = qf._totals(store, periods, repeat_days, "segment+total", True)
        tables = qf.feedback_screen_totals(store, period, period.prior(), repeat_days)
        assert qf._totals_key(periods, repeat_days) in {  # filed, before anyone asks
            k for k, _v in queries_cache._small_caches[store]}
        assert tables == qf.topic_and_channel_totals(store, period, repeat_days), period
        filed = qf.feedback_totals(store, periods, repeat_days, by="segment+total")
        assert filed == fresh, period
        apart = {**qf.feedback_totals(store, periods, repeat_days),
                 **qf.feedback_totals(store, periods, repeat_days, by="segment")}
        assert filed == apart, period


def test_screen_rows_from_the_screen_pass(store) -> None:
    for period in _periods()[:3]:
        assert fb.screen_tickets(store, period) == fb.tickets_by_topic_and_channel(store,
                                                                                   period)
