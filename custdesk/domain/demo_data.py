"""A realistic small business over two years (plus a year of older orders), deterministic
for (seed, end date).

"Harbour Office Supply" sells office products to four customer groups. Customers arrive
through several channels and order at a rhythm that depends on their group; some drift
away (lapse silently), some leave and say why, a few come back after more than a year.
Support tickets, surveys and deals (`demo_feedback`, `demo_deals`) happen only while a
customer exists, and monthly targets follow the revenue actually made. Issue 11 item 11:
every list, signal and chart has something true to show.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from custdesk.domain.demo_common import CustomerLife, span_day
from custdesk.domain.demo_deals import make_deals
from custdesk.domain.demo_extras import add_extras
from custdesk.domain.demo_feedback import make_surveys, make_tickets
from custdesk.domain.demo_work import StepDone, add_work
from custdesk.domain.money import to_e4
from custdesk.domain.periods import add_months, month_key
from custdesk.domain.records import (
    DEFAULT_REASONS,
    Action,
    Assessment,
    Cost,
    Customer,
    Deal,
    Interaction,
    OrderLine,
    Product,
    Spend,
    Survey,
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
FIRST_NAMES = ("Ava", "Ben", "Chloe", "Dan", "Ella", "Finn", "Grace", "Hugo", "Isla", "Jack",
               "Kate", "Liam", "Mia", "Noah", "Olivia", "Paul", "Ruby", "Sam", "Tara", "Will")
LAST_NAMES = ("Brown", "Clark", "Davies", "Evans", "Fisher", "Green", "Hughes", "Jones",
              "King", "Lewis", "Moore", "Patel", "Reid", "Shaw", "Taylor", "Walker", "Wood",
              "Young")
COMPANY_WORDS = ("Harbour", "Summit", "Oak", "Bright", "North", "Cedar", "Blue", "Granite",
                 "Maple", "River", "Falcon", "Willow", "Anchor", "Beacon", "Copper")
COMPANY_KINDS = ("Dental", "Accountants", "Studio", "Builders", "Cafe", "Legal", "Clinic",
                 "Logistics", "Design", "Estates", "Bakery", "Consulting")
WON_BACK_AT_LEAST = 3  # customers guaranteed to pause for over a year and come back
TARGETS_AHEAD = 3  # months of targets after the demo's last month
BASE_MONTHS = 3  # a target is set from the mean of the 3 complete months before it


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
    interactions: list[Interaction] = field(default_factory=list)
    costs: list[Cost] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    onboarding: list[StepDone] = field(default_factory=list)


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    names, weights = zip(*weighted, strict=True)
    return rng.choices(names, weights)[0]


def _months(start: date, end: date) -> list[date]:
    """The first day of every month from start's to end's."""
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = add_months(current, 1)
    return months


def target_base_months(month: date, end: date) -> list[date]:
    """The complete months a month's target is set from: the 3 before the month, or before
    the demo's last month when that is earlier (the sales plan's own baseline months)."""
    reference = min(month, end.replace(day=1))
    return [add_months(reference, -i) for i in range(BASE_MONTHS, 0, -1)]


class _Builder:
    def __init__(self, seed: int, end: date, customers: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.end = end
        self.start = end - timedelta(days=730)
        self.orders_from = self.start - timedelta(days=365)  # the oldest order kept
        self.n_customers = customers
        self.biz = DemoBusiness()
        self.lives: list[CustomerLife] = []
        self.won_back = 0

    def build(self) -> DemoBusiness:
        self.products()
        for cid in range(1, self.n_customers + 1):
            self.customer(cid)
        streams = {name: random.Random(f"{self.seed}:{name}")
                   for name in ("tickets", "surveys", "deals", "plan")}
        self.biz.tickets = make_tickets(streams["tickets"], self.lives, self.start, self.end)
        self.biz.surveys = make_surveys(streams["surveys"], self.lives, self.start, self.end)
        self.biz.deals = make_deals(streams["deals"], self.lives, self.start, self.end)
        self.spend_and_targets(streams["plan"])
        self.assessments()
        add_extras(self.biz, self.seed, self.end)
        self.biz.actions = add_work(self.biz, self.seed, self.end)
        return self.biz

    def products(self) -> None:
        for pid, (name, cat, price, cost, margin) in enumerate(PRODUCTS, start=1):
            self.biz.products.append(Product(
                id=pid, ref=f"P{pid:03d}", name=name, category=cat,
                list_price_e4=to_e4(price), unit_cost_e4=to_e4(cost),
                target_margin_pct=margin))

    def customer(self, cid: int) -> None:
        rng = self.rng
        segment = _pick(rng, tuple((s, v[0]) for s, v in SEGMENTS.items()))
        _share, per_year, lines, churn = SEGMENTS[segment]
        source = _pick(rng, SOURCES)
        # a quarter of the base predates the two years shown; growth is steady after that
        if rng.random() < 0.25:
            acquired = self.start - timedelta(days=rng.randint(30, 700))
        else:
            acquired = span_day(rng, self.start, self.end - timedelta(days=3))
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
        referrer = None
        if source == "referral" and cid > 5:
            referrer = self.biz.customers[rng.randint(0, len(self.biz.customers) - 1)].name
        first_order = max(acquired, self.orders_from)
        life = CustomerLife(cid, acquired, company=company)
        pause = self.pause(first_order)
        if pause is None:  # who leaves, when, and whether they told us why
            years_here = (self.end - acquired).days / 365
            if rng.random() < churn * years_here * 0.8:
                life.leaves_on = span_day(rng, acquired + timedelta(days=60), self.end)
                life.told_us = rng.random() < 0.45
        else:
            life.won_back = True
        told = life.told_us and life.leaves_on is not None
        self.biz.customers.append(Customer(
            id=cid, ref=f"C{cid:04d}", name=f"{first} {last}", company=company,
            email=f"{first}.{last}{cid}@{company.split()[0].lower()}.example".lower(),
            phone=f"+44 20 7946 {cid:04d}", segment=segment, source=source,
            referred_by=referrer, acquired_on=acquired.isoformat(),
            status="lost" if told else None,
            lost_on=life.leaves_on.isoformat() if told and life.leaves_on else None,
            lost_reason=rng.choice(DEFAULT_REASONS[:9]) if told else None,
            country="United Kingdom", city=rng.choice(("London", "Leeds", "Bristol", "York")),
            notes="Came back after a long break" if pause else None,
            created_on=acquired.isoformat()))
        self.orders(life, segment, per_year, lines, first_order, pause)
        self.lives.append(life)

    def pause(self, first_order: date) -> tuple[date, date] | None:
        """A break of well over a year ending inside the last 12 months (won back), for a
        few long-standing customers: (first day without orders, day they come back)."""
        latest_start = self.end - timedelta(days=770)  # lost a year before the last 12 months
        if first_order > latest_start - timedelta(days=40):
            return None
        if self.won_back >= WON_BACK_AT_LEAST and self.rng.random() >= 0.08:
            return None
        self.won_back += 1
        stops = span_day(self.rng, first_order + timedelta(days=40), latest_start)
        return stops, self.end - timedelta(days=self.rng.randint(60, 300))

    def orders(self, life: CustomerLife, segment: str, per_year: int, lines: int,
               current: date, pause: tuple[date, date] | None) -> None:
        rng = self.rng
        stop = life.leaves_on or self.end
        order_no = 0
        while current <= stop:
            if pause and pause[0] <= current < pause[1]:
                current = pause[1]
                continue
            order_no += 1
            life.orders.append(current)
            ref = f"SO-{life.id:04d}-{order_no:03d}"
            for _ in range(max(1, int(rng.gauss(lines, 1)))):
                pid = rng.randint(1, len(PRODUCTS))
                _name, cat, price, cost, _m = PRODUCTS[pid - 1]
                qty = rng.randint(1, 12 if cat in ("Paper", "Printing") else 3)
                discount = rng.choice(
                    (0, 0, 0, 0.05, 0.1, 0.15, 0.25 if segment == "Corporate" else 0))
                unit = to_e4(price)
                self.biz.orders.append(OrderLine(
                    date=current.isoformat(), customer_id=life.id,
                    revenue_e4=round(unit * qty * (1 - discount)), order_ref=ref,
                    product_id=pid, category=cat, quantity=qty, unit_price_e4=unit,
                    discount=discount, cost_e4=to_e4(cost) * qty))
            # regular customers reorder on a rhythm, with some drift either way
            gap = rng.gauss(365 / per_year, 0.3 * 365 / per_year)
            current += timedelta(days=max(7, int(gap)))

    def spend_and_targets(self, rng: random.Random) -> None:
        for month in _months(self.start, self.end):
            for channel, base in (("ads", 1800), ("event", 600), ("web", 400)):
                self.biz.spend.append(Spend(
                    month=month_key(month), channel=channel,
                    amount_e4=to_e4(base + rng.randint(-200, 300))))
        revenue: dict[str, int] = defaultdict(int)
        for line in self.biz.orders:
            revenue[line.date[:7]] += line.revenue_e4
        newcomers: dict[str, int] = defaultdict(int)
        for life in self.lives:
            newcomers[month_key(life.acquired)] += 1
        last_month = self.end.replace(day=1)
        for month in _months(self.start, add_months(last_month, TARGETS_AHEAD)):
            before = [month_key(m) for m in target_base_months(month, self.end)]
            mean_e4 = sum(revenue[k] for k in before) / len(before)
            ahead = max(0, (month.year - last_month.year) * 12 + month.month - last_month.month)
            # the owner aims a little above the recent run rate, a bit higher further out
            stretch = rng.uniform(1.03, 1.15) + 0.03 * ahead
            new_mean = sum(newcomers[k] for k in before) / len(before)
            self.biz.targets.append(Target(
                month=month_key(month),
                revenue_target_e4=to_e4(round(mean_e4 * stretch / 10_000 / 500) * 500),
                new_customers_target=max(3, round(new_mean * rng.uniform(1.0, 1.3)))))

    def assessments(self) -> None:
        rng = self.rng
        for taken, base in ((self.end - timedelta(days=180), 4), (self.end - timedelta(days=7), 6)):
            answers = tuple((q.id, min(10, max(0, base + rng.randint(-2, 2)))) for q in QUESTIONS)
            self.biz.assessments.append(Assessment(taken_on=taken.isoformat(), answers=answers))


def generate_demo(seed: int = 7, end: date | None = None, customers: int = 320) -> DemoBusiness:
    """The demo business for `seed`, with data up to `end` (default: today)."""
    return _Builder(seed, end or date.today(), customers).build()
