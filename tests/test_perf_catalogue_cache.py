"""The catalogue's whole-file sums kept per data version (`queries.orders_count`,
`discount_totals`, `discount_totals_with_total`, `renewals_by_period`,
`queries_deals.leads_qualified`, `deal_totals` by "segment+total"): a second call returns
what the computation gives, without running it again; a write (here or by another
connection) computes it again; a caller changing the dict it got leaves the kept one as
it was."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest
from conftest import DEMO_END

from custdesk.domain.periods import Period
from custdesk.storage import queries, queries_cache
from custdesk.storage import queries_deals as qd

PERIOD = Period(DEMO_END - timedelta(days=364), DEMO_END)
PAIR = [("now", PERIOD), ("prior", PERIOD.prior())]
MONTHS = [(f"m{i}", Period(date(2024, i, 1), date(2024, i, 28))) for i in range(1, 13)]

# name -> (the kept call, the computation)
CALLS = {
    "orders": (lambda s: queries.orders_count(s, PERIOD),
               lambda s: queries._orders_count(s, PERIOD, False)),
    "orders by segment": (lambda s: queries.orders_count(s, PERIOD, by_segment=True),
                          lambda s: queries._orders_count(s, PERIOD, True)),
    "discounts": (lambda s: queries.discount_totals(s, PERIOD.prior()),
                  lambda s: queries._discount_totals(s, PERIOD.prior(), False)),
    "discounts by segment": (lambda s: queries.discount_totals(s, PERIOD, by_segment=True),
                             lambda s: queries._discount_totals(s, PERIOD, True)),
    "discounts with total": (lambda s: queries.discount_totals_with_total(s, PERIOD),
                             lambda s: queries._discount_totals_with_total(s, PERIOD)),
    "renewals": (lambda s: queries.renewals_by_period(s, MONTHS),
                 lambda s: queries._renewals_by_period(s, MONTHS)),
    "leads qualified": (lambda s: qd.leads_qualified(s, PERIOD),
                        lambda s: qd._leads_qualified(s, PERIOD)),
    "deal totals": (lambda s: qd.deal_totals(s, PAIR, by="segment+total"),
                    lambda s: qd._with_file_totals(*qd._deal_sums(
                        s, PAIR, qd._SEGMENT_OR_NO_CUSTOMER))),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_kept_until_a_write(demo_store, name, monkeypatch) -> None:
    kept, compute = CALLS[name]
    queries_cache.clear(demo_store)
    first = kept(demo_store)
    assert first == compute(demo_store) and first  # the demo has figures to keep
    # the second call is served without running any statement
    calls: list[str] = []
    demo_store.conn.set_trace_callback(calls.append)
    try:
        again = kept(demo_store)
    finally:
        demo_store.conn.set_trace_callback(None)
    assert again == first
    assert not [c for c in calls if not c.startswith("PRAGMA data_version")]
    if isinstance(again, dict):  # the caller's own copy
        again.clear()
        assert kept(demo_store) == first
    # a write by this connection: computed again, from the new data
    with demo_store.transaction():
        demo_store.conn.execute("UPDATE orders SET date = ?, discount = 0.5, order_ref = NULL "
                                "WHERE id IN (SELECT id FROM orders ORDER BY id LIMIT 40)",
                                (PERIOD.end.isoformat(),))
        demo_store.conn.execute("UPDATE deals SET created_on = ? WHERE id IN "
                                "(SELECT id FROM deals ORDER BY id LIMIT 40)",
                                (PERIOD.end.isoformat(),))
    now = kept(demo_store)
    assert now == compute(demo_store)
    assert now != first  # (the write changed what is counted)


def test_a_write_by_another_connection_is_seen(demo_store) -> None:
    queries_cache.clear(demo_store)
    before = queries.orders_count(demo_store, PERIOD)
    other = sqlite3.connect(demo_store.path)
    try:
        other.execute("UPDATE orders SET order_ref = NULL, date = ? WHERE id IN "
                      "(SELECT id FROM orders ORDER BY id LIMIT 25)", (PERIOD.end.isoformat(),))
        other.commit()
    finally:
        other.close()
    after = queries.orders_count(demo_store, PERIOD)
    assert after == queries._orders_count(demo_store, PERIOD, False)
    assert after != before
