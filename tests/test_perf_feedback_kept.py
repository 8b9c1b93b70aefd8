"""What the Feedback screen finds kept after Today (issue 18): the detractors' latest
answers and follow-up details, each period's feedback sums by segment. Kept results equal
the statements computed afresh, follow a write, and the screen is the same whether it
finds them (after Today) or computes everything (first, twins on or off), on random files
of every record kind, for a year, 90 days, the whole span, a period ending before the last
record and an empty one."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services import metrics_service as ms  # first: completes metrics_lists
from custdesk.services import triage_service
from custdesk.services.screens import feedback, today
from custdesk.services.screens.model import to_json
from custdesk.storage import beside, queries_cache
from custdesk.storage import queries_feedback as qf
from custdesk.storage import triage as qt
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
PERIODS = [Period(END - timedelta(days=364), END), Period(END - timedelta(days=89), END),
           Period(date(2015, 1, 1), END), Period(date(2024, 2, 1), date(2025, 5, 31)),
           Period(date(2000, 1, 1), date(2000, 12, 31))]


@pytest.fixture(scope="module", params=[21, 22])
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("fbk")) / "fbk.db", request.param,
                          END, rng=random.Random(request.param), customers=(40, 150),
                          lines=(100, 600), deals=30, tickets=(200, 700), surveys=(80, 300))
    yield s
    s.close()


def test_detractor_details_kept_equal_fresh_and_follow_a_write(store, monkeypatch) -> None:
    period = PERIODS[0]
    rows = ms.detractors(store, period)
    assert rows
    queries_cache.clear(store)
    assert (qf.latest_nps(store, period.end, detractors_only=True)
            == [r for r in qf.latest_nps(store, period.end) if r[1] <= 6])
    answers = [(r.customer_id, r.date) for r in rows]
    fresh = qt._detractor_details(store, qt.json.dumps([list(a) for a in answers]),
                                  period.end, 365)
    first = triage_service.triage_detractors(store, rows, period)
    assert qt.detractor_details(store, answers, period.end, 365) == fresh
    with monkeypatch.context() as m:  # kept: asked again, nothing is computed
        m.setattr(qt, "_detractor_details", None)
        assert triage_service.triage_detractors(store, ms.detractors(store, period),
                                                period) == first
    top = first[0]
    triage_service.set_followup(store, top.customer_id, "contacted", "called",
                                on=END.isoformat())
    try:
        again = triage_service.triage_detractors(store, ms.detractors(store, period), period)
        assert next(r for r in again if r.customer_id == top.customer_id).follow_up \
            == "contacted"
        assert qt.moved_on(store, period.end) == list(qt._moved_on(store, period.end))
    finally:
        with store.transaction():
            store.conn.execute("DELETE FROM detractor_followups")


@pytest.mark.parametrize("twins", [False, True])
def test_screen_after_today_equals_screen_first(store, monkeypatch, twins: bool) -> None:
    monkeypatch.setattr(beside, "ENABLED", twins)
    for period in PERIODS:
        queries_cache.clear(store)
        first = to_json(feedback.build(store, period, "p"))
        if period == PERIODS[0]:  # a year with everything the screen shows
            assert first["lists"]["detractors"] and first["tables"]["tickets_by_topic"]
            assert first["cards"]["nps"]["prior"] is not None
        queries_cache.clear(store)
        today.build(store, period, "p")
        assert to_json(feedback.build(store, period, "p")) == first, period
        assert to_json(feedback.build(store, period, "p")) == first, period  # all kept
