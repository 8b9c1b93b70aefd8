"""The demo's records for the fields of issues 14 and 17: each order line's ship-to, ticket
follow-ups, the questionnaires' incentive, what a "Missing feature" was, a log of calls,
meetings, e-mails and visits, and a year of operating costs.

Added to a built business without drawing from its random streams (the interactions and
costs have streams of their own), so every other record stays exactly as it was.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from custdesk.domain.demo_common import span_day
from custdesk.domain.money import to_e4
from custdesk.domain.periods import add_months, month_key
from custdesk.domain.records import Cost, Interaction, SurveyKind, Ticket

if TYPE_CHECKING:
    from custdesk.domain.demo_data import DemoBusiness

REGIONS = {"London": "London", "Leeds": "Yorkshire", "York": "Yorkshire",
           "Bristol": "South West"}
INCENTIVES = ("Prize draw: £50 voucher", "10% off the next order")
FEATURE_DETAILS = ("Online ordering with a manager's approval", "One invoice a month",
                   "Next-day delivery outside the city", "Furniture assembled on site",
                   "A punch-out catalogue for their purchasing system")
FOLLOW_UP_DAYS = 7  # a ticket on the same topic within this many days follows the earlier
COSTS = (("Rent", 2400), ("Wages", 9800), ("Software", 350))  # monthly, in pounds
COST_MONTHS = 12
INTERACTION_KINDS = ("call", "email", "meeting", "visit")
INTERACTION_WEIGHTS = (4, 4, 2, 1)
DEAL_NOTES = ("Sent the quote", "Talked through delivery options", "Showed the range",
              "Chased the purchase order", "Measured up the office", "Agreed the terms")
CHECK_INS = 30  # regular customers with a recent check-in call or visit


def add_extras(biz: DemoBusiness, seed: int, end: date) -> None:
    """Fill the new fields and kinds of `biz` in place."""
    where = {c.id: (c.country, c.city) for c in biz.customers}
    biz.orders = [replace(o, id=i, country=where[o.customer_id][0],
                          city=where[o.customer_id][1],
                          region=o.region or REGIONS.get(where[o.customer_id][1] or ""))
                  for i, o in enumerate(biz.orders, start=1)]
    biz.tickets = _follow_ups(biz.tickets)
    biz.surveys = [replace(s, id=i, incentive=INCENTIVES[int(s.date[5:7]) % 2]
                           if s.kind is SurveyKind.QUESTIONNAIRE else None)
                   for i, s in enumerate(biz.surveys, start=1)]
    biz.deals = [replace(d, reason_detail=FEATURE_DETAILS[(d.id or 0) % len(FEATURE_DETAILS)])
                 if d.lost_reason == "Missing feature" else d for d in biz.deals]
    biz.interactions = _interactions(random.Random(f"{seed}:interactions"), biz, end)
    biz.costs = _costs(random.Random(f"{seed}:costs"), end)


def _follow_ups(tickets: list[Ticket]) -> list[Ticket]:
    """A ticket of the same customer and topic opened within FOLLOW_UP_DAYS after another
    follows it up (tickets come sorted by opening)."""
    last: dict[tuple[int, str | None], Ticket] = {}
    out = []
    for t in tickets:
        key = (t.customer_id, t.topic)
        before = last.get(key)
        if (before is not None and t.opened_at and before.opened_at
                and _days_between(before.opened_at, t.opened_at) <= FOLLOW_UP_DAYS):
            t = replace(t, follow_up_of=before.id)
        out.append(t)
        last[key] = t
    return out


def _days_between(earlier: str, later: str) -> int:
    return (date.fromisoformat(later[:10]) - date.fromisoformat(earlier[:10])).days


def _kind(rng: random.Random) -> str:
    return rng.choices(INTERACTION_KINDS, INTERACTION_WEIGHTS)[0]


def _interactions(rng: random.Random, biz: DemoBusiness, end: date) -> list[Interaction]:
    out = []
    for deal in biz.deals:
        if deal.created_on is None or rng.random() >= 0.5:
            continue
        first = date.fromisoformat(deal.created_on)
        last = min(end, date.fromisoformat(deal.closed_on or deal.last_activity_on
                                           or deal.created_on))
        for _ in range(rng.randint(1, 3)):
            out.append(Interaction(date=span_day(rng, first, max(first, last)).isoformat(),
                                   customer_id=deal.customer_id, deal_id=deal.id,
                                   kind=_kind(rng), note=rng.choice(DEAL_NOTES)))
    recent = sorted({o.customer_id for o in biz.orders
                     if o.date >= (end - timedelta(days=120)).isoformat()})
    for cid in rng.sample(recent, min(CHECK_INS, len(recent))):
        days = [o.date for o in biz.orders if o.customer_id == cid]
        lo = max(date.fromisoformat(min(days)), end - timedelta(days=120))
        hi = date.fromisoformat(max(days))  # a customer still, then
        out.append(Interaction(date=span_day(rng, lo, hi).isoformat(), customer_id=cid,
                               kind=rng.choice(("call", "visit")),
                               note="Check-in: how is everything going?"))
    return sorted(out, key=lambda i: (i.date, i.deal_id or 0, i.customer_id or 0))


def _costs(rng: random.Random, end: date) -> list[Cost]:
    """COST_MONTHS months of operating costs up to the demo's last month, per category."""
    last = end.replace(day=1)
    out = []
    for back in range(COST_MONTHS - 1, -1, -1):
        month = month_key(add_months(last, -back))
        for category, base in COSTS:
            amount = base + rng.randint(-base // 20, base // 20)
            out.append(Cost(month=month, amount_e4=to_e4(amount), category=category))
    return out
