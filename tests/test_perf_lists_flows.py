"""The period's new and lost customers (Customers, New) and every customer's start/end
flags (Loyalty) come from SQL; they must equal `customer_state.classify` over every
customer's facts (the reference) on random files of every record kind, for periods ending
at, before and long before the last order."""

from __future__ import annotations

from pathlib import Path

import pytest
from perf_lists_data import periods, random_store

from custdesk.domain.customer_state import classify
from custdesk.storage import queries, queries_cache
from custdesk.storage import queries_lists as ql


@pytest.fixture(scope="module", params=[11, 12, 13])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("flows")), request.param)
    yield s
    s.close()


def _shown(st):
    """What the lists read of a state: the flows and every fact but the period sums other
    than revenue (which `new_and_lost` leaves 0)."""
    f = st.facts
    return (f.id, f.acquired, f.segment, f.source, f.referred_by, f.status, f.lost_on,
            f.lost_reason, f.first_order, f.last_before, f.last_at_end, f.last_before_year,
            f.revenue_e4, st.flow, st.year, st.lost_at_end)


@pytest.mark.parametrize("window", [30, 90, 365])
def test_new_and_lost_equal_classify(store, window: int) -> None:
    seen = 0
    for period in periods():
        queries_cache.clear(store)
        ref = [st for st in classify(queries.customer_facts(store, period), period, window)
               if st.flow.new or st.flow.lost]
        got = ql.new_and_lost(store, period, window)
        assert [_shown(st) for st in got] == [_shown(st) for st in ref], period
        seen += len(ref)
    assert seen


@pytest.mark.parametrize("window", [30, 90, 365])
def test_period_flags_equal_classify(store, window: int) -> None:
    for period in periods():
        queries_cache.clear(store)
        ref = [(st.facts.id, st.flow.start, st.flow.end) for st in
               classify(queries.customer_facts(store, period), period, window)
               if st.facts.acquired <= period.end]
        assert ql.period_flags(store, period, window) == ref, period


def test_revenue_between_equals_facts(store) -> None:
    for period in periods():
        queries_cache.clear(store)
        ref = {f.id: f.revenue_e4 for f in queries.customer_facts(store, period)
               if f.lines}
        assert ql.revenue_between(store, period.start, period.end) == ref


def _states_group_row(name, members, revenue, total_e4, end):
    """The Loyalty group row as it was computed from every customer's classify state."""
    from custdesk.domain.metric_values import proportion

    members = [st for st in members if st.facts.acquired <= end]
    start = [st for st in members if st.flow.start]
    rev = sum(revenue.get(st.facts.id, 0) for st in members)
    buyers = sum(1 for st in members if revenue.get(st.facts.id, 0) > 0)
    kept = proportion(sum(st.flow.end for st in start), len(start))
    return {"group": name, "customers": len(members), "revenue": _money(rev),
            "revenue_pct": rev / total_e4 * 100 if total_e4 > 0 else None,
            "retention_pct": kept.value, "retention_n": kept.n,
            "revenue_per_buyer": _money(rev // buyers) if buyers else None}


def _money(e4):
    return None if e4 is None else round(e4 / 10_000, 2)


@pytest.mark.parametrize("window", [30, 365])
def test_loyalty_group_rows_equal_the_states_path(store, window: int) -> None:
    from custdesk.services.screens import loyalty
    from custdesk.storage import queries_loyalty as qloy

    referred = qloy.referred_customers(store)
    for period in periods():
        queries_cache.clear(store)
        states = classify(queries.customer_facts(store, period), period, window)
        flags = ql.period_flags(store, period, window)
        revenue = {st.facts.id: st.facts.revenue_e4 for st in states}
        total = sum(revenue.values())
        assert loyalty.referred_rows(flags, ql.revenue_between(
            store, period.start, period.end), referred) == [
            _states_group_row("referred", [st for st in states if st.facts.id in referred],
                              revenue, total, period.end),
            _states_group_row("others", [st for st in states if st.facts.id not in referred],
                              revenue, total, period.end)]
        answers = qloy.nps_and_revenue(store, period.start, period.end)
        nps_revenue = {cid: rev for cid, (_n, rev) in answers.items()}
        group = {cid: loyalty.nps_group(n) for cid, (n, _r) in answers.items()}
        assert loyalty.nps_rows(flags, answers) == [
            _states_group_row(name, [st for st in states if group.get(st.facts.id) == name],
                              nps_revenue, sum(nps_revenue.values()), period.end)
            for name in loyalty.NPS_GROUPS]


def test_a_stale_summary_gives_the_same_states(tmp_path: Path) -> None:
    """After a write the summary is stale and the statements read its aggregate instead."""
    from custdesk.storage import queries_summary

    store = random_store(tmp_path, 14)
    cid = store.conn.execute("SELECT min(id) FROM customers").fetchone()[0]
    store.conn.execute("INSERT INTO orders (customer_id, date, month, revenue_e4) "
                       "VALUES (?, '2026-01-15', 202601, 12345)", (cid,))
    store.conn.commit()
    assert queries_summary.is_stale(store)
    for period in periods():
        for window in (30, 365):
            queries_cache.clear(store)
            states = classify(queries.customer_facts(store, period), period, window)
            assert [_shown(st) for st in ql.new_and_lost(store, period, window)] == [
                _shown(st) for st in states if st.flow.new or st.flow.lost]
            assert ql.period_flags(store, period, window) == [
                (st.facts.id, st.flow.start, st.flow.end) for st in states
                if st.facts.acquired <= period.end]
    store.close()
