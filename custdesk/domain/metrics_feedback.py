"""Feedback and service metrics of METRICS.md: NPS, eNPS, CSAT, ticket times, complaints."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
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
    """Every feedback metric for `period` (surveys by date, tickets by opened date): the
    reference sums (`feedback_totals`) turned into values — one definition of each rule,
    which the SQL sums are tested against."""
    return feedback_metrics_from_totals(feedback_totals(tickets, surveys, period, repeat_days))


def _would_refer(surveys: Sequence[Survey]) -> tuple[int, int]:
    """(yes, yes or no) over customer surveys answering would_refer (`would_refer_pct`)."""
    answers = [s.would_refer for s in surveys
               if s.kind == SurveyKind.CUSTOMER and s.would_refer is not None]
    return sum(1 for a in answers if a), len(answers)


@dataclass(frozen=True, slots=True)
class FeedbackTotals:
    """The sums every feedback metric of one period is made of
    (`feedback_metrics_from_totals`). Summed in SQL by `custdesk.storage.queries_feedback`
    (tested equal to `feedback_totals`, the pure-Python reference). Medians and the
    mystery-shop mean keep their values (a median is not a sum)."""

    nps_promoters: int = 0
    nps_detractors: int = 0
    nps_n: int = 0
    enps_promoters: int = 0
    enps_detractors: int = 0
    enps_n: int = 0
    csat_good: int = 0  # answers of 4 or 5, surveys' and tickets' together
    csat_n: int = 0
    first_response_hours: tuple[float, ...] = ()
    resolution_hours: tuple[float, ...] = ()
    repeats: int = 0  # tickets opened (with a time) in the period that are repeat contacts
    opened_with_time: int = 0
    contacts: int = 0  # Σ contacts (blank or 0 counts 1) of tickets resolved in the period
    resolved: int = 0
    complaints: int = 0
    mystery_scores: tuple[float, ...] = ()
    refer_yes: int = 0  # customer surveys answering would_refer yes
    refer_n: int = 0  # ... yes or no


def feedback_totals(tickets: Sequence[Ticket], surveys: Sequence[Survey], period: Period,
                    repeat_days: int) -> FeedbackTotals:
    """The reference sums of one period (METRICS.md's feedback rules, written once):
    surveys by date, tickets by opened date; repeat contacts count only tickets with a real
    opening time, on both sides."""
    in_period = [s for s in surveys if period.contains(day(s.date))]
    opened = [i for i, t in enumerate(tickets) if period.contains(day(ticket_day(t)))]
    opened_at = [i for i in opened if tickets[i].opened_at]
    resolved = [t for t in tickets if period.contains(day(t.resolved_at))]
    repeats = repeat_contacts(tickets, repeat_days)
    csat = [s.csat for s in in_period if s.csat is not None]
    csat += [score for i in opened if (score := tickets[i].csat) is not None]
    first = [hours_between(tickets[i].opened_at, tickets[i].first_response_at) for i in opened]
    done = [hours_between(tickets[i].opened_at, tickets[i].resolved_at) for i in opened]
    nps_ = [s.nps for s in in_period if s.kind == SurveyKind.CUSTOMER and s.nps is not None]
    enps = [s.nps for s in in_period if s.kind == SurveyKind.EMPLOYEE and s.nps is not None]
    return FeedbackTotals(
        sum(1 for x in nps_ if x >= 9), sum(1 for x in nps_ if x <= 6), len(nps_),
        sum(1 for x in enps if x >= 9), sum(1 for x in enps if x <= 6), len(enps),
        sum(1 for c in csat if c >= 4), len(csat),
        tuple(sorted(h for h in first if h is not None)),
        tuple(sorted(h for h in done if h is not None)),
        sum(1 for i in opened_at if i in repeats), len(opened_at),
        sum(t.contacts if t.contacts else 1 for t in resolved), len(resolved),
        sum(1 for i in opened if tickets[i].is_complaint),
        tuple(s.score for s in in_period
              if s.kind == SurveyKind.MYSTERY_SHOP and s.score is not None),
        *_would_refer(in_period))


def _scores(promoters: int, detractors: int, n: int) -> list[int]:
    """Stand-in answers with the same counts (nps() needs only the three counts)."""
    return [10] * promoters + [0] * detractors + [7] * (n - promoters - detractors)


def feedback_metrics_from_totals(t: FeedbackTotals) -> dict[str, MetricValue]:
    """Every feedback metric from its sums: equal to `feedback_metrics`."""
    return {
        "nps": nps(_scores(t.nps_promoters, t.nps_detractors, t.nps_n)),
        "enps": nps(_scores(t.enps_promoters, t.enps_detractors, t.enps_n)),
        "csat_pct": proportion(t.csat_good, t.csat_n),
        "first_response_hours_median": median(t.first_response_hours),
        "resolution_hours_median": median(t.resolution_hours),
        "repeat_contact_rate_pct": proportion(t.repeats, t.opened_with_time),
        # fmean of whole numbers = their exact sum / n (what mean() returns)
        "contacts_per_issue": MetricValue(t.contacts / t.resolved if t.resolved else None,
                                          t.resolved),
        "complaints_count": count(t.complaints),
        "mystery_shop_avg": mean(t.mystery_scores),
        "would_refer_pct": proportion(t.refer_yes, t.refer_n),
    }
