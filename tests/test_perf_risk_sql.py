"""The at-risk list from `queries_risk`'s statements (`metrics_lists._compute_risk`: the
customers a signal can flag, with every signal, in one statement; reasons written from
plain values by `lists.risk_reasons_of`; value at risk and order in SQL) must equal
`compute_risk_reference` (the active customers, their order patterns, every latest NPS
answer and the ticket signals asked apart, `lists.risk_reasons` for every active customer)
— reasons, values and the list's order — on random files of every record kind, as of the
last order day, the day before, a day without activity, the boundary days of the activity
window, of the NPS recency and of the repeat-contact window, with ties in value at risk,
under other windows and repeat windows; and `risk_reasons_of` must write the sentences
`risk_reasons` writes."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain import lists
from custdesk.services import metrics_service as ms
from custdesk.storage import queries_cache, queries_summary
from custdesk.storage.repository import set_setting
from tests.random_kinds import random_kinds_file

END = date(2026, 11, 24)


@pytest.fixture(scope="module", params=[301, 302, 303])
def store(request, tmp_path_factory):
    rng = random.Random(request.param)
    s = random_kinds_file(Path(tmp_path_factory.mktemp("risksql")) / "k.db", request.param,
                          END, rng=rng, customers=(60, 250), lines=(300, 2500),
                          tickets=(100, 500), surveys=(50, 300))
    ids = [cid for (cid,) in s.conn.execute("SELECT id FROM customers")]
    # explicit losses (with and without a day), acquisitions after the end and blank ones
    for cid in rng.sample(ids, len(ids) // 5):
        when = (END - timedelta(days=rng.randint(-30, 900))).isoformat()
        sql = ("UPDATE customers SET status = 'lost', lost_on = NULL WHERE id = ?",
               "UPDATE customers SET lost_on = ? WHERE id = ?",
               "UPDATE customers SET acquired_on = ? WHERE id = ?",
               "UPDATE customers SET acquired_on = '' WHERE id = ?")[rng.randrange(4)]
        s.conn.execute(sql, (cid,) if sql.count("?") == 1 else (when, cid))
    # lines at a time of day (two texts of one day), and one after every as-of day
    s.conn.execute("UPDATE orders SET date = date || ' 10:30' WHERE id % 19 = 0")
    s.conn.execute("INSERT INTO orders (customer_id, date, month, revenue_e4) "
                   "SELECT customer_id, date || ' 18:00', month, 1 FROM orders "
                   "WHERE id % 23 = 0")
    s.conn.execute("INSERT INTO orders (customer_id, date, month, revenue_e4) "
                   "VALUES (?, '2027-02-01', 202702, 555)", (ids[0],))
    # low answers on the NPS recency boundary and on the last day, at a time of day
    s.conn.execute("UPDATE surveys SET date = ?, nps = 2, kind = 'customer' "
                   "WHERE id % 7 = 1", ((END - timedelta(days=180)).isoformat(),))
    s.conn.execute("UPDATE surveys SET date = ?, nps = 6, kind = 'customer' "
                   "WHERE id % 7 = 2", ((END - timedelta(days=179)).isoformat(),))
    s.conn.execute("UPDATE surveys SET date = ? || ' 09:15', nps = 0, kind = 'customer' "
                   "WHERE id % 11 = 3", (END.isoformat(),))
    # open complaints, and repeat contacts (same customer and topic, a day apart) on the
    # repeat window's and the 30-day lookback's boundaries
    s.conn.execute("UPDATE tickets SET is_complaint = 1, resolved_at = NULL WHERE id % 13 = 0")
    for k, (cid, days_ago) in enumerate(zip(rng.sample(ids, 6), (1, 29, 30, 31, 36, 38),
                                            strict=True)):
        for gap in (0, 1, 7, 8):
            at = f"{(END - timedelta(days=days_ago - gap)).isoformat()}T0{k}:00:00"
            s.conn.execute("INSERT INTO tickets (customer_id, opened_at, topic) "
                           "VALUES (?, ?, 'Billing')", (cid, at))
    # customers with one order day (recent, older than half the window, on the window's
    # first and last days), two with the same value at risk (ties sort by id), a contact
    # known from a low answer alone
    for i, days_ago in enumerate((10, 200, 200, 40, 364, 365, 182, 183)):
        cur = s.conn.execute("INSERT INTO customers (name, name_key, created_on, segment) "
                             "VALUES (?, ?, '2020-01-01', 'Tie')", (f"One {i}", f"one {i}"))
        when = END - timedelta(days=days_ago)
        s.conn.execute("INSERT INTO orders (customer_id, date, month, revenue_e4) "
                       "VALUES (?, ?, ?, 50000)",
                       (cur.lastrowid, when.isoformat(), when.year * 100 + when.month))
    cur = s.conn.execute("INSERT INTO customers (name, name_key, acquired_on, created_on) "
                         "VALUES ('Only an answer', 'only an answer', '2026-01-05', "
                         "'2026-01-05')")
    s.conn.execute("INSERT INTO surveys (date, customer_id, kind, nps) "
                   "VALUES (?, ?, 'customer', 3)", ((END - timedelta(days=3)).isoformat(),
                                                    cur.lastrowid))
    # customers known without orders (acquired on a day): two repeat contacts alone, one
    # alone, an open complaint alone
    for name, times, complaint in (("Two repeats", 3, 0), ("One repeat", 2, 0),
                                   ("A complaint", 1, 1)):
        cur = s.conn.execute("INSERT INTO customers (name, name_key, acquired_on, created_on) "
                             "VALUES (?, ?, '2025-06-01', '2025-06-01')", (name, name.lower()))
        for k in range(times):
            at = f"{(END - timedelta(days=10 - k)).isoformat()}T08:00:00"
            s.conn.execute("INSERT INTO tickets (customer_id, opened_at, topic, is_complaint) "
                           "VALUES (?, ?, 'Delivery', ?)", (cur.lastrowid, at, complaint))
    s.conn.commit()
    queries_summary.refresh_order_stats(s)
    s.conn.commit()
    yield s
    s.close()


def _days(store) -> list[date]:
    """The last order day, the day before, a day without any record, the activity
    window's, the NPS recency's and the repeat window's boundaries, and a day long before."""
    last = date.fromisoformat(store.conn.execute(
        "SELECT max(substr(date, 1, 10)) FROM orders WHERE date < '2027'").fetchone()[0])
    quiet = END + timedelta(days=5)
    assert not store.conn.execute("SELECT count(*) FROM orders WHERE date LIKE ?",
                                  (quiet.isoformat() + "%",)).fetchone()[0]
    return [last, last - timedelta(days=1), quiet, END + timedelta(days=182),
            END + timedelta(days=365), END + timedelta(days=366), END + timedelta(days=180),
            END + timedelta(days=30), END + timedelta(days=7), END + timedelta(days=8),
            END - timedelta(days=89), date(2021, 3, 31), date(2000, 1, 1)]


