"""The catalogue with the segment breakdown reads each record kind once (issue 18): the
whole file's sums made from the segments' ("segment+total") equal the file's own query,
and the segments' equal theirs, on random files of every record kind — with deals of no
customer and records of a customer no longer in the file."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services import metrics_service as ms
from custdesk.storage import queries_deals as qd
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)


@pytest.fixture(scope="module", params=[21, 22, 23])
def store(request, tmp_path_factory):
    path = Path(tmp_path_factory.mktemp("onepass")) / "onepass.db"
    s = random_kinds_file(path, request.param, END,
                          customers=(30, 150), lines=(200, 1500), deals=(100, 600),
                          tickets=(50, 400), surveys=(20, 200))
    with s.transaction():  # deals of no customer
        s.conn.execute("UPDATE deals SET customer_id = NULL "
                       "WHERE id IN (SELECT id FROM deals ORDER BY id LIMIT 7)")
    # records of a customer no longer there (a file another tool edited, keys not enforced)
    s.conn.execute("PRAGMA foreign_keys = OFF")
    with s.transaction():
        for table in ("deals", "orders", "tickets"):
            s.conn.execute(f"UPDATE {table} SET customer_id = 10000000 "
                           f"WHERE id IN (SELECT id FROM {table} ORDER BY id DESC LIMIT 5)")
    s.conn.execute("PRAGMA foreign_keys = ON")
    yield s
    s.close()


def _periods() -> list[tuple[str, Period]]:
    rng = random.Random(5)
    out = [("y", Period(END - timedelta(days=364), END)), ("a", Period(date(2015, 1, 1), END)),
           ("m", Period(date(2026, 3, 1), date(2026, 3, 31)))]
    for i in range(4):
        start = date(2019, 1, 1) + timedelta(days=rng.randint(0, 2500))
        out.append((f"r{i}", Period(start, start + timedelta(days=rng.randint(0, 400)))))
    return out


def test_deal_totals_segment_and_total_in_one_pass_equal_two_queries(store) -> None:
    periods = _periods()
    both = qd.deal_totals(store, periods, by="segment+total")
    apart = {**qd.deal_totals(store, periods), **qd.deal_totals(store, periods, by="segment")}
    assert both == apart
    assert any(g == "" for _, g in both) and any(g != "" for _, g in both)
    assert any(t.discounts for t in both.values())
    for key, p in periods:  # the file's sums of one period alone are the same
        assert both.get((key, ""), qd.DealTotals()) == qd.period_totals(store, p)


def test_catalogue_with_segments_equals_without(store) -> None:
    """Asking for the segment breakdown changes none of the catalogue's own numbers, and
    its segments equal those computed from their own queries."""
    from custdesk.services.metrics_breakdowns import _segments_from_tallies

    for _, period in _periods():
        with_seg = ms.compute_metrics(store, period, by=("segment",))
        assert with_seg.metrics == ms.compute_metrics(store, period).metrics, period
        inputs = ms.tally_inputs(store, period)
        assert inputs is not None
        assert with_seg.breakdowns["segment"] == _segments_from_tallies(store, inputs, period)


def test_leads_qualified_one_window_pass_equals_the_steps_spelled_out(store) -> None:
    """`leads_qualified`'s history statement (one window pass over the changes) == the
    statement it replaced (the creation step and the changes unioned, lagged again), for
    every period, with changes of unknown day and stages moved by hand."""
    import json

    rng = random.Random(4)
    with store.transaction():
        ids = [r[0] for r in store.conn.execute("SELECT id FROM deal_stage_history")]
        assert ids, "make_db writes stage histories"
        for hid in rng.sample(ids, len(ids) // 8):
            store.conn.execute("UPDATE deal_stage_history SET changed_on = ? WHERE id = ?",
                               (rng.choice(["", "2026-03-15", "2026-03-15 10:00:00"]), hid))
        for hid in rng.sample(ids, len(ids) // 8):
            store.conn.execute("UPDATE deal_stage_history SET from_stage_id = NULL "
                               "WHERE id = ?", (hid,))
    stages = [i for (i,) in store.conn.execute("SELECT id FROM stages")]
    for _, period in _periods():
        for qualifying in (stages[1:3], stages[2:], [stages[0]]):
            params = {"qualifying": json.dumps(qualifying), "lo": period.start.isoformat(),
                      "hi": period.end.isoformat()}
            new = store.conn.execute(qd._HISTORY, params).fetchone()[0]
            assert new == store.conn.execute(qd._HISTORY_BY_STEPS, params).fetchone()[0]
    assert ms.compute_metrics(store, _periods()[0][1]).metrics["leads_qualified"].value


def test_tallies_as_of_an_earlier_day_equal_the_grouped_statement(store) -> None:
    """Periods ending before the last order (prior periods, months of a trend): the summary
    as of their end with "another order key" seeks == the grouped min/max statement it
    replaced, per segment and lost reason — and so with the summary stale (computed from
    the lines in the query)."""
    from custdesk.storage import queries_tally as qt

    ends = [p.end for _, p in _periods()] + [END - timedelta(days=d) for d in (1, 30, 400)]
    for stale in (False, True):
        if stale:  # order lines changed outside custdesk: the triggers mark the summary
            with store.transaction():
                store.conn.execute("UPDATE orders SET revenue_e4 = revenue_e4 + 1 "
                                   "WHERE id = (SELECT min(id) FROM orders)")
        for end in ends:
            for days in (0, 30, 364):
                period = Period(end - timedelta(days=days), end)
                for window in (30, 90):
                    new = qt._tallies_by_segment_and_reason(store, period, window)
                    assert new == qt._tallies_by_segment_and_reason(
                        store, period, window, as_of=qt._AS_OF_GROUPED), (period, window)


def test_catalogue_and_prior_together_equal_two_catalogues(store) -> None:
    """`compute_metrics_and_prior` (both periods' feedback and deal sums in one statement
    each) == `compute_metrics` of the period and of its prior period, with and without the
    segment breakdown."""
    for _, period in _periods():
        for by in ((), ("segment",), ("segment", "owner")):
            now, prior = ms.compute_metrics_and_prior(store, period, by)
            assert now == ms.compute_metrics(store, period, by), (period, by)
            assert prior == ms.compute_metrics(store, period.prior()), (period, by)
    with pytest.raises(ValueError, match="cannot break down"):
        ms.compute_metrics_and_prior(store, _periods()[0][1], ("colour",))


def test_catalogue_kept_until_a_write_each_caller_its_own_dicts(store, monkeypatch) -> None:
    """A second tab asking for the same catalogue gets it from the cache (no statement
    runs), a changed dict of one caller's report leaves the next caller's alone, and a
    write computes it again."""
    from custdesk.services import metrics_service
    from custdesk.storage import queries_cache

    period = _periods()[0][1]
    queries_cache.clear(store)
    first = ms.compute_metrics(store, period, by=("segment",))
    runs = []
    real = metrics_service._catalogue
    monkeypatch.setattr(metrics_service, "_catalogue",
                        lambda *a, **k: runs.append(1) or real(*a, **k))
    first.metrics.clear()
    first.breakdowns["segment"].clear()
    again = ms.compute_metrics(store, period, by=("segment",))
    assert runs == [] and again.metrics and again.breakdowns["segment"]
    assert ms.compute_metrics_and_prior(store, period)[0] == ms.compute_metrics(store, period)
    runs.clear()
    with store.transaction():
        store.conn.execute("UPDATE customers SET segment = 'Moved' "
                           "WHERE id = (SELECT min(id) FROM customers)")
    moved = ms.compute_metrics(store, period, by=("segment",))
    assert runs == [1] and "Moved" in moved.breakdowns["segment"]


def test_a_pair_serves_the_single_catalogues_after_it(store, monkeypatch) -> None:
    """Today, New and Customers ask for the period and its prior period together; a
    screen asking afterwards for one of them alone (Scorecard: the period's; the prior
    period's of any) finds it: no catalogue is computed again, and it is the pair's."""
    from custdesk.services import metrics_service
    from custdesk.storage import queries_cache

    period = _periods()[0][1]
    queries_cache.clear(store)
    now, prior = ms.compute_metrics_and_prior(store, period, ("segment",))
    runs = []
    real = metrics_service._catalogue
    monkeypatch.setattr(metrics_service, "_catalogue",
                        lambda *a, **k: runs.append(1) or real(*a, **k))
    assert ms.compute_metrics(store, period, ("segment",)) == now
    assert ms.compute_metrics(store, period.prior()) == prior
    assert runs == []
    ms.compute_metrics(store, period)  # another breakdown: computed
    assert runs == [1]


def test_feedback_report_keeps_the_prior_periods_figures(store, monkeypatch) -> None:
    """The Feedback screen's report sums the prior period's feedback in the same statement:
    `feedback_figures` of the prior period then runs no statement, and equals what it
    computes alone."""
    from custdesk.storage import queries_cache
    from custdesk.storage import queries_feedback as qf

    for _, period in _periods():
        queries_cache.clear(store)
        alone = ms.feedback_figures(store, period.prior())
        queries_cache.clear(store)
        ms.feedback_report(store, period)
        monkeypatch.setattr(qf, "period_totals", lambda *a, **k: pytest.fail("recomputed"))
        assert ms.feedback_figures(store, period.prior()) == alone, period
        monkeypatch.undo()


def test_discount_sums_of_file_and_segments_in_one_pass_equal_to_the_last_digit(store
                                                                               ) -> None:
    """The file's and each segment's discount sums from one pass == the two grouped
    statements, float for float (same lines added in the same order), with blank
    segments, lines of no known customer and odd discounts."""
    from custdesk.storage import queries

    rng = random.Random(8)
    with store.transaction():
        ids = [r[0] for r in store.conn.execute("SELECT id FROM orders")]
        for oid in rng.sample(ids, len(ids) // 3):
            store.conn.execute("UPDATE orders SET discount = ? WHERE id = ?",
                               (rng.choice([None, 0.0, 0.07, 1 / 3, 0.999, 1.0, 1.5, -0.1,
                                            rng.random()]), oid))
        store.conn.execute("UPDATE customers SET segment = '' WHERE id % 7 = 0")
    for _, period in _periods():
        both = queries.discount_totals_with_total(store, period)
        apart = {**queries.discount_totals(store, period),
                 **queries.discount_totals(store, period, by_segment=True)}
        assert both == apart, period
    assert any(t.lines for t in both.values()) and "(none)" in apart
    monkey_few = queries._MAX_SEGMENT_SUMS
    try:  # more segments than one statement sums: the grouped statements themselves
        queries._MAX_SEGMENT_SUMS = 1
        assert queries.discount_totals_with_total(store, period) == apart
    finally:
        queries._MAX_SEGMENT_SUMS = monkey_few
