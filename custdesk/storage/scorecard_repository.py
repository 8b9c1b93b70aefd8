"""Reading and writing scorecard assessments, and the raw facts their evidence needs.

Writes go through `repository.save_assessment` inside the caller's transaction, so a new
assessment and its answers are saved together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from custdesk.domain.records import Assessment
from custdesk.domain.scorecard import QUESTIONS, ScoredAssessment
from custdesk.storage import repository
from custdesk.storage.database import Store


def load_assessments(store: Store) -> list[ScoredAssessment]:
    """Every saved assessment, oldest first (by date, then by id)."""
    answers: dict[int, dict[str, int | None]] = {}
    for row in store.conn.execute(
            "SELECT assessment_id, question_id, score FROM assessment_answers"):
        answers.setdefault(row[0], {})[row[1]] = row[2]
    out = []
    for a_id, taken_on, note in store.conn.execute(
            "SELECT id, taken_on, note FROM assessments ORDER BY taken_on, id"):
        given = answers.get(a_id, {})
        # Questions added after this assessment was taken read as "not answered".
        full = {q.id: given.get(q.id) for q in QUESTIONS}
        full.update({k: v for k, v in given.items() if k not in full})
        out.append(ScoredAssessment(a_id, date.fromisoformat(taken_on), full, note))
    return out


def assessment_ids_on(store: Store, day: date) -> list[int]:
    """Ids of the assessments dated `day`."""
    return [r[0] for r in store.conn.execute(
        "SELECT id FROM assessments WHERE taken_on = ? ORDER BY id", (day.isoformat(),))]


def delete_assessment(store: Store, assessment_id: int) -> None:
    """Remove one assessment and its answers (inside the caller's transaction)."""
    store.conn.execute("DELETE FROM assessment_answers WHERE assessment_id = ?", (assessment_id,))
    store.conn.execute("DELETE FROM assessments WHERE id = ?", (assessment_id,))


def insert_assessment(store: Store, taken_on: date, answers: Mapping[str, int | None],
                      note: str | None = None) -> int:
    """Insert one assessment with all its answers (inside the caller's transaction)."""
    record = Assessment(taken_on.isoformat(), tuple(answers.items()), note=note)
    return repository.save_assessment(store, record)


def lost_deal_reasons(store: Store, start: date, end: date) -> list[str | None]:
    """lost_reason of every deal closed lost between `start` and `end` (both included)."""
    return [r[0] for r in store.conn.execute(
        "SELECT d.lost_reason FROM deals d JOIN stages s ON s.id = d.stage_id "
        "WHERE s.kind = 'lost' AND substr(d.closed_on, 1, 10) BETWEEN ? AND ?",
        (start.isoformat(), end.isoformat()))]


def business_name(store: Store) -> str:
    """The `business_name` setting, else the database file's name."""
    name = repository.get_settings(store).get("business_name", "").strip()
    return name or store.path.stem


def set_note(store: Store, assessment_id: int, note: str | None) -> None:
    """The assessment's note (inside the caller's transaction); KeyError when it is gone."""
    cursor = store.conn.execute("UPDATE assessments SET note = ? WHERE id = ?",
                                (note, assessment_id))
    if cursor.rowcount != 1:
        raise KeyError(f"there is no assessment {assessment_id}")
# ----- scorecard follow-ups: per question a target score and the next action -------------
def followups(store: Store) -> dict[str, tuple[int | None, int | None]]:
    """question id -> (target score, action id)."""
    return {q: (t, a) for q, t, a in store.conn.execute(
        "SELECT question_id, target_score, action_id FROM scorecard_followups")}


def set_followup(store: Store, question_id: str, target: int | None,
                 action_id: int | None) -> None:
    """Keep one row per question; a row with neither target nor action is removed."""
    if target is None and action_id is None:
        store.conn.execute("DELETE FROM scorecard_followups WHERE question_id = ?",
                           (question_id,))
        return
    store.conn.execute(
        "INSERT INTO scorecard_followups(question_id, target_score, action_id) "
        "VALUES (?, ?, ?) ON CONFLICT(question_id) DO UPDATE SET "
        "target_score = excluded.target_score, action_id = excluded.action_id",
        (question_id, target, action_id))
