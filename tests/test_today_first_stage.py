"""Today drawn in two stages (issue 18: the numbers sooner after start): first the cards
and the customers at risk (`today.build_first`), then the whole screen with the other
lists, the comparisons with the prior period and the trends (`today.build`).

The first stage is a part of the whole screen, value for value: on random files of every
kind for boundary periods, and on the demo (snoozed and handled customers). The whole
screen built after it, from what it kept, equals the whole screen built alone. The tab
draws the first stage (the other lists "coming", the cards' change line waiting), then
the whole; a period change in between drops the stale whole screen; an export waits."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from custdesk.domain.periods import PRESET_LABELS, Period
from custdesk.services.period_service import resolve_period
from custdesk.services.screens import today
from custdesk.services.screens.model import Screen, to_json
from custdesk.storage import queries_cache
from custdesk.ui import kpi_card
from custdesk.ui.tabs.today_tab import LISTS, LISTS_COMING, TodayTab
from tests.random_kinds import MID_SIZE, boundary_periods, random_kinds_file
from tests.ui_helpers import HeldRunner, make_tab

END = date(2026, 11, 24)
LABEL = "Period"


@pytest.fixture(autouse=True)
def two_stages_on_any_file(monkeypatch) -> None:
    """The demo and the random files are small: in two stages here as a big file is."""
    monkeypatch.setattr(today, "FIRST_STAGE_RECORDS", 0)


class Apart(HeldRunner):
    """A held runner whose screens are built apart, as in the screen process (two
    stages); the plain one builds them on a task's connection (one load)."""

    def builds_apart(self, store) -> bool:
        return store is not None


@pytest.fixture(scope="module", params=[71, 72])
def store(request, tmp_path_factory):
    path = Path(tmp_path_factory.mktemp("first")) / "first.db"
    s = random_kinds_file(path, request.param, END, **MID_SIZE)
    yield s
    s.close()


def assert_part_of(first: Screen, whole: Screen) -> None:
    """`first` holds the cards' figures and the at-risk lists of `whole`, nothing else."""
    assert (first.name, first.period, first.period_label, first.empty) == (
        whole.name, whole.period, whole.period_label, False)
    assert set(first.cards) == set(whole.cards)
    for key, card in first.cards.items():
        other = whole.cards[key]
        assert (card.metric, card.current, card.extra, card.extra_value, card.target) == (
            other.metric, other.current, other.extra, other.extra_value, other.target), key
        assert card.prior is None  # the comparisons come with the whole screen
    assert set(first.lists) == {"at_risk", "at_risk_snoozed"}
    for name in first.lists:
        assert first.lists[name] == whole.lists[name], name
    totals = {row["list"]: row for row in whole.tables["list_totals"]}
    assert first.tables == {"list_totals": [totals["at_risk"], totals["at_risk_snoozed"]],
                            "at_risk_triage": whole.tables["at_risk_triage"]}
    assert not first.series
    # (a short period's whole screen says why it has no comparison: the first has none)
    assert set(first.notes) <= set(whole.notes)


def test_the_first_stage_is_a_part_of_the_whole_screen(store) -> None:
    for period in boundary_periods(END):
        queries_cache.clear(store)
        whole = today.build(store, period, LABEL)
        queries_cache.clear(store)
        first = today.build_first(store, period, LABEL)
        assert_part_of(first, whole)
        # the whole screen after it (the tallies, sums and risk it kept): as built alone
        assert to_json(today.build(store, period, LABEL)) == to_json(whole)


def test_on_the_demo_with_snoozed_and_handled_customers(demo_store) -> None:
    for key in ("last_12_months", "last_90_days", "this_month"):
        period = resolve_period(demo_store, preset=key).period
        queries_cache.clear(demo_store)
        whole = today.build(demo_store, period, PRESET_LABELS[key])
        queries_cache.clear(demo_store)
        first = today.build_first(demo_store, period, PRESET_LABELS[key])
        assert_part_of(first, whole)
        if key == "last_12_months":  # the demo's triage has every state
            counts = first.tables["at_risk_triage"][0]
            assert counts["new"] and counts["handled"] and counts["snoozed"]


def test_a_file_without_data_is_empty_in_both(store, tmp_path) -> None:
    from custdesk.storage.database import open_store

    empty = open_store(tmp_path / "empty.db")
    try:
        period = Period(date(2026, 1, 1), date(2026, 3, 31))
        assert today.build_first(empty, period, LABEL).empty
        assert today.build(empty, period, LABEL).empty
    finally:
        empty.close()


def _period(store, key: str = "last_12_months") -> Period:
    return resolve_period(store, preset=key).period


