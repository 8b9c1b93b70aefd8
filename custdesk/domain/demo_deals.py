"""The demo's deals: two years of won and lost deals (with reasons and competitors), and an
open pipeline as an owner would find it on the last day — fresh deals worth chasing (hot),
deals nobody has touched for weeks (stale) and deals whose close date passed long ago
(slipped). A deal for an existing customer is never dated before that customer came.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from custdesk.domain.demo_common import CustomerLife, span_day
from custdesk.domain.money import to_e4
from custdesk.domain.records import DEFAULT_REASONS, Deal

# name, list price (a subset of the demo's products, by product id)
DEAL_PRODUCTS = {1: ("A4 Copy Paper (box)", "32.00"), 4: ("Ergonomic Chair", "289.00"),
                 5: ("Standing Desk", "649.00"), 6: ("Filing Cabinet", "219.00"),
                 7: ("Laser Toner XL", "119.00"), 9: ("Label Printer", "179.00"),
                 11: ("Whiteboard Kit", "89.00"), 12: ("Office Setup Service", "450.00")}
COMPANY_WORDS = ("Harbour", "Summit", "Oak", "Bright", "North", "Cedar", "Blue", "Granite")
COMPANY_KINDS = ("Dental", "Accountants", "Studio", "Builders", "Cafe", "Legal", "Clinic")
COMPETITORS = ("OfficeMax Direct", "Staples Pro", "Local Stationers", "Amazon Business")
OWNERS = ("Sarah", "Tom", "Priya")
WIN_REASONS = ("Price", "Delivery speed", "Existing relationship", "Product range",
               "Service")
SOURCES = ("referral", "web", "ads", "event")
OPEN_STAGES = ("Lead", "Qualified", "Proposal", "Negotiation")
CLOSED_DEALS = 222
FRESH_DEALS = 20  # touched in the last weeks, due soon or late-stage: most are hot
STALE_DEALS = 10  # no activity for 30+ days, not yet past their date
SLIPPED_DEALS = 8  # expected close more than 30 days ago, still open
EXISTING_SHARE = 0.35  # deals for an existing customer (more, add-ons); the rest prospects


def _customer(rng: random.Random, lives: list[CustomerLife], created: date,
              until: date) -> CustomerLife | None:
    """An existing customer, there from `created` until `until`, for some deals."""
    if rng.random() >= EXISTING_SHARE:
        return None
    pool = [life for life in lives if life.acquired <= created
            and (life.leaves_on is None or life.leaves_on > until)]
    return rng.choice(pool) if pool else None


def _deal(rng: random.Random, lives: list[CustomerLife], stage: str, created: date,
          expected: date, touched: date, closed: date | None = None,
          reason: str | None = None, competitor: str | None = None) -> Deal:
    life = _customer(rng, lives, created, closed or touched)
    pid = rng.choice(sorted(DEAL_PRODUCTS))
    name, price = DEAL_PRODUCTS[pid]
    company = life.company if life else f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
    list_amount = to_e4(price) * rng.choice((5, 10, 20, 40))
    amount = round(list_amount * (1 - rng.choice((0, 0.05, 0.1, 0.15, 0.2, 0.3))))
    return Deal(
        stage=stage, customer_id=life.id if life else None, title=f"{name} for {company}",
        product_id=pid, amount_e4=amount if rng.random() < 0.93 else None,
        list_amount_e4=list_amount, owner=rng.choice(OWNERS), source=rng.choice(SOURCES),
        created_on=created.isoformat(), expected_close=expected.isoformat(),
        closed_on=closed.isoformat() if closed else None, lost_reason=reason,
        competitor=competitor, last_activity_on=touched.isoformat(),
        next_step=None if closed else rng.choice(("Call back", "Send quote", "Demo")))


def _closed(rng: random.Random, lives: list[CustomerLife], start: date, end: date) -> Deal:
    created = span_day(rng, start, end - timedelta(days=20))
    # the cycle fits before `end` (clamping to `end` piled a dozen deals on the last day)
    closed = created + timedelta(days=rng.randint(10, min(120, (end - created).days)))
    expected = created + timedelta(days=rng.randint(20, 90))
    if rng.random() < 0.42:
        won = _deal(rng, lives, "Won", created, expected, closed, closed)
        return replace(won, win_reason=rng.choice(WIN_REASONS) if rng.random() < 0.8 else None)
    reason = rng.choice(DEFAULT_REASONS) if rng.random() < 0.8 else None
    rival = reason in ("Competitor", "Price") or (reason is None and rng.random() < 0.3)
    return _deal(rng, lives, "Lost", created, expected, closed, closed, reason,
                 rng.choice(COMPETITORS) if rival else None)


def _days(d: date, lo: int, hi: int, rng: random.Random) -> date:
    return d + timedelta(days=rng.randint(lo, hi))


def make_deals(rng: random.Random, lives: list[CustomerLife], start: date,
               end: date) -> list[Deal]:
    deals = [_closed(rng, lives, start, end) for _ in range(CLOSED_DEALS)]
    for _ in range(FRESH_DEALS):
        created = _days(end, -50, -2, rng)
        touched = span_day(rng, max(created, end - timedelta(days=20)), end)
        expected = max(created + timedelta(days=14), _days(end, -20, 60, rng))
        stage = rng.choices(OPEN_STAGES, (2, 3, 3, 2))[0]
        deals.append(_deal(rng, lives, stage, created, expected, touched))
    for _ in range(STALE_DEALS):
        created = _days(end, -200, -60, rng)
        touched = max(created, _days(end, -120, -35, rng))
        expected = _days(end, -25, 45, rng)
        deals.append(_deal(rng, lives, rng.choice(OPEN_STAGES), created, expected, touched))
    for _ in range(SLIPPED_DEALS):
        created = _days(end, -300, -100, rng)
        expected = max(created + timedelta(days=20), _days(end, -150, -35, rng))
        quiet = rng.random() < 0.5  # half are still being chased, half forgotten too
        touched = max(created, _days(end, -120, -40, rng) if quiet else _days(end, -25, 0, rng))
        deals.append(_deal(rng, lives, rng.choice(OPEN_STAGES[1:]), created, expected, touched))
    deals.sort(key=lambda d: (d.created_on or "", d.title or ""))
    return [_numbered(d, did) for did, d in enumerate(deals, start=1)]


def _numbered(d: Deal, did: int) -> Deal:
    # (every other field kept: a positional copy here once dropped the win reasons)
    return replace(d, id=did, ref=f"D{did:04d}")
