"""The Why screen reads the file's feedback sums of its period alone
(`queries_feedback.file_sums`): summed by itself (first, or after Today, which no longer
sums the tickets) or read from the Feedback screen's kept sums by segment, the screen is
the same, twins on or off, on random files of every record kind, for a year, 90 days, the
whole span, a period ending before the last record and an empty one."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services import metrics_service as _ms  # (first: completes the lists)
from custdesk.services.screens import feedback, today, why
from custdesk.services.screens.model import to_json
from custdesk.storage import beside, queries_cache
from custdesk.storage import queries_feedback as qf
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)
PERIODS = [Period(END - timedelta(days=364), END), Period(END - timedelta(days=89), END),
           Period(date(2015, 1, 1), END), Period(date(2024, 2, 1), date(2025, 5, 31)),
           Period(date(2000, 1, 1), date(2000, 12, 31))]


@pytest.fixture(scope="module", params=[31, 32])
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("wf")) / "wf.db", request.param,
                          END, rng=random.Random(request.param), customers=(40, 150),
                          lines=(100, 600), deals=30, tickets=(200, 700), surveys=(80, 300))
    yield s
    s.close()


@pytest.mark.parametrize("twins", [False, True])
def test_why_first_after_today_and_after_feedback_equal(store, monkeypatch,
                                                        twins: bool) -> None:
    monkeypatch.setattr(beside, "ENABLED", twins)
    for period in PERIODS:
        queries_cache.clear(store)
        first = to_json(why.build(store, period, "p"))
        if period == PERIODS[0]:  # a year with tickets: the quality rows have values
            rows = {r["metric"]: r["value"] for r in first["tables"]["quality"]}
            assert rows["first_response_hours_median"] is not None
            assert rows["repeat_contact_rate_pct"] is not None
        queries_cache.clear(store)
        today.build(store, period, "p")
        assert to_json(why.build(store, period, "p")) == first, period
        queries_cache.clear(store)
        feedback.build(store, period, "p")
        with monkeypatch.context() as m:  # the Feedback screen's sums kept: read, not summed
            m.setattr(qf, "_file_sums", None)
            assert to_json(why.build(store, period, "p")) == first, period


def test_why_reads_the_owners_repeat_contact_days(tmp_path) -> None:
    """Review: no test built Why with a repeat-contact window other than the default 7 (a
    window fixed at 7 passed them all). With the owner's 3 days its repeat-contact rate is
    the catalogue's under the same setting, and differs from the 7 days' one."""
    from custdesk.domain.metrics_all import Settings

    s = random_kinds_file(tmp_path / "repeat.db", 31, END, rng=random.Random(31),
                          customers=(40, 150), lines=(100, 600), deals=30,
                          tickets=(200, 700), surveys=(80, 300))
    try:
        period = PERIODS[0]
        rates = {}
        for days in (7, 3):
            _ms.save_settings(s, Settings(repeat_contact_days=days))
            rows = {r["metric"]: r["value"]
                    for r in to_json(why.build(s, period, "p"))["tables"]["quality"]}
            catalogue = _ms.compute_metrics(s, period).metrics["repeat_contact_rate_pct"]
            assert rows["repeat_contact_rate_pct"] == catalogue.value, days
            rates[days] = catalogue.value
        assert rates[3] != rates[7]
    finally:
        s.close()
