"""The scorecard: history, saving a dated assessment, and the live evidence per question.

Evidence comes from the metrics service (`compute_metrics`, the one place numbers are
computed) plus `lost_reason_share_pct`, which the metric catalogue does not hold and is
defined in `custdesk.domain.scorecard`. Money evidence is float currency units, as in the
metrics API. A metrics failure is not hidden behind "—": it propagates, so the tab shows
its error line and the log gets the traceback, while the form stays editable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from custdesk.domain.metric_catalogue import METRICS
from custdesk.domain.periods import Period
from custdesk.domain.records import Action, ActionStatus
from custdesk.domain.scorecard import (
    LOST_REASON_SHARE,
    OWN_EVIDENCE,
    QUESTIONS,
    Evidence,
    ScoredAssessment,
    check_score,
    lost_reason_share,
    share_pct,
)
from custdesk.reports.scorecard_report import FollowUpLine, ScorecardSummary, scorecard_html
from custdesk.services import actions_service as acts
from custdesk.services import card_metrics, edits
from custdesk.services.metrics_service import compute_metrics
from custdesk.services.scorecard_evidence import anchor_evidence
from custdesk.storage import scorecard_repository as repo
from custdesk.storage.database import Store

__all__ = ["FollowUp", "ScorecardSummary", "load_history", "save_assessment", "evidence",
           "previous_of", "draft_summary", "baseline_for", "build_summary", "summary_html",
           "evidence_period", "followups", "set_target", "link_action", "plan_next_action",
           "set_note", "followup_lines", "followup_rows", "save_form", "set_targets"]


def load_history(store: Store) -> list[ScoredAssessment]:
    """Every saved assessment, oldest first."""
    return repo.load_assessments(store)


def save_assessment(store: Store, answers: Mapping[str, int | None],
                    taken_on: date | None = None, note: str | None = None,
                    *, replace_same_day: bool = True) -> int:
    """Save the answers as the assessment of `taken_on` (default today), in one transaction.

    With `replace_same_day`, an assessment already dated that day is replaced, so saving
    twice in a day keeps one dated point in the history. Returns the new id.
    """
    day = taken_on or date.today()
    clean = {q.id: check_score(q.id, answers.get(q.id)) for q in QUESTIONS}
    with edits.recorded(store, "Save scorecard"):
        if replace_same_day:
            for old in repo.assessment_ids_on(store, day):
                repo.delete_assessment(store, old)
        return repo.insert_assessment(store, day, clean, note)


def previous_of(history: list[ScoredAssessment], assessment_id: int) -> ScoredAssessment | None:
    """The assessment just before `assessment_id` in the history (None for the first)."""
    for i, a in enumerate(history):
        if a.id == assessment_id:
            return history[i - 1] if i > 0 else None
    raise LookupError(f"There is no assessment with id {assessment_id}.")


def baseline_for(history: list[ScoredAssessment], day: date) -> ScoredAssessment | None:
    """The latest assessment dated before `day`: what a new assessment of `day` is compared to."""
    earlier = [a for a in history if a.taken_on < day]
    return earlier[-1] if earlier else None


def _metric_evidence(store: Store, period: Period, metric_ids: set[str]) -> dict[str, Evidence]:
    # the figures alone when card_metrics serves them all (after Today their sums are kept:
    # the whole catalogue summed every ticket, discount and lead of the period again)
    values = (card_metrics.card_figures(store, period, metric_ids)
              if metric_ids <= card_metrics.SUPPORTED
              else compute_metrics(store, period).metrics)
    out = {}
    for metric_id in metric_ids:
        info = METRICS.get(metric_id)
        value = values.get(metric_id)
        label = info.label if info else metric_id.replace("_", " ")
        unit = info.unit if info else "count"
        n = value.n if value else None
        detail = f"n = {n:,}" if n is not None and unit in ("pct", "score") else ""
        out[metric_id] = Evidence(label, value.value if value else None, unit, n, detail)
    return out


def _lost_reason_evidence(store: Store, period: Period) -> Evidence:
    k, n = lost_reason_share(repo.lost_deal_reasons(store, period.start, period.end))
    label, unit = OWN_EVIDENCE[LOST_REASON_SHARE]
    detail = f"{k:,} of {n:,} lost deals" if n else "no deals lost in the period"
    return Evidence(label, share_pct(k, n), unit, n, detail)


def evidence(store: Store, period: Period) -> dict[str, Evidence | None]:
    """Question id -> the live evidence for `period` (None for a question without a measure)."""
    wanted = {q.evidence_metric for q in QUESTIONS
              if q.evidence_metric and q.evidence_metric not in OWN_EVIDENCE}
    by_metric = _metric_evidence(store, period, wanted)
    if any(q.evidence_metric == LOST_REASON_SHARE for q in QUESTIONS):
        by_metric[LOST_REASON_SHARE] = _lost_reason_evidence(store, period)
    out = {q.id: by_metric.get(q.evidence_metric) if q.evidence_metric else None
           for q in QUESTIONS}
    out.update(anchor_evidence(store, period))  # measures of four anchors (issue 16)
    return out


def evidence_period(day: date) -> Period:
    """The evidence period printed with an assessment: the 12 months ending on its date."""
    return Period.preset("last_12_months", day)


def build_summary(store: Store, assessment_id: int | None = None,
                  period: Period | None = None) -> ScorecardSummary:
    """The one-page summary of a saved assessment (default: the latest).

    Raises LookupError with an owner-readable message when there is none to print.
    """
    history = load_history(store)
    if not history:
        raise LookupError("No assessment has been saved yet; fill in the scorecard first.")
    chosen = history[-1] if assessment_id is None else next(
        (a for a in history if a.id == assessment_id), None)
    if chosen is None:
        known = ", ".join(str(a.id) for a in history)
        raise LookupError(f"There is no assessment with id {assessment_id} (saved: {known}).")
    period = period or evidence_period(chosen.taken_on)
    return ScorecardSummary(
        business=repo.business_name(store), assessment=chosen,
        previous=previous_of(history, chosen.id), evidence=evidence(store, period),
        period=(period.start, period.end),
        history=[(a.taken_on, a.average) for a in history if a.taken_on <= chosen.taken_on],
        followups=followup_lines(store, chosen.answers))


def summary_html(store: Store, assessment_id: int | None = None,
                 period: Period | None = None) -> str:
    """The HTML the tab prints and the CLI turns into a PDF."""
    return scorecard_html(build_summary(store, assessment_id, period))


def draft_summary(store: Store, answers: Mapping[str, int | None], day: date, period: Period,
                  *, saved: bool, evidence_by_question: dict[str, Evidence | None] | None = None,
                  note: str | None = None) -> ScorecardSummary:
    """The summary of the answers on screen, as the assessment of `day` (saved or not yet).

    Compared with the latest assessment dated before `day`; the history line ends with it.
    """
    history = load_history(store)
    now = ScoredAssessment(0, day, {q.id: answers.get(q.id) for q in QUESTIONS}, note)
    earlier = [(a.taken_on, a.average) for a in history if a.taken_on < day]
    return ScorecardSummary(
        business=repo.business_name(store), assessment=now,
        previous=baseline_for(history, day),
        evidence=evidence_by_question if evidence_by_question is not None
        else evidence(store, period),
        period=(period.start, period.end), history=[*earlier, (day, now.average)], saved=saved,
        followups=followup_lines(store, now.answers))


# ----- follow-through: per question a target score and the next action ------------------
@dataclass(frozen=True)
class FollowUp:
    """A question's target score (0–10, None = none set) and its next action, if any."""

    question_id: str
    target: int | None
    action: Action | None


