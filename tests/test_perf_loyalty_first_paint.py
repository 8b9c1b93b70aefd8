"""The Loyalty tab's first paint (issue 18): the statements made cheaper must give what the
statements before give, on random files of every record kind (tests/random_kinds.py via
perf_lists_data.random_store) with the order keys' odd corners (blank refs, a ref over
several days and customers, a ref spelled like a day key, second orders on a line's day),
customers whose every line is one order, lines at a time of day, a stale summary, and
ends on the file's last day, on acquisition days and the day before, and before any
record.

- `queries_loyalty.first_days` (the order summary answers what a customer's summary row
  settles) == `first_days_one_look` (every customer's lines looked at) == the reference
  statement with its order count capped at 2;
- `queries_loyalty.habits` (each order's day number once, the gaps sorted by day alone) ==
  `habits_reference`, over a year, 90 days, the whole span, a span ending before the last
  record, an empty span and single days.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, random_store
from test_perf_lists_loyalty_sql import _odd_keys

from custdesk.domain.periods import Period
from custdesk.services.screens import loyalty
from custdesk.storage import beside, queries_cache
from custdesk.storage import queries_loyalty as ql
from custdesk.storage.queries_summary import is_stale, refresh_order_stats


@pytest.fixture(scope="module", params=[301, 302, 303])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("first_paint")), request.param)
    _odd_keys(s, request.param)
    rng = random.Random(request.param)
    ids = [c for (c,) in s.conn.execute("SELECT id FROM customers")]
    # a third of the customers: every line one order (the summary's one key)
    for cid in rng.sample(ids, len(ids) // 3):
        s.conn.execute("UPDATE orders SET order_ref = 'ONE' || customer_id "
                       "WHERE customer_id = ?", (cid,))
    # lines at a time of day, some on a customer's first or last order day
    lines = [i for (i,) in s.conn.execute("SELECT id FROM orders")]
    for i in rng.sample(lines, len(lines) // 8):
        s.conn.execute("UPDATE orders SET date = date || ' 10:30' WHERE id = ?", (i,))
    # customers acquired on their first order's day, some a few days before or after it
    for cid in rng.sample(ids, len(ids) // 4):
        s.conn.execute(
            "UPDATE customers SET acquired_on = (SELECT date(min(o.date), ?) FROM orders o "
            "WHERE o.customer_id = customers.id) WHERE id = ?",
            (f"{rng.choice([-3, 0, 0, 2, 40, 95])} days", cid))
    s.conn.commit()
    refresh_order_stats(s)
    s.conn.commit()
    yield s
    s.close()


def _ends(store) -> list[date]:
    acquired = [date.fromisoformat(d) for (d,) in store.conn.execute(
        "SELECT DISTINCT substr(acquired_on, 1, 10) FROM customers "
        "WHERE length(acquired_on) >= 10 ORDER BY 1 DESC LIMIT 4")]
    return sorted({END, END - timedelta(days=100), date(2000, 1, 1), *acquired,
                   *(d - timedelta(days=1) for d in acquired)})


def _capped(rows: list[ql.FirstDays]) -> list[ql.FirstDays]:
    return [r._replace(orders_90d=min(r.orders_90d, 2)) for r in rows]


def _check_first_days(store) -> tuple[int, int]:
    one_key = several = 0
    for end in _ends(store):
        lo = Period.trailing_year(end).prior().start
        got = ql.first_days(store, lo, end)
        assert got == ql.first_days_one_look(store, lo, end)
        assert got == _capped(ql.first_days_reference(store, lo, end))
        keys = dict(store.conn.execute(
            "SELECT customer_id, count(DISTINCT coalesce(order_ref, 'd' || date)) "
            "FROM orders GROUP BY customer_id"))
        one_key += sum(keys.get(r.customer_id) == 1 for r in got)
        several += sum((keys.get(r.customer_id) or 0) > 1 for r in got)
    return one_key, several


def test_first_days_equal_the_statement_before(store) -> None:
    one_key, several = _check_first_days(store)
    assert one_key and several  # both the summary's answer and the look were compared


def test_first_days_on_a_stale_summary(store) -> None:
    """Lines written since the summary was filled (it is stale: read from the lines),
    among them a second order of a one-order customer."""
    cid = store.conn.execute("SELECT customer_id FROM orders WHERE order_ref LIKE 'ONE%' "
                             "ORDER BY date DESC LIMIT 1").fetchone()[0]
    store.conn.execute(
        "INSERT INTO orders (customer_id, date, month, order_ref, revenue_e4, cost_e4) "
        "SELECT customer_id, date(max(date), '+3 days'), month, 'AGAIN', 77, 5 "
        "FROM orders WHERE customer_id = ?", (cid,))
    try:
        assert is_stale(store)
        _check_first_days(store)
    finally:
        store.conn.rollback()


@pytest.mark.parametrize("timed", ["", " 09:15"])
def test_first_days_on_the_90_and_180_day_edges(store, timed: str) -> None:
    """A second order exactly 89, 90, 91, 179, 180 or 181 days after acquisition (with and
    without a time of day), a third 12 days later, and ends on those days and around them
    (review, round 10: no line sat on the 180th day)."""
    acquired = date(2025, 6, 1)
    ends = {END}
    store.conn.execute("SAVEPOINT edges")
    try:
        for offset in (89, 90, 91, 179, 180, 181):
            cid = store.conn.execute(
                "INSERT INTO customers (name, name_key, acquired_on, created_on) "
                "VALUES (?, ?, ?, ?)", (f"Edge {offset}", f"edge {offset}",
                                        acquired.isoformat(), acquired.isoformat())).lastrowid
            second = acquired + timedelta(days=offset)
            for day, ref, at in ((acquired, "E1", ""), (second, "E2", timed),
                                 (second + timedelta(days=12), "E3", "")):
                store.conn.execute(
                    "INSERT INTO orders (customer_id, date, month, order_ref, revenue_e4) "
                    "VALUES (?, ?, ?, ?, ?)", (cid, day.isoformat() + at,
                                               day.year * 100 + day.month,
                                               f"{ref}-{cid}", 10_000 + offset))
            ends |= {second - timedelta(days=1), second, second + timedelta(days=1)}
        refresh_order_stats(store)  # (inside the savepoint: a fresh summary)
        assert not is_stale(store)
        planted = 0
        for end in sorted(ends):
            lo = Period.trailing_year(end).prior().start
            got = ql.first_days(store, lo, end)
            assert got == ql.first_days_one_look(store, lo, end)
            assert got == _capped(ql.first_days_reference(store, lo, end))
            planted += sum(r.customer_id > 0 for r in got)
        assert planted
    finally:
        store.conn.execute("ROLLBACK TO edges")
        store.conn.execute("RELEASE edges")


def _spans(store) -> list[tuple[date, date]]:
    last = date.fromisoformat(store.conn.execute("SELECT max(date) FROM orders")
                              .fetchone()[0][:10])
    return [(Period.trailing_year(last).start, last), (last - timedelta(days=89), last),
            (date(2000, 1, 1), last), (date(last.year - 1, 1, 1), date(last.year - 1, 12, 31)),
            (date(2001, 1, 1), date(2001, 3, 31)), (last, last), (END, END),
            (Period.trailing_year(END).start, END)]


def test_habits_equal_the_statement_before(store) -> None:
    gaps = 0
    for start, end in _spans(store):
        got = ql.habits(store, start, end)
        assert got == ql.habits_reference(store, start, end)
        gaps += len(got.gaps)
    assert gaps  # gaps were compared, not only empty spans


# ----- the Loyalty tab's lanes: the onboarding rows and the cohort tables are made by
# whichever connection gets to them first (beside.Once), once per build -----------------
LANE_PERIODS = (Period.trailing_year(END), Period(END - timedelta(days=89), END),
                Period(END, END), Period(date(1999, 1, 1), date(2000, 1, 1)))


def _spied(monkeypatch, module, name: str, delay: float = 0.0) -> list[str]:
    """Record the thread each call of module.name runs on (after `delay` seconds)."""
    made: list[str] = []
    real = getattr(module, name)

    def spy(*args, **kwargs):
        made.append(threading.current_thread().name)
        time.sleep(delay)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return made


@pytest.mark.parametrize("slow", ["none", "new", "ends", "own"])
def test_lanes_make_each_part_once_and_the_screen_alike(store, monkeypatch, slow) -> None:
    """Whichever lane is slow (New's list, the end tables' habits, Loyalty's own lists),
    the tab's screen equals the one built without second connections, and the onboarding
    rows and the cohort tables are made once — by the build's own connection when the
    lane owning them is slow to get to them."""
    from custdesk.services import card_metrics, onboarding_service
    from custdesk.services.screens import new

    ends_beside = 0
    for period in LANE_PERIODS:
        monkeypatch.setattr(beside, "ENABLED", False)
        queries_cache.clear(store)
        alone = loyalty.build_tab(store, period, "x")
        with monkeypatch.context() as m:
            m.setattr(beside, "ENABLED", True)
            queries_cache.clear(store)
            # the cards' figures kept (as after Today): New's part hands no catalogue to a
            # second connection for long, so the end tables get one
            card_metrics.card_figures_and_prior_then(store, period, new.CARDS)
            # and the groups' statement long enough (as on a big file) for that connection
            # to be free again when the end tables are asked for
            _spied(m, ql, "loyalty_groups", 0.15)
            _spied(m, new, "new_rows", 0.3 if slow == "new" else 0.0)
            habits = _spied(m, ql, "habits", 0.3 if slow == "ends" else 0.0)
            _spied(m, loyalty, "renewal_rows", 0.3 if slow == "own" else 0.0)
            tracks = _spied(m, onboarding_service, "track_rows")
            cohorts = _spied(m, loyalty, "cohort_tables")
            split = loyalty.build_tab(store, period, "x")
        assert (split.tables, split.lists, split.cards, split.notes, split.empty) == (
            alone.tables, alone.lists, alone.cards, alone.notes, alone.empty)
        if alone.empty:
            continue
        assert len(tracks) == 1 and len(cohorts) == 1
        # the end tables' part had a second connection (else, on a machine too busy to
        # free New's figures' connection in time, it ran inline: nothing to steal)
        beside_ends = habits == ["custdesk-beside"]
        ends_beside += beside_ends
        if slow == "new":  # the build's own connection got to the rows first
            assert tracks == ["MainThread"]
        if slow == "ends" and beside_ends:  # and to the cohorts
            assert cohorts == ["MainThread"]
        if slow == "own":  # the lanes owning them did
            assert tracks == ["custdesk-beside"]
            assert cohorts == ["custdesk-beside"] or not beside_ends
    assert ends_beside  # the lanes were compared


def test_collector_paused_while_the_tab_is_built(store, monkeypatch) -> None:
    """The tab's rows are made with the cyclic collector off (on every connection's
    thread), and it is back on after the build."""
    import gc

    from custdesk.services import onboarding_service
    from custdesk.services.screens import new

    seen: list[bool] = []
    for module, name in ((onboarding_service, "track_rows"), (ql, "first_days"),
                         (loyalty, "renewal_rows"), (new, "new_rows")):
        real = getattr(module, name)

        def spy(*args, _real=real, **kwargs):
            seen.append(gc.isenabled())
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    monkeypatch.setattr(beside, "ENABLED", True)
    queries_cache.clear(store)
    gc.enable()
    loyalty.build_tab(store, Period.trailing_year(END), "x")
    assert seen and not any(seen)
    assert gc.isenabled()