def _check(store) -> int:
    from custdesk.services import metrics_lists as ml  # after metrics_service

    listed = 0
    for as_of in _days(store):
        queries_cache.clear(store)
        reasons, value = ml._compute_risk(store, as_of)
        ref_reasons, ref_value = ml.compute_risk_reference(store, as_of)
        assert reasons == ref_reasons, as_of
        assert value == ref_value, as_of
        # both in the list's order: value at risk (largest first), then id
        order = sorted(ref_value, key=lambda c: (-ref_value[c], c))
        assert list(reasons) == order and list(value) == order
        rows = ms.at_risk(store, ms.Period(as_of, as_of))
        assert [r.customer_id for r in rows] == order
        assert [r.reasons for r in rows] == [ref_reasons[c] for c in order]
        listed += len(reasons)
    return listed


def test_risk_equals_the_reference(store) -> None:
    assert _check(store)
    # the ties and the one-order customers are among the listed
    tied = [cid for (cid,) in store.conn.execute(
        "SELECT id FROM customers WHERE segment = 'Tie' AND name IN ('One 1', 'One 2')")]
    queries_cache.clear(store)
    rows = [r.customer_id for r in ms.at_risk(store, ms.Period(END, END))]
    assert tied[0] in rows and rows.index(tied[1]) == rows.index(tied[0]) + 1


