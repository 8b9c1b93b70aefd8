"""Loyalty's renewed / not-renewed lists under the period rule straight from the query's
rows (`loyalty.renewal_rows`) must equal the lists made through a RenewalDue per customer
(`renewal_rows_reference`), on random files of every record kind and random periods; the
other rules go through the reference itself."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, periods, random_store

from custdesk.domain.periods import Period
from custdesk.domain.renewal import RenewalRule
from custdesk.services.screens import loyalty


@pytest.fixture(scope="module", params=[121, 122, 123])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("renewal_rows")), request.param)
    s.conn.execute("UPDATE orders SET date = date || ' 23:59' WHERE id % 13 = 0")
    # names that sort with ties, case and non-ASCII letters (the rows are sorted in SQL,
    # by UTF-8 bytes; the reference in Python, by code points), and "why do you stay"s
    s.conn.execute("UPDATE customers SET name = CASE id % 5 WHEN 0 THEN 'Zoë' WHEN 1 "
                   "THEN 'zed' WHEN 2 THEN 'Émile' WHEN 3 THEN 'Ωmega' ELSE 'Zoe' END "
                   "WHERE id % 2 = 0")
    s.conn.execute("UPDATE orders SET revenue_e4 = 120000 WHERE id % 4 = 0")  # equal values
    s.conn.execute("UPDATE surveys SET question = 'Why do you stay with us?', "
                   "reason = 'Service' WHERE id % 3 = 0")
    s.conn.commit()
    yield s
    s.close()


def test_period_rule_equals_reference(store) -> None:
    rule = RenewalRule("period")
    renewed = lapsed = 0
    for p in [*periods(), Period(END - timedelta(days=29), END)]:
        got = loyalty.renewal_rows(store, p, rule)
        assert got == loyalty.renewal_rows_reference(store, p, rule)
        renewed += len(got[0])
        lapsed += len(got[1])
    assert renewed and lapsed


@pytest.mark.parametrize("rule", [RenewalRule("days", 60), RenewalRule("contract")])
def test_other_rules_unchanged(store, rule) -> None:
    p = Period(END - timedelta(days=364), END)
    assert loyalty.renewal_rows(store, p, rule) == loyalty.renewal_rows_reference(store, p,
                                                                                  rule)


def test_renewals_by_value_kept_for_the_latest_period_until_a_write(store) -> None:
    """Customers and Loyalty list the same renewals: the second ask runs no statement;
    another period or a write computes them afresh, equal to the statement's rows."""
    from custdesk.storage import queries_cache
    from custdesk.storage import queries_cohorts as qc

    name = None
    statements: list[str] = []  # what reads rows (not the cache's PRAGMA data_version)
    store.conn.set_trace_callback(
        lambda sql: statements.append(sql) if not sql.startswith("PRAGMA") else None)
    try:
        year, other = Period(END - timedelta(days=364), END), periods()[1]

        def ask(p: Period) -> list:
            return qc.renewals_by_value(store, p.prior().start, p.start, p.end)

        queries_cache.clear(store)
        first = ask(year)
        assert first and statements
        statements.clear()
        assert ask(year) is first and not statements  # kept
        assert ask(other) == qc._renewals_by_value(store, other.prior().start, other.start,
                                                   other.end) and statements
        statements.clear()
        assert ask(year) == first and statements  # one period kept: the latest asked
        name = store.conn.execute("SELECT name FROM customers WHERE id = ?",
                                  (first[0][0],)).fetchone()[0]
        store.conn.execute("UPDATE customers SET name = 'Renamed' WHERE id = ?",
                           (first[0][0],))
        store.conn.commit()
        statements.clear()
        again = ask(year)
        assert statements and again == qc._renewals_by_value(
            store, year.prior().start, year.start, year.end) and again != first
        assert "Renamed" in {row[1] for row in again}
    finally:
        store.conn.set_trace_callback(None)
        if name is not None:  # the module's file as the other tests expect it
            store.conn.execute("UPDATE customers SET name = ? WHERE name = 'Renamed'", (name,))
            store.conn.commit()
