"""A Feedback or Why build whose own part fails waits for its parts beside before it
raises (else a part runs on on its twin into the next build: the review finding of
tests/test_build_part_races.py, for these two screens)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services import feedback_service as fb
from custdesk.services.screens import feedback, why
from custdesk.storage import beside
from custdesk.storage import queries_why as qw
from tests.random_kinds import random_kinds_file
from tests.test_build_part_races import _fails, _Slow

END = date(2026, 11, 24)
YEAR = Period(END - timedelta(days=364), END)


@pytest.fixture
def store(tmp_path: Path):
    s = random_kinds_file(tmp_path / "fbraces.db", 73, END, customers=60, lines=600,
                          deals=150, tickets=300, surveys=120)
    yield s
    s.close()


def test_a_failed_feedback_build_waits_for_its_sums(store, monkeypatch) -> None:
    monkeypatch.setattr(beside, "ENABLED", True)
    slow = _Slow(fb.period_sums)
    monkeypatch.setattr(fb, "period_sums", slow)
    monkeypatch.setattr(fb, "screen_tickets", _fails)
    with pytest.raises(RuntimeError, match="the lists failed"):
        feedback.build(store, YEAR, "x")
    assert slow.ended.is_set()


def test_a_failed_why_build_waits_for_its_lost_counts(store, monkeypatch) -> None:
    """Nothing kept (no Today before): the lost counts take the twins."""
    monkeypatch.setattr(beside, "ENABLED", True)
    slow = _Slow(qw.lost_silent)
    monkeypatch.setattr(qw, "lost_silent", slow)
    monkeypatch.setattr(why, "figures", _fails)
    with pytest.raises(RuntimeError, match="the lists failed"):
        why.build(store, YEAR, "x")
    assert slow.ended.is_set()
