"""The Feedback screen's detractor rows as shallow dicts (issue 18: asdict's deep copy
cost seconds on a big file) equal `dataclasses.asdict`."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services import metrics_service as ms  # first: completes metrics_lists
from custdesk.services import triage_service
from custdesk.services.screens import feedback as feedback_screen
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)


@pytest.fixture(scope="module", params=[12, 13])
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("fb")) / "fb.db", request.param, END,
                          customers=(30, 150), lines=(100, 800), deals=30, tickets=(200, 900),
                          surveys=(50, 300))
    yield s
    s.close()


def test_detractor_rows_as_shallow_dicts_equal_asdict(store) -> None:
    period = Period(END - timedelta(days=364 * 3), END)
    rows = triage_service.triage_detractors(store, ms.detractors(store, period),
                                            period)
    assert rows
    assert feedback_screen.shallow_dicts(rows) == [dataclasses.asdict(r) for r in rows]
    assert feedback_screen.shallow_dicts([]) == []


def test_total_and_segments_in_one_pass_equal_two_queries(store) -> None:
    """`by="segment+total"` (compute_metrics with the segment breakdown; the tickets read
    once, the file's sums made from the segments') == the file's
    sums (`by=None`) beside the segments' (`by="segment"`), for every period and window."""
    from custdesk.storage import queries_feedback as qf

    with store.transaction():  # a survey of no known customer counts in "" only
        store.conn.execute("UPDATE surveys SET customer_id = NULL "
                           "WHERE id IN (SELECT id FROM surveys ORDER BY id LIMIT 5)")
    # a ticket of a customer no longer there (a file another tool edited, keys not enforced)
    store.conn.execute("PRAGMA foreign_keys = OFF")
    with store.transaction():
        store.conn.execute("UPDATE tickets SET customer_id = 10000000 "
                           "WHERE id IN (SELECT id FROM tickets ORDER BY id DESC LIMIT 9)")
    store.conn.execute("PRAGMA foreign_keys = ON")
    periods = [("y", Period(END - timedelta(days=364), END)),
               ("a", Period(date(2015, 1, 1), END)),
               ("m", Period(date(2026, 3, 1), date(2026, 3, 31)))]
    for repeat_days in (1, 7, 30):
        both = qf.feedback_totals(store, periods, repeat_days, by="segment+total")
        apart = {**qf.feedback_totals(store, periods, repeat_days),
                 **qf.feedback_totals(store, periods, repeat_days, by="segment")}
        assert both == apart
        assert any(g == "" for _, g in both) and any(g != "" for _, g in both)


def test_catalogue_with_segments_equals_without(store) -> None:
    """The catalogue's own numbers do not depend on asking for the segment breakdown."""
    for period in (Period(END - timedelta(days=364), END), Period(date(2024, 1, 1),
                                                                   date(2024, 6, 30))):
        with_seg = ms.compute_metrics(store, period, by=("segment",))
        assert with_seg.metrics == ms.compute_metrics(store, period).metrics
        inputs = ms.tally_inputs(store, period)
        assert inputs is not None
        from custdesk.services.metrics_breakdowns import _segments_from_tallies

        assert with_seg.breakdowns["segment"] == _segments_from_tallies(store, inputs, period)


def test_ticket_groups_without_repeats_differ_only_there(store) -> None:
    """Channel rows skip the repeat window: every other figure is the same."""
    from custdesk.services import feedback_service
    from custdesk.storage import queries_feedback as qf

    period = Period(END - timedelta(days=364 * 2), END)
    for by in ("topic", "channel"):
        full = qf.ticket_group_totals(store, period, 7, by)
        light = qf.ticket_group_totals(store, period, 7, by, repeats=False)
        assert set(full) == set(light)
        for g, (opened, totals) in full.items():
            assert light[g] == (opened, dataclasses.replace(totals, repeats=0)), (by, g)
    rows = feedback_service.tickets_by(store, period, "channel")
    assert rows and all(r.repeat_contact_pct is None for r in rows)
