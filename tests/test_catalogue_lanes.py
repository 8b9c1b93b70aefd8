"""The catalogue with the segment breakdown makes the file's order count with the count by
segment, on its whole-file lane (a second connection, storage/beside.py; one statement:
`queries.orders_counts`), not on the caller's connection after the lanes meet (where it ran
alone on one core); the report is the one the inline path gives."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services import metrics_service as ms
from custdesk.storage import beside, queries, queries_cache
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)


@pytest.fixture
def store(tmp_path: Path):
    s = random_kinds_file(tmp_path / "lanes.db", 72, END, customers=60, lines=600,
                          deals=150, tickets=100, surveys=60)
    yield s
    s.close()


@pytest.mark.parametrize("days", [364, 89])
def test_the_order_count_is_made_beside(store, monkeypatch, days: int) -> None:
    period = Period(END - timedelta(days=days), END)
    monkeypatch.setattr(beside, "ENABLED", False)
    inline = ms.compute_metrics(store, period, by=("segment",))
    queries_cache.clear(store)
    counted: list[bool] = []  # on the caller's connection
    real = queries._orders_counts

    def spy(s, p):
        counted.append(s is store)
        return real(s, p)

    monkeypatch.setattr(queries, "_orders_counts", spy)
    monkeypatch.setattr(queries, "_orders_count", lambda *a: pytest.fail("counted apart"))
    monkeypatch.setattr(beside, "ENABLED", True)
    assert ms.compute_metrics(store, period, by=("segment",)) == inline
    assert counted == [False]  # once, beside


def test_a_failed_catalogue_waits_for_its_lanes(store, monkeypatch) -> None:
    """A lane failing (the feedback sums) while another is still at work (the whole file's
    order counts): the error reaches the caller only once every lane has ended — none goes
    on on its second connection into the next build (review, round 10)."""
    import time

    from custdesk.storage import queries_feedback as qf

    period = Period(END - timedelta(days=364), END)
    ended: list[str] = []
    real = queries._orders_counts

    def slow(s, p):
        time.sleep(0.5)
        try:
            return real(s, p)
        finally:
            ended.append("whole")

    def boom(*_a, **_k):
        raise RuntimeError("the feedback lane failed")

    monkeypatch.setattr(queries, "_orders_counts", slow)
    monkeypatch.setattr(qf, "feedback_totals", boom)
    queries_cache.clear(store)
    with pytest.raises(RuntimeError, match="feedback lane"):
        ms.compute_metrics(store, period, by=("segment",))
    assert ended == ["whole"]
    # the pair: this period's catalogue fails while the prior's goes on beside
    monkeypatch.setattr(qf, "feedback_totals", boom)
    prior_done: list[bool] = []
    real_catalogue = ms._catalogue

    def prior_slow(s, p, *a, **k):
        if p != period:
            time.sleep(0.5)
            try:
                return real_catalogue(s, p, *a, **k)
            finally:
                prior_done.append(True)
        raise RuntimeError("this period's catalogue failed")

    monkeypatch.setattr(ms, "_catalogue", prior_slow)
    queries_cache.clear(store)
    with pytest.raises(RuntimeError):
        ms.compute_metrics_and_prior(store, period)
    assert prior_done == [True]
