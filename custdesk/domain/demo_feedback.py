"""The demo's support tickets and surveys, each inside its customer's life.

Tickets follow real orders (a delivery, an invoice, a fault a few days after an order);
some customers come back about the same thing within days; the last weeks hold open
tickets, unresolved complaints and a few customers contacting again and again. Customer
surveys follow orders too, and say why the customer would or would not refer us; customers
about to leave answer lower. Employee surveys, mystery shops and a "why do you stay"
questionnaire complete the picture.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from custdesk.domain.demo_common import (
    CustomerLife,
    at_hour,
    end_of,
    pick_lives,
    span_day,
)
from custdesk.domain.records import Survey, SurveyKind, Ticket

TOPICS = ("Delivery", "Billing", "Product fault", "Returns", "Account")
CHANNELS = ("Email", "Phone", "Chat")
BASE_TICKETS = 380
FOLLOW_UPS = 30
OPEN_COMPLAINTS = 4  # unresolved complaints in the last three weeks (at-risk signal)
REPEAT_CHAINS = 3  # customers with 3 contacts on one topic in the last month
CUSTOMER_SURVEYS = 480
RECENT_DETRACTORS = 5  # active customers whose latest answer, lately, is 0–6
REFER_YES = ("Next-day delivery every time", "Sarah sorts out anything we ask",
             "Fair trade prices and no minimum order", "They set up our whole office",
             "Toner always in stock", "Friendly, local and reliable")
REFER_NO = ("Deliveries are often late", "Prices went up twice this year",
            "Hard to reach anyone by phone", "Invoices are confusing",
            "Toner arrived damaged twice", "The online shop keeps logging me out")
REFER_MAYBE = ("Fine, nothing special", "Good, but the online giants are cheaper",
               "Depends on the product", "Only buy paper here")
PRAISE = ("Great service", "Quick delivery", "Very helpful on the phone", None)
COMPLAINTS = ("Late delivery again", "Prices went up", "No reply to my email",
              "Wrong item sent", None)
STAY_REASONS = ("One invoice for everything", "Delivery the next morning",
                "Our account manager knows us", "Good prices on paper and toner",
                "They install the furniture too", "Easy returns", "Local business")
CHOSE_REASONS = ("A friend recommended you", "Next-day delivery", "Best price we found",
                 "One supplier for the whole office", "Friendly service on the phone")
STAFF_REASONS = ("Good team", "Busy in September, too much overtime",
                 "Would like more training", "Flexible hours", "Warehouse is cold", None)
SHOP_NOTES = ("Greeted within a minute", "Long queue at the counter",
              "Knew the product range well", "Price labels missing on desks", None)


def _ticket(rng: random.Random, cid: int, opened: datetime, end: date, topic: str, *,
            complaint: bool, keep_open: bool = False, contacts: int | None = None) -> Ticket:
    """A ticket opened at `opened`: answered and resolved unless that would fall after the
    demo's last day (or `keep_open`), so it stays open."""
    last = end_of(end)
    response: datetime | None = opened + timedelta(minutes=rng.randint(10, 60 * 30))
    resolved: datetime | None = None
    if response is not None and response > last:
        response = None
    if response is not None and not keep_open:
        resolved = response + timedelta(hours=rng.randint(1, 96))
        if resolved > last:
            resolved = None
    low = complaint or keep_open
    return Ticket(
        customer_id=cid, opened_at=opened.isoformat(),
        first_response_at=response.isoformat() if response else None,
        resolved_at=resolved.isoformat() if resolved else None,
        topic=topic, channel=rng.choice(CHANNELS), status="Closed" if resolved else "Open",
        is_complaint=complaint, contacts=contacts or rng.choice((1, 1, 1, 2, 3)),
        csat=(rng.choice((1, 2, 3, 3, 4) if low else (2, 3, 4, 4, 5, 5))
              if resolved and rng.random() < 0.6 else None))


def _last_day(life: CustomerLife, end: date) -> date:
    """The last day a customer can still write to us: the day they said they left."""
    return min(end, life.leaves_on) if life.told_us and life.leaves_on else end


def _orders_since(lives: list[CustomerLife], start: date) -> list[tuple[CustomerLife, date]]:
    return [(life, d) for life in lives for d in life.orders if d >= start]


