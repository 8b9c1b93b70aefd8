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
