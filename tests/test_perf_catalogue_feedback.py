"""The Feedback screen's detractor rows as shallow dicts (issue 18: asdict's deep copy
cost seconds on a big file) equal `dataclasses.asdict`."""

from __future__ import annotations

import argparse
import dataclasses
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from benchmarks.make_db import build
from custdesk.domain.periods import Period
from custdesk.services import metrics_service as ms  # first: completes metrics_lists
from custdesk.services import triage_service
from custdesk.services.screens import feedback as feedback_screen
from custdesk.storage import open_store

END = date(2026, 11, 24)


@pytest.fixture(scope="module", params=[12, 13])
def store(request, tmp_path_factory):
    rng = random.Random(request.param)
    path = Path(tmp_path_factory.mktemp("fb")) / "fb.db"
    build(argparse.Namespace(customers=rng.randint(30, 150), lines=rng.randint(100, 800),
                             deals=30, tickets=rng.randint(200, 900),
                             surveys=rng.randint(50, 300), seed=request.param, end=END,
                             db=str(path)))
    s = open_store(path)
    yield s
    s.close()


def test_detractor_rows_as_shallow_dicts_equal_asdict(store) -> None:
    period = Period(END - timedelta(days=364 * 3), END)
    rows = triage_service.triage_detractors(store, ms.detractors(store, period),
                                            period)
    assert rows
    assert feedback_screen.shallow_dicts(rows) == [dataclasses.asdict(r) for r in rows]
    assert feedback_screen.shallow_dicts([]) == []
