"""The Loyalty and New tabs' statements made cheaper this round must give what the
statements before them gave (kept here as the references), on random files of every record
kind with the order keys' odd corners mixed in: lines without an order_ref (a day's lines
are one order), one order_ref over several days, a ref spelled like a day key, several
answers on one day. The new customers' first orders (Customers, New) likewise equal
`queries.first_orders`, and the onboarding track's order facts the statement before. Also:
the promoters are `latest_nps`' 9–10s, and the "any delivered date?" answer is not kept
past a write."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, periods, random_store

from custdesk.storage import onboarding as ob_rows
from custdesk.storage import queries
from custdesk.storage import queries_cohorts as qc
from custdesk.storage import queries_lists as qlists
from custdesk.storage import queries_loyalty as ql
from custdesk.storage.queries_summary import stats_source

# the first 90 days before this round: the first order's value grouped every line of the
# customer by order key and sorted the groups
_FIRST_DAYS_BEFORE = f"""
WITH a AS (
  SELECT c.id AS cid, {qc._ACQ} AS acq, c.source AS source, c.referred_by AS referred_by,
    nullif(substr(c.lost_on, 1, 10), '') AS lost_on
  FROM customers c LEFT JOIN {{stats}} s ON s.customer_id = c.id),
n AS (SELECT * FROM a WHERE acq BETWEEN :lo AND :end),
f AS (
  SELECT n.*, (SELECT min(o.date) FROM orders o WHERE o.customer_id = n.cid
               AND o.date <= :end) AS first_on FROM n)
SELECT cid, acq, source, referred_by, lost_on, first_on,
  (SELECT sum(rev) FROM (SELECT {ql._ORDER_KEY} AS k, sum(o.revenue_e4) AS rev, min(o.date) AS day
     FROM orders o WHERE o.customer_id = cid AND o.date <= :end GROUP BY k
     ORDER BY day, k LIMIT 1)),
  (SELECT count(DISTINCT {ql._ORDER_KEY}) FROM orders o WHERE o.customer_id = cid
     AND o.date BETWEEN first_on AND min(date(first_on, '+90 days'), :end)),
  (SELECT sum(o.revenue_e4) FROM orders o WHERE o.customer_id = cid
     AND o.date BETWEEN acq AND min(date(acq, '+89 days'), :end)),
  (SELECT sum(iif(o.cost_e4 IS NULL, 0, o.revenue_e4)) FROM orders o
     WHERE o.customer_id = cid AND o.date BETWEEN acq AND min(date(acq, '+89 days'), :end)),
  (SELECT sum(iif(o.cost_e4 IS NULL, o.revenue_e4, o.revenue_e4 - o.cost_e4)) FROM orders o
     WHERE o.customer_id = cid AND o.date BETWEEN acq AND min(date(acq, '+89 days'), :end)),
  (SELECT sum(iif(o.cost_e4 IS NULL, 0, o.revenue_e4 - o.cost_e4)) FROM orders o
     WHERE o.customer_id = cid AND o.date BETWEEN acq AND min(date(acq, '+89 days'), :end)),
  (SELECT max(o.date) FROM orders o WHERE o.customer_id = cid
     AND o.date <= min(date(acq, '+180 days'), :end)),
  (SELECT v.nps FROM surveys v WHERE v.customer_id = cid AND v.kind = 'customer'
     AND v.nps IS NOT NULL AND v.date < :after ORDER BY v.date, v.id LIMIT 1)
FROM f
"""

# the cohort cells' day per customer and month before this round (now once per day)
_X_BEFORE = """x AS MATERIALIZED (
  SELECT h.cid, h.cohort, h.lost_on, h.status_lost, h.first_on, h.last_on, h.first_until,
    h.last_until, k.m, date(h.acq, '+' || k.m || ' months') AS d
  FROM h CROSS JOIN r ON r.cohort = h.cohort CROSS JOIN k ON k.m <= r.max_k),"""


# the onboarding track's order facts before this round: every line of the customers grouped
# by order key and numbered
_FROM_ORDERS_BEFORE = """
WITH d AS (
  SELECT o.customer_id AS cid, coalesce(o.order_ref, 'd' || o.date) AS k, min(o.date) AS day,
    max(substr(nullif(o.delivered_on, ''), 1, 10)) AS delivered,
    row_number() OVER (PARTITION BY o.customer_id ORDER BY min(o.date),
                       coalesce(o.order_ref, 'd' || o.date)) AS nth
  FROM orders o JOIN json_each(:ids) w ON w.value = o.customer_id
  WHERE o.date <= :end GROUP BY o.customer_id, k)
