"""The self-assessment scorecard: questions answered 0–10, grouped by area.

METRICS.md, Scorecard: the average is the mean of the answered questions, one decimal
(half up); every assessment is dated and kept; each question shows live evidence from the
data (a metric of the catalogue, or `lost_reason_share_pct` defined here).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

DASH = "—"


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    area: str
    text: str
    zero: str  # what a 0 looks like
    ten: str  # what a 10 looks like
    evidence_metric: str | None = None  # METRICS.md id shown beside the question
    title: str = ""  # short name for notes and charts ("Margins"); defaults to the id

    @property
    def name(self) -> str:
        return self.title or self.id.replace("_", " ").capitalize()


QUESTIONS: tuple[Question, ...] = (
    Question("new_business", "Growth", "How do you plan new business?",
             "We grow from last month's sales", "A detailed sales plan reviewed weekly",
             "customers_new", title="New business"),
    Question("margins", "Growth", "Do you know the margin of every product or service?",
             "One standard price list", "Margins tracked on every product", "gross_margin_pct",
             title="Margins"),
    Question("automation", "Operations", "How automated is your service?",
             "Mostly manual", "All processes automated and tracked", None,
             title="Service automation"),
    Question("customer_service", "Service", "Do you measure customer service?",
             "Not measured", "Service and complaints measured, improvement plans in place",
             "csat_pct", title="Customer service"),
    Question("retention", "Customers", "Do you work to keep customers?",
             "We notice when they have gone", "At-risk customers contacted every week",
             "retention_rate_pct", title="Retention"),
    Question("referrals", "Customers", "Do customers bring you new customers?",
             "By chance", "A referral programme tracked by segment", "referral_rate_pct",
             title="Referrals"),
    Question("pipeline", "Sales", "How disciplined is your pipeline?",
             "Deals live in our heads", "Every deal has a stage, value and next step",
             "pipeline_weighted_value", title="Pipeline discipline"),
    Question("lost_reasons", "Sales", "Do you know why you lose deals?",
             "We never ask", "Every lost deal has a reason and competitor",
             "lost_reason_share_pct", title="Lost-reason discipline"),
    Question("feedback", "Service", "Do you ask customers what they think?",
             "Never", "NPS and CSAT collected and acted on every month", "nps",
             title="Customer feedback"),
    Question("staff", "People", "Do you know how engaged your staff are?",
             "Never asked", "Regular staff surveys with follow-up", "enps",
             title="Staff engagement"),
)

QUESTION_IDS = frozenset(q.id for q in QUESTIONS)


def average_score(answers: Mapping[str, int | None]) -> float | None:
    """Mean of the answered questions, one decimal; None when nothing is answered."""
    scores = [s for s in answers.values() if s is not None]
    if not scores:
        return None
    mean = Decimal(sum(scores)) / Decimal(len(scores))
    return float(mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def area_order() -> tuple[str, ...]:
    """The areas in the order their first question appears (the form's and report's order)."""
    return tuple(dict.fromkeys(q.area for q in QUESTIONS))


def questions_by_area() -> dict[str, tuple[Question, ...]]:
    """Area -> its questions, in QUESTIONS order."""
    return {area: tuple(q for q in QUESTIONS if q.area == area) for area in area_order()}


def question(question_id: str) -> Question:
    """The question with `question_id`; KeyError names the unknown id."""
    for q in QUESTIONS:
        if q.id == question_id:
            return q
    raise KeyError(f"unknown scorecard question {question_id!r}")


def check_score(question_id: str, score: object) -> int | None:
    """A valid answer: an int 0–10, or None for "not answered"; ValueError otherwise."""
    if question_id not in QUESTION_IDS:
        raise ValueError(f"unknown scorecard question {question_id!r}")
    if score is None:
        return None
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        raise ValueError(f"score for {question_id!r} must be a whole number 0–10, got {score!r}")
    return score


def area_averages(answers: Mapping[str, int | None]) -> dict[str, float | None]:
    """Area -> mean of its answered questions (one decimal), None where none is answered."""
    return {area: average_score({q.id: answers.get(q.id) for q in qs})
            for area, qs in questions_by_area().items()}


def score_changes(current: Mapping[str, int | None],
                  previous: Mapping[str, int | None] | None) -> dict[str, int | None]:
    """Question id -> current − previous score; None when either side is unanswered."""
    out: dict[str, int | None] = {}
    for q in QUESTIONS:
        now, before = current.get(q.id), (previous or {}).get(q.id)
        out[q.id] = None if now is None or before is None else now - before
    return out


def strongest_weakest(answers: Mapping[str, int | None],
                      limit: int = 2) -> tuple[list[Question], list[Question]]:
    """The highest- and lowest-scored answered questions (up to `limit` each, ties in
    QUESTIONS order). With one answer or all equal there is no weakest: ([...], [])."""
    scored = [(score, i, q) for i, q in enumerate(QUESTIONS)
              if (score := answers.get(q.id)) is not None]
    if not scored:
        return [], []
    top, bottom = max(s for s, _, _ in scored), min(s for s, _, _ in scored)
    strongest = [q for s, _, q in scored if s == top][:limit]
    if top == bottom:
        return strongest, []
    weakest = [q for s, _, q in scored if s == bottom][:limit]
    return strongest, weakest


def strength_note(answers: Mapping[str, int | None]) -> str:
    """One plain sentence naming the strongest and weakest questions, for the summary."""
    strongest, weakest = strongest_weakest(answers)
    if not strongest:
        return "No questions answered yet."

    def names(qs: list[Question]) -> str:
        return " and ".join(f"{q.name} ({answers[q.id]})" for q in qs)

    if not weakest:
        return f"Every answered question scores {answers[strongest[0].id]}."
    return f"Strongest: {names(strongest)}. Weakest: {names(weakest)} — start here."


@dataclass(frozen=True, slots=True)
class ScoredAssessment:
    """A saved assessment with its answers by question id and its average."""

    id: int
    taken_on: date
    answers: dict[str, int | None]
    note: str | None = None

    @property
    def average(self) -> float | None:
        return average_score({q: s for q, s in self.answers.items() if q in QUESTION_IDS})


def lost_reason_share(reasons: Iterable[str | None]) -> tuple[int, int]:
    """(lost deals with a reason, lost deals): blank or whitespace reasons do not count.

    Evidence for the lost-reason question: the share of deals closed lost in the period
    whose lost_reason is filled in (METRICS.md, Scorecard).
    """
    k = n = 0
    for reason in reasons:
        n += 1
        if reason is not None and reason.strip():
            k += 1
    return k, n


def share_pct(k: int, n: int) -> float | None:
    """k ÷ n × 100, None when n is 0 (shown as "—", never 0)."""
    return None if n == 0 else k / n * 100


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the data says beside a question: a metric's label, value, unit and sample."""

    label: str
    value: float | None
    unit: str  # the metric catalogue's units: money, pct, count, days, hours, ratio, score
    n: int | None = None
    detail: str = ""  # e.g. "62 of 80 lost deals"

    @property
    def text(self) -> str:
        """The value as plain text ("—" when it cannot be computed)."""
        return format_value(self.value, self.unit)


