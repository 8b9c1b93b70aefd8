"""The demo owner's work in progress: deliveries of the order lines, the deals that need the
owner, next steps with dates, and the actions already planned for detractors, complaints and
big deals — so the demo's Today, board, onboarding and Actions show what they are for.

Drawn from a stream of its own (`{seed}:work`), after every other record exists, so the
records the other demo modules made stay exactly as they were (only the new fields change).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from custdesk.domain.records import Action, ActionStatus, Deal, OrderLine, Survey, SurveyKind

if TYPE_CHECKING:
    from custdesk.domain.demo_data import DemoBusiness

OPEN_STAGES = ("Lead", "Qualified", "Proposal", "Negotiation")
LATE_DELIVERY_SHARE = 0.04  # recent lines still on their way after more than a week
NEEDS_ME = 4  # the biggest open deals at Proposal/Negotiation the owner handles in person
SPECIAL_TERMS = ("Net 60 payment terms", "Price held for 12 months")
RESCUES = 6  # the newest detractors the owner has already planned to call
DONE_RESCUES = 2  # of those, already called back (the others are open)
ONBOARDED_DAYS = 200  # a little beyond the onboarding track's 180 days
# (step, done between lo and hi days after the first order, share of customers ticked)
OWNER_STEPS = (("set up", 3, 16, 0.85), ("first check-in", 20, 35, 0.8))


@dataclass(frozen=True, slots=True)
class StepDone:
    """An onboarding step the owner ticked (`onboarding_steps`)."""

    customer_id: int
    step: str
    done_on: str


@dataclass(frozen=True, slots=True)
class OwnerNotes:
    """One of each record the owner keeps in the app besides actions and onboarding steps
    (m005), so the demo — and its full export's round trip — holds every kind. Ids are the
    demo's; the scorecard follow-up names its action by title."""

    snooze: tuple[int, str, str, str]  # (customer id, until, note, set on)
    followup: tuple[int, str, str, str | None]  # (customer id, state, changed on, note)
    case: tuple[int, float, int, float, int, str]  # (product id, volume, price e4,
    # margin %, investment e4, start on)
    review: dict[str, str]  # strategic_reviews' columns
    scorecard: tuple[str, int, str]  # (question id, target score, action title)


def owner_notes(orders: list[OrderLine], actions: list[Action]) -> OwnerNotes:
    """Deterministic picks from the demo's own records, as of its last order day: the
    regular customer who has gone quiet longest (3+ orders, last one 90-200 days ago) is
    snoozed a month; the first detractor already called back is resolved; the best-selling
    product has a business case from a year ago; a strategic review two months ago; the
    scorecard's first question has a target above its score (6 in the demo), followed up by
    the first meeting action."""
    end = max(date.fromisoformat(o.date) for o in orders)
    last: dict[int, date] = {}
    count: dict[int, int] = {}
    sold: dict[int, int] = {}
    for o in orders:
        day = date.fromisoformat(o.date)
        last[o.customer_id] = max(last.get(o.customer_id, day), day)
        count[o.customer_id] = count.get(o.customer_id, 0) + 1
        if o.product_id is not None:
            sold[o.product_id] = sold.get(o.product_id, 0) + o.revenue_e4
    quiet = sorted((cid for cid, day in last.items()
                    if count[cid] >= 3 and 90 <= (end - day).days <= 200),
                   key=lambda cid: (last[cid], cid))
    snoozed = quiet[0] if quiet else min(last)
    rescued = next(a for a in actions if a.signal == "detractor"
                   and a.status is ActionStatus.DONE)
    product = max(sorted(sold), key=lambda pid: sold[pid])
    meeting = next(a for a in actions if a.signal == "hot_deal")
    reviewed = end - timedelta(days=60)
    return OwnerNotes(
        snooze=(snoozed, (end + timedelta(days=30)).isoformat(),
                "Away until next month; they asked us to call then", end.isoformat()),
        followup=(rescued.customer_id or 0, "resolved", rescued.done_on or end.isoformat(),
                  rescued.outcome),
        case=(product, 40.0, 250_000, 35.0, 20_000_000,
              (end - timedelta(days=365)).isoformat()),
        review={"reviewed_on": reviewed.isoformat(),
                "market": "Small offices are buying again after a slow spring",
                "services": "Installation is asked for more than we offer",
                "customer_needs": "Faster delivery; one invoice a month",
                "external": "Courier prices up 8% from January",
                "competition": "A new online shop undercuts us on paper",
                "decisions": "Offer installation; review courier contracts",
                "created_at": f"{reviewed.isoformat()}T17:30:00"},
        scorecard=("new_business", 8, meeting.title))


def add_work(biz: DemoBusiness, seed: int, end: date) -> list[Action]:
    """Fill deliveries, deal follow-up fields and onboarding steps of `biz` in place; return
    its actions."""
    rng = random.Random(f"{seed}:work")
    biz.orders = [_delivered(rng, o, end) for o in biz.orders]
    biz.deals = _follow_up_deals(rng, biz.deals, end)
    biz.onboarding = _onboarding(rng, biz.orders, end)
    return _actions(biz, end)


