"""The period's new and lost customers (Customers, New) and every customer's start/end
flags (Loyalty) come from SQL; they must equal `customer_state.classify` over every
customer's facts (the reference) on random files of every record kind, for periods ending
at, before and long before the last order."""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from benchmarks.make_db import build
from custdesk.domain.customer_state import classify
from custdesk.domain.periods import Period
from custdesk.storage import open_store, queries
from custdesk.storage import queries_lists as ql

END = date(2026, 11, 24)


@pytest.fixture(scope="module", params=[11, 12, 13])
def store(request, tmp_path_factory):
    rng = random.Random(request.param)
    path = Path(tmp_path_factory.mktemp("flows")) / "kinds.db"
    build(argparse.Namespace(customers=rng.randint(50, 300), lines=rng.randint(200, 3000),
                             deals=rng.randint(50, 400), tickets=rng.randint(50, 300),
                             surveys=rng.randint(20, 200), seed=request.param, end=END,
                             db=str(path)))
    s = open_store(path)
    ids = [cid for (cid,) in s.conn.execute("SELECT id FROM customers")]
    for cid in rng.sample(ids, len(ids) // 4):  # the state rules' odd corners
        case = rng.randrange(5)
        when = (date(2016, 1, 1) + timedelta(days=rng.randint(0, 4000))).isoformat()
        sql = {0: "UPDATE customers SET status = 'lost', lost_on = NULL WHERE id = ?",
               1: "UPDATE customers SET lost_on = ? WHERE id = ?",
               2: "UPDATE customers SET acquired_on = ? WHERE id = ?",
               3: "UPDATE customers SET lost_on = ?, lost_reason = 'Price' WHERE id = ?",
               4: "UPDATE customers SET acquired_on = '' WHERE id = ?"}[case]
        s.conn.execute(sql, (cid,) if sql.count("?") == 1 else (when, cid))
    s.conn.execute("INSERT INTO customers (name, name_key, created_on) "
                   "VALUES ('Only a ticket', 'only a ticket', '2020-01-01')")
    s.conn.commit()
    yield s
    s.close()


def _periods() -> list[Period]:
    rng = random.Random(7)
    out = [Period(END - timedelta(days=364), END), Period(date(2016, 1, 1), END),
           Period(END - timedelta(days=89), END), Period(date(2000, 1, 1), date(2000, 12, 31))]
    for _ in range(8):
        start = date(2017, 1, 1) + timedelta(days=rng.randint(0, 3400))
        out.append(Period(start, start + timedelta(days=rng.randint(0, 400))))
    return out


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
    for period in _periods():
        queries_cache_clear(store)
        ref = [st for st in classify(queries.customer_facts(store, period), period, window)
               if st.flow.new or st.flow.lost]
        got = ql.new_and_lost(store, period, window)
        assert [_shown(st) for st in got] == [_shown(st) for st in ref], period
        seen += len(ref)
    assert seen


@pytest.mark.parametrize("window", [30, 90, 365])
def test_period_flags_equal_classify(store, window: int) -> None:
    for period in _periods():
        queries_cache_clear(store)
        ref = [(st.facts.id, st.flow.start, st.flow.end) for st in
               classify(queries.customer_facts(store, period), period, window)
               if st.facts.acquired <= period.end]
        assert ql.period_flags(store, period, window) == ref, period


def test_revenue_between_equals_facts(store) -> None:
    for period in _periods():
        queries_cache_clear(store)
        ref = {f.id: f.revenue_e4 for f in queries.customer_facts(store, period)
               if f.lines}
        assert ql.revenue_between(store, period.start, period.end) == ref


def queries_cache_clear(store) -> None:
    from custdesk.storage import queries_cache

    queries_cache.clear(store)
