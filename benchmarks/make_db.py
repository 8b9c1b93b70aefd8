"""A realistic big business file of every record kind, for measuring (issue 18).

    python -m benchmarks.make_db --customers 100000 --lines 1000000 --deals 100000 \
        --tickets 200000 --surveys 50000 --db /tmp/big.db

Deterministic (`--seed`, default 18): the same arguments give the same file. Ten years up to
`--end` (default 2026-11-24). Written through the storage layer's bulk path
(`repository.save_all`: one transaction, `executemany`, the order summary kept in step).

Distributions (what the metrics need to see, not a model of any real shop):
- customers: acquired over the ten years, more in recent years; segments, sources (about
  12 % referrals, some with `referred_by`), 4 % marked lost with a date and a reason;
- order lines: a Pareto-like number of orders per customer (most buy once or twice, a few
  buy every few weeks), each customer's orders inside their own active life (lapses: many
  stop buying after a while), 1–4 lines per order, November/December busier (seasonality),
  costs known on ~90 % of lines, discounts on some;
- deals: every stage of the catalogue (open ones with probabilities, some overridden),
  won and lost deals with close dates, reasons and competitors, amounts and list amounts
  (discounts, some deep), owners, expected closes (some slipped), last activity (some
  stale), a few without an amount;
- tickets: topics and channels, opened/first response/resolved timestamps (some
  unresolved, some without an opening time), complaints, contacts, CSAT, and follow-ups
  on the same topic within days (repeat contacts);
- surveys: customer NPS (with comments from detractors), employee eNPS, mystery shops
  with a score, CSAT answers, questionnaires (why chose us / why stay / why not refer,
  with an answer, would-refer and the incentive offered);
- and what the record classes don't carry yet (m004/m005), written in the same file
  after the bulk save: each deal's stage history (open stages walked up to its current
  one), interactions (calls, meetings… on deals and customers), monthly operating costs
  by category, order lines' ship-to country/region/city (by customer), ticket follow-ups
  (`follow_up_of`: the first ticket of the thread), lost deals' reason detail.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime, timedelta
from operator import attrgetter
from pathlib import Path

from custdesk.domain.records import (
    DEFAULT_REASONS,
    DEFAULT_STAGES,
    Customer,
    Deal,
    OrderLine,
    Product,
    Survey,
    SurveyKind,
    Ticket,
)
from custdesk.storage import Store, open_store
from custdesk.storage.repository import save_all

END = date(2026, 11, 24)
YEARS = 10
SEGMENTS = (("Retail", 0.45), ("Trade", 0.25), ("Corporate", 0.2), ("Online", 0.1))
SOURCES = (("Web", 0.4), ("Referral", 0.12), ("Ads", 0.25), ("Fair", 0.08), ("Walk-in", 0.15))
CATEGORIES = ("Furniture", "Office Supplies", "Technology", "Service", "Spares")
OWNERS = ("Ana", "Ben", "Chloé", "Dev", "Eli", "Fatima")
COMPETITORS = ("Acme", "Globex", "Initech", None, None)
TOPICS = ("Billing", "Delivery", "Login", "Refund", "Product defect", "How-to", None)
CHANNELS = ("Email", "Phone", "Chat", "Web form")
OPEN_STAGES = [s for s in DEFAULT_STAGES if s.kind.value == "open"]
QUESTIONS = (
    ("Why did you choose us?", ("Price", "Quality", "Recommended", "Close by", "Service")),
    ("Why do you stay?", ("Service", "Habit", "Quality", "Price")),
    ("Why would you not refer us?", ("Too expensive", "Slow delivery", "Nobody to refer")),
)
COUNTRIES = (("France", "North", "Lille"), ("France", "South", "Marseille"),
             ("France", "Paris area", "Paris"), ("Belgium", "Flanders", "Ghent"),
             ("Belgium", "Wallonia", "Liège"), ("Spain", "Catalonia", "Barcelona"),
             ("Germany", "West", "Köln"), (None, None, None))
COST_CATEGORIES = (("Rent", 40_000_000), ("Salaries", 220_000_000), ("Marketing", 25_000_000),
                   ("Software", 6_000_000))
INTERACTION_KINDS = ("call", "meeting", "email", "visit", "other")
REASON_DETAILS = ("No online ordering", "No invoice export", "No same-day delivery")


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    x = rng.random() * sum(w for _, w in weighted)
    for name, w in weighted:
        x -= w
        if x <= 0:
            return name
    return weighted[-1][0]


def _seasonal_day(rng: random.Random, lo: date, hi: date) -> date:
    """A day in lo..hi, November and December about 1.6× as likely as other months."""
    span = (hi - lo).days
    while True:
        d = lo + timedelta(days=rng.randint(0, max(span, 0)))
        if d.month >= 11 or rng.random() < 0.62:
            return d


def _stamp(d: date, rng: random.Random) -> datetime:
    return datetime(d.year, d.month, d.day, rng.randint(8, 17), rng.randint(0, 59),
                    rng.randint(0, 59))


class Maker:
    def __init__(self, args: argparse.Namespace) -> None:
        self.a = args
        self.rng = random.Random(args.seed)
        self.end: date = args.end
        self.start = date(self.end.year - YEARS, self.end.month, 1)
        self.lives: list[tuple[int, date, date]] = []  # (id, acquired, last active day)
        self.follow_ups: list[tuple[int, int]] = []  # (ticket id, the thread's first ticket)

    def customers(self) -> list[Customer]:
        rng, out = self.rng, []
        span = (self.end - self.start).days
        for cid in range(1, self.a.customers + 1):
            # more customers in recent years: the square root skews towards the end
            acquired = self.start + timedelta(days=int(span * rng.random() ** 0.6))
            acquired = min(acquired, self.end)
            # a life of buying: exponential, mean ~3 years; many lapse, some never stop
            life = int(rng.expovariate(1 / 1100)) if rng.random() < 0.8 else span
            last = min(self.end, acquired + timedelta(days=life))
            marked = rng.random() < 0.04
            lost_on = (last + timedelta(days=rng.randint(0, 120))) if marked else None
            if lost_on is not None and lost_on > self.end:
                lost_on = self.end
            source = _pick(rng, SOURCES)
            out.append(Customer(
                name=f"Customer {cid:06d}", id=cid, ref=f"C{cid:06d}",
                email=f"c{cid}@example.com", segment=_pick(rng, SEGMENTS), source=source,
                referred_by=(f"Customer {rng.randint(1, cid):06d}"
                             if source == "Referral" and rng.random() < 0.5 else None),
                acquired_on=acquired.isoformat() if rng.random() < 0.7 else None,
                status="lost" if marked else None,
                lost_on=lost_on.isoformat() if lost_on else None,
                lost_reason=rng.choice(DEFAULT_REASONS) if marked and rng.random() < 0.7
                else None,
                created_on=acquired.isoformat()))
            self.lives.append((cid, acquired, last))
        return out

    def products(self) -> list[Product]:
        rng, out = self.rng, []
        for pid in range(1, 201):
            price = rng.choice((9, 19, 49, 99, 249, 499, 1299)) * 10_000
            out.append(Product(name=f"Product {pid:03d}", id=pid, ref=f"P{pid:03d}",
                               category=CATEGORIES[pid % len(CATEGORIES)],
                               list_price_e4=price,
                               unit_cost_e4=int(price * rng.uniform(0.4, 0.8))))
        return out

    def orders(self, products: list[Product]) -> list[OrderLine]:
        rng, out = self.rng, []
        target = self.a.lines
        # Pareto weights: most customers buy once or twice, a few very often
        weights = [rng.paretovariate(1.3) for _ in self.lives]
        total = sum(weights)
        lines_per_order = 2.2
        order_no = 0
        for (cid, acquired, last), w in zip(self.lives, weights, strict=True):
            want = max(1, round(target * w / total / lines_per_order))
            for _ in range(want):
                if len(out) >= target:
                    return out
                d = _seasonal_day(rng, acquired, last).isoformat()
                order_no += 1
                for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
                    p = products[int(len(products) * rng.random() ** 2)]
                    qty = rng.choice((1, 1, 1, 2, 3, 5))
                    disc = rng.choice((0.0, 0.0, 0.0, 0.1, 0.2, 0.3))
                    price = p.list_price_e4 or 0
                    revenue = int(price * qty * (1 - disc))
                    cost = (p.unit_cost_e4 or 0) * qty if rng.random() < 0.9 else None
                    out.append(OrderLine(date=d, customer_id=cid, revenue_e4=revenue,
                                         order_ref=f"SO-{order_no:08d}", product_id=p.id,
                                         category=p.category, quantity=float(qty),
                                         unit_price_e4=price, discount=disc, cost_e4=cost))
        # top up (rounding) with single-line orders of random customers
        while len(out) < target:
            cid, acquired, last = self.lives[rng.randrange(len(self.lives))]
            order_no += 1
            p = products[rng.randrange(len(products))]
            out.append(OrderLine(date=_seasonal_day(rng, acquired, last).isoformat(),
                                 customer_id=cid, revenue_e4=p.list_price_e4 or 0,
                                 order_ref=f"SO-{order_no:08d}", product_id=p.id,
                                 category=p.category, quantity=1.0,
                                 unit_price_e4=p.list_price_e4, cost_e4=p.unit_cost_e4))
        return out

    def deals(self, products: list[Product]) -> list[Deal]:
        rng, out = self.rng, []
        span = (self.end - self.start).days
        for did in range(1, self.a.deals + 1):
            cid = rng.randint(1, len(self.lives)) if self.lives else None
            created = self.start + timedelta(days=int(span * rng.random() ** 0.5))
            p = products[rng.randrange(len(products))] if rng.random() < 0.8 else None
            units = rng.randint(1, 20) if p else 1
            listed = (p.list_price_e4 or 0) * units if p else None
            amount = (int(listed * rng.choice((1.0, 0.95, 0.9, 0.85, 0.75, 0.6)))
                      if listed else rng.randint(1, 500) * 100_000)
            if rng.random() < 0.05:
                amount = None
            age = (self.end - created).days
            roll = rng.random()
            closed = None
            if age > 120 and roll < 0.85 or age <= 120 and roll < 0.3:
                stage = "Won" if rng.random() < 0.4 else "Lost"
                closed = min(self.end, created + timedelta(days=rng.randint(3, 150)))
            else:
                stage = OPEN_STAGES[int(len(OPEN_STAGES) * rng.random() ** 1.5)].name
            expected = created + timedelta(days=rng.randint(14, 180))
            touched = (closed or min(self.end, created + timedelta(
                days=rng.randint(0, max(0, min(age, 200))))))
            lost = stage == "Lost"
            out.append(Deal(
                stage=stage, id=did, customer_id=cid, ref=f"D-{did:07d}",
                title=f"Deal {did}" if rng.random() < 0.9 else None,
                product_id=p.id if p else None, amount_e4=amount,
                # a deal of several units always states its list amount: without it the
                # discount falls back to the product's list price (one unit; METRICS.md),
                # and a 20-unit deal would read as a -1,900 % discount
                list_amount_e4=listed if rng.random() < 0.5 or units > 1 else None,
                probability=(rng.choice((20.0, 40.0, 60.0, 80.0))
                             if stage not in ("Won", "Lost") and rng.random() < 0.2
                             else None),
                owner=rng.choice(OWNERS) if rng.random() < 0.95 else None,
                source=_pick(rng, SOURCES), created_on=created.isoformat(),
                expected_close=expected.isoformat() if rng.random() < 0.9 else None,
                closed_on=closed.isoformat() if closed else None,
                lost_reason=rng.choice(DEFAULT_REASONS) if lost and rng.random() < 0.8
                else None,
                competitor=rng.choice(COMPETITORS) if lost else None,
                next_step="Call back" if closed is None and rng.random() < 0.5 else None,
                last_activity_on=touched.isoformat() if rng.random() < 0.8 else None))
        return out

    def tickets(self) -> list[Ticket]:
        rng, out = self.rng, []
        tid = 0
        span = (self.end - self.start).days
        while len(out) < self.a.tickets:
            cid = rng.randint(1, len(self.lives))
            opened = _stamp(self.start + timedelta(days=int(span * rng.random() ** 0.5)), rng)
            topic = rng.choice(TOPICS)
            follow_ups = 0 if rng.random() < 0.8 else rng.randint(1, 3)
            first_id = tid + 1
            for k in range(follow_ups + 1):
                if len(out) >= self.a.tickets:
                    break
                tid += 1
                at = opened + timedelta(hours=k * rng.randint(6, 200))
                if at.date() > self.end:
                    break
                first = at + timedelta(minutes=rng.randint(5, 3000))
                resolved = (first + timedelta(hours=rng.randint(1, 240))
                            if rng.random() < 0.9 else None)
                if resolved is not None and resolved.date() > self.end:
                    resolved = None
                no_open = rng.random() < 0.03
                if k:
                    self.follow_ups.append((tid, first_id))
                out.append(Ticket(
                    customer_id=cid, id=tid, ref=f"T-{tid:08d}",
                    opened_at=None if no_open else at.isoformat(),
                    first_response_at=(first.isoformat()
                                       if first.date() <= self.end else None),
                    resolved_at=resolved.isoformat() if resolved else None,
                    # follow-ups sometimes spell the topic differently
                    topic=(topic.lower() if topic and k and rng.random() < 0.3 else topic),
                    channel=rng.choice(CHANNELS),
                    status="closed" if resolved else "open",
                    is_complaint=rng.random() < 0.12,
                    contacts=rng.choice((None, 1, 1, 2, 3)),
                    csat=rng.choice((None, None, 1, 2, 3, 4, 5, 5))))
        return out

    def extras(self, store: Store, deals: list[Deal]) -> dict[str, int]:
        """Rows the record classes don't carry yet, in one transaction after `save_all`."""
        rng = self.rng
        db = store.conn
        stage_ids = {r[0]: r[1] for r in db.execute("SELECT name, id FROM stages")}
        history, interactions = [], []
        for d in deals:
            assert d.id is not None and d.created_on is not None
            created = date.fromisoformat(d.created_on)
            until = date.fromisoformat(d.closed_on or d.last_activity_on or d.created_on)
            names = [s.name for s in OPEN_STAGES]
            steps = names[:names.index(d.stage) + 1] if d.stage in names else \
                names[:rng.randint(1, len(names))] + [d.stage]
            span = max((until - created).days, 0)
            prev = None
            for k, name in enumerate(steps):
                on = created + timedelta(days=span * k // max(len(steps) - 1, 1))
                history.append((d.id, stage_ids.get(prev) if prev else None, stage_ids[name],
                                on.isoformat()))
                prev = name
            for _ in range(rng.choice((0, 1, 1, 2))):
                on = created + timedelta(days=rng.randint(0, span))
                interactions.append((on.isoformat(), d.customer_id, d.id,
                                     rng.choice(INTERACTION_KINDS), None))
        for cid, acquired, last in self.lives[::5]:  # a visit or call now and then
            on = acquired + timedelta(days=rng.randint(0, max((last - acquired).days, 0)))
            interactions.append((on.isoformat(), cid, None, rng.choice(INTERACTION_KINDS),
                                 "Checked in"))
        costs = []
        month = self.start.replace(day=1)
        while month <= self.end:
            for category, base in COST_CATEGORIES:
                costs.append((month.strftime("%Y-%m"), int(base * rng.uniform(0.9, 1.15)),
                              category))
            month = (month + timedelta(days=32)).replace(day=1)
        with store.transaction():
            db.executemany("INSERT INTO deal_stage_history (deal_id, from_stage_id, stage_id, "
                           "changed_on) VALUES (?, ?, ?, ?)", history)
            db.executemany("INSERT INTO interactions (date, customer_id, deal_id, kind, note) "
                           "VALUES (?, ?, ?, ?, ?)", interactions)
            db.executemany("INSERT INTO costs (month, amount_e4, category) VALUES (?, ?, ?)",
                           costs)
            # ship-to by customer: one grouped UPDATE per place, not a row at a time
            for k, (country, region, city) in enumerate(COUNTRIES):
                db.execute("UPDATE orders SET country = ?, region = ?, city = ? "
                           "WHERE customer_id % ? = ?", (country, region, city,
                                                          len(COUNTRIES), k))
            db.executemany("UPDATE tickets SET follow_up_of = ? WHERE id = ?",
                           [(first, tid) for tid, first in self.follow_ups])
            db.executemany("UPDATE deals SET reason_detail = ? WHERE id = ?",
                           [(rng.choice(REASON_DETAILS), d.id) for d in deals
                            if d.lost_reason is not None and rng.random() < 0.3])
        return {"stage changes": len(history), "interactions": len(interactions),
                "costs": len(costs)}

    def surveys(self) -> list[Survey]:
        rng, out = self.rng, []
        span = (self.end - self.start).days
        for sid in range(1, self.a.surveys + 1):
            d = (self.start + timedelta(days=int(span * rng.random() ** 0.5))).isoformat()
            roll = rng.random()
            if roll < 0.85:
                score = min(10, max(0, round(rng.gauss(7.5, 2.2))))
                out.append(Survey(
                    date=d, id=sid, customer_id=rng.randint(1, len(self.lives)),
                    kind=SurveyKind.CUSTOMER, nps=score if rng.random() < 0.95 else None,
                    csat=rng.choice((None, 3, 4, 5, 2)),
                    comment="Too slow" if score <= 6 and rng.random() < 0.5 else None))
            elif roll < 0.9:
                out.append(Survey(date=d, id=sid, kind=SurveyKind.EMPLOYEE,
                                  nps=rng.randint(0, 10)))
            elif roll < 0.95:
                question, answers = rng.choice(QUESTIONS)
                out.append(Survey(date=d, id=sid, customer_id=rng.randint(1, len(self.lives)),
                                  kind=SurveyKind.QUESTIONNAIRE, question=question,
                                  reason=rng.choice(answers),
                                  would_refer=rng.random() < 0.7,
                                  score=float(rng.randint(3, 10))))
            else:
                out.append(Survey(date=d, id=sid, kind=SurveyKind.MYSTERY_SHOP,
                                  score=round(rng.uniform(4, 10), 1)))
        return out


def build(args: argparse.Namespace) -> dict[str, float]:
    started = time.perf_counter()
    maker = Maker(args)
    customers = maker.customers()
    products = maker.products()
    records = {"customers": customers, "products": products,
               # lines in the order they happened, as a shop records them (ids follow the
               # days: a period's lines sit together in the file, as in a real one)
               "orders": sorted(maker.orders(products), key=attrgetter("date")),
               "deals": maker.deals(products),
               "tickets": maker.tickets(), "surveys": maker.surveys()}
    made = time.perf_counter()
    path = Path(args.db)
    store = open_store(path, replace=path.exists())
    try:
        save_all(store, **records)  # type: ignore[arg-type]
        extra = maker.extras(store, records["deals"])  # type: ignore[arg-type]
    finally:
        store.close()
    done = time.perf_counter()
    return {"generate_s": made - started, "write_s": done - made,
            **{k: float(len(v)) for k, v in records.items()},
            **{k: float(v) for k, v in extra.items()}}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.make_db", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--customers", type=int, default=20_000)
    p.add_argument("--lines", type=int, default=200_000)
    p.add_argument("--deals", type=int, default=20_000)
    p.add_argument("--tickets", type=int, default=40_000)
    p.add_argument("--surveys", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=18)
    p.add_argument("--end", type=date.fromisoformat, default=END)
    p.add_argument("--db", required=True)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if min(args.customers, args.lines, args.deals, args.tickets, args.surveys) < 0 or \
            args.customers < 1:
        print("make_db: counts must be positive (at least one customer)", file=sys.stderr)
        return 2
    figures = build(args)
    print(f"{args.db}: " + ", ".join(f"{int(figures[k]):,} {k}" for k in
                                      ("customers", "orders", "deals", "tickets", "surveys",
                                       "stage changes", "interactions", "costs"))
          + f" in {figures['generate_s'] + figures['write_s']:.1f} s "
          f"(generate {figures['generate_s']:.1f} s, write {figures['write_s']:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
