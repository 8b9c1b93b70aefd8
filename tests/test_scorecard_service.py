"""Saving, reloading and the history of assessments; evidence beside each question."""

from __future__ import annotations

from datetime import date

import pytest

from custdesk.domain.periods import Period
from custdesk.domain.scorecard import QUESTIONS
from custdesk.services import scorecard_service as svc
from custdesk.services.metrics_service import compute_metrics


def test_save_and_reload_keeps_every_answer(store) -> None:
    answers = {"new_business": 6, "margins": 0, "automation": None, "staff": 10}
    new_id = svc.save_assessment(store, answers, date(2026, 3, 2), note="first go")
    [loaded] = svc.load_history(store)
    assert loaded.id == new_id and loaded.taken_on == date(2026, 3, 2)
    assert loaded.note == "first go"
    assert loaded.answers["margins"] == 0 and loaded.answers["staff"] == 10
    # questions not given are stored as "not answered", so every question has a row
    assert loaded.answers["retention"] is None
    rows = store.conn.execute("SELECT count(*) FROM assessment_answers").fetchone()[0]
    assert rows == len(QUESTIONS)
    assert loaded.average == 5.3  # (6 + 0 + 10) / 3 = 5.33…


def test_history_is_oldest_first_and_same_day_save_replaces(store) -> None:
    svc.save_assessment(store, {"margins": 4}, date(2026, 6, 1))
    svc.save_assessment(store, {"margins": 2}, date(2026, 1, 15))
    svc.save_assessment(store, {"margins": 7}, date(2026, 6, 1))  # same day: replaces
    history = svc.load_history(store)
    assert [(a.taken_on, a.answers["margins"]) for a in history] == [
        (date(2026, 1, 15), 2), (date(2026, 6, 1), 7)]
    orphans = store.conn.execute(
        "SELECT count(*) FROM assessment_answers WHERE assessment_id NOT IN "
        "(SELECT id FROM assessments)").fetchone()[0]
    assert orphans == 0
    svc.save_assessment(store, {"margins": 9}, date(2026, 6, 1), replace_same_day=False)
    assert len(svc.load_history(store)) == 3


def test_a_bad_score_saves_nothing(store) -> None:
    svc.save_assessment(store, {"margins": 4}, date(2026, 6, 1))
    with pytest.raises(ValueError, match="staff"):
        svc.save_assessment(store, {"margins": 5, "staff": 12}, date(2026, 6, 1))
    [kept] = svc.load_history(store)
    assert kept.answers["margins"] == 4


def test_a_failure_inside_the_transaction_rolls_back(store, monkeypatch) -> None:
    svc.save_assessment(store, {"margins": 4}, date(2026, 6, 1))
    from custdesk.storage import scorecard_repository

    def broken(*_a, **_k):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(scorecard_repository, "insert_assessment", broken)
    with pytest.raises(RuntimeError):
        svc.save_assessment(store, {"margins": 8}, date(2026, 6, 1))
    [kept] = svc.load_history(store)  # the old one was not deleted
    assert kept.answers["margins"] == 4


def test_previous_and_baseline(store) -> None:
    a = svc.save_assessment(store, {"margins": 1}, date(2026, 1, 1))
    b = svc.save_assessment(store, {"margins": 2}, date(2026, 2, 1))
    history = svc.load_history(store)
    assert svc.previous_of(history, a) is None
    assert svc.previous_of(history, b).id == a
    assert svc.baseline_for(history, date(2026, 2, 1)).id == a
    assert svc.baseline_for(history, date(2026, 2, 2)).id == b
    assert svc.baseline_for(history, date(2025, 12, 1)) is None


def test_demo_history_matches_the_stored_rows(demo_store) -> None:
    history = svc.load_history(demo_store)
    raw = demo_store.conn.execute(
        "SELECT a.taken_on, sum(x.score), count(x.score) FROM assessments a "
        "JOIN assessment_answers x ON x.assessment_id = a.id GROUP BY a.id ORDER BY a.taken_on"
    ).fetchall()
    assert [a.taken_on.isoformat() for a in history] == [r[0] for r in raw]
    for a, (_day, total, count) in zip(history, raw, strict=True):
        assert a.average == pytest.approx(round(total / count + 1e-9, 1))


def test_evidence_lost_reason_share_from_the_deals(demo_store) -> None:
    period = Period(date(2025, 12, 1), date(2026, 11, 24))
    evidence = svc.evidence(demo_store, period)
    rows = demo_store.conn.execute(
        "SELECT d.closed_on, d.lost_reason, s.kind FROM deals d JOIN stages s "
        "ON s.id = d.stage_id").fetchall()
    lost = [r for r in rows if r[2] == "lost" and r[0] and
            period.start.isoformat() <= r[0][:10] <= period.end.isoformat()]
    with_reason = [r for r in lost if r[1] and r[1].strip()]
    ev = evidence["lost_reasons"]
    assert ev.n == len(lost) > 0
    assert ev.value == pytest.approx(100 * len(with_reason) / len(lost))
    assert ev.detail == f"{len(with_reason)} of {len(lost)} lost deals"
    assert evidence["automation"].label.startswith("Records kept current")  # issue 16


def test_evidence_uses_the_metrics_service(demo_store) -> None:
    from custdesk.services.metrics_service import compute_metrics

    period = Period(date(2025, 12, 1), date(2026, 11, 24))
    metrics = compute_metrics(demo_store, period).metrics
    evidence = svc.evidence(demo_store, period)
    assert evidence["margins"].value == metrics["gross_margin_pct"].value
    assert evidence["margins"].label == "Gross margin" and evidence["margins"].unit == "pct"
    assert evidence["staff"].n == metrics["enps"].n


def test_summary_of_empty_file_and_unknown_id(store, demo_store) -> None:
    with pytest.raises(LookupError, match="No assessment"):
        svc.build_summary(store)
    with pytest.raises(LookupError, match="no assessment with id 99"):
        svc.build_summary(demo_store, 99)


def test_a_failing_metrics_engine_is_an_error_not_a_blank(demo_store, monkeypatch) -> None:
    """Issue "one road": a broken engine must surface (the tab shows its error line and the
    log has the traceback), never hide behind a "—" that looks like missing data."""
    def broken(*_a, **_k):
        raise TypeError("engine mid-change")

    # the evidence comes from card_metrics' figures (or the catalogue for ids it refuses)
    monkeypatch.setattr(svc, "compute_metrics", broken)
    monkeypatch.setattr(svc.card_metrics, "card_figures", broken)
    with pytest.raises(TypeError, match="engine mid-change"):
        svc.evidence(demo_store, Period(date(2025, 12, 1), date(2026, 11, 24)))


def test_evidence_figures_are_the_catalogues(demo_store) -> None:
    """The evidence reads card_metrics' figures alone (not the whole catalogue): each
    equals what compute_metrics gives for the period, value and n."""
    period = Period(date(2025, 12, 1), date(2026, 11, 24))
    metrics = compute_metrics(demo_store, period).metrics
    wanted = {q.evidence_metric for q in QUESTIONS
              if q.evidence_metric and q.evidence_metric not in svc.OWN_EVIDENCE}
    assert len(wanted) >= 6
    for metric, ev in svc._metric_evidence(demo_store, period, wanted).items():
        assert (ev.value, ev.n) == (metrics[metric].value, metrics[metric].n), metric
