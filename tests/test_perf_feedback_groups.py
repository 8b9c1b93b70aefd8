"""The Feedback tab's ticket tables by topic and by channel from one pass over the tickets
(`queries_feedback.topic_and_channel_totals`) == the two passes it replaced
(`ticket_group_totals`) and the pure-Python rules over each group's tickets; the sums with
their hours gathered per group in SQL and each period's sums kept == the row-per-ticket
reference (`_totals`); on random files of every record kind with odd tickets (blank
topics and channels, topics spelled apart, tickets without an opening time, ties on one
moment, repeats on the window's edge)."""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.metrics_feedback import FeedbackTotals, feedback_totals, ticket_day
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
        # on the year's first day, repeats whose earlier contact lies exactly 1, 7 and 30
        # days (each window) before, and one a second more: the earliest contact a period's
        # repeat window reaches back to
        start = END - timedelta(days=364)
        cid = s.conn.execute("SELECT min(id) FROM customers").fetchone()[0]
        for n, (days, at) in enumerate([(1, "10:00:00"), (7, "10:00:00"), (30, "10:00:00"),
                                        (7, "09:59:59")]):
            earlier = start - timedelta(days=days)
            s.conn.execute("INSERT INTO tickets (customer_id, opened_at, topic, channel) "
                           "VALUES (?, ?, ?, 'Phone'), (?, ?, ?, 'Phone')",
                           (cid, f"{earlier.isoformat()}T{at}", f"Edge {n}",
                            cid, f"{start.isoformat()}T10:00:00", f"Edge {n}"))
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
def test_grouped_sums_equal_the_rows_reference(store, repeat_days: int) -> None:
    """The ticket hours gathered per group in SQL (whole seconds in JSON arrays) ==
    `_totals`, which reads a row per ticket: the ticket tables by topic and channel, and
    the sums by segment and for the file, of a period and its prior."""
    for period in [*_periods(), Period(END - timedelta(days=89), END)]:
        tables = qf.topic_and_channel_sums(store, period, repeat_days)
        assert tables == qf.topic_and_channel_totals(store, period, repeat_days), period
        if period == _periods()[0]:  # the planted edges: within the window or a second out
            edges = [tables["topic"][f"Edge {n}"][1].repeats for n in range(4)]
            assert edges == [int(repeat_days >= d) for d in (1, 7, 30)] + [
                int(repeat_days > 7)], repeat_days
        periods = [("", period), ("prior", period.prior())]
        assert (qf.grouped_totals(store, periods, repeat_days)
                == _alone(store, periods, repeat_days, "segment+total")), period


def _alone(store, periods, repeat_days: int, by: str | None) -> dict:
    """The reference sums of each period computed alone (summed with a later period, an
    earlier one's also held zeros for the later one's groups: `_TICKET_SUMS`), and checked
    equal, group by group, to those of the periods together."""
    out = {(k, g): v for k, p in periods
           for (_k, g), v in qf._totals(store, [(k, p)], repeat_days, by, True).items()}
    together = qf._totals(store, periods, repeat_days, by, True)
    assert {k: out.get(k, FeedbackTotals()) for k in together} == together
    return out


@pytest.mark.parametrize("repeat_days", [1, 7, 30])
def test_kept_period_sums_equal_the_reference(store, repeat_days: int, monkeypatch) -> None:
    """Each period's sums by segment are kept: the file's (`by=None`, the catalogue) come
    from them, and the Feedback screen's by segment (its period and prior, keyed apart)
    then compute nothing — equal to the reference either way."""
    from custdesk.storage import queries_cache

    for period in [*_periods(), Period(END - timedelta(days=89), END)]:
        queries_cache.clear(store)
        now = [("now", period), ("prior", period.prior())]
        assert qf.feedback_totals(store, now, repeat_days) == _alone(store, now, repeat_days,
                                                                      None), period
        screen = [("", period), ("prior", period.prior())]
        want = _alone(store, screen, repeat_days, "segment+total")
        with monkeypatch.context() as m:  # both periods kept: no statement runs
            m.setattr(qf, "grouped_totals", None)
            assert qf.feedback_totals(store, screen, repeat_days,
                                      by="segment+total") == want, period
        # one period kept, the other not (a 90-day period after the year: its prior)
        queries_cache.clear(store)
        qf.feedback_totals(store, [("", period)], repeat_days)
        assert qf.feedback_totals(store, screen, repeat_days,
                                  by="segment+total") == want, period
        assert qf.feedback_totals(store, screen[1:], repeat_days) == {
            k: v for k, v in want.items() if k == ("prior", "")}


def test_kept_survey_sums_equal_the_reference(store, monkeypatch) -> None:
    """The survey sums of a monthly series are kept (Today's NPS trend, then the Feedback
    screen's): equal to the statement's, and asked again, nothing is computed."""
    from custdesk.storage import queries_cache

    queries_cache.clear(store)
    months = [(f"m{i}", Period(date(2025, i, 1), date(2025, i, 28))) for i in range(1, 13)]
    for by in (None, "segment"):
        want = qf._totals(store, months, 7, by, False)
        assert qf.feedback_totals(store, months, 7, by, tickets=False) == want
        with monkeypatch.context() as m:
            m.setattr(qf, "_totals", None)
            assert qf.feedback_totals(store, months, 7, by, tickets=False) == want
        assert any(v.nps_n for v in want.values())


def test_kept_sums_follow_a_write(store) -> None:
    """A kept period's sums are not served after a write (the cache's data version)."""
    period = _periods()[0]
    before = qf.feedback_totals(store, [("", period)], 7)
    tid = store.conn.execute("SELECT max(id) FROM tickets").fetchone()[0]
    with store.transaction():
        store.conn.execute("INSERT INTO tickets (customer_id, opened_at, topic, csat, "
                           "is_complaint) SELECT customer_id, ?, topic, 5, 1 FROM tickets "
                           "WHERE id = ?", (f"{END.isoformat()}T09:00:00", tid))
    try:
        after = qf.feedback_totals(store, [("", period)], 7)
        assert after[("", "")].complaints == before[("", "")].complaints + 1
        assert after == qf._totals(store, [("", period)], 7, None, True)
    finally:
        with store.transaction():
            store.conn.execute("DELETE FROM tickets WHERE id > ?", (tid,))


def test_screen_rows_from_the_grouped_sums(store) -> None:
    for period in _periods():
        assert fb.screen_tickets(store, period) == fb.tickets_by_topic_and_channel(store,
                                                                                   period)
