"""The Customers screen makes no catalogue pair of its own (issue 18): its cards' figures
come from `card_metrics` and its segments' four figures from the customer tallies
(`customers_figures`). Each equals the catalogue with the segment breakdown
(`compute_metrics_and_prior(by=("segment",))`, the path before), and the whole screen
equals `customers.build_reference`, on random files of every record kind, for a year,
90 days, the whole span, a period ending before the last record, an empty period and
one-day periods on boundary days, twins on and off."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services import metrics_service as ms
from custdesk.services.screens import customers as cs
from custdesk.services.screens import customers_figures as cf
from custdesk.storage import beside, queries_cache
from tests.random_kinds import MID_SIZE, boundary_periods, random_kinds_file

END = date(2026, 11, 24)


@pytest.fixture(scope="module", params=[61, 62, 63])
def store(request, tmp_path_factory):
    path = Path(tmp_path_factory.mktemp("customers_figures")) / "figures.db"
    s = random_kinds_file(path, request.param, END,
                          **MID_SIZE)
    yield s
    s.close()


def _periods() -> list[Period]:
    return boundary_periods(END)


def test_the_segment_ids_are_the_tables() -> None:
    assert cf.SEGMENT_IDS == tuple(m for m, _label in cs.SEGMENT_METRICS)


@pytest.mark.parametrize("twins", [True, False])
def test_figures_equal_the_catalogue_with_the_segment_breakdown(store, twins,
                                                                monkeypatch) -> None:
    monkeypatch.setattr(beside, "ENABLED", twins)
    groups = 0
    for period in _periods():
        queries_cache.clear(store)
        ref_now, ref_prior = ms.compute_metrics_and_prior(store, period, by=("segment",))
        queries_cache.clear(store)
        now, prior, segments = cf.cards_and_segments(store, period, cs.CARDS)
        assert now == {m: ref_now.metrics[m] for m in cs.CARDS}, period
        assert prior == {m: ref_prior.metrics[m] for m in cs.CARDS}, period
        ref_groups = ref_now.breakdowns["segment"]
        assert list(segments) == sorted(ref_groups), period
        assert segments == {g: {m: values[m] for m in cf.SEGMENT_IDS}
                            for g, values in ref_groups.items()}, period
        groups += len(segments)
    assert groups  # segments were compared, not only empty periods
    queries_cache.clear(store)


@pytest.mark.parametrize("twins", [True, False])
def test_the_screen_equals_the_one_from_the_catalogue_pair(store, twins,
                                                           monkeypatch) -> None:
    monkeypatch.setattr(beside, "ENABLED", twins)
    for period in _periods():
        queries_cache.clear(store)
        ref = cs.build_reference(store, period, "x")
        queries_cache.clear(store)
        assert cs.build(store, period, "x") == ref, period
        assert cs.build(store, period, "x") == ref, period  # the tallies kept this time
    queries_cache.clear(store)


def test_no_catalogue_is_computed(store, monkeypatch) -> None:
    def refuse(*_a, **_k):
        raise AssertionError("a catalogue computed")

    monkeypatch.setattr(ms, "compute_metrics_and_prior", refuse)
    monkeypatch.setattr(ms, "compute_metrics_and_prior_then", refuse)
    monkeypatch.setattr(ms, "compute_metrics", refuse)
    queries_cache.clear(store)
    screen = cs.build(store, _periods()[0], "x")
    assert screen.cards and screen.tables["segments"]
    queries_cache.clear(store)


@pytest.mark.parametrize("twins", [True, False])
def test_the_table_ltv_is_made_once_and_equals_the_fetched_one(store, twins,
                                                                monkeypatch) -> None:
    from custdesk.services import growth_service as gs
    from custdesk.storage import queries_growth_ltv as qltv

    monkeypatch.setattr(beside, "ENABLED", twins)
    packed = qltv.ltv_rows_packed
    made: list[object] = []
    monkeypatch.setattr(qltv, "ltv_rows_packed",
                        lambda s, *a: made.append(s) or packed(s, *a))
    for period in _periods()[:4]:
        queries_cache.clear(store)
        made.clear()
        screen = cs.build(store, period, "x")
        # once, by whichever connection asks first (on a small file the build's own
        # connection may reach the table before the second connection has begun)
        assert len(made) == 1 and (twins or made[0] is store), period
        assert screen.tables["customers"] == ms.customer_rows(
            store, period.end, gs.ltv_by_customer(store, period.end)), period
        made.clear()
        assert cs.build(store, period, "x") == screen  # the table kept: no LTV made
        assert made == [], period
    queries_cache.clear(store)


def test_no_cyclic_collection_during_the_build_and_the_at_risk_list(store,
                                                                    monkeypatch) -> None:
    """The build and the at-risk list make tens of thousands of rows on a big file: the
    collector is off while they are made (each collection walked the worker's heap and
    freed nothing), and back on after, even when the build fails."""
    import gc

    from custdesk.services import metrics_lists as ml

    seen: list[bool] = []
    rows = ms.customer_rows
    risk = ml._compute_risk
    monkeypatch.setattr(ms, "customer_rows",
                        lambda *a, **k: seen.append(gc.isenabled()) or rows(*a, **k))
    monkeypatch.setattr(ml, "_compute_risk",
                        lambda *a: seen.append(gc.isenabled()) or risk(*a))
    queries_cache.clear(store)
    ml.at_risk(store, _periods()[0])
    assert seen == [False] and gc.isenabled()
    seen.clear()
    queries_cache.clear(store)
    cs.build(store, _periods()[0], "x")
    assert seen and not any(seen) and gc.isenabled()

    def fail(*_a, **_k):
        raise RuntimeError("boom")

    monkeypatch.setattr(cs, "work_lists", fail)
    queries_cache.clear(store)
    with pytest.raises(RuntimeError):
        cs.build(store, _periods()[0], "x")
    assert gc.isenabled()
    queries_cache.clear(store)


def test_the_lists_asked_for_alone_pause_the_collector(store, monkeypatch) -> None:
    """Loyalty and New ask for the Customers lists and the renewals on their own: the
    collector is off while their rows are made there too, and back on after."""
    import gc

    from custdesk.services import metrics_service
    from custdesk.storage import queries_cohorts as qc
    from custdesk.storage import queries_lists as ql

    seen: list[tuple[str, bool]] = []
    for module, name in ((ql, "first_orders"), (qc, "promoters"), (qc, "first_won_deals")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _r=real, _n=name: seen.append(
            (_n, gc.isenabled())) or _r(*a))
    period = _periods()[0]
    window = metrics_service.load_settings(store).window_days
    states, names = ql.new_and_lost_named(store, period, window)
    queries_cache.clear(store)
    cs.new_rows(store, period, states, names)
    cs.promoter_rows(store, period, qc.referrers(store, period.start, period.end))
    assert seen and not any(on for _n, on in seen) and gc.isenabled()
    assert {n for n, _on in seen} == {"first_orders", "promoters", "first_won_deals"}
    real_execute_rows = qc.renewals_by_value(store, period.prior().start, period.start,
                                             period.end)
    assert gc.isenabled() and isinstance(real_execute_rows, list)
    queries_cache.clear(store)