SELECT cid, max(iif(nth = 1, day, NULL)), max(iif(nth = 1, delivered, NULL)),
  max(iif(nth = 2, day, NULL)) FROM d GROUP BY cid
"""


def _odd_keys(store, seed: int) -> None:
    """Blank refs, refs shared across days and customers' days, a ref like a day key,
    extra same-day orders and same-day NPS answers."""
    rng = random.Random(seed)
    ids = [i for (i,) in store.conn.execute("SELECT id FROM orders")]
    for i in rng.sample(ids, len(ids) // 4):
        store.conn.execute("UPDATE orders SET order_ref = NULL WHERE id = ?", (i,))
    for i in rng.sample(ids, len(ids) // 10):
        store.conn.execute("UPDATE orders SET order_ref = 'SHARED' || (id % 7) WHERE id = ?",
                           (i,))
    for i in rng.sample(ids, len(ids) // 20):
        store.conn.execute("UPDATE orders SET order_ref = 'd' || date WHERE id = ?", (i,))
    for i in rng.sample(ids, len(ids) // 10):  # a second order on a customer's line's day
        store.conn.execute(
            "INSERT INTO orders (customer_id, date, month, order_ref, revenue_e4, cost_e4) "
            "SELECT customer_id, date, month, 'B' || id, revenue_e4 + 10, cost_e4 "
            "FROM orders WHERE id = ?", (i,))
    survey_ids = [i for (i,) in store.conn.execute("SELECT id FROM surveys")]
    for i in rng.sample(survey_ids, len(survey_ids) // 5):
        store.conn.execute(
            "INSERT INTO surveys (date, customer_id, kind, nps, comment) "
            "SELECT date, customer_id, 'customer', (nps + 5) % 11, 'again' FROM surveys "
            "WHERE id = ? AND customer_id IS NOT NULL", (i,))
    store.conn.commit()
    from custdesk.storage.queries_summary import refresh_order_stats
    refresh_order_stats(store)


@pytest.fixture(scope="module", params=[81, 82, 83])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("loyalty_sql")), request.param)
    _odd_keys(s, request.param)
    yield s
    s.close()


def _first_days_before(store, lo: date, end: date) -> list[ql.FirstDays]:
    sql = _FIRST_DAYS_BEFORE.format(stats=stats_source(store))
    params = {"lo": lo.isoformat(), "end": end.isoformat(),
              "after": (end + timedelta(days=1)).isoformat()}
    return [ql.FirstDays(int(r[0]), r[1][:10], r[2], r[3], r[4], r[5], r[6],
                         int(r[7] or 0), int(r[8] or 0), int(r[9] or 0), int(r[10] or 0),
                         int(r[11] or 0), r[12], None if r[13] is None else int(r[13]))
            for r in store.conn.execute(sql, params)]


def test_first_days_equal_the_statement_before(store) -> None:
    valued = 0
    for period in periods():
        lo = period.start - timedelta(days=365)
        got = ql.first_days_reference(store, lo, period.end)
        assert got == _first_days_before(store, lo, period.end)
        valued += sum(1 for r in got if r.first_order_e4 is not None)
    assert valued  # first orders were compared, not only customers without one


@pytest.mark.parametrize("window", [30, 365])
@pytest.mark.parametrize("by", ["month", "quarter"])
def test_loyalty_cohort_cells_equal_the_statement_before(store, window: int, by: str,
                                                         monkeypatch) -> None:
    for end in (END, END - timedelta(days=200), date(2021, 12, 31)):
        lo = date(end.year - 2, 1, 1)
        got = ql.cohort_cells(store, lo, end, window, by=by)
        assert "dd AS MATERIALIZED" in ql._COHORT_SQL
        before = ql._COHORT_SQL.split("-- each acquisition day's")[0] + _X_BEFORE + \
            ql._COHORT_SQL.split("FROM h JOIN dd ON dd.acq = h.acq),", 1)[1]
        monkeypatch.setattr(ql, "_COHORT_SQL", before)
        assert got == ql.cohort_cells(store, lo, end, window, by=by)
        monkeypatch.undo()
        assert any(c.active for c in got) or end.year == 2021


def test_promoters_are_the_latest_answers_of_9_or_10(store) -> None:
    seen = 0
    for end in (END, END - timedelta(days=300), date(2019, 6, 30), date(2000, 1, 1)):
        got = qc.promoters(store, end)
        assert got == [a for a in qc.latest_nps(store, end) if a.nps >= 9]
        seen += len(got)
    assert seen


def test_deliveries_recorded_follows_writes(store) -> None:
    store.conn.execute("UPDATE orders SET delivered_on = NULL")
    store.conn.commit()
    assert not ob_rows.deliveries_recorded(store)
    assert not ob_rows.deliveries_recorded(store)  # the kept answer
    store.conn.execute("UPDATE orders SET delivered_on = '2026-01-02' WHERE id = "
                       "(SELECT min(id) FROM orders)")
    assert ob_rows.deliveries_recorded(store)  # uncommitted, on this connection: seen
    store.conn.commit()
    assert ob_rows.deliveries_recorded(store)
    store.conn.execute("UPDATE orders SET delivered_on = '  '")
    store.conn.commit()
    assert not ob_rows.deliveries_recorded(store)


def test_first_orders_equal_the_catalogues(store) -> None:
    ids = [cid for (cid,) in store.conn.execute("SELECT id FROM customers")]
    seen = 0
    for end in (END, END - timedelta(days=120), date(2020, 3, 1), date(2000, 1, 1)):
        got = qlists.first_orders(store, ids, end)
        assert got == queries.first_orders(store, ids, end)
        seen += sum(1 for f in got.values() if f.repeat_90d)
    assert seen
    assert qlists.first_orders(store, [], END) == {}


def test_onboarding_order_facts_equal_the_statement_before(store) -> None:
    rng = random.Random(5)
    ids = [i for (i,) in store.conn.execute("SELECT id FROM orders")]
    for i in rng.sample(ids, len(ids) // 3):
        store.conn.execute("UPDATE orders SET delivered_on = ? WHERE id = ?",
                           (rng.choice(["", " ", "2026-01-05", "2025-03-02T10:00:00",
                                        "2019-12-31", None]), i))
    store.conn.commit()
    customers = [cid for (cid,) in store.conn.execute("SELECT id FROM customers")]
    delivered = 0
    for end in (END, END - timedelta(days=90), date(2020, 6, 30), date(2000, 1, 1)):
        got = ob_rows.from_orders(store, customers, end)
        before = {int(cid): (first and first[:10], dlv, second and second[:10])
                  for cid, first, dlv, second in store.conn.execute(
                      _FROM_ORDERS_BEFORE, {"ids": json.dumps(customers),
                                            "end": end.isoformat()})}
        assert got == before
        delivered += sum(1 for v in got.values() if v[1])
    assert delivered
    assert ob_rows.from_orders(store, [], END) == {}


def test_customer_table_counts_orders_as_the_totals_do(store) -> None:
    """The table's orders from distinct (customer, ref) pairs, a line without a ref counted
    by its id — also where a ref is spelled like a line's id."""
    store.conn.execute("UPDATE orders SET order_ref = CAST(id + 1 AS TEXT) WHERE id % 11 = 0")
    store.conn.commit()
    for as_of in (END, END - timedelta(days=400), date(2000, 1, 1)):
        totals = qlists.customer_totals(store, as_of)
        rows = qlists.customer_table(store, as_of, 365)
        assert {r[0]: (r[8], r[9], r[7], r[6]) for r in rows if r[0] in totals} == totals
        assert all(r[7] == 0 and r[8] == 0 and r[6] is None for r in rows
                   if r[0] not in totals)


