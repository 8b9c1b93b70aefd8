"""Feedback in SQL without every ticket's hours (issue 18): the medians from their
middle values equal `statistics.median` of all of them; the Feedback screen's detractor
rows as shallow dicts equal `dataclasses.asdict`."""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
from datetime import date, timedelta
from pathlib import Path

import pytest

from benchmarks.make_db import build
from custdesk.domain.metric_values import median
from custdesk.domain.metrics_feedback import (
    feedback_metrics,
    hours_between,
    median_of,
    middle,
    ticket_day,
)
from custdesk.domain.periods import Period, day
from custdesk.services import metrics_service as ms  # first: completes metrics_lists
from custdesk.services import triage_service
from custdesk.services.screens import feedback as feedback_screen
from custdesk.storage import open_store
from custdesk.storage import queries_feedback as qf
from custdesk.storage import queries_records as rec

END = date(2026, 11, 24)


def test_median_of_middle_equals_statistics_median() -> None:
    rng = random.Random(11)
    assert median_of(middle([])) == median([])
    for _ in range(500):
        values = [rng.choice([rng.random() * 100, float(rng.randint(0, 5)), 1e-9, 7.25])
                  for _ in range(rng.randint(1, 40))]
        assert median_of(middle(values)) == median(values)
        assert median_of(middle(values)).value == statistics.median(values)


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


def test_sql_medians_equal_every_tickets_hours(store) -> None:
    tickets, surveys = rec.load_tickets(store), rec.load_surveys(store)
    periods = [("y", Period(END - timedelta(days=364), END)),
               ("a", Period(date(2015, 1, 1), END)), ("m", Period(date(2026, 3, 1),
                                                               date(2026, 3, 31)))]
    sql = qf.feedback_totals(store, periods, 7)
    for key, period in periods:
        opened = [t for t in tickets if period.contains(day(ticket_day(t)))]
        first = [h for t in opened
                 if (h := hours_between(t.opened_at, t.first_response_at)) is not None]
        done = [h for t in opened
                if (h := hours_between(t.opened_at, t.resolved_at)) is not None]
        got = sql[(key, "")]
        assert median_of(got.first_response_hours) == median(first), key
        assert median_of(got.resolution_hours) == median(done), key
        ref = feedback_metrics(tickets, surveys, period, 7)
        assert median_of(got.first_response_hours) == ref["first_response_hours_median"]


def test_detractor_rows_as_shallow_dicts_equal_asdict(store) -> None:
    period = Period(END - timedelta(days=364 * 3), END)
    rows = triage_service.triage_detractors(store, ms.detractors(store, period),
                                            period)
    assert rows
    assert feedback_screen.shallow_dicts(rows) == [dataclasses.asdict(r) for r in rows]
    assert feedback_screen.shallow_dicts([]) == []
