"""The at-risk list's order inputs come from one statement (`risk_orders`): each customer's
distinct order days, last day and median gap (`lists.median_gap`), and the revenue of the
last 90 days, of the 90 before and of the last W days, must equal what the customer's own
lines give (each line counted on its day, a line with a time of day on the as-of day
too, two lines of one day one order day) for every customer with a line in the W days,
and it must list every active customer with revenue in those windows — on random files of
every record kind, with a fresh and with a stale order summary, lines with a time of day,
and as of days at, before and long before the last order.

(`order_patterns` and `recent_revenue`, the statements it replaced, compare the texts:
they count a line at a time of day on the as-of day out and such a line beside a plain one
of its day as a second order day, so they are no longer its reference.)"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, random_store

from custdesk.domain import lists
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
    # lines at a time of day on each as-of day and on the 90-day bounds, beside a plain one
    # of the same customer and day (one order day), for a few customers
    some = [c for (c,) in s.conn.execute(
        "SELECT DISTINCT customer_id FROM orders ORDER BY customer_id LIMIT 4")]
    for as_of in DAYS:
        for back, at in ((0, " 09:00"), (89, "T08:00:00"), (179, " 23:59"), (30, " 10:30")):
            d = as_of - timedelta(days=back)
            for c, text in ((some[0], d.isoformat() + at), (some[1], d.isoformat()),
                            (some[1], d.isoformat() + at), (some[2 + back % 2], d.isoformat())):
                s.conn.execute("INSERT INTO orders (customer_id, date, month, revenue_e4) "
                               "VALUES (?, ?, ?, ?)", (c, text, d.year * 100 + d.month,
                                                       1000 + back))
        # the only line in the window at a time of day on the day, the history running
        # past it (the order summary's last day does not settle it)
        c = s.conn.execute("INSERT INTO customers (name, name_key, created_on) "
                           "VALUES (?, ?, '2015-01-01')",
                           (f"Timed {as_of}", f"timed {as_of}")).lastrowid
        for text in (_iso(as_of - timedelta(days=800)), f"{as_of} 09:00",
                     _iso(as_of + timedelta(days=3))):
            s.conn.execute("INSERT INTO orders (customer_id, date, month, revenue_e4) "
                           "VALUES (?, ?, ?, 700)", (c, text, int(text[:4]) * 100 + int(text[5:7])))
    s.conn.commit()
    queries_summary.refresh_order_stats(s)
    s.conn.commit()
    yield s
    s.close()


def _iso(d: date) -> str:
    return d.isoformat()


def _from_lines(store, as_of: date, window: int) -> dict[int, ql.RiskOrders]:
    """`risk_orders` from each customer's own lines, each on its day (the definition)."""
    lines: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for cid, text, revenue in store.conn.execute(
            "SELECT customer_id, date, revenue_e4 FROM orders"):
        if (d := date.fromisoformat(text[:10])) <= as_of:
            lines[cid].append((d, revenue))
    last90, last_w = as_of - timedelta(days=89), as_of - timedelta(days=window - 1)
    prior90, cut = as_of - timedelta(days=179), as_of - timedelta(days=window)
    out = {}
    for cid, own in lines.items():
        days = sorted({d for d, _ in own})
        if days[-1] < cut:
            continue
        out[cid] = (len(days), days[-1], lists.median_gap(days),
                    sum(r for d, r in own if d >= last90),
                    sum(r for d, r in own if prior90 <= d < last90),
                    sum(r for d, r in own if d >= last_w))
    return out


def _check(store, window: int) -> int:
    listed = 0
    for as_of in DAYS:
        got = ql.risk_orders(store, as_of, window)
        assert got == _from_lines(store, as_of, window), as_of
        recent = ql.recent_revenue(store, as_of, window)
        active = ql.active_ids(store, as_of, window)
        assert {c for c in active if any(recent.get(c, (0, 0, 0)))} <= set(got)
        listed += len(got)
    return listed


def test_the_file_has_timed_lines_on_the_days_checked(store) -> None:
    """The lines that tell the texts from the days: at a time of day on the as-of day, and
    beside a plain line of the same customer and day."""
    day = END.isoformat()
    assert store.conn.execute("SELECT count(*) FROM orders WHERE date > ? AND date < ?",
                              (day, (END + timedelta(days=1)).isoformat())).fetchone()[0]
    assert store.conn.execute(
        "SELECT count(*) FROM orders a JOIN orders b ON a.customer_id = b.customer_id "
        "AND b.date = substr(a.date, 1, 10) WHERE length(a.date) > 10").fetchone()[0]


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
