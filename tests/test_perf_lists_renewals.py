"""Renewals (the Customers and Loyalty lists) are grouped per customer before the
customer's name is joined; they must equal a Python grouping of the order lines and the
earlier statement (which joined every line) on random files of every record kind."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from perf_lists_data import periods, random_store

from custdesk.storage import queries_cohorts as qc
from custdesk.storage.queries_reasons import _register

# the statement before the change, kept as the reference for every column
_JOIN_EVERY_LINE = """
SELECT o.customer_id, c.name, c.segment,
  sum(iif(o.date < :start, o.revenue_e4, 0)), sum(iif(o.date >= :start, o.revenue_e4, 0)),
  max(o.date >= :start), max(o.date),
  (SELECT trim(v.reason) FROM surveys v WHERE v.customer_id = o.customer_id
     AND v.date < :after AND custdesk_reason_panel(v.question, NULL) = 'stay'
     AND trim(coalesce(v.reason, '')) != '' ORDER BY v.date DESC, v.id DESC LIMIT 1)
FROM orders o JOIN customers c ON c.id = o.customer_id
WHERE o.date BETWEEN :prior_start AND :end
GROUP BY o.customer_id HAVING min(o.date) < :start
"""


@pytest.fixture(scope="module", params=[31, 32])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("renewals")), request.param)
    # a few "why do you stay" answers, so the reason column is not always empty
    s.conn.execute("UPDATE surveys SET question = 'Why do you stay with us?', "
                   "reason = 'Service' WHERE id % 3 = 0")
    s.conn.commit()
    yield s
    s.close()


def test_renewals_equal_python_and_the_earlier_statement(store) -> None:
    lines = store.conn.execute("SELECT customer_id, date, revenue_e4 FROM orders").fetchall()
    names = dict(store.conn.execute("SELECT id, name FROM customers"))
    _register(store.conn)
    seen = [0, 0]
    for period in periods():
        prior = period.prior()
        got = qc.renewals(store, prior.start, period.start, period.end)
        params = {"prior_start": prior.start.isoformat(), "start": period.start.isoformat(),
                  "end": period.end.isoformat(),
                  "after": (period.end + timedelta(days=1)).isoformat()}
        old = [qc.RenewalRow(int(cid), name, seg, int(p or 0), int(v or 0), bool(r),
                             last[:10], why)
               for cid, name, seg, p, v, r, last, why
               in store.conn.execute(_JOIN_EVERY_LINE, params)]
        assert got == old
        by: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for cid, day, rev in lines:
            if prior.start.isoformat() <= day <= period.end.isoformat():
                by[cid].append((day, rev))
        start = period.start.isoformat()
        ref = {cid: (sum(r for d, r in ls if d < start), sum(r for d, r in ls if d >= start),
                     any(d >= start for d, _ in ls), max(d for d, _ in ls)[:10])
               for cid, ls in by.items() if min(d for d, _ in ls) < start}
        assert {r.customer_id: (r.prior_value_e4, r.value_e4, r.renewed, r.last_order_on)
                for r in got} == ref
        assert all(r.customer == names[r.customer_id] for r in got)
        seen[0] += len(got)
        seen[1] += sum(r.why_stay is not None for r in got)
    assert all(seen)  # renewals and stay reasons were there to compare