def test_the_tab_draws_the_first_stage_then_the_whole(qtbot, demo_store) -> None:
    runner = Apart()
    period = _period(demo_store)
    tab = make_tab(qtbot, TodayTab, demo_store, period, runner)
    assert runner.keys == [tab] and len(runner.queued) == 1
    runner.queued.pop(0).run()  # the first stage only
    first = today.build_first(demo_store, period, tab.period_label)
    assert tab.data is None and tab.still_loading()  # an export now waits
    assert runner.keys == [tab, (tab, "more")]  # the whole screen asked for
    revenue = tab.cards["revenue"]
    assert revenue.value.text() != "—" and revenue.change.text() == kpi_card.PRIOR_COMING
    at_risk = tab.lists["at_risk"]
    assert at_risk.model.rowCount() == len(first.lists["at_risk"]) > 0
    assert at_risk.summary.text().startswith(f"{len(first.lists['at_risk']):,} · ")
    for key, *_rest in LISTS:
        if key != "at_risk":
            assert tab.lists[key].model.rowCount() == 0
            assert tab.lists[key].summary.text() == LISTS_COMING, key
    runner.drain()  # the whole screen
    whole = today.build(demo_store, period, tab.period_label)
    assert tab.data is not None and to_json(tab.data) == to_json(whole)
    assert not tab.still_loading() and tab.first_screen is None
    assert revenue.change.text().endswith(" vs prior")
    assert tab.lists["hot"].model.rowCount() == len(whole.lists["hot"])
    assert tab.lists["lost"].summary.text() != LISTS_COMING
    assert tab.first_numbers_at is not None


def test_a_period_change_between_the_stages_drops_the_older_whole_screen(
        qtbot, demo_store) -> None:
    runner = Apart()
    year, quarter = _period(demo_store), _period(demo_store, "last_90_days")
    tab = make_tab(qtbot, TodayTab, demo_store, year, runner)
    runner.queued.pop(0).run()  # the year's first stage; its whole screen queued
    tab.set_period(quarter)  # a new refresh: the year's whole screen never reports
    runner.drain()
    assert tab.data is not None and tab.data.period == quarter
    assert to_json(tab.data) == to_json(today.build(demo_store, quarter, tab.period_label))


def test_built_on_a_tasks_own_connection_the_screen_comes_whole(qtbot, demo_store) -> None:
    """Inline, or without the screen process (its caches do not outlive one job there:
    a second stage would compute the first's sums again), one load."""
    runner = HeldRunner()
    tab = make_tab(qtbot, TodayTab, demo_store, _period(demo_store), runner)
    runner.drain()
    assert runner.keys == [tab]  # one load, the whole screen
    assert tab.data is not None and tab.data.lists["hot"] is not None
    assert tab.lists["lost"].summary.text() != LISTS_COMING


def test_the_first_stage_leaves_nothing_of_the_screen_before(qtbot, demo_store) -> None:
    """The due actions (links to another file's actions after a switch), the late
    onboarding line and the trends of the screen before are not shown beside the new
    cards."""
    runner = Apart()
    tab = make_tab(qtbot, TodayTab, demo_store, _period(demo_store), runner)
    runner.drain()
    assert "action:" in tab.due_strip.text()  # the demo has due actions
    assert any(line.points for line in tab.sparklines.values())
    tab.set_period(_period(demo_store, "last_90_days"))
    runner.queued.pop(0).run()  # the first stage only
    assert "action:" not in tab.due_strip.text() and LISTS_COMING in tab.due_strip.text()
    assert tab.onboarding_line.isHidden()
    assert not any(line.points for line in tab.sparklines.values())
    runner.drain()
    assert "action:" in tab.due_strip.text()
    assert all(line.points for line in tab.sparklines.values())


def test_a_failed_whole_screen_leaves_nothing_to_export(qtbot, demo_store,
                                                         monkeypatch) -> None:
    runner = Apart()
    tab = make_tab(qtbot, TodayTab, demo_store, _period(demo_store), runner)
    monkeypatch.setattr(today, "build", lambda *a, **k: 1 / 0)  # (the first stage's is apart)
    runner.queued.pop(0).run()  # the first stage: drawn, the whole screen asked for
    assert tab.first_screen is not None
    runner.drain()  # the whole screen fails
    assert not tab.error.isHidden() and "Could not refresh" in tab.error.text()
    assert tab.data is None and tab.still_loading()  # an export or printout waits


def test_a_small_file_comes_whole_in_one_load(qtbot, demo_store, monkeypatch) -> None:
    """Below FIRST_STAGE_RECORDS (the demo: ~12k records) a second round trip to the screen
    process would only delay the whole screen: one load, and the warm-up builds it."""
    from custdesk.storage.queries import records_estimate

    monkeypatch.setattr(today, "FIRST_STAGE_RECORDS", records_estimate(demo_store) + 1)
    runner = Apart()
    tab = make_tab(qtbot, TodayTab, demo_store, _period(demo_store), runner)
    runner.drain()
    assert runner.keys == [tab] and tab.data is not None
    assert today.start_job(demo_store, "last_12_months").fn is today.build
    monkeypatch.setattr(today, "FIRST_STAGE_RECORDS", records_estimate(demo_store))
    assert today.start_job(demo_store, "last_12_months").fn is today.build_first