def _onboarding(rng: random.Random, orders: list[OrderLine], end: date) -> list[StepDone]:
    """(customer, step, done on) for the steps only the owner can tick — set up and the first
    check-in — for most customers whose first order is in the last ONBOARDED_DAYS days."""
    first: dict[int, date] = {}
    for o in orders:
        day = date.fromisoformat(o.date)
        if o.customer_id not in first or day < first[o.customer_id]:
            first[o.customer_id] = day
    out = []
    for cid, day in sorted(first.items()):
        if (end - day).days > ONBOARDED_DAYS:
            continue
        for step, lo, hi, share in OWNER_STEPS:
            done = day + timedelta(days=rng.randint(lo, hi))
            if done <= end and rng.random() < share:
                out.append(StepDone(cid, step, done.isoformat()))
    return out


def _delivered(rng: random.Random, line: OrderLine, end: date) -> OrderLine:
    ordered = date.fromisoformat(line.date)
    shipped = ordered + timedelta(days=rng.choice((0, 1, 1, 2)))
    delivered = shipped + timedelta(days=rng.randint(1, 4))
    late = (end - ordered).days <= 30 and rng.random() < LATE_DELIVERY_SHARE
    if late or shipped > end:
        return replace(line, status="ordered" if shipped > end else "shipped",
                       shipped_on=None if shipped > end else shipped.isoformat())
    if delivered > end:
        return replace(line, status="shipped", shipped_on=shipped.isoformat())
    return replace(line, status="delivered", shipped_on=shipped.isoformat(),
                   delivered_on=delivered.isoformat())


def _follow_up_deals(rng: random.Random, deals: list[Deal], end: date) -> list[Deal]:
    open_deals = [d for d in deals if d.stage in OPEN_STAGES]
    big = sorted((d for d in open_deals if d.stage in ("Proposal", "Negotiation")),
                 key=lambda d: (-(d.amount_e4 or 0), d.id or 0))
    needs_me = {d.id for d in big[:NEEDS_ME]}
    terms = {d.id: text for d, text in zip(big[:len(SPECIAL_TERMS)], SPECIAL_TERMS,
                                           strict=False)}
    out = []
    for d in deals:
        if d.stage in OPEN_STAGES:
            # a dated next step on most open deals; a few are already late
            due = end + timedelta(days=rng.randint(-6, 14)) if rng.random() < 0.8 else None
            d = replace(d, next_step=d.next_step or "Follow up on the quote",
                        next_step_on=due.isoformat() if due else None,
                        needs_me=True if d.id in needs_me else None,
                        special_terms=terms.get(d.id))
        out.append(d)
    return out


def _actions(biz: DemoBusiness, end: date) -> list[Action]:
    """Rescue calls for the newest detractors (some done), and one action per deal that
    needs the owner — created after their signal, due around the demo's last day."""
    names = {c.id: c.name for c in biz.customers}
    detractors = sorted((s for s in biz.surveys if _detractor(s, end)),
                        key=lambda s: (s.date, s.id or 0), reverse=True)
    out: list[Action] = []
    seen: set[int] = set()
    for s in detractors:
        if s.customer_id is None or s.customer_id in seen:
            continue
        seen.add(s.customer_id)
        answered = date.fromisoformat(s.date)
        created = min(end, answered + timedelta(days=1))
        done = len(out) < DONE_RESCUES
        # the open calls fall due this week (the first a day late); done ones had a week
        due = created + timedelta(days=7) if done else max(
            created, end + timedelta(days=len(out) - DONE_RESCUES - 1))
        out.append(Action(
            title=f"Call {names.get(s.customer_id, 'the customer')} back about their answer",
            created_on=created.isoformat(),
            customer_id=s.customer_id, survey_id=s.id, signal="detractor",
            issue=f"NPS {s.nps}" + (f": {s.comment}" if s.comment else ""),
            cause="process", owner="Owner", due_on=due.isoformat(),
            status=ActionStatus.DONE if done else ActionStatus.OPEN,
            outcome="Apologised and sent a voucher; they will order again" if done else None,
            done_on=min(end, created + timedelta(days=2)).isoformat() if done else None))
        if len(out) == RESCUES:
            break
    for d in biz.deals:
        if d.needs_me and d.created_on:
            out.append(Action(
                title=f"Meet the decision maker: {d.title or 'deal'}",
                created_on=min(end, date.fromisoformat(d.created_on)
                               + timedelta(days=2)).isoformat(),
                customer_id=d.customer_id, deal_id=d.id, signal="hot_deal",
                issue="A big deal at the last stages", cause="other", owner="Owner",
                due_on=(end + timedelta(days=3)).isoformat()))
    return out


def _detractor(s: Survey, end: date) -> bool:
    recent = (end - date.fromisoformat(s.date)).days <= 60
    return s.kind is SurveyKind.CUSTOMER and s.nps is not None and s.nps <= 6 and recent
