"""The customers table (one SQL pass) and the at-risk list's active customers (SQL) must
equal the reference built from `customer_states`, `customer_totals` and the state rules
of `customer_state` on random files of every record kind, as of days at, before and long
before the last order."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, cohort_cells_reference, random_store

from custdesk.domain.customer_state import is_active, is_undated, lapsed, lost_explicitly
from custdesk.services import metrics_service as ms
from custdesk.storage import queries_cache
from custdesk.storage import queries_lists as ql
from custdesk.storage import queries_records as rec

DAYS = (END, END - timedelta(days=1), END - timedelta(days=200), date(2021, 3, 31),
        date(2000, 1, 1))


@pytest.fixture(scope="module", params=[21, 22, 23])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("table")), request.param)
    yield s
    s.close()


def _reference(store, as_of: date, w: int) -> list[tuple]:
    """The table as customer_rows built it before: per-customer facts and totals."""
    totals = ql.customer_totals(store, as_of)
    info = rec.customer_attributes(store)
    out = []
    for f in ql.customer_states(store, as_of):
        rev, gp, n, last = totals.get(f.id, (0, 0, 0, None))
        status = ("lost" if lost_explicitly(f, as_of)
                  else "lapsed" if lapsed(f.last_at_end, as_of, w)
                  else "contact" if is_undated(f.acquired) else "active")
        out.append((f.id, *info[f.id], None if is_undated(f.acquired)
                    else f.acquired.isoformat(), last, n, rev, gp, status))
    return out


@pytest.mark.parametrize("window", [30, 90, 365])
def test_customer_table_equals_reference(store, window: int) -> None:
    for as_of in DAYS:
        assert ql.customer_table(store, as_of, window) == _reference(store, as_of, window)


@pytest.mark.parametrize("window", [30, 90, 365])
def test_active_ids_equal_is_active(store, window: int) -> None:
    for as_of in DAYS:
        ref = {f.id for f in ql.customer_states(store, as_of)
               if is_active(f, as_of, f.last_at_end, window)}
        assert ql.active_ids(store, as_of, window) == ref


def test_customer_rows_carry_the_risk_reasons(store) -> None:
    from custdesk.services import metrics_lists

    w = ms.load_settings(store).window_days
    for as_of in DAYS:
        queries_cache.clear(store)
        reasons, _ = metrics_lists._risk_by_customer(store, as_of)
        rows = ms.customer_rows(store, as_of)
        assert [(r.id, r.name, r.company, r.segment, r.source, r.acquired_on,
                 r.last_order_on, r.orders, r.revenue, r.gross_profit, r.status)
                for r in rows] == [(*t[:8], t[8] / 10_000, t[9] / 10_000, t[10])
                                   for t in _reference(store, as_of, w)]
        assert {r.id: r.risk_reasons for r in rows if r.at_risk} == reasons


@pytest.mark.parametrize("window", [30, 365])
def test_order_patterns_equal_the_days_median(store, window: int) -> None:
    from custdesk.domain.lists import median_gap

    for as_of in DAYS:
        days = ql.order_days(store, as_of)
        cut = as_of - timedelta(days=window)
        ref = {cid: (len(ds), ds[-1], median_gap(ds)) for cid, ds in days.items()
               if any(cut <= d <= as_of for d in ds)}
        assert ql.order_patterns(store, as_of, window) == ref


def test_a_stale_summary_gives_the_same_table(tmp_path: Path) -> None:
    """After a write the summary is stale and the statements read its aggregate instead."""
    from custdesk.storage import queries_cohorts as qc
    from custdesk.storage import queries_summary

    store = random_store(tmp_path, 24)
    cid = store.conn.execute("SELECT max(id) FROM customers").fetchone()[0]
    store.conn.execute("INSERT INTO orders (customer_id, date, month, revenue_e4) "
                       "VALUES (?, '2025-03-15', 202503, 777)", (cid,))
    store.conn.commit()
    assert queries_summary.is_stale(store)
    for as_of in DAYS:
        assert ql.customer_table(store, as_of, 90) == _reference(store, as_of, 90)
        assert ql.active_ids(store, as_of, 90) == {
            f.id for f in ql.customer_states(store, as_of)
            if is_active(f, as_of, f.last_at_end, 90)}
    lo = date(END.year - 2, 1, 1)
    assert qc.cohort_cells(store, lo, END, 90) == cohort_cells_reference(store, lo, END, 90)
    store.close()
