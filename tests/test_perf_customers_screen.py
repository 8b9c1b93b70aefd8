"""The Customers screen's lists built straight from SQL tuples (issue 18, round 5) must
equal their references — the rows built before from dataclasses and sorted in Python — on
random files of every record kind, with the order summary fresh and stale."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, periods, random_store

from custdesk.services import growth_service
from custdesk.services import metrics_lists as ml
from custdesk.services.screens import customers as cs
from custdesk.storage import queries_cache
from custdesk.storage import queries_cohorts as qc
from custdesk.storage.queries_reasons import _register

DAYS = (END, END - timedelta(days=1), END - timedelta(days=200), date(2021, 3, 31),
        date(2000, 1, 1))


@pytest.fixture(scope="module", params=[(51, False), (52, False), (53, True)])
def store(request, tmp_path_factory):
    seed, stale = request.param
    s = random_store(Path(tmp_path_factory.mktemp("customers_screen")), seed)
    # "why do you stay" answers for the renewal lists, and names that sort with ties,
    # case and non-ASCII letters (SQL's byte order against Python's code points)
    s.conn.execute("UPDATE surveys SET question = 'Why do you stay with us?', "
                   "reason = 'Service' WHERE id % 3 = 0")
    s.conn.execute("UPDATE customers SET name = CASE id % 5 WHEN 0 THEN 'Zoë' WHEN 1 "
                   "THEN 'zed' WHEN 2 THEN 'Émile' ELSE name END WHERE id % 2 = 0")
    if stale:  # the reads then take the summary's aggregate from the lines themselves
        s.conn.execute("UPDATE summary_state SET dirty = 1")
    s.conn.commit()
    yield s
    s.close()


def test_renewals_equal_the_statement_over_the_periods_lines(store) -> None:
    _register(store.conn)
    seen = 0
    for period in periods():
        prior = period.prior()
        params = {"prior_start": prior.start.isoformat(), "start": period.start.isoformat(),
                  "end": period.end.isoformat(),
                  "after": (period.end + timedelta(days=1)).isoformat()}
        old = [qc.RenewalRow(int(cid), name, seg, int(p or 0), int(v or 0), bool(r),
                             last[:10], why)
               for cid, name, seg, p, v, r, last, why
               in store.conn.execute(qc._RENEWALS_BY_DATE, params)]
        assert qc.renewals(store, prior.start, period.start, period.end) == old
        seen += len(old)
    assert seen


def test_renewal_lists_equal_the_rows_sorted_in_python(store) -> None:
    seen = 0
    for period in periods():
        got = cs.renewal_lists(store, period)
        assert got == cs.renewals_reference(store, period)
        assert [type(v) for r in got["renewed"] for v in r.values()] == [
            type(v) for r in cs.renewals_reference(store, period)["renewed"]
            for v in r.values()]
        seen += len(got["renewed"]) + len(got["not_renewed"])
    assert seen


def test_customer_rows_equal_the_rows_from_the_table_tuples(store) -> None:
    for day in DAYS:
        queries_cache.clear(store)
        ltv = growth_service.ltv_by_customer(store, day)
        got = ml.customer_rows(store, day, ltv)
        assert got == ml.customer_rows_reference(store, day, ltv)
        assert got == ml.customer_rows_reference(store, day, ltv)
        assert len(got) == store.conn.execute("SELECT count(*) FROM customers").fetchone()[0]
        assert any(r.at_risk for r in got) or day < date(2016, 1, 1)
