"""Margins' groups A–D and movement counted in SQL (`margins_service.groups_and_movement`,
`queries_profit_groups`) == the Python path they replaced (`group_rows` over
`profitability_groups`, `group_movement`: each customer's profit ranked in Python), and the
product sales grouped by product id (`queries.sales_by(..., "product")`), the category
sales with the product looked up only for lines without a category, and the product
revenue alone (`revenue_by_product`) == the grouped statement (`sales_by_reference`), on
random files of every record kind: ties at the group boundaries, customers without costs
or with a loss, lines at a time of day, products sharing a name, lines without a product
or a category, periods of a year, 90 days, the whole span, one ending before the last
line, empty ones and single boundary days."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services import margins_service as mg
from custdesk.services import metrics_service as ms
from custdesk.services.screens import margins as margins_screen
from custdesk.storage import queries
from custdesk.storage import queries_profit_groups as qpg
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)


def _shaped(store, seed: int) -> None:
    """Ties, losses, missing costs, times of day, a shared product name, no product."""
    rng = random.Random(seed)
    conn = store.conn
    ids = [i for (i,) in conn.execute("SELECT id FROM orders ORDER BY id")]
    for i in rng.sample(ids, len(ids) // 6):  # unknown costs: lines with no profit
        conn.execute("UPDATE orders SET cost_e4 = NULL WHERE id = ?", (i,))
    for i in rng.sample(ids, len(ids) // 10):  # sold at a loss
        conn.execute("UPDATE orders SET cost_e4 = revenue_e4 + 500 WHERE id = ?", (i,))
    for i in rng.sample(ids, len(ids) // 8):  # round amounts: customers tied on profit
        conn.execute("UPDATE orders SET revenue_e4 = 1000000, cost_e4 = 600000 WHERE id = ?",
                     (i,))
    for i in rng.sample(ids, len(ids) // 12):  # a time of day (one on a prior's last day)
        conn.execute("UPDATE orders SET date = date || ' 10:30' WHERE id = ?", (i,))
    # on the day before the year's and the 90 days' periods, at a time of day: in neither
    # period (the prior's BETWEEN ends at its last day's midnight), a customer of no period
    for i, back in zip(rng.sample(ids, 6), (365, 365, 365, 90, 90, 90), strict=True):
        day = END - timedelta(days=back)
        conn.execute("UPDATE orders SET date = ?, month = ? WHERE id = ?",
                     (f"{day.isoformat()} 10:30", day.year * 100 + day.month, i))
    for i in rng.sample(ids, len(ids) // 15):
        conn.execute("UPDATE orders SET order_ref = NULL WHERE id = ?", (i,))
    for i in rng.sample(ids, len(ids) // 20):
        conn.execute("UPDATE orders SET product_id = NULL WHERE id = ?", (i,))
    for i in rng.sample(ids, len(ids) // 4):  # the product's category (or none) counts
        conn.execute("UPDATE orders SET category = NULL WHERE id = ?", (i,))
    conn.commit()


@pytest.fixture(scope="module", params=[41, 42, 43])
def store(request, tmp_path_factory):
    s = random_kinds_file(Path(tmp_path_factory.mktemp("groups")) / "g.db", request.param,
                          END, customers=(30, 250), lines=(200, 2500), deals=(20, 100),
                          tickets=(20, 100), surveys=(10, 50))
    _shaped(s, request.param)
    yield s
    s.close()


def _periods(store) -> list[Period]:
    first = date.fromisoformat(store.conn.execute("SELECT min(date) FROM orders"
                                                  ).fetchone()[0][:10])
    rng = random.Random(5)
    out = [Period(END - timedelta(days=364), END), Period(END - timedelta(days=89), END),
           Period(first, END), Period(END - timedelta(days=400), END - timedelta(days=100)),
           Period(date(2031, 1, 1), date(2031, 3, 31)),  # nothing in it or its prior
           Period(END, END), Period(first, first)]
    for _ in range(4):
        start = first + timedelta(days=rng.randint(0, max(1, (END - first).days)))
        out.append(Period(start, start + timedelta(days=rng.randint(0, 300))))
    return out


def test_groups_and_movement_equal_the_python_path(store) -> None:
    seen = set()
    for period in _periods(store):
        rows, moves = mg.groups_and_movement(store, period)
        assert rows == mg.group_rows(store, period, ms.profitability_groups(store, period)), \
            period
        reference = ms.group_movement(store, period)
        assert moves == reference, period
        assert list(moves) == list(reference)  # the same (sorted) order
        seen |= {g for g in mg.GROUPS if any(r.group == g and r.customers for r in rows)}
    assert seen == set(mg.GROUPS)  # every group was met


def test_both_ways_to_read_the_lines_agree(store, monkeypatch) -> None:
    """The whole customer index and the date range give the same groups."""
    for period in _periods(store):
        monkeypatch.setattr(qpg, "_WHOLE_INDEX_SHARE", 0.0)
        whole = qpg.group_moves(store, period)
        monkeypatch.setattr(qpg, "_WHOLE_INDEX_SHARE", 1e9)
        assert qpg.group_moves(store, period) == whole, period


def test_tied_profit_at_a_boundary(tmp_path) -> None:
    """Four customers of equal profit: the one crossing 20 % is A, ties ranked by id."""
    s = random_kinds_file(tmp_path / "t.db", 7, END, customers=6, lines=0, deals=0,
                          tickets=0, surveys=0)
    try:
        cids = [c for (c,) in s.conn.execute("SELECT id FROM customers ORDER BY id")]
        day = END.isoformat()
        # five tied on profit 400 (shares before them 0, 20, 40, 60, 80 %: 20 % is B) and
        # one with no known cost (profit 0: D)
        for cid, cost in zip(cids, [100, 100, 100, 100, 100, None], strict=True):
            s.conn.execute("INSERT INTO orders (customer_id, date, month, revenue_e4, "
                           "cost_e4) VALUES (?, ?, ?, 500, ?)",
                           (cid, day, END.year * 100 + END.month, cost))
        s.conn.commit()
        period = Period(END - timedelta(days=29), END)
        rows, moves = mg.groups_and_movement(s, period)
        assert [(r.group, r.customers) for r in rows] == [("A", 1), ("B", 2), ("C", 2),
                                                          ("D", 1)]
        assert rows == mg.group_rows(s, period)
        assert moves == {("new", "A"): 1, ("new", "B"): 2, ("new", "C"): 2, ("new", "D"): 1}
        assert moves == ms.group_movement(s, period)
    finally:
        s.close()


def test_product_and_category_sales_equal_the_grouped_statement(store) -> None:
    for period in _periods(store):
        got = queries.sales_by(store, period, "category")
        want = queries.sales_by_reference(store, period, "category")
        assert got == want, period
        assert list(got) == list(want)
        got = queries.sales_by(store, period, "product")
        want = queries.sales_by_reference(store, period, "product")
        assert got == want, period
        assert list(got) == list(want)
        assert queries.revenue_by_product(store, period) == {
            g: t.revenue_e4 for g, t in want.items()}, period


def test_products_sharing_a_name(store) -> None:
    """Two products of one name: their orders are counted once (the grouped statement)."""
    first, second = [i for (i,) in store.conn.execute(
        "SELECT product_id FROM orders WHERE product_id IS NOT NULL GROUP BY product_id "
        "ORDER BY count(*) DESC LIMIT 2")]
    period = Period(date(2016, 1, 1), END)
    (name,) = store.conn.execute("SELECT name FROM products WHERE id = ?", (second,)
                                 ).fetchone()
    try:
        store.conn.execute("UPDATE products SET name = (SELECT name FROM products WHERE id = ?)"
                           " WHERE id = ?", (first, second))
        store.conn.commit()
        assert queries._sales_by_product_id(store, period) is None
        want = queries.sales_by_reference(store, period, "product")
        assert queries.sales_by(store, period, "product") == want
        assert queries.revenue_by_product(store, period) == {
            g: t.revenue_e4 for g, t in want.items()}
    finally:
        store.conn.execute("UPDATE products SET name = ? WHERE id = ?", (name, second))
        store.conn.commit()


def test_margins_screen_prior_revenue_as_the_prior_product_rows(store) -> None:
    """The product rows' prior revenue from the revenue alone == from the prior period's
    whole product breakdown (what the screen read before)."""
    for period in _periods(store):
        prior = ms.sales_report(store, period.prior(), margins_screen.CARDS, by=("product",))
        full = [{"name": r.name, "revenue": r.revenue}
                for r in mg.sales_rows(prior.breakdowns["product"])]
        light = mg.revenue_rows(queries.revenue_by_product(store, period.prior()))
        assert sorted(light, key=lambda r: str(r["name"])) == sorted(
            full, key=lambda r: str(r["name"])), period


def test_sales_are_kept_until_a_write(store) -> None:
    """`sales_by` is cached (Today's revenue trend and Margins' series share the months)
    but never served stale: a write changes the next answer."""
    period = Period(date(2016, 1, 1), END)
    before = queries.sales_by(store, period, "month")
    assert queries.sales_by(store, period, "month") == before
    (line,) = store.conn.execute("SELECT id FROM orders WHERE date <= ? ORDER BY id LIMIT 1",
                                 (END.isoformat(),)).fetchone()
    try:
        store.conn.execute("UPDATE orders SET revenue_e4 = revenue_e4 + 7 WHERE id = ?",
                           (line,))
        store.conn.commit()
        after = queries.sales_by(store, period, "month")
        assert sum(t.revenue_e4 for t in after.values()) == sum(
            t.revenue_e4 for t in before.values()) + 7
        assert after == queries.sales_by_reference(store, period, "month")
    finally:
        store.conn.execute("UPDATE orders SET revenue_e4 = revenue_e4 - 7 WHERE id = ?",
                           (line,))
        store.conn.commit()


@pytest.mark.parametrize("twins", [True, False])
def test_margins_screen_equals_the_reference_path(store, twins, monkeypatch) -> None:
    """The screen's tables (on second connections or not) == built the old way: the
    groups and movement from the Python path, the prior period's whole product breakdown,
    every breakdown from one sales report."""
    from custdesk.services.screens.model import MIN_COMPARE_DAYS
    from custdesk.storage import beside

    monkeypatch.setattr(beside, "ENABLED", twins)
    for period in _periods(store):
        screen = margins_screen.build(store, period, with_series=False)
        if screen.empty:
            continue
        report = ms.sales_report(store, period, margins_screen.CARDS,
                                 by=("segment", "product", "category"))
        prior = ms.sales_report(store, period.prior(), margins_screen.CARDS, by=("product",))
        rows = margins_screen._rows
        by_product = margins_screen.behind_case(
            rows(mg.sales_rows(report.breakdowns["product"], mg.product_targets(store))),
            rows(mg.sales_rows(prior.breakdowns["product"])),
            compare=period.days() >= MIN_COMPARE_DAYS)
        assert screen.tables["by_product"] == margins_screen.with_cases(
            by_product, screen.tables["cases"]), period
        assert screen.tables["by_category"] == rows(mg.sales_rows(
            report.breakdowns["category"])), period
        assert screen.tables["by_segment"] == rows(mg.sales_rows(
            report.breakdowns["segment"])), period
        assert screen.tables["groups"] == rows(mg.group_rows(store, period)), period
        assert screen.tables["movement"] == mg.movement_rows(ms.group_movement(store, period))
        assert {m: c.current for m, c in screen.cards.items()} == {
            m: report.metrics[m] for m in margins_screen.CARDS}
