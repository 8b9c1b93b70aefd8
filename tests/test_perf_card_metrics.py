"""Today builds only what it shows (issue 18): its cards' figures come from
`card_metrics` (the customer tallies, the deal and survey-only feedback sums), not from the
whole catalogue of both periods. Each figure == `compute_metrics(...).metrics[id]` (value
and n), the prior period's too, and the Today screen equals the one built from the whole
catalogue pair (`today.build_reference`), on random files of every record kind, for a
year, 90 days, the whole span, a period ending before the last record, an empty period
and one-day periods on boundary days."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services import card_metrics as cm
from custdesk.services import metrics_service as ms
from custdesk.services.screens import today
from custdesk.storage import beside, queries_cache
from custdesk.storage import queries_feedback as qf
from custdesk.storage import queries_records as rec
from tests.random_kinds import MID_SIZE, boundary_periods, random_kinds_file

END = date(2026, 11, 24)


@pytest.fixture(scope="module", params=[51, 52, 53])
def store(request, tmp_path_factory):
    path = Path(tmp_path_factory.mktemp("cards")) / "cards.db"
    s = random_kinds_file(path, request.param, END,
                          **MID_SIZE)
    yield s
    s.close()


def _periods() -> list[Period]:
    return boundary_periods(END)


def _catalogue(store, period: Period):
    queries_cache.clear(store)  # each catalogue computed from scratch
    return ms.compute_metrics(store, period).metrics


def test_the_cards_ids_are_all_served() -> None:
    assert set(today.CARD_IDS) <= cm.SUPPORTED
    assert {m for card in today.CARDS for m in card if m} | {"contacts_undated"} == set(
        today.CARD_IDS)


def test_each_figure_equals_the_catalogue(store) -> None:
    """Every supported id (spend, orders and each source included), not only Today's."""
    ids = sorted(cm.SUPPORTED)
    for period in _periods():
        full = _catalogue(store, period)
        assert set(full) - cm.SUPPORTED == {"discount_line_pct_avg", "spend",
                                            "leads_qualified", "actions_open",
                                            "actions_overdue"}
        queries_cache.clear(store)
        assert cm.card_figures(store, period, ids) == {m: full[m] for m in ids}, period
        # one id of a kind alone reads only its own sums and gives the same
        for m in ("nps", "csat_pct", "win_rate_pct", "revenue", "customers_lost_value",
                  "cac", "avg_order_value"):
            assert cm.card_figures(store, period, [m]) == {m: full[m]}, (period, m)
    queries_cache.clear(store)


@pytest.mark.parametrize("twins", [True, False])
def test_the_pair_equals_both_catalogues(store, twins, monkeypatch) -> None:
    monkeypatch.setattr(beside, "ENABLED", twins)
    for period in _periods():
        ref_now, ref_prior = _catalogue(store, period), _catalogue(store, period.prior())
        queries_cache.clear(store)
        ran_on: list[object] = []
        now, prior, extra = cm.card_figures_and_prior_then(
            store, period, today.CARD_IDS, lambda s, ran_on=ran_on: ran_on.append(s) or 7)
        assert now == {m: ref_now[m] for m in today.CARD_IDS}, period
        assert prior == {m: ref_prior[m] for m in today.CARD_IDS}, period
        assert extra == 7 and len(ran_on) == 1
        assert (ran_on[0] is not store) == twins  # the prior's second connection
        assert cm.card_figures_and_prior_then(store, period, ["nps"])[2] is None
        both = cm.card_figures_and_prior_then(store, period, ["csat_pct", "nps"])
        assert both[:2] == ({m: ref_now[m] for m in ("csat_pct", "nps")},
                            {m: ref_prior[m] for m in ("csat_pct", "nps")}), period
    queries_cache.clear(store)


def test_no_ticket_sums_are_made_for_the_cards(store, monkeypatch) -> None:
    asked: list[bool] = []
    totals = qf.feedback_totals
    monkeypatch.setattr(qf, "feedback_totals", lambda *a, tickets=True, **k: asked.append(
        tickets) or totals(*a, tickets=tickets, **k))
    actions = rec.action_counts
    monkeypatch.setattr(rec, "action_counts",
                        lambda *a: pytest.fail("whole-file sums made") or actions(*a))
    queries_cache.clear(store)
    cm.card_figures_and_prior_then(store, _periods()[0], today.CARD_IDS)
    assert asked == [False]  # one statement, both periods, surveys only
    queries_cache.clear(store)


def test_figures_of_the_discounts_or_whole_file_are_refused(store) -> None:
    for m in ("discount_line_pct_avg", "leads_qualified", "actions_open", "actions_overdue",
              "spend", "no_such_figure"):
        with pytest.raises(ValueError):
            cm.card_figures(store, _periods()[0], ["revenue", m])


@pytest.mark.parametrize("twins", [True, False])
def test_today_equals_the_screen_from_the_whole_catalogue(store, twins, monkeypatch) -> None:
    monkeypatch.setattr(beside, "ENABLED", twins)
    for period in _periods():
        queries_cache.clear(store)
        ref = today.build_reference(store, period, "x")
        queries_cache.clear(store)
        assert today.build(store, period, "x") == ref, period
        assert today.build(store, period, "x") == ref, period  # the sums kept this time
        assert today.build(store, period, "x", with_series=False).cards == ref.cards
    queries_cache.clear(store)