def _question(question_id: str) -> str:
    for q in QUESTIONS:
        if q.id == question_id:
            return q.name
    raise ValueError(f"there is no scorecard question {question_id!r}")


def followups(store: Store) -> dict[str, FollowUp]:
    """question id -> its target and next action (questions with neither are left out)."""
    out = {}
    for qid, (target, action_id) in repo.followups(store).items():
        action = acts.get_action(store, action_id) if action_id is not None else None
        out[qid] = FollowUp(qid, target, action)
    return out


def _check_target(question_id: str, target: int | None) -> int | None:
    _question(question_id)
    if target is None:
        return None
    if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target <= 10:
        raise ValueError(f"a target score is a whole number from 0 to 10, not {target!r}")
    return target


def set_target(store: Store, question_id: str, target: int | None) -> None:
    """The question's target score (None removes it); one edit."""
    target = _check_target(question_id, target)
    with edits.recorded(store, "Scorecard target"):
        current = repo.followups(store).get(question_id, (None, None))
        repo.set_followup(store, question_id, target, current[1])


def set_targets(store: Store, targets: Mapping[str, int | None]) -> None:
    """Several questions' targets at once (the form's Save); one edit."""
    clean = {qid: _check_target(qid, t) for qid, t in targets.items()}
    with edits.recorded(store, "Scorecard targets"):
        current = repo.followups(store)
        for qid, target in clean.items():
            if current.get(qid, (None, None))[0] != target:
                repo.set_followup(store, qid, target, current.get(qid, (None, None))[1])


