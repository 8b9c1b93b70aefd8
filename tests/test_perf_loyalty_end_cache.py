"""The parts of the Loyalty and New screens that depend on the period's last day only are
kept per store until the next write (`loyalty.end_tables`, `new.end_quality_tables`, the
onboarding rows shared by Today's late-step counts and the New list). Kept or not, they
must equal what is computed afresh, on random files of every record kind: every period
ending on the same day (the kept result), periods ending on other days (one before the
last record, one before any), after a write (a new order line changes the figures), and
the caller changing its copy must not change what the next caller gets."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from perf_lists_data import END, random_store

from custdesk.domain.periods import Period
from custdesk.services import metrics_service, onboarding_service, settings_service
from custdesk.services.screens import loyalty, new
from custdesk.storage import queries_cache
from custdesk.storage import queries_cohorts as qc

ENDS = (END, END - timedelta(days=45), date(2021, 3, 31), date(2000, 1, 1))


@pytest.fixture(scope="module", params=[121, 122])
def store(request, tmp_path_factory):
    s = random_store(Path(tmp_path_factory.mktemp("end_cache")), request.param)
    yield s
    s.close()


def _fresh_loyalty(store, end):
    window = metrics_service.load_settings(store).window_days
    _rule, loyal_n = settings_service.loyalty_settings(store)
    return loyalty._end_tables(store, end, window, loyal_n)


def _kept_loyalty(store, end):
    window = metrics_service.load_settings(store).window_days
    _rule, loyal_n = settings_service.loyalty_settings(store)
    return loyalty.end_tables(store, end, window, loyal_n)


def test_kept_tables_equal_fresh_for_every_period_of_an_end(store) -> None:
    queries_cache.clear(store)
    window = metrics_service.load_settings(store).window_days
    for end in ENDS:
        fresh = _fresh_loyalty(store, end)
        fresh_new = new._end_quality_tables(store, end, window)
        for period in (Period.trailing_year(end), Period(end - timedelta(days=89), end),
                       Period(end, end), Period(date(1990, 1, 1), end)):
            screen = loyalty.build(store, period, "x")
            for name, rows in fresh.items():
                assert screen.tables[name] == rows
            assert new.build(store, period, "x").tables == fresh_new
        assert _kept_loyalty(store, end) == fresh


def test_a_write_is_seen(store) -> None:
    """A customer acquired 40 days before END with three orders since: in the cohorts,
    the order frequency, the new customers' quality and the onboarding list."""
    queries_cache.clear(store)
    window = metrics_service.load_settings(store).window_days
    before = _kept_loyalty(store, END)
    before_new = new.end_quality_tables(store, END, window)
    before_rows = onboarding_service.track_rows(store, END)
    acquired = END - timedelta(days=40)
    cid = store.conn.execute(
        "INSERT INTO customers(name, name_key, acquired_on, created_on, source) "
        "VALUES ('Zed New', 'zed new', ?, ?, 'Brand new source') RETURNING id",
        (acquired.isoformat(), acquired.isoformat())).fetchone()[0]
    for days in (40, 20, 3):
        day = END - timedelta(days=days)
        store.conn.execute(
            "INSERT INTO orders(customer_id, date, month, order_ref, revenue_e4) "
            "VALUES (?, ?, ?, ?, ?)",
            (cid, day.isoformat(), day.year * 100 + day.month, f"NEW-{days}", 123_4500))
    try:
        after = _kept_loyalty(store, END)
        assert after == _fresh_loyalty(store, END)
        assert after["cohorts_month"] != before["cohorts_month"]
        assert after["order_frequency"] != before["order_frequency"]
        after_new = new.end_quality_tables(store, END, window)
        assert after_new == new._end_quality_tables(store, END, window)
        assert "Brand new source" in [r["source"] for r in after_new["quality_by_source"]]
        assert "Brand new source" not in [r["source"] for r in before_new["quality_by_source"]]
        rows = onboarding_service.track_rows(store, END)
        assert rows == onboarding_service.track_rows_reference(store, END)
        assert [r["customer_id"] for r in rows if r["customer_id"] == cid] == [cid]
        assert cid not in [r["customer_id"] for r in before_rows]
    finally:
        store.conn.rollback()


