"""Strategic reviews (issue 16): a dated record of the five questions the owner's guide asks
— changes in the market, new and emerging services, changes in customers' needs, external
factors (economy, imports, new technology), competitive activity — plus the decisions, with
actions planned from a decision linked by their signal `strategic_review:<id>`.

Kept like scorecard assessments: `history` (oldest first), one opened by id, two compared
heading by heading (`compare`); `latest` feeds the monthly pack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime

from custdesk.domain.records import Action
from custdesk.services import actions_service as acts
from custdesk.services import edits
from custdesk.storage import strategic_reviews as sr
from custdesk.storage.store import Store

# field, heading, what to think about (the dialog's hint)
HEADINGS: tuple[tuple[str, str, str], ...] = (
    ("market", "Changes in your market", "Who is buying more or less, and why?"),
    ("services", "New and emerging services", "What could we offer next; what should we stop?"),
    ("customer_needs", "Changes in your customers' needs",
     "What are customers asking for that we lack?"),
    ("external", "External factors", "The economy, imports, new technology, regulation."),
    ("competition", "Competitive activity", "New competitors, prices, offers; deals lost to them."),
)
DECISIONS = ("decisions", "Decisions", "Who does what by when — plan each as an action.")


class ReviewError(ValueError):
    """A review that cannot be saved (one line)."""


@dataclass(frozen=True)
class StrategicReview:
    reviewed_on: str
    market: str | None = None
    services: str | None = None
    customer_needs: str | None = None
    external: str | None = None
    competition: str | None = None
    decisions: str | None = None
    id: int | None = None

    def text(self, name: str) -> str:
        return str(getattr(self, name) or "")

    @property
    def decision_lines(self) -> list[str]:
        """Each non-blank line of the decisions, bullets stripped."""
        return [line.strip().lstrip("-•*").strip() for line in self.text("decisions").splitlines()
                if line.strip().lstrip("-•*").strip()]


def signal_of(review_id: int) -> str:
    return f"strategic_review:{review_id}"


def _clean(review: StrategicReview) -> dict[str, str | None]:
    try:
        date.fromisoformat(review.reviewed_on)
    except (TypeError, ValueError):
        raise ReviewError(f"the review date must look like 2026-11-30, got "
                          f"{review.reviewed_on!r}") from None
    values: dict[str, str | None] = {"reviewed_on": review.reviewed_on}
    for f in fields(review):
        if f.name not in ("id", "reviewed_on"):
            values[f.name] = (getattr(review, f.name) or "").strip() or None
    if not any(v for k, v in values.items() if k != "reviewed_on"):
        raise ReviewError("the review is empty: write under at least one heading")
    return values


def save(store: Store, review: StrategicReview) -> int:
    """Create (no id) or rewrite a review in one transaction; its id."""
    values = _clean(review)
    with edits.recorded(store, f"Strategic review of {review.reviewed_on}"):
        if review.id is None:
            return sr.insert_review(store, values, datetime.now().isoformat(timespec="seconds"))
        if not sr.update_review(store, review.id, values):
            raise ReviewError(f"there is no strategic review {review.id}")
        return review.id


def delete(store: Store, review_id: int) -> None:
    with edits.recorded(store, "Delete a strategic review"):
        sr.delete_review(store, review_id)


def history(store: Store) -> list[StrategicReview]:
    """Every review, oldest first."""
    names = {f.name for f in fields(StrategicReview)}
    return [StrategicReview(**{k: v for k, v in row.items() if k in names})
            for row in sr.review_rows(store)]


def get(store: Store, review_id: int) -> StrategicReview | None:
    return next((r for r in history(store) if r.id == review_id), None)


def latest(store: Store, on_or_before: date | None = None) -> StrategicReview | None:
    """The newest review dated on or before `on_or_before` (any date when None)."""
    day = None if on_or_before is None else on_or_before.isoformat()
    found = [r for r in history(store) if day is None or r.reviewed_on <= day]
    return found[-1] if found else None


def compare(a: StrategicReview, b: StrategicReview) -> list[tuple[str, str, str]]:
    """(heading, a's text, b's text) for the five headings and the decisions."""
    return [(title, a.text(name), b.text(name)) for name, title, _ in (*HEADINGS, DECISIONS)]


def linked_actions(store: Store, review_id: int) -> list[Action]:
    """Actions planned from this review's decisions."""
    return acts.list_actions(store, signal=signal_of(review_id))


def action_draft(review: StrategicReview, decision: str, today: str | None = None) -> acts.Draft:
    """A new action for one decision of a saved review, linked to it by its signal."""
    if review.id is None:
        raise ReviewError("save the review before planning actions from it")
    title = decision.strip()[:120] or "Follow up the strategic review"
    return acts.Draft(Action(title=title, created_on=today or date.today().isoformat(),
                             signal=signal_of(review.id),
                             issue=f"Decision of the strategic review of {review.reviewed_on}"),
                      f"strategic review of {review.reviewed_on}")


def reviewed_between(store: Store, start: date, end: date) -> Sequence[StrategicReview]:
    """Reviews dated start..end (the scorecard's "reviewed this month" evidence)."""
    return [r for r in history(store) if start.isoformat() <= r.reviewed_on <= end.isoformat()]