def test_customers_without_orders_are_listed_by_their_tickets(store) -> None:
    queries_cache.clear(store)
    listed = {r.customer: r.reasons for r in ms.at_risk(store, ms.Period(END, END))}
    assert listed["Two repeats"] == ["2 repeat contacts in 30 days"]
    assert listed["A complaint"] == ["Has an unresolved complaint"]
    assert "One repeat" not in listed


def test_value_at_risk_ties_by_id_whatever_the_order_asked(store) -> None:
    from custdesk.storage import queries_risk as qr

    ids = [cid for (cid,) in store.conn.execute("SELECT id FROM customers ORDER BY id")]
    asked = list(reversed(ids))
    got = qr.value_at_risk(store, asked, END, 365)
    assert [c for c, _v in got] == sorted(ids, key=lambda c: (-dict(got)[c], c))
    assert len({v for _c, v in got}) < len(got)  # ties (customers without a line: 0)


@pytest.mark.parametrize(("window", "repeat", "recent"),
                         [("30", "1", "1"), ("90", "3", "30"), ("200", "30", "10000000"),
                          ("365", "7", "180")])
def test_risk_equals_the_reference_under_other_settings(store, window: str, repeat: str,
                                                         recent: str) -> None:
    for key, value in (("activity_window_days", window), ("repeat_contact_days", repeat),
                       ("nps_recent_days", recent)):
        set_setting(store, key, value)
    store.conn.commit()
    try:
        assert _check(store)
    finally:
        for key, value in (("activity_window_days", "365"), ("repeat_contact_days", "7"),
                           ("nps_recent_days", "180")):
            set_setting(store, key, value)
        store.conn.commit()
        queries_cache.clear(store)


def test_customer_table_reads_the_same_risk(store) -> None:
    from custdesk.services import metrics_lists as ml

    for as_of in _days(store)[:4]:
        queries_cache.clear(store)
        ref_reasons, _ = ml.compute_risk_reference(store, as_of)
        rows = ml.customer_rows(store, as_of)
        assert {r.id: r.risk_reasons for r in rows if r.at_risk} == ref_reasons
        assert all(r.risk_reasons == [] for r in rows if not r.at_risk)


def test_risk_reasons_of_writes_what_risk_reasons_writes() -> None:
    rng = random.Random(5)
    as_of = date(2026, 3, 10)
    fired = set()
    for _ in range(20_000):
        n = rng.choice((0, 0, 1, 2, 3, 5))
        days = sorted({as_of - timedelta(days=rng.randint(0, 700)) for _ in range(n)})
        gap = lists.median_gap(days)
        nps_on = rng.choice((None, as_of - timedelta(days=rng.randint(0, 400))))
        nps = rng.choice((None, *range(11)))
        r = lists.RiskInputs(days, rng.randint(-5, 9) * 1000, rng.randint(-5, 9) * 1000,
                             nps, nps_on, rng.random() < 0.2, rng.choice((0, 1, 2, 3)))
        window, nps_days = rng.choice((30, 365, 91)), rng.choice((1, 180, 400))
        expected = lists.risk_reasons(r, as_of, window, nps_days)
        got = lists.risk_reasons_of(as_of, window, nps_days,
                                    (as_of - days[-1]).days if days else None, gap,
                                    r.revenue_last_90_e4, r.revenue_prior_90_e4, nps, nps_on,
                                    r.open_complaint, r.repeat_contacts_30)
        assert got == expected
        fired.update(reason.split(" ")[0] for reason in got)
    assert fired >= {"No", "Spending", "NPS", "Has", "2", "3"}