def make_tickets(rng: random.Random, lives: list[CustomerLife], start: date,
                 end: date) -> list[Ticket]:
    """Tickets after orders, follow-ups on the same topic, and the last weeks' open ones."""
    orders = _orders_since(lives, start)
    tickets: list[Ticket] = []
    while len(tickets) < BASE_TICKETS:
        life, ordered = rng.choice(orders)
        opened = ordered + timedelta(days=rng.randint(1, 20))
        if opened > _last_day(life, end):
            continue
        recent = (end - opened).days < 10
        tickets.append(_ticket(rng, life.id, at_hour(rng, opened), end, rng.choice(TOPICS),
                               complaint=rng.random() < 0.15,
                               keep_open=recent and rng.random() < 0.4))
    for first in rng.sample(tickets, FOLLOW_UPS):  # back about the same thing within days
        opened = datetime.fromisoformat(first.opened_at or "") + timedelta(
            days=rng.randint(1, 6), hours=rng.randint(-3, 3))
        if opened <= end_of(end):
            tickets.append(_ticket(rng, first.customer_id, opened, end, first.topic or "",
                                   complaint=rng.random() < 0.4, contacts=rng.choice((2, 3))))
    chosen: set[int] = set()
    for life in pick_lives(rng, lives, end, OPEN_COMPLAINTS):
        chosen.add(life.id)
        opened_on = end - timedelta(days=rng.randint(2, 20))
        tickets.append(_ticket(rng, life.id, at_hour(rng, opened_on), end,
                               rng.choice(("Delivery", "Product fault", "Billing")),
                               complaint=True, keep_open=True))
    for life in pick_lives(rng, lives, end, REPEAT_CHAINS, exclude=chosen):
        topic = rng.choice(TOPICS)
        opened_on = end - timedelta(days=rng.randint(20, 26))
        for step in range(3):
            if step:
                opened_on += timedelta(days=rng.randint(2, 4))
            tickets.append(_ticket(rng, life.id, at_hour(rng, opened_on), end, topic,
                                   complaint=step == 2, keep_open=step == 2,
                                   contacts=step + 1))
    tickets.sort(key=lambda t: (t.opened_at or "", t.customer_id))
    return [_numbered(t, tid) for tid, t in enumerate(tickets, start=1)]


def _numbered(t: Ticket, tid: int) -> Ticket:
    return Ticket(t.customer_id, tid, f"T{tid:05d}", t.opened_at, t.first_response_at,
                  t.resolved_at, t.topic, t.channel, t.status, t.is_complaint, t.contacts,
                  t.csat)


def _customer_survey(rng: random.Random, life: CustomerLife, answered: date,
                     nps: int | None = None) -> Survey:
    """A customer's answer; customers within months of leaving are unhappier."""
    if nps is None:
        leaving = (life.leaves_on is not None
                   and 0 <= (life.leaves_on - answered).days <= 240)
        nps = min(10, max(0, round(rng.gauss(5.0, 2.0) if leaving else rng.gauss(8.4, 1.7))))
    refer: bool | None
    reasons: tuple[str, ...]
    comments: tuple[str | None, ...]
    if nps >= 9:
        refer = True
        reasons, comments = REFER_YES, PRAISE
    elif nps <= 6:
        refer, reasons, comments = False, REFER_NO, COMPLAINTS
    else:
        refer = rng.choice((True, False, None))
        reasons, comments = REFER_MAYBE, PRAISE
    return Survey(
        date=answered.isoformat(), customer_id=life.id, kind=SurveyKind.CUSTOMER, nps=nps,
        csat=min(5, max(1, round(nps / 2))), would_refer=refer,
        reason=rng.choice(reasons) if rng.random() < 0.75 else None,
        comment=rng.choice(comments))


def make_surveys(rng: random.Random, lives: list[CustomerLife], start: date,
                 end: date) -> list[Survey]:
    """Customer surveys after orders (with recent detractors among active customers),
    employee surveys, mystery shops and a "why do you stay" questionnaire."""
    orders = _orders_since(lives, start)
    surveys: list[Survey] = []
    while len(surveys) < CUSTOMER_SURVEYS:
        life, ordered = rng.choice(orders)
        answered = ordered + timedelta(days=rng.randint(3, 21))
        if answered <= _last_day(life, end):
            surveys.append(_customer_survey(rng, life, answered))
    for life in pick_lives(rng, lives, end, RECENT_DETRACTORS):
        answered = max(life.acquired, end - timedelta(days=rng.randint(3, 90)))
        # their latest answer is this one: drop anything they said after it
        surveys = [s for s in surveys if s.customer_id != life.id or s.date < answered.isoformat()]
        surveys.append(_customer_survey(rng, life, answered, nps=rng.randint(2, 6)))
    for _ in range(60):
        surveys.append(Survey(
            date=span_day(rng, start, end).isoformat(), kind=SurveyKind.EMPLOYEE,
            nps=min(10, max(0, round(rng.gauss(7.9, 1.7)))),
            reason=rng.choice(STAFF_REASONS)))
    for _ in range(16):
        surveys.append(Survey(
            date=span_day(rng, start, end).isoformat(), kind=SurveyKind.MYSTERY_SHOP,
            score=round(min(10, max(0, rng.gauss(7.2, 1.3))), 1),
            comment=rng.choice(SHOP_NOTES)))
    for _ in range(40):
        life, ordered = rng.choice(orders)
        answered = min(_last_day(life, end), ordered + timedelta(days=rng.randint(1, 30)))
        surveys.append(Survey(
            date=answered.isoformat(), customer_id=life.id, kind=SurveyKind.QUESTIONNAIRE,
            score=float(rng.randint(6, 10)), reason=rng.choice(STAY_REASONS),
            question="Why do you stay with us?"))
    # asked of new customers a few days after their first order
    firsts = [(life, life.orders[0]) for life in lives if life.orders and life.orders[0] <= end]
    for life, first in rng.sample(firsts, min(40, len(firsts))):
        answered = min(_last_day(life, end), first + timedelta(days=rng.randint(3, 20)))
        if answered < first:
            continue
        surveys.append(Survey(
            date=answered.isoformat(), customer_id=life.id, kind=SurveyKind.QUESTIONNAIRE,
            reason=rng.choice(CHOSE_REASONS), question="Why did you choose us?"))
    return sorted(surveys, key=lambda s: (s.date, s.kind.value, s.customer_id or 0))
