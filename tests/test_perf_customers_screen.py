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


@pytest.fixture(scope="module", params=[(51, False), (52, False), (53, True), (54, "odd")])
def store(request, tmp_path_factory):
    seed, stale = request.param
    s = random_store(Path(tmp_path_factory.mktemp("customers_screen")), seed)
    if stale == "odd":  # order keys that are not one ref per order (the summary goes stale)
        from test_perf_tally_parity import _odd_keys

        _odd_keys(s)
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


def test_triage_rows_given_by_position_equal_the_rows_given_by_field_name(store) -> None:
    from custdesk.services import triage_service as ts
    from custdesk.services.metrics_lists import AtRisk, Detractor

    for period in periods()[:3]:
        queries_cache.clear(store)
        rows = ml.at_risk(store, period)
        if rows:  # one snoozed and one handled, so every state is there
            store.conn.execute("INSERT INTO customer_snoozes(customer_id, until, note, set_on)"
                               " VALUES (?, '2999-01-01', 'later', '2026-01-01')",
                               (rows[0].customer_id,))
        got = ts.triage_at_risk(store, rows, "2026-06-01")
        states = {r.customer_id: r.state for r in got.shown + got.snoozed}
        ref = [ts.TriagedAtRisk(**{f: getattr(r, f) for f in AtRisk.__dataclass_fields__},
                                state=states[r.customer_id],
                                snoozed_until="2999-01-01" if states[r.customer_id]
                                == "snoozed" else None,
                                note="later" if states[r.customer_id] == "snoozed" else None)
               for r in rows]
        assert got.shown + got.snoozed == ([r for r in ref if r.state != "snoozed"]
                                           + [r for r in ref if r.state == "snoozed"])
        assert got.counts == {s: sum(r.state == s for r in ref) for s in ts.STATES}
        store.conn.execute("DELETE FROM customer_snoozes")
        detractors = ml.detractors(store, period)
        triaged = ts.triage_detractors(store, detractors, period)
        assert [(r.customer_id, r.customer, r.nps, r.date, r.comment) for r in triaged] == [
            tuple(getattr(d, f) for f in Detractor.__dataclass_fields__)
            for d in sorted(sorted(detractors, key=lambda r: (r.date, r.customer_id),
                                   reverse=True),
                            key=lambda r: -next(t.value_at_stake for t in triaged
                                                if t.customer_id == r.customer_id))]
    store.conn.rollback()


def test_rows_pickle_by_their_fields_and_come_back_as_their_own_class(store) -> None:
    import pickle

    from custdesk.services import triage_service as ts

    period = periods()[0]
    queries_cache.clear(store)
    customers = ml.customer_rows(store, period.end, growth_service.ltv_by_customer(
        store, period.end))
    at_risk = ml.at_risk(store, period)
    triaged = ts.triage_at_risk(store, at_risk).shown
    detractors = ts.triage_detractors(store, ml.detractors(store, period), period)
    deals = ml.stale_deals(store, period) + ml.hot_prospects(store, period)
    for rows in (customers, at_risk, triaged, detractors, deals):
        assert rows
        back = pickle.loads(pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == rows
        assert [type(r) for r in back] == [type(r) for r in rows]


def test_customer_table_equals_the_statement_that_joined_every_line(store) -> None:
    from custdesk.storage import queries_lists as ql
    from custdesk.storage.queries_summary import stats_source

    stats = stats_source(store)
    for day in (*DAYS, END + timedelta(days=30)):
        for window in (30, 180):
            params = {"day": day.isoformat(),
                      "cut": (day - timedelta(days=window)).isoformat()}
            ref = store.conn.execute(ql._TABLE_SQL_JOINED.format(stats=stats),
                                     params).fetchall()
            assert list(ql.customer_table_raw(store, day, window)) == ref
            assert any(n for *_x, n, _r, _g, _s in ref) or day < date(2016, 1, 1)


def test_first_orders_repeat_equals_the_min_max_of_the_keys(store) -> None:
    import json

    from custdesk.storage import queries_lists as ql

    ids = [cid for (cid,) in store.conn.execute("SELECT id FROM customers")]
    repeats = 0
    for end in (END, END - timedelta(days=120), date(2020, 3, 1), date(2000, 1, 1)):
        params = {"ids": json.dumps(ids), "end": end.isoformat(), "repeat_fwd": "+90 days"}
        ref = {cid: (int(v or 0), bool(r)) for cid, v, r
               in store.conn.execute(ql._FIRST_ORDERS_MIN_MAX, params)}
        got = ql.first_orders(store, ids, end)
        assert {c: (f.value_e4, f.repeat_90d) for c, f in got.items()} == ref
        repeats += sum(r for _v, r in ref.values())
    assert repeats


def test_new_and_lost_lists_with_the_names_of_the_same_statement(store) -> None:
    from custdesk.services import metrics_service as ms
    from custdesk.storage import queries_lists as ql

    window = ms.load_settings(store).window_days
    seen = 0
    for period in periods():
        states, names = ql.new_and_lost_named(store, period, window)
        assert states == ql.new_and_lost(store, period, window)
        ids = [st.facts.id for st in states]
        assert set(names) >= set(ids)
        looked_up = qc.customer_names(store, ids)
        assert {cid: names[cid] for cid in ids} == {c: t[0] for c, t in looked_up.items()}
        # new_rows takes source and referred by from the facts: the same columns
        assert all((st.facts.source, st.facts.referred_by) == looked_up[st.facts.id][2:]
                   for st in states)
        assert (cs.lost_rows(store, period, states, window, names)
                == cs.lost_rows(store, period, states, window))
        assert cs.new_rows(store, period, states, names) == cs.new_rows(store, period, states)
        seen += len(states)
    assert seen