def link_action(store: Store, question_id: str, action_id: int) -> None:
    """Make an existing action the question's next action; one edit."""
    _question(question_id)
    if acts.get_action(store, action_id) is None:
        raise ValueError(f"there is no action {action_id}")
    with edits.recorded(store, "Scorecard next action"):
        current = repo.followups(store).get(question_id, (None, None))
        repo.set_followup(store, question_id, current[0], action_id)


def plan_next_action(store: Store, question_id: str, title: str, due_on: str, *,
                     owner: str | None = None, issue: str | None = None) -> int:
    """Create the question's next action (an Action with its due date, signal
    "scorecard") and link it, in one edit; the action's id."""
    name = _question(question_id)
    if not due_on:
        raise acts.ActionError("the next action needs a due date")
    action = Action(title=title, created_on=date.today().isoformat(), signal="scorecard",
                    issue=issue or f"Scorecard: {name}", owner=owner, due_on=due_on)
    with edits.recorded(store, "Scorecard next action"):
        action_id = acts.create_action(store, action)
        current = repo.followups(store).get(question_id, (None, None))
        repo.set_followup(store, question_id, current[0], action_id)
    return action_id


def set_note(store: Store, assessment_id: int, note: str | None) -> None:
    """The saved assessment's note (blank clears it); one edit."""
    with edits.recorded(store, "Scorecard note"):
        try:
            repo.set_note(store, assessment_id, (note or "").strip() or None)
        except KeyError:
            raise LookupError(f"There is no assessment with id {assessment_id}.") from None


def followup_lines(store: Store, answers: Mapping[str, int | None]) -> list[FollowUpLine]:
    """What the printed summary lists under "Targets and next actions", in question
    order: every question with a target or an open next action (a done or dropped action
    is no longer "next"). A file without the follow-ups table (older schema) has none."""
    found = followups(store)
    lines = []
    for q in QUESTIONS:
        f = found.get(q.id)
        if f is None:
            continue
        action = f.action if f.action is not None and f.action.status is ActionStatus.OPEN \
            else None
        if f.target is None and action is None:
            continue
        lines.append(FollowUpLine(
            q.name, answers.get(q.id), f.target, action.title if action else None,
            action.due_on if action else None, action.owner if action else None))
    return lines


def followup_rows(store: Store) -> list[dict[str, object]]:
    """The follow-ups as plain rows for the tab: question id, target, next action (title,
    due date, owner, status)."""
    return [{"question_id": f.question_id, "target": f.target,
             "action_id": f.action.id if f.action else None,
             "action": f.action.title if f.action else None,
             "due_on": f.action.due_on if f.action else None,
             "owner": f.action.owner if f.action else None,
             "status": str(f.action.status.value) if f.action else None}
            for f in followups(store).values()]


def save_form(store: Store, answers: Mapping[str, int | None], targets: Mapping[str, int | None],
              taken_on: date | None = None, note: str | None = None) -> int:
    """The Scorecard form's Save: today's assessment with its note, and the targets, as
    one edit; the assessment's id."""
    with edits.recorded(store, "Save scorecard"):
        assessment_id = save_assessment(store, answers, taken_on,
                                        (note or "").strip() or None)
        set_targets(store, targets)
    return assessment_id
