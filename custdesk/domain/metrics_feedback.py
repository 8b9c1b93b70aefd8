"""Feedback and service metrics of METRICS.md: NPS, eNPS, CSAT, ticket times, complaints."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from custdesk.domain.metric_values import MetricValue, count, mean, median, nps, proportion
from custdesk.domain.periods import Period, day
from custdesk.domain.records import Survey, SurveyKind, Ticket
from custdesk.domain.text import name_key


def ticket_day(t: Ticket) -> str | None:
    """The ticket's date: opened, else first response, else resolved (some exports lack
    an opened timestamp)."""
    return t.opened_at or t.first_response_at or t.resolved_at


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text if "T" in text or " " in text else text + "T00:00:00")


def hours_between(start: str | None, stop: str | None) -> float | None:
    if not start or not stop:
        return None
    return (_moment(stop) - _moment(start)).total_seconds() / 3600


def repeat_contacts(tickets: Sequence[Ticket], window_days: int) -> set[int]:
    """Indexes of tickets opened within `window_days` after an earlier ticket of the same
    customer and topic. Tickets without a topic are never repeats, and tickets without an
    opening time are left out (a first response is not when the customer came back)."""
    groups: dict[tuple[int, str], list[tuple[datetime, int]]] = defaultdict(list)
    for i, t in enumerate(tickets):
        opened = t.opened_at
        if opened and name_key(t.topic):
            groups[(t.customer_id, name_key(t.topic))].append((_moment(opened), i))
    repeats: set[int] = set()
    for items in groups.values():
        items.sort()
        for (prev, _), (cur, i) in zip(items, items[1:], strict=False):
            if (cur - prev).total_seconds() <= window_days * 86_400:
                repeats.add(i)
    return repeats


def feedback_metrics(tickets: Sequence[Ticket], surveys: Sequence[Survey], period: Period,
                     repeat_days: int) -> dict[str, MetricValue]:
    """Every feedback metric for `period` (surveys by date, tickets by opened date)."""
    in_period = [s for s in surveys if period.contains(day(s.date))]
    opened = [i for i, t in enumerate(tickets) if period.contains(day(ticket_day(t)))]
    # repeat contacts count only tickets with a real opening time, on both sides
    opened_at = [i for i in opened if tickets[i].opened_at]
    resolved = [t for t in tickets if period.contains(day(t.resolved_at))]
    repeats = repeat_contacts(tickets, repeat_days)
    csat = [s.csat for s in in_period if s.csat is not None]
    csat += [score for i in opened if (score := tickets[i].csat) is not None]
    first = [hours_between(tickets[i].opened_at, tickets[i].first_response_at) for i in opened]
    done = [hours_between(tickets[i].opened_at, tickets[i].resolved_at) for i in opened]
    return {
        "nps": nps(s.nps for s in in_period if s.kind == SurveyKind.CUSTOMER),
        "enps": nps(s.nps for s in in_period if s.kind == SurveyKind.EMPLOYEE),
        "csat_pct": proportion(sum(1 for c in csat if c >= 4), len(csat)),
        "first_response_hours_median": median(h for h in first if h is not None),
        "resolution_hours_median": median(h for h in done if h is not None),
        "repeat_contact_rate_pct": proportion(sum(1 for i in opened_at if i in repeats),
                                              len(opened_at)),
        "contacts_per_issue": mean(t.contacts if t.contacts else 1 for t in resolved),
        "complaints_count": count(sum(1 for i in opened if tickets[i].is_complaint)),
        "mystery_shop_avg": mean(s.score for s in in_period
                                 if s.kind == SurveyKind.MYSTERY_SHOP and s.score is not None),
    }
