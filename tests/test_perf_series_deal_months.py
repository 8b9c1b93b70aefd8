"""`queries_deal_months.decided_totals` (the won and lost deals' sums of a monthly series,
without the open deals) must equal `queries_deals.deal_totals`' fields of the same name —
and so every metric made of them — on random files of every record kind, with blank and
timed close days and deals without a list price mixed in, for the trend's months and for
random, long and empty periods."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, periods, random_store

from custdesk.domain.metrics_deals import DealTotals, deal_metrics_from_totals
from custdesk.services import metrics_service as ms
from custdesk.storage import queries_deals as qd
from custdesk.storage.queries_deal_months import DECIDED_FIELDS, decided_totals

# the metrics a series may take from these sums alone
DECIDED_IDS = ("deals_won", "deals_lost", "win_rate_pct", "win_rate_value_pct",
               "discount_pct_avg", "deep_discount_share_pct")


@pytest.fixture(scope="module", params=[81, 82, 83])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("deal_months")), request.param)
    s.conn.execute("UPDATE deals SET closed_on = closed_on || 'T16:45:00' WHERE id % 9 = 0")
    s.conn.execute("UPDATE deals SET closed_on = '' WHERE id % 23 = 0")
    s.conn.execute("UPDATE deals SET list_amount_e4 = NULL, product_id = NULL "
                   "WHERE id % 5 = 0")
    s.conn.commit()
    yield s
    s.close()


def _check(store, keyed) -> int:
    got = decided_totals(store, keyed)
    want = qd.deal_totals(store, keyed)
    decided = 0
    for key, _p in keyed:
        g = asdict(got.get((key, ""), DealTotals()))
        w = asdict(want.get((key, ""), DealTotals()))
        assert {f: g[f] for f in DECIDED_FIELDS} == {f: w[f] for f in DECIDED_FIELDS}
        for deep in (0.0, 10.0, 25.0):
            a = deal_metrics_from_totals(got.get((key, ""), DealTotals()), deep)
            b = deal_metrics_from_totals(want.get((key, ""), DealTotals()), deep)
            assert {m: a[m] for m in DECIDED_IDS} == {m: b[m] for m in DECIDED_IDS}
        decided += g["won"] + g["lost"] + len(g["discounts"])
    return decided


def test_months_equal_deal_totals(store) -> None:
    decided = 0
    for end in (END, END - timedelta(days=40), date(2021, 2, 28)):
        decided += _check(store, ms._month_periods(12, end))
    assert decided  # the files do have deals won and lost in those months


def test_other_periods_equal_deal_totals(store) -> None:
    assert _check(store, [(str(i), p) for i, p in enumerate(periods())])
    assert decided_totals(store, []) == {}