def test_a_changed_copy_does_not_change_the_kept_one(store) -> None:
    queries_cache.clear(store)
    window = metrics_service.load_settings(store).window_days
    first = _kept_loyalty(store, END)
    first["habits"][0]["loyal_customers"] = -1
    first["cohorts_month"].clear()
    assert _kept_loyalty(store, END) == _fresh_loyalty(store, END)
    tables = new.end_quality_tables(store, END, window)
    tables["quality_compare"][0]["this_year"] = -1
    assert new.end_quality_tables(store, END, window) == new._end_quality_tables(
        store, END, window)
    rows = onboarding_service.track_rows(store, END)
    assert rows  # (the file has customers being onboarded at END: the rows are checked)
    rows[0]["status"] = "changed by an earlier caller"  # a row, not only the list
    rows.clear()
    assert onboarding_service.track_rows(store, END) == (
        onboarding_service.track_rows_reference(store, END))


def test_onboarding_tracks_are_read_once_for_today_and_new(store, monkeypatch) -> None:
    queries_cache.clear(store)
    calls = []
    real = onboarding_service._light_tracks

    def counting(*args):
        calls.append(args[-1])
        return real(*args)

    monkeypatch.setattr(onboarding_service, "_light_tracks", counting)
    for end in (END, END - timedelta(days=45)):
        counts = onboarding_service.overdue_counts(store, end)  # Today
        rows = onboarding_service.track_rows(store, end)  # then New
        assert counts == onboarding_service.overdue_counts_reference(store, end)
        assert rows == onboarding_service.track_rows_reference(store, end)
    assert calls == [END, END - timedelta(days=45)]


def test_referrers_and_promoters_kept_by_end_equal_the_statements(store) -> None:
    """Every period of an end (a day, boundary days, before any record) counts its
    referred customers from the kept groups as the one statement does, in its order."""
    queries_cache.clear(store)
    referred = store.conn.execute(
        "SELECT count(*) FROM customers WHERE trim(coalesce(referred_by, '')) != ''"
    ).fetchone()[0]
    assert referred  # the random file names referrers
    acquired = [d for (d,) in store.conn.execute(
        "SELECT DISTINCT substr(acquired_on, 1, 10) FROM customers "
        "WHERE trim(coalesce(referred_by, '')) != '' AND length(acquired_on) >= 10")]
    counted = 0
    for end in ENDS:
        starts = {end, end - timedelta(days=89), end - timedelta(days=364), date(1990, 1, 1)}
        starts |= {date.fromisoformat(d) for d in acquired[:3] if date.fromisoformat(d) <= end}
        for start in sorted(starts):
            got = qc.referrers(store, start, end)
            assert got == qc.referrers_reference(store, start, end)
            counted += sum(r.referred_in_period for r in got)
        assert qc.promoters(store, end) == qc._promoters(store, end)
    assert counted


def test_kept_referrers_see_a_write(store) -> None:
    queries_cache.clear(store)
    before = qc.referrers(store, END - timedelta(days=364), END)
    name = store.conn.execute("SELECT name FROM customers ORDER BY id LIMIT 1").fetchone()[0]
    store.conn.execute(
        "INSERT INTO customers(name, name_key, acquired_on, created_on, referred_by) "
        "VALUES ('Ref New', 'ref new', ?, ?, ?)",
        (END.isoformat(), END.isoformat(), name))
    try:
        after = qc.referrers(store, END - timedelta(days=364), END)
        assert after == qc.referrers_reference(store, END - timedelta(days=364), END)
        assert sum(r.referred_in_period for r in after) == (
            sum(r.referred_in_period for r in before) + 1)
    finally:
        store.conn.rollback()


def test_today_counts_do_not_make_the_rows_and_new_makes_them_once(store, monkeypatch) -> None:
    queries_cache.clear(store)
    made = []
    real = onboarding_service._rows

    def counting(tracks):
        made.append(len(tracks))
        return real(tracks)

    monkeypatch.setattr(onboarding_service, "_rows", counting)
    onboarding_service.overdue_counts(store, END)
    assert made == []
    first = onboarding_service.track_rows(store, END)
    again = onboarding_service.track_rows(store, END)
    assert first == again == onboarding_service.track_rows_reference(store, END)
    assert made == [len(first)] and first
