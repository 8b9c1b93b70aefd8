"""Quality of service (issue 14): responsiveness, reliability, repeat issues, assurance.

Responsiveness and repeat contacts are catalogue metrics (METRICS.md). The figures below are
the Why screen's own — not in METRICS.md's catalogue, so `custdesk metrics --explain` does
not list them; the screen carries each one's definition (`QUALITY_FIGURES`) and the tab
shows it as the row's tooltip.

Reliability reads a ticket's topic by its words (`text.name_key`, so "Product-fault" and
"product fault" are one): a topic naming a fault or a delivery problem is a reliability
ticket. A fixed list (no setting yet): it fits the usual topic names (the demo's "Delivery",
"Product fault"; support exports' "Hardware issue", "Delivery problem", "Software bug").
"""

from __future__ import annotations

from dataclasses import dataclass

from custdesk.domain.text import name_key

AFTER_COMPLAINT_DAYS = 30  # assurance: answers within N days after a complaint was resolved

# name_key fragments of a fault or delivery topic
RELIABILITY_WORDS = ("fault", "defect", "broken", "damage", "hardware", "bug", "crash",
                     "notwork", "malfunction", "delivery", "deliver", "shipping",
                     "shipment", "courier", "late", "delay", "missing")


def is_reliability_topic(topic: str | None) -> bool:
    """Whether a ticket topic names a fault or a delivery problem."""
    key = name_key(topic)
    return bool(key) and any(w in key for w in RELIABILITY_WORDS)


@dataclass(frozen=True)
class QualityFigure:
    id: str
    area: str  # responsiveness | reliability | repeat issues | assurance
    label: str
    unit: str  # as MetricInfo: "hours" | "pct" | "count" | "ratio" | "score"
    definition: str


QUALITY_FIGURES: tuple[QualityFigure, ...] = (
    QualityFigure("reliability_tickets", "Reliability", "Fault/delivery tickets", "count",
                  "tickets opened in the period whose topic names a fault or a delivery "
                  "problem (words: " + ", ".join(RELIABILITY_WORDS) + ")"),
    QualityFigure("reliability_per_100_orders", "Reliability",
                  "Fault/delivery tickets per 100 orders", "ratio",
                  "fault/delivery tickets ÷ orders in the period (orders_count) × 100"),
    QualityFigure("reliability_share_pct", "Reliability", "Share of tickets about "
                  "faults/delivery", "pct",
                  "fault/delivery tickets ÷ tickets opened in the period × 100"),
    QualityFigure("follow_up_tickets", "Repeat issues", "Follow-up tickets", "count",
                  "tickets opened in the period linked to an earlier ticket as its follow-up "
                  "(follow_up_of)"),
    QualityFigure("follow_up_share_pct", "Repeat issues", "Follow-ups share", "pct",
                  "follow-up tickets ÷ tickets opened in the period × 100"),
    QualityFigure("csat_after_complaint_pct", "Assurance", "CSAT after a complaint", "pct",
                  f"csat answers of 4 or 5 ÷ csat answers, over the resolved complaints' own "
                  f"csat (resolved in the period) and the customer's surveys dated in the "
                  f"period 0–{AFTER_COMPLAINT_DAYS} days after one of their complaints was "
                  f"resolved"),
    QualityFigure("nps_after_complaint", "Assurance", "NPS after a complaint", "score",
                  f"NPS (9–10 minus 0–6, ÷ answers × 100) over customer surveys dated in the "
                  f"period 0–{AFTER_COMPLAINT_DAYS} days after one of the customer's "
                  f"complaints was resolved"),
)
QUALITY_BY_ID = {f.id: f for f in QUALITY_FIGURES}
