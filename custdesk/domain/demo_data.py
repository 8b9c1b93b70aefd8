"""A realistic two-year small business, deterministic for (seed, end date).

"Harbour Office Supply" sells office products to four customer groups. Customers arrive
through several channels, order at a rhythm that depends on their group, some drift away
(lapse) and some leave with a stated reason; deals move through every stage; support
tickets, surveys, spend and monthly targets complete the picture.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from custdesk.domain.money import to_e4
from custdesk.domain.records import (
    DEFAULT_REASONS,
    Assessment,
    Customer,
    Deal,
    OrderLine,
    Product,
    Spend,
    Survey,
    SurveyKind,
    Target,
    Ticket,
)
from custdesk.domain.scorecard import QUESTIONS

DEMO_BUSINESS_NAME = "Harbour Office Supply"
SEGMENTS = {  # name: (share, orders per year, lines per order, churn chance per year)
    "Retail": (0.40, 4, 2, 0.30),
    "Trade": (0.25, 10, 4, 0.15),
    "Online": (0.20, 3, 2, 0.40),
    "Corporate": (0.15, 8, 6, 0.10),
}
SOURCES = (("referral", 0.25), ("web", 0.35), ("ads", 0.25), ("event", 0.15))
PRODUCTS = (  # name, category, list price, unit cost, target margin %
    ("A4 Copy Paper (box)", "Paper", "32.00", "21.50", 35),
    ("Premium Letterhead", "Paper", "58.00", "31.00", 45),
    ("Recycled Notebooks (10)", "Paper", "24.00", "12.80", 45),
    ("Ergonomic Chair", "Furniture", "289.00", "205.00", 30),
    ("Standing Desk", "Furniture", "649.00", "470.00", 28),
    ("Filing Cabinet", "Furniture", "219.00", "168.00", 25),
    ("Laser Toner XL", "Printing", "119.00", "71.00", 40),
    ("Colour Ink Pack", "Printing", "64.00", "30.00", 50),
    ("Label Printer", "Printing", "179.00", "126.00", 30),
    ("Desk Organiser Set", "Accessories", "39.00", "17.00", 55),
    ("Whiteboard Kit", "Accessories", "89.00", "52.00", 40),
    ("Office Setup Service", "Services", "450.00", "180.00", 60),
)
FIRST_NAMES = (
    "Ava",
    "Ben",
    "Chloe",
    "Dan",
    "Ella",
    "Finn",
    "Grace",
    "Hugo",
    "Isla",
    "Jack",
    "Kate",
    "Liam",
    "Mia",
    "Noah",
    "Olivia",
    "Paul",
    "Ruby",
    "Sam",
    "Tara",
    "Will",
)
LAST_NAMES = (
    "Brown",
    "Clark",
    "Davies",
    "Evans",
    "Fisher",
    "Green",
    "Hughes",
    "Jones",
    "King",
    "Lewis",
    "Moore",
    "Patel",
    "Reid",
    "Shaw",
    "Taylor",
    "Walker",
    "Wood",
    "Young",
)
COMPANY_WORDS = (
    "Harbour",
    "Summit",
    "Oak",
    "Bright",
    "North",
    "Cedar",
    "Blue",
    "Granite",
    "Maple",
    "River",
    "Falcon",
    "Willow",
    "Anchor",
    "Beacon",
    "Copper",
)
COMPANY_KINDS = (
    "Dental",
    "Accountants",
    "Studio",
    "Builders",
    "Cafe",
    "Legal",
    "Clinic",
    "Logistics",
    "Design",
    "Estates",
    "Bakery",
    "Consulting",
)
COMPETITORS = ("OfficeMax Direct", "Staples Pro", "Local Stationers", "Amazon Business")
OWNERS = ("Sarah", "Tom", "Priya")
STAGE_FLOW = ("Lead", "Qualified", "Proposal", "Negotiation")
TOPICS = ("Delivery", "Billing", "Product fault", "Returns", "Account")
CHANNELS = ("Email", "Phone", "Chat")


@dataclass
class DemoBusiness:
    customers: list[Customer] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    orders: list[OrderLine] = field(default_factory=list)
    deals: list[Deal] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    surveys: list[Survey] = field(default_factory=list)
    spend: list[Spend] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    names, weights = zip(*weighted, strict=True)
    return rng.choices(names, weights)[0]


def _months(start: date, end: date) -> list[date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


class _Builder:
    def __init__(self, seed: int, end: date, customers: int) -> None:
        self.rng = random.Random(seed)
        self.followup_rng = random.Random(seed * 31 + 1)  # own stream: adding it moved nothing else
        self.end = end
        self.start = end - timedelta(days=730)
        self.n_customers = customers
        self.biz = DemoBusiness()

    def day(self, lo: date, hi: date) -> date:
        span = max(0, (hi - lo).days)
        return lo + timedelta(days=self.rng.randint(0, span))

    def build(self) -> DemoBusiness:
        self.products()
        for cid in range(1, self.n_customers + 1):
            self.customer(cid)
        self.deals()
        self.feedback()
        self.spend_and_targets()
        self.assessments()
        return self.biz

    def products(self) -> None:
        for pid, (name, cat, price, cost, margin) in enumerate(PRODUCTS, start=1):
            self.biz.products.append(
                Product(
                    id=pid,
                    ref=f"P{pid:03d}",
                    name=name,
                    category=cat,
                    list_price_e4=to_e4(price),
                    unit_cost_e4=to_e4(cost),
                    target_margin_pct=margin,
                )
            )

    def customer(self, cid: int) -> None:
        rng = self.rng
        segment = _pick(rng, tuple((s, v[0]) for s, v in SEGMENTS.items()))
        _share, per_year, lines, churn = SEGMENTS[segment]
        source = _pick(rng, SOURCES)
        # a quarter of the base predates the two years shown; growth is steady after that
        if rng.random() < 0.25:
            acquired = self.start - timedelta(days=rng.randint(30, 700))
        else:
            acquired = self.day(self.start, self.end - timedelta(days=3))
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
        referrer = None
        if source == "referral" and cid > 5:
            referrer = self.biz.customers[rng.randint(0, len(self.biz.customers) - 1)].name
        # who leaves, when, and whether they told us why
        leaves_on = None
        years_here = (self.end - acquired).days / 365
        if rng.random() < churn * years_here * 0.8:
            leaves_on = self.day(acquired + timedelta(days=60), self.end)
        told_us = leaves_on is not None and rng.random() < 0.45
        self.biz.customers.append(
            Customer(
                id=cid,
                ref=f"C{cid:04d}",
                name=f"{first} {last}",
                company=company,
                email=f"{first}.{last}{cid}@{company.split()[0].lower()}.example".lower(),
                phone=f"+44 20 7946 {cid:04d}",
                segment=segment,
                source=source,
                referred_by=referrer,
                acquired_on=acquired.isoformat(),
                status="lost" if told_us else None,
                lost_on=leaves_on.isoformat() if told_us and leaves_on else None,
                lost_reason=rng.choice(DEFAULT_REASONS[:9]) if told_us else None,
                country="United Kingdom",
                city=rng.choice(("London", "Leeds", "Bristol", "York")),
                created_on=acquired.isoformat(),
            )
        )
        self.orders(cid, segment, per_year, lines, acquired, leaves_on)

    def orders(
        self,
        cid: int,
        segment: str,
        per_year: int,
        lines: int,
        acquired: date,
        leaves_on: date | None,
    ) -> None:
        rng = self.rng
        stop = leaves_on or self.end
        current = max(acquired, self.start - timedelta(days=365))
        order_no = 0
        while current <= stop:
            order_no += 1
            ref = f"SO-{cid:04d}-{order_no:03d}"
            for _ in range(max(1, int(rng.gauss(lines, 1)))):
                pid = rng.randint(1, len(PRODUCTS))
                name, cat, price, cost, _m = PRODUCTS[pid - 1]
                qty = rng.randint(1, 12 if cat in ("Paper", "Printing") else 3)
                discount = rng.choice(
                    (0, 0, 0, 0.05, 0.1, 0.15, 0.25 if segment == "Corporate" else 0)
                )
                unit = to_e4(price)
                revenue = round(unit * qty * (1 - discount))
                self.biz.orders.append(
                    OrderLine(
                        date=current.isoformat(),
                        customer_id=cid,
                        revenue_e4=revenue,
                        order_ref=ref,
                        product_id=pid,
                        category=cat,
                        quantity=qty,
                        unit_price_e4=unit,
                        discount=discount,
                        cost_e4=to_e4(cost) * qty,
                    )
                )
            # regular customers reorder on a rhythm, with some drift either way
            gap = rng.gauss(365 / per_year, 0.3 * 365 / per_year)
            current += timedelta(days=max(7, int(gap)))

    def deals(self) -> None:
        rng = self.rng
        for did in range(1, 261):
            created = self.day(self.start, self.end - timedelta(days=2))
            age = (self.end - created).days
            customer_id = rng.randint(1, self.n_customers) if rng.random() < 0.35 else None
            pid = rng.randint(1, len(PRODUCTS))
            list_amount = to_e4(PRODUCTS[pid - 1][2]) * rng.choice((5, 10, 20, 40))
            amount = round(list_amount * (1 - rng.choice((0, 0.05, 0.1, 0.15, 0.2, 0.3))))
            stage, closed, reason, competitor = "Lead", None, None, None
            if age > 45 and rng.random() < 0.85:
                closed = created + timedelta(days=rng.randint(10, min(age, 120)))
                if rng.random() < 0.42:
                    stage = "Won"
                else:
                    stage = "Lost"
                    reason = rng.choice(DEFAULT_REASONS) if rng.random() < 0.8 else None
                    competitor = (
                        rng.choice(COMPETITORS) if reason in ("Competitor", "Price") else None
                    )
            else:
                stage = rng.choice(STAGE_FLOW)
            last_activity = self.day(created, closed or self.end)
            self.biz.deals.append(
                Deal(
                    id=did,
                    ref=f"D{did:04d}",
                    customer_id=customer_id,
                    stage=stage,
                    title=f"{PRODUCTS[pid - 1][0]} for "
                    f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}",
                    product_id=pid,
                    amount_e4=amount if rng.random() < 0.93 else None,
                    list_amount_e4=list_amount,
                    owner=rng.choice(OWNERS),
                    source=_pick(rng, SOURCES),
                    created_on=created.isoformat(),
                    expected_close=(created + timedelta(days=rng.randint(20, 90))).isoformat(),
                    closed_on=closed.isoformat() if closed else None,
                    lost_reason=reason,
                    competitor=competitor,
                    last_activity_on=last_activity.isoformat(),
                    next_step=None if closed else rng.choice(("Call back", "Send quote", "Demo")),
                )
            )

    def feedback(self) -> None:
        rng = self.rng
        for tid in range(1, 401):
            opened = datetime.combine(self.day(self.start, self.end), time(rng.randint(8, 17)))
            first_response = opened + timedelta(minutes=rng.randint(10, 60 * 30))
            resolved = first_response + timedelta(hours=rng.randint(1, 96))
            done = resolved.date() < self.end or rng.random() < 0.5
            self.biz.tickets.append(
                Ticket(
                    id=tid,
                    ref=f"T{tid:05d}",
                    customer_id=rng.randint(1, self.n_customers),
                    opened_at=opened.isoformat(),
                    first_response_at=first_response.isoformat(),
                    resolved_at=resolved.isoformat() if done else None,
                    topic=rng.choice(TOPICS),
                    channel=rng.choice(CHANNELS),
                    status="Closed" if done else "Open",
                    is_complaint=rng.random() < 0.15,
                    contacts=rng.choice((1, 1, 1, 2, 3)),
                    csat=rng.choice((2, 3, 4, 4, 5, 5)) if done and rng.random() < 0.6 else None,
                )
            )
        self.follow_up_tickets()
        for _ in range(500):
            nps = min(10, max(0, round(rng.gauss(8.4, 1.9))))
            self.biz.surveys.append(
                Survey(
                    date=self.day(self.start, self.end).isoformat(),
                    customer_id=rng.randint(1, self.n_customers),
                    kind=SurveyKind.CUSTOMER,
                    nps=nps,
                    csat=min(5, max(1, round(nps / 2))),
                    would_refer=nps >= 9,
                    comment=rng.choice(
                        ("Late delivery again", "Prices went up", "No reply to my email")
                    )
                    if nps <= 6
                    else rng.choice(("Great service", "Quick delivery", None)),
                )
            )
        for _ in range(60):
            self.biz.surveys.append(
                Survey(
                    date=self.day(self.start, self.end).isoformat(),
                    kind=SurveyKind.EMPLOYEE,
                    nps=min(10, max(0, round(rng.gauss(7.9, 1.7)))),
                )
            )
        for _ in range(16):
            self.biz.surveys.append(
                Survey(
                    date=self.day(self.start, self.end).isoformat(),
                    kind=SurveyKind.MYSTERY_SHOP,
                    score=round(min(10, max(0, rng.gauss(7.2, 1.3))), 1),
                )
            )

    def follow_up_tickets(self) -> None:
        """Some customers come back about the same thing within days (repeat contacts)."""
        rng = self.followup_rng
        originals = list(self.biz.tickets)
        for tid, first in enumerate(rng.sample(originals, 30), start=len(originals) + 1):
            opened = datetime.fromisoformat(first.opened_at or "") + timedelta(
                days=rng.randint(1, 6)
            )
            if opened.date() > self.end:
                continue
            response = opened + timedelta(minutes=rng.randint(10, 600))
            self.biz.tickets.append(
                Ticket(
                    id=tid,
                    ref=f"T{tid:05d}",
                    customer_id=first.customer_id,
                    opened_at=opened.isoformat(),
                    first_response_at=response.isoformat(),
                    resolved_at=(response + timedelta(hours=rng.randint(1, 48))).isoformat(),
                    topic=first.topic,
                    channel=rng.choice(CHANNELS),
                    status="Closed",
                    is_complaint=rng.random() < 0.4,
                    contacts=rng.choice((2, 3)),
                    csat=rng.choice((1, 2, 3, 4)),
                )
            )

    def spend_and_targets(self) -> None:
        rng = self.rng
        for month in _months(self.start, self.end):
            for channel, base in (("ads", 1800), ("events", 600), ("web", 400)):
                self.biz.spend.append(
                    Spend(
                        month=month.strftime("%Y-%m"),
                        channel=channel,
                        amount_e4=to_e4(base + rng.randint(-200, 300)),
                    )
                )
        for month in _months(self.start, self.end + timedelta(days=95)):
            grow = 1 + 0.02 * ((month - self.start).days // 30)
            self.biz.targets.append(
                Target(
                    month=month.strftime("%Y-%m"),
                    revenue_target_e4=to_e4(round(42000 * grow)),
                    new_customers_target=12,
                )
            )

    def assessments(self) -> None:
        rng = self.rng
        for taken, base in ((self.end - timedelta(days=180), 4), (self.end - timedelta(days=7), 6)):
            answers = tuple((q.id, min(10, max(0, base + rng.randint(-2, 2)))) for q in QUESTIONS)
            self.biz.assessments.append(Assessment(taken_on=taken.isoformat(), answers=answers))


def generate_demo(seed: int = 7, end: date | None = None, customers: int = 320) -> DemoBusiness:
    """The demo business for `seed`, with data up to `end` (default: today)."""
    return _Builder(seed, end or date.today(), customers).build()
