"""Plain records for every import kind of METRICS.md.

Frozen dataclasses: the storage layer builds them from rows, the metrics take them as input.
Money fields end in `_e4` (integer ten-thousandths, see `money.py`); dates are ISO text
("2024-03-01"), timestamps ISO text with time ("2024-03-01T09:30:00").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class StageKind(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class SurveyKind(StrEnum):
    CUSTOMER = "customer"
    EMPLOYEE = "employee"
    MYSTERY_SHOP = "mystery_shop"
    QUESTIONNAIRE = "questionnaire"


@dataclass(frozen=True, slots=True)
class Customer:
    name: str
    id: int | None = None
    ref: str | None = None
    company: str | None = None
    email: str | None = None
    phone: str | None = None
    segment: str | None = None
    source: str | None = None
    referred_by: str | None = None
    acquired_on: str | None = None
    status: str | None = None  # "active" / "lost" / None (derived from activity)
    lost_on: str | None = None
    lost_reason: str | None = None
    country: str | None = None
    city: str | None = None
    notes: str | None = None
    created_on: str | None = None  # the import date: last resort for acquired(c)
    campaign: str | None = None
    contract_end: str | None = None  # for a renewal rule by contract
    region: str | None = None


@dataclass(frozen=True, slots=True)
class Product:
    name: str
    id: int | None = None
    ref: str | None = None
    category: str | None = None
    list_price_e4: int | None = None
    unit_cost_e4: int | None = None
    target_margin_pct: float | None = None


@dataclass(frozen=True, slots=True)
class OrderLine:
    date: str
    customer_id: int
    revenue_e4: int
    id: int | None = None
    order_ref: str | None = None
    product_id: int | None = None
    category: str | None = None
    quantity: float | None = None
    unit_price_e4: int | None = None
    discount: float | None = None  # fraction 0..1
    cost_e4: int | None = None  # None = unknown cost
    status: str | None = None
    shipped_on: str | None = None
    delivered_on: str | None = None
    region: str | None = None  # ship-to region of this line
    country: str | None = None  # ship-to country of this line
    city: str | None = None  # ship-to city of this line


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    kind: StageKind
    probability: float  # 0..100
    position: int = 0


@dataclass(frozen=True, slots=True)
class Deal:
    stage: str
    id: int | None = None
    customer_id: int | None = None
    ref: str | None = None
    title: str | None = None
    product_id: int | None = None
    amount_e4: int | None = None
    list_amount_e4: int | None = None
    probability: float | None = None  # None = the stage's default
    owner: str | None = None
    source: str | None = None
    created_on: str | None = None
    expected_close: str | None = None
    closed_on: str | None = None
    lost_reason: str | None = None
    competitor: str | None = None
    next_step: str | None = None
    last_activity_on: str | None = None
    win_reason: str | None = None
    next_step_on: str | None = None
    needs_me: bool | None = None  # the owner must act on this deal
    special_terms: str | None = None
    campaign: str | None = None
    reason_detail: str | None = None  # free text beside the reason ("which feature?")


@dataclass(frozen=True, slots=True)
class Ticket:
    customer_id: int
    id: int | None = None
    ref: str | None = None
    opened_at: str | None = None
    first_response_at: str | None = None
    resolved_at: str | None = None
    topic: str | None = None
    channel: str | None = None
    status: str | None = None
    is_complaint: bool = False
    contacts: int | None = None
    csat: int | None = None  # 1..5
    follow_up_of: int | None = None  # the id of the ticket whose issue this one follows up


@dataclass(frozen=True, slots=True)
class Survey:
    date: str
    id: int | None = None
    customer_id: int | None = None
    kind: SurveyKind = SurveyKind.CUSTOMER
    nps: int | None = None  # 0..10
    csat: int | None = None  # 1..5
    score: float | None = None  # 0..10
    would_refer: bool | None = None
    reason: str | None = None
    comment: str | None = None
    question: str | None = None  # what was asked ("why did you choose us?")
    incentive: str | None = None  # what respondents were offered (questionnaires)


@dataclass(frozen=True, slots=True)
class Spend:
    month: str  # "YYYY-MM"
    amount_e4: int
    id: int | None = None
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class Cost:
    """A month's operating cost (rent, wages, software...): METRICS.md `costs`."""

    month: str  # "YYYY-MM"
    amount_e4: int
    id: int | None = None
    category: str | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """A month's revenue target: the whole business's, or one product line's (a product,
    by name, or a category; never both)."""

    month: str  # "YYYY-MM"
    revenue_target_e4: int
    new_customers_target: int | None = None
    product: str | None = None
    category: str | None = None