@pytest.mark.parametrize("window", [30, 365])
def test_loyalty_group_sums_equal_the_rows_over_every_customer(store, window: int) -> None:
    """Referred vs others and revenue by NPS group from `loyalty_groups` equal
    `referred_rows` and `nps_rows` over every customer's flags and revenue (the path
    before), with referral sources, marked statuses and several answers a day mixed in."""
    from custdesk.services.screens import loyalty

    store.conn.execute("UPDATE customers SET source = ' Referral ' WHERE id % 5 = 0")
    store.conn.execute("UPDATE customers SET referred_by = 'Ann' WHERE id % 7 = 0")
    store.conn.commit()
    referred = ql.referred_customers(store)
    seen = 0
    for period in periods():
        groups = qlists.loyalty_groups(store, period, window)
        flags = qlists.period_flags(store, period, window)
        assert [loyalty.group_row(n, groups.referred.get(n), groups.lines_revenue_e4)
                for n in ("referred", "others")] == loyalty.referred_rows(
            flags, qlists.revenue_between(store, period.start, period.end), referred)
        assert [loyalty.group_row(n, groups.nps.get(n), groups.customers_revenue_e4)
                for n in loyalty.NPS_GROUPS] == loyalty.nps_rows(
            flags, ql.nps_and_revenue(store, period.start, period.end))
        seen += sum(g.kept for g in groups.nps.values())
    assert seen
