"""What the Feedback tab needs beyond `metrics_service`: support tickets by topic or channel.

Each group's figures are the catalogue's feedback metrics (`domain.metrics_feedback`) over
that group's tickets, so they follow METRICS.md exactly. Repeat contacts are counted within a
topic by definition (same customer and topic), so the topic split keeps them exact; a
channel split would miss repeats that changed channel, so channel rows leave them out.
"""

from __future__ import annotations

from dataclasses import dataclass

from custdesk.domain.metrics_feedback import FeedbackTotals, feedback_metrics_from_totals
from custdesk.domain.periods import Period
from custdesk.services.metrics_service import load_settings
from custdesk.storage import queries_feedback as qf
from custdesk.storage.database import Store

NONE_GROUP = "(none)"
TICKET_GROUPS = ("topic", "channel")


@dataclass(frozen=True, slots=True)
class TicketGroup:
    """Support figures of one topic or channel for the period (None = cannot be computed)."""

    name: str
    tickets: int  # opened in the period
    complaints: int
    first_response_hours: float | None  # median
    resolution_hours: float | None  # median
    csat_pct: float | None  # tickets' own CSAT answers
    repeat_contact_pct: float | None  # topic rows only


def tickets_by(store: Store, period: Period, by: str) -> list[TicketGroup]:
    """Tickets opened in the period grouped by "topic" or "channel", most tickets first.

    Summed in SQL (`queries_feedback.ticket_group_totals`: each group's figures are
    `feedback_metrics` over that group's tickets alone — earlier tickets stay in their
    group, since a repeat contact looks back before `from`; tested equal)."""
    if by not in TICKET_GROUPS:
        raise ValueError(f"cannot group tickets by {by!r}; choose topic or channel")
    repeat_days = load_settings(store).repeat_contact_days
    # channel rows show no repeat rate: their repeat window is not run
    return _rows(qf.ticket_group_totals(store, period, repeat_days, by,
                                        repeats=by == "topic"), by)


def tickets_by_topic_and_channel(store: Store, period: Period) -> dict[str, list[TicketGroup]]:
    """{"topic": tickets_by(topic), "channel": tickets_by(channel)} from one pass over the
    tickets (`queries_feedback.topic_and_channel_totals`, tested equal)."""
    repeat_days = load_settings(store).repeat_contact_days
    return {by: _rows(totals, by) for by, totals in
            qf.topic_and_channel_totals(store, period, repeat_days).items()}


def screen_tickets(store: Store, period: Period) -> dict[str, list[TicketGroup]]:
    """`tickets_by_topic_and_channel` for the Feedback screen, each topic's and channel's
    sums and hours gathered in SQL (`queries_feedback.topic_and_channel_sums`, tested
    equal): a row per group, not per ticket."""
    repeat_days = load_settings(store).repeat_contact_days
    return {by: _rows(totals, by) for by, totals in
            qf.topic_and_channel_sums(store, period, repeat_days).items()}


def period_sums(store: Store, period: Period) -> dict[tuple[str, str], FeedbackTotals]:
    """The feedback sums of the period ("") and its prior ("prior") by segment and for the
    file ("" group): what `metrics_service.feedback_report` reads, kept per period
    (`queries_feedback.segment_sums`), so a screen can have them summed while something
    else runs beside."""
    return qf.feedback_totals(store, [("", period), ("prior", period.prior())],
                              load_settings(store).repeat_contact_days, by="segment+total")


def _rows(groups: dict[str, tuple[int, FeedbackTotals]], by: str) -> list[TicketGroup]:
    """The groups with a ticket opened in the period, most tickets first."""
    out = []
    for name, (opened, totals) in groups.items():
        if not opened:
            continue
        m = feedback_metrics_from_totals(totals)
        out.append(TicketGroup(
            name, opened, int(m["complaints_count"].value or 0),
            m["first_response_hours_median"].value, m["resolution_hours_median"].value,
            m["csat_pct"].value,
            m["repeat_contact_rate_pct"].value if by == "topic" else None))
    return sorted(out, key=lambda g: (-g.tickets, g.name))
