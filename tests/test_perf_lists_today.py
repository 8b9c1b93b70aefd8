"""Today's hot and lost lists come from the deals selected in SQL (open at the end, lost
in the period); they must equal `pipeline_service`'s lists over every resolved deal (the
reference) on random files of every record kind."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services import metrics_service as ms
from custdesk.services import pipeline_service as ps
from custdesk.services.screens import today
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)


@pytest.fixture(scope="module", params=[4, 5])
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("today")) / "kinds.db", request.param, END,
                          customers=(20, 200), lines=(100, 2000), deals=(50, 600),
                          tickets=(50, 400), surveys=(20, 200))
    # untitled and blank-titled deals: named by reference, then by `deal_title`
    s.conn.execute("UPDATE deals SET title = NULL WHERE id % 5 = 0")
    s.conn.execute("UPDATE deals SET title = '  ' WHERE id % 7 = 0")
    # blank and missing days: the SQL pre-selection of hot candidates must read them as
    # the list rules do (no activity: the creation day; no day at all: never stale)
    s.conn.execute("UPDATE deals SET last_activity_on = '' WHERE id % 4 = 1")
    s.conn.execute("UPDATE deals SET last_activity_on = NULL, created_on = NULL "
                   "WHERE id % 9 = 2")
    s.conn.execute("UPDATE deals SET expected_close = '' WHERE id % 6 = 3")
    s.conn.execute("UPDATE deals SET last_activity_on = date('2026-11-20', '-' || (id % 60) "
                   "|| ' days') WHERE id % 3 = 0")  # around the 30-day line of END
    s.conn.commit()
    yield s
    s.close()


def test_hot_and_lost_equal_pipeline_reference(store) -> None:
    infos = ms.load_deal_infos(store)
    seen = [0, 0, 0]
    for as_of in (END, END - timedelta(days=200), date(2020, 6, 30), date(2024, 1, 31)):
        for days in (30, 90, 365, 4000):
            period = Period(as_of - timedelta(days=days), as_of)
            hot = today.hot_prospects(store, period)
            assert hot == today.named(ps.hot_deals(infos, period))
            lost = today.lost_deals(store, period)
            assert lost == today.named(ps.lost_deal_rows(infos, period))
            seen[0] += len(hot)
            seen[1] += len(lost)
            seen[2] += sum(1 for r in hot + lost if r.title and r.title.startswith("Deal"))
    assert seen[0] and seen[1]  # the lists were not empty