def test_a_period_alone_finds_the_sums_today_kept(store, monkeypatch) -> None:
    """After Today's pair, a screen asking for a few figures of the period (Scorecard's:
    tally, deal, survey figures, csat) runs no deal or survey statement (csat: the
    tickets' csat answers counted beside the kept survey sums); other ticket figures sum
    the period's tickets."""
    from custdesk.storage import queries_deals as qd

    period = _periods()[0]
    full = _catalogue(store, period)
    queries_cache.clear(store)
    cm.card_figures_and_prior_then(store, period, today.CARD_IDS)
    ran: list[str] = []
    deals, feedback = qd._totals, qf._totals
    monkeypatch.setattr(qd, "_totals", lambda *a: ran.append("deals") or deals(*a))
    monkeypatch.setattr(qf, "_totals", lambda *a: ran.append("feedback") or feedback(*a))
    ids = ["customers_new", "gross_margin_pct", "nps", "enps", "pipeline_weighted_value",
           "retention_rate_pct", "referral_rate_pct"]
    assert cm.card_figures(store, period, ids) == {m: full[m] for m in ids}
    assert ran == []
    with_csat = cm.card_figures(store, period, [*ids, "csat_pct"])
    assert with_csat == {m: full[m] for m in [*ids, "csat_pct"]}
    assert ran == []
    tickets = ["csat_pct", "repeat_contact_rate_pct", "resolution_hours_median"]
    assert cm.card_figures(store, period, tickets) == {m: full[m] for m in tickets}
    assert "deals" not in ran
    queries_cache.clear(store)


@pytest.mark.parametrize("twins", [True, False])
def test_the_trends_are_kept_for_the_last_day_until_a_write(tmp_path, twins,
                                                            monkeypatch) -> None:
    """A period change keeping the last day (a year -> 90 days) finds Today's trends; the
    screen equals the reference built fresh; a changed list is the caller's own; a write
    (a line's revenue in the last month) is seen."""
    s = random_kinds_file(tmp_path / "trends.db", 61, END, customers=(30, 80),
                          lines=(300, 800), deals=(50, 200), tickets=(20, 100),
                          surveys=(20, 80))
    monkeypatch.setattr(beside, "ENABLED", twins)
    made: list[Period] = []
    series = today.build_series
    monkeypatch.setattr(today, "build_series",
                        lambda st, p: made.append(p) or series(st, p))
    year, days90 = Period(END - timedelta(days=364), END), Period(END - timedelta(days=89), END)
    try:
        first = today.build(s, year, "x")
        assert first.series == series(s, year)
        after = today.build(s, days90, "x")
        assert len(made) == 1  # the 90 days found the year's trends
        queries_cache.clear(s)
        assert after == today.build_reference(s, days90, "x")
        made.clear()
        kept = today.kept_series(s, days90)
        kept["revenue"].append(kept["revenue"][0])
        assert today.kept_series(s, year) == series(s, year) and made == []  # kept
        with s.transaction():
            s.conn.execute("UPDATE orders SET revenue_e4 = revenue_e4 + 1234567 WHERE id = "
                           "(SELECT max(id) FROM orders WHERE date >= '2026-11-01')")
        changed = today.kept_series(s, year)
        assert len(made) == 1 and changed == series(s, year)
        assert changed["revenue"] != kept["revenue"][:-1]
    finally:
        s.close()


def test_each_figure_equals_the_catalogue_under_other_settings(tmp_path) -> None:
    """Review: with the default settings, figures made with a window, deep-discount or
    repeat-contact days fixed at their defaults passed every test. Here the owner's
    settings are others (a 60-day window, 10 % deep discount, 3 repeat-contact days)."""
    from custdesk.domain.metrics_all import Settings

    s = random_kinds_file(tmp_path / "settings.db", 57, END, customers=(60, 120),
                          lines=(600, 1200), deals=(100, 300), tickets=(100, 300),
                          surveys=(40, 120))
    try:
        ms.save_settings(s, Settings(window_days=60, deep_discount_pct=10,
                                     repeat_contact_days=3))
        ids = sorted(cm.SUPPORTED)
        for period in _periods()[:4]:
            full = _catalogue(s, period)
            queries_cache.clear(s)
            assert cm.card_figures(s, period, ids) == {m: full[m] for m in ids}, period
            queries_cache.clear(s)
            now, prior, _ = cm.card_figures_and_prior_then(s, period, ids)
            assert prior == {m: v for m, v in _catalogue(s, period.prior()).items()
                             if m in cm.SUPPORTED}, period
            assert now == {m: full[m] for m in ids}, period
        queries_cache.clear(s)
        year = _periods()[0]
        assert today.build(s, year, "x") == today.build_reference(s, year, "x")
    finally:
        s.close()


def test_the_kept_trends_are_of_their_last_day(tmp_path) -> None:
    """Review: trends kept without their period's last day would show the year's trends
    for a period ending elsewhere. A period ending on another day gets its own."""
    s = random_kinds_file(tmp_path / "ends.db", 62, END, customers=(30, 80),
                          lines=(300, 800), deals=(50, 200), tickets=(20, 100),
                          surveys=(20, 80))
    try:
        year = Period(END - timedelta(days=364), END)
        earlier = Period(date(2025, 1, 1), date(2025, 12, 31))
        assert today.kept_series(s, year) == today.build_series(s, year)
        assert today.kept_series(s, earlier) == today.build_series(s, earlier)
        assert today.kept_series(s, earlier) != today.kept_series(s, year)
    finally:
        s.close()
