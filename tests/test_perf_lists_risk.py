"""The at-risk list's order inputs come from one statement (`risk_orders`): each customer's
order days, last day and median gap must equal `order_patterns` and the recent revenue
`recent_revenue` (the two statements it replaces, kept as the references) for every
customer it lists, and it must list every active customer with revenue in those windows —
on random files of every record kind, with a fresh and with a stale order summary, lines
with a time of day, and as of days at, before and long before the last order."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, random_store

from custdesk.services import metrics_service as ms
from custdesk.storage import queries_cache, queries_summary
from custdesk.storage import queries_lists as ql

DAYS = (END, END - timedelta(days=1), END - timedelta(days=100), date(2021, 3, 31),
        date(2000, 1, 1))


@pytest.fixture(scope="module", params=[91, 92, 93])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("risk")), request.param)
    # a few lines with a time of day, and one after every as-of day (the history runs past)
    s.conn.execute("UPDATE orders SET date = date || ' 10:30' WHERE id % 17 = 0")
    cid = s.conn.execute("SELECT min(customer_id) FROM orders").fetchone()[0]
    s.conn.execute("INSERT INTO orders (customer_id, date, month, revenue_e4) "
                   "VALUES (?, '2027-02-01', 202702, 555)", (cid,))
    s.conn.commit()
    queries_summary.refresh_order_stats(s)
    s.conn.commit()
    yield s
    s.close()


def _check(store, window: int) -> int:
    listed = 0
    for as_of in DAYS:
        got = ql.risk_orders(store, as_of, window)
        patterns = ql.order_patterns(store, as_of, window)
        recent = ql.recent_revenue(store, as_of, window)
        assert got == {cid: (*p, *recent.get(cid, (0, 0, 0))) for cid, p in patterns.items()}
        active = ql.active_ids(store, as_of, window)
        assert {c for c in active if any(recent.get(c, (0, 0, 0)))} <= set(got)
        listed += len(got)
    return listed


@pytest.mark.parametrize("window", [30, 90, 365])
def test_risk_orders_equal_patterns_and_recent_revenue(store, window: int) -> None:
    assert not queries_summary.is_stale(store)
    assert _check(store, window)


def test_risk_orders_with_a_stale_summary(store) -> None:
    store.conn.execute("INSERT INTO orders (customer_id, date, month, revenue_e4) "
                       "SELECT max(customer_id), '2026-11-20', 202611, 999 FROM orders")
    store.conn.commit()
    assert queries_summary.is_stale(store)
    assert _check(store, 90)


def test_the_risk_reasons_use_them(store) -> None:
    from custdesk.services import metrics_lists  # after metrics_service (it re-exports it)

    queries_cache.clear(store)
    assert _check(store, ms.load_settings(store).window_days)
    reasons, value = metrics_lists._compute_risk(store, END)
    assert reasons and set(reasons) == set(value)
    assert any(r.startswith("No order for") for rs in reasons.values() for r in rs)
