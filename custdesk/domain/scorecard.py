"""The self-assessment scorecard: questions answered 0–10, grouped by area."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    area: str
    text: str
    zero: str  # what a 0 looks like
    ten: str  # what a 10 looks like
    evidence_metric: str | None = None  # METRICS.md id shown beside the question


QUESTIONS: tuple[Question, ...] = (
    Question("new_business", "Growth", "How do you plan new business?",
             "We grow from last month's sales", "A detailed sales plan reviewed weekly",
             "customers_new"),
    Question("margins", "Growth", "Do you know the margin of every product or service?",
             "One standard price list", "Margins tracked on every product", "gross_margin_pct"),
    Question("automation", "Operations", "How automated is your service?",
             "Mostly manual", "All processes automated and tracked", None),
    Question("customer_service", "Service", "Do you measure customer service?",
             "Not measured", "Service and complaints measured, improvement plans in place",
             "csat_pct"),
    Question("retention", "Customers", "Do you work to keep customers?",
             "We notice when they have gone", "At-risk customers contacted every week",
             "retention_rate_pct"),
    Question("referrals", "Customers", "Do customers bring you new customers?",
             "By chance", "A referral programme tracked by segment", "referral_rate_pct"),
    Question("pipeline", "Sales", "How disciplined is your pipeline?",
             "Deals live in our heads", "Every deal has a stage, value and next step",
             "pipeline_weighted_value"),
    Question("lost_reasons", "Sales", "Do you know why you lose deals?",
             "We never ask", "Every lost deal has a reason and competitor",
             "lost_reason_share_pct"),
    Question("feedback", "Service", "Do you ask customers what they think?",
             "Never", "NPS and CSAT collected and acted on every month", "nps"),
    Question("staff", "People", "Do you know how engaged your staff are?",
             "Never asked", "Regular staff surveys with follow-up", "enps"),
)

QUESTION_IDS = frozenset(q.id for q in QUESTIONS)


def average_score(answers: dict[str, int | None]) -> float | None:
    """Mean of the answered questions, one decimal; None when nothing is answered."""
    scores = [s for s in answers.values() if s is not None]
    if not scores:
        return None
    mean = Decimal(sum(scores)) / Decimal(len(scores))
    return float(mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