def format_value(value: float | None, unit: str, currency: str = "$") -> str:
    """Plain, locale-free text for reports: "—", "41.3 %", "$12,340", "23"."""
    if value is None:
        return DASH
    if unit == "pct":
        return f"{value:.1f}\u00a0%"  # no-break space: "66.0 %" never splits
    if unit == "money":
        sign = "−" if value < 0 else ""
        return f"{sign}{currency}{abs(value):,.0f}"
    if unit == "score":  # NPS-like: −100..100, one decimal as on screen
        return f"{value:.1f}".replace("-", "−")
    if unit in ("ratio", "hours", "days"):
        suffix = {"ratio": "×", "hours": "\u00a0h", "days": "\u00a0days"}[unit]
        return f"{value:,.1f}{suffix}"
    return f"{value:,.0f}"


def change_text(change: int | None) -> str:
    """"+2", "−1", "±0" or "" (no previous answer)."""
    if change is None:
        return ""
    if change == 0:
        return "±0"
    return f"+{change}" if change > 0 else f"−{-change}"


# Evidence the metric catalogue does not hold: id -> (label, unit). Computed by the
# scorecard service from `lost_reason_share`.
LOST_REASON_SHARE = "lost_reason_share_pct"
OWN_EVIDENCE: dict[str, tuple[str, str]] = {
    LOST_REASON_SHARE: ("Lost deals with a reason", "pct"),
}