@dataclass(frozen=True, slots=True)
class MetricTarget:
    """A month's target for one metric id of METRICS.md (`nps` 40), in the metric's unit;
    for the whole business or one product line."""

    month: str  # "YYYY-MM"
    metric: str
    target: float
    product: str | None = None
    category: str | None = None


@dataclass(frozen=True, slots=True)
class Assessment:
    taken_on: str
    answers: tuple[tuple[str, int | None], ...]  # (question id, 0..10 or None)
    id: int | None = None
    note: str | None = None


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


# What caused the issue an action addresses: a cause, never a culprit (the owner field says
# who acts, not who is to blame).
ACTION_CAUSES: tuple[str, ...] = ("product", "process", "policy", "people", "price", "other")
INTERACTION_KINDS: tuple[str, ...] = ("call", "meeting", "email", "visit", "other")


@dataclass(frozen=True, slots=True)
class Action:
    """What will be done about a signal (METRICS.md `actions`). `signal` names where it came
    from ("at_risk", "hot_deal", "slipped_deal", "detractor", "complaint", "scorecard")."""

    title: str
    created_on: str
    id: int | None = None
    customer_id: int | None = None
    deal_id: int | None = None
    survey_id: int | None = None
    ticket_id: int | None = None
    signal: str | None = None
    issue: str | None = None
    cause: str | None = None  # one of ACTION_CAUSES
    owner: str | None = None  # who acts
    due_on: str | None = None
    status: ActionStatus = ActionStatus.OPEN
    outcome: str | None = None
    done_on: str | None = None  # the day it was done or dropped

    def open_on(self, day: str) -> bool:
        """Open as of `day`: created by then and not done/dropped by then (a closed action
        without a date counts as closed all along)."""
        if self.created_on > day:
            return False
        if self.status is ActionStatus.OPEN:
            return True
        return self.done_on is not None and self.done_on > day

    def overdue_on(self, day: str) -> bool:
        """Open as of `day` and due before it (due on `day` itself is not overdue yet)."""
        return self.open_on(day) and self.due_on is not None and self.due_on < day


@dataclass(frozen=True, slots=True)
class Interaction:
    date: str
    id: int | None = None
    customer_id: int | None = None
    deal_id: int | None = None
    kind: str = "other"  # one of INTERACTION_KINDS
    note: str | None = None


@dataclass(frozen=True, slots=True)
class StageChange:
    deal_id: int
    stage: str
    changed_on: str
    from_stage: str | None = None
    id: int | None = None
    note: str | None = None


DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage("Lead", StageKind.OPEN, 10, 1),
    Stage("Qualified", StageKind.OPEN, 25, 2),
    Stage("Proposal", StageKind.OPEN, 50, 3),
    Stage("Negotiation", StageKind.OPEN, 75, 4),
    Stage("Won", StageKind.WON, 100, 5),
    Stage("Lost", StageKind.LOST, 0, 6),
)
NEW_STAGE_PROBABILITY = 10.0

DEFAULT_REASONS: tuple[str, ...] = (
    "Price", "Competitor", "Budget", "Missing feature", "Timing",
    "No decision", "Unresponsive", "Poor fit", "Service", "Other",
)

# Business settings (stored in the database, editable): name -> default value.
DEFAULT_SETTINGS: dict[str, str] = {
    "activity_window_days": "365",
    "deep_discount_pct": "20",
    "repeat_contact_days": "7",
    "nps_recent_days": "180",  # a low NPS older than this no longer flags "at risk"
    "currency_symbol": "$",
    "business_name": "",
    # issue 15: what "renewed" means (period / days / contract; domain/renewal.py), the N
    # days of the "days" rule, and the loyal segment's N quarters in a row
    "renewal_rule": "period",
    "renewal_days": "90",
    "loyal_quarters": "4",
    # issue 17: cost to serve (currency units; "" = not set, then only discounts count)
    "cost_per_contact": "",
    "cost_per_delivery": "",
}
