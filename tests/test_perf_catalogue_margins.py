"""Screens that show only part of the catalogue compute only that part (issue 18):
`sales_report` (Margins: customer and sales figures, sales by segment/product/category)
and `feedback_figures` (Feedback's prior period) == the whole catalogue's values, on
random files of every kind and several periods."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.metrics_feedback import FeedbackTotals, feedback_metrics_from_totals
from custdesk.domain.periods import Period
from custdesk.services import margins_service as mg
from custdesk.services import metrics_service as ms
from custdesk.services.screens import feedback as feedback_screen
from custdesk.services.screens import margins as margins_screen
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)


@pytest.fixture(scope="module", params=[21, 22, 23])
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("margins")) / "m.db", request.param, END,
                          customers=(20, 200), lines=(100, 2000), deals=(50, 400),
                          tickets=(50, 400), surveys=(20, 200))
    yield s
    s.close()


def _periods() -> list[Period]:
    rng = random.Random(9)
    out = [Period(END - timedelta(days=364), END), Period(date(2016, 1, 1), END),
           Period(date(2025, 1, 1), date(2025, 3, 31))]
    for _ in range(3):
        start = date(2018, 1, 1) + timedelta(days=rng.randint(0, 3000))
        out.append(Period(start, start + timedelta(days=rng.randint(0, 400))))
    return out


def test_sales_report_equals_the_whole_catalogue(store) -> None:
    ids = sorted(ms._CUSTOMER_SALES_IDS)
    assert set(margins_screen.CARDS) <= set(ids)
    for period in _periods():
        full = ms.compute_metrics(store, period, by=("segment", "product", "category"))
        light = ms.sales_report(store, period, ids, by=("segment", "product", "category"))
        assert light.metrics == {m: full.metrics[m] for m in ids}, period
        for by in ("segment", "product", "category"):
            assert mg.sales_rows(light.breakdowns[by]) == mg.sales_rows(full.breakdowns[by])
            for g, values in light.breakdowns[by].items():  # every sales figure, too
                assert values == {m: full.breakdowns[by][g][m] for m in values}, (by, g)


def test_sales_report_refuses_other_figures(store) -> None:
    period = Period(END - timedelta(days=364), END)
    with pytest.raises(ValueError):
        ms.sales_report(store, period, ["nps"])
    with pytest.raises(ValueError):
        ms.sales_report(store, period, ["revenue"], by=("owner",))


def test_feedback_figures_equal_the_whole_catalogue(store) -> None:
    for period in _periods():
        full = ms.compute_metrics(store, period).metrics
        mine = ms.feedback_figures(store, period)
        assert set(mine) == set(feedback_metrics_from_totals(FeedbackTotals()))
        assert mine == {m: full[m] for m in mine}, period
        assert set(feedback_screen.CARDS) <= set(mine)


def test_feedback_report_equals_the_whole_catalogue(store) -> None:
    for period in _periods():
        full = ms.compute_metrics(store, period, by=("segment",))
        mine = ms.feedback_report(store, period)
        assert mine.metrics == {m: full.metrics[m] for m in mine.metrics}, period
        assert set(feedback_screen.CARDS) <= set(mine.metrics)
        assert set(mine.breakdowns["segment"]) == set(full.breakdowns["segment"])
        for g, values in mine.breakdowns["segment"].items():
            assert values == {m: full.breakdowns["segment"][g][m] for m in values}, (g,)
            assert {"customers_new", "referral_rate_pct", "nps", "csat_pct"} <= set(values)


def test_group_rows_equal_the_facts_path(store) -> None:
    """Margins' A–D group table from SQL gross profit == from each customer's facts."""
    from custdesk.storage import queries

    for period in _periods():
        groups = ms.profitability_groups(store, period)
        profit = {f.id: f.gross_profit_e4 for f in queries.customer_facts(store, period)
                  if f.id in groups}
        positive = sum(p for p in profit.values() if p > 0)
        expected = []
        for g in mg.GROUPS:
            members = [cid for cid, grp in groups.items() if grp == g]
            total = sum(profit.get(cid, 0) for cid in members)
            share = total / positive * 100 if positive and g != "D" else None
            expected.append(mg.GroupRow(g, len(members), total / 10_000, share))
        assert mg.group_rows(store, period, groups) == expected, period
        assert mg.group_rows(store, period) == expected
