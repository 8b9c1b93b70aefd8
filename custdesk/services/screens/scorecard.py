"""The scorecard screen: the questions with their latest scores and live evidence, the
average of the latest assessment (compared with the one before), and the history.

Qt-free, like every screen (see model.py). The tab draws it and keeps the form editable;
saving goes through `services/scorecard_service.py`. `custdesk screen scorecard --json`
prints the same object.

- card `scorecard_average`: the latest assessment's average (n = questions answered),
  `prior` = the average of the assessment before it.
- list `questions`: one `QuestionRow` per question, in form order, with its evidence.
- table `history`: one `HistoryRow` per saved assessment, oldest first.
- series `scorecard_average`: the average by month (the month's last assessment), only
  months that have one; no month is partial (an assessment is a dated point).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from custdesk.domain.metric_catalogue import MetricInfo
from custdesk.domain.metric_values import MetricValue
from custdesk.domain.periods import Period
from custdesk.domain.scorecard import (
    QUESTIONS,
    Evidence,
    ScoredAssessment,
    strength_note,
)
from custdesk.services import scorecard_service as svc
from custdesk.services.screens.model import Card, Screen, SeriesPoint
from custdesk.storage import Store

AVERAGE = "scorecard_average"
AVERAGE_INFO = MetricInfo(
    AVERAGE, "Scorecard average", "score", True,
    "The mean of the answered questions of the latest self-assessment (0–10, one decimal).",
    "Σ answers ÷ answered questions")


@dataclass(frozen=True)
class QuestionRow:
    """One question as the form shows it: the latest score, the baseline's, the evidence."""

    id: str
    area: str
    name: str
    text: str
    zero: str
    ten: str
    score: int | None  # in the latest assessment (None: not answered, or none saved)
    before: int | None  # in the baseline: the latest assessment dated before `today`
    change: int | None
    evidence_metric: str | None
    evidence: Evidence | None


@dataclass(frozen=True)
class HistoryRow:
    """One saved assessment."""

    id: int
    taken_on: date
    average: float | None
    answered: int
    questions: int
    change: float | None  # average minus the previous assessment's average
    note: str | None
    answers: dict[str, int | None]


def history_rows(history: list[ScoredAssessment]) -> list[HistoryRow]:
    """The history, oldest first, each with the change of its average since the one before."""
    rows: list[HistoryRow] = []
    for i, a in enumerate(history):
        before = history[i - 1].average if i > 0 else None
        change = (None if before is None or a.average is None
                  else round(a.average - before, 1))
        rows.append(HistoryRow(a.id, a.taken_on, a.average,
                               sum(v is not None for v in a.answers.values()),
                               len(a.answers), change, a.note, dict(a.answers)))
    return rows


def question_rows(latest: ScoredAssessment | None, baseline: ScoredAssessment | None,
                  evidence: dict[str, Evidence | None]) -> list[QuestionRow]:
    """Every question in form order with its latest and baseline scores and evidence."""
    rows = []
    for q in QUESTIONS:
        score = latest.answers.get(q.id) if latest else None
        before = baseline.answers.get(q.id) if baseline else None
        change = None if score is None or before is None else score - before
        rows.append(QuestionRow(q.id, q.area, q.name, q.text, q.zero, q.ten, score, before,
                                change, q.evidence_metric, evidence.get(q.id)))
    return rows


def average_series(history: list[ScoredAssessment]) -> list[SeriesPoint]:
    """The average by month: the last assessment of each month that has one."""
    by_month: dict[str, float | None] = {}
    for a in history:  # oldest first: a later assessment of the month overwrites
        by_month[a.taken_on.strftime("%Y-%m")] = a.average
    return [SeriesPoint(month, value) for month, value in by_month.items()]


def build(store: Store, period: Period, label: str = "", *, with_series: bool = True,
          today: date | None = None) -> Screen:
    """The scorecard for `period` (the evidence's period). `today` (default: today) is the
    day a new assessment would be dated: the baseline is the latest one saved before it."""
    history = svc.load_history(store)
    latest = history[-1] if history else None
    baseline = svc.baseline_for(history, today or date.today())
    evidence = svc.evidence(store, period)
    answered = sum(v is not None for v in latest.answers.values()) if latest else None
    previous = history[-2] if len(history) > 1 else None
    card = Card(AVERAGE, MetricValue(latest.average if latest else None, answered),
                prior=MetricValue(previous.average, None) if previous else None,
                info=AVERAGE_INFO)
    notes = [strength_note(latest.answers)] if latest else [
        "No assessment saved yet: score each question from 0 to 10, then save."]
    return Screen(
        name="scorecard", period=period, period_label=label,
        cards={AVERAGE: card},
        lists={"questions": question_rows(latest, baseline, evidence)},
        series={AVERAGE: average_series(history)} if with_series else {},
        # the follow-ups (target score, next action) per question
        tables={"history": history_rows(history), "followups": svc.followup_rows(store)},
        empty=False,  # the form is always there to fill in, data or not
        notes=tuple(notes))


def evidence_of(screen: Screen) -> dict[str, Evidence | None]:
    """Question id -> evidence, from a built screen (what the printed summary shows)."""
    return {row.id: row.evidence for row in screen.lists.get("questions", [])}


def assessments_of(screen: Screen) -> list[ScoredAssessment]:
    """The saved assessments of a built screen, oldest first (for the history chart)."""
    return [ScoredAssessment(r.id, r.taken_on, dict(r.answers), r.note)
            for r in screen.tables.get("history", [])]
