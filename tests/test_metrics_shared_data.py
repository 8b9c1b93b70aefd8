"""Metrics on the real files in ../shared/data against figures computed independently here
with the csv module and Decimal (the records are built by a small in-test loader, saved with
`repository.save_all`, then computed by the metrics service)."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import Customer, Deal, OrderLine, Product, Ticket
from custdesk.domain.text import name_key
from custdesk.services import metrics_service as ms
from custdesk.storage import repository


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _dmy(text: str) -> str:
    """Superstore CSV dates are dd/mm/yy."""
    d, m, y = text.split("/")
    return date(2000 + int(y), int(m), int(d)).isoformat()


# ---------------------------------------------------------------- Superstore
@pytest.fixture
def superstore(shared_data: Path, store):
    rows = _rows(shared_data / "superstore.csv")
    ids: dict[str, int] = {}
    customers, orders = [], []
    for r in rows:
        cid = ids.setdefault(r["Customer ID"], len(ids) + 1)
        if cid > len(customers):
            customers.append(Customer(r["Customer Name"], id=cid, ref=r["Customer ID"],
                                      segment=r["Segment"], created_on="2023-01-01"))
        revenue = to_e4(r["Sales"])
        orders.append(OrderLine(date=_dmy(r["Order Date"]), customer_id=cid, revenue_e4=revenue,
                                cost_e4=revenue - to_e4(r["Profit"]), order_ref=r["Order ID"],
                                category=r["Category"]))
    repository.save_all(store, customers=customers, orders=orders)
    return rows


def test_superstore_revenue_profit_margin(superstore, store) -> None:
    sales = sum(Decimal(r["Sales"]) for r in superstore)
    profit = sum(Decimal(r["Profit"]) for r in superstore)
    span = ms.data_span(store)
    assert span == Period(date(2019, 1, 3), date(2022, 12, 30))
    report = ms.compute_metrics(store, span, by=["segment", "category"])
    m = report.metrics
    assert Decimal(str(m["revenue"].value)) == sales.quantize(Decimal("0.0001"))
    assert m["gross_profit"].value == pytest.approx(float(profit), abs=1e-6)
    assert m["gross_margin_pct"].value == pytest.approx(float(profit / sales * 100))
    assert m["orders_count"].value == len({r["Order ID"] for r in superstore})
    by_segment: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for r in superstore:
        by_segment[r["Segment"]][0] += Decimal(r["Sales"])
        by_segment[r["Segment"]][1] += Decimal(r["Profit"])
    groups = report.breakdowns["segment"]
    assert set(groups) == set(by_segment) == {"Consumer", "Corporate", "Home Office"}
    for seg, (s, p) in by_segment.items():
        assert groups[seg]["revenue"].value == pytest.approx(float(s), abs=1e-6)
        assert groups[seg]["gross_profit"].value == pytest.approx(float(p), abs=1e-6)
        assert groups[seg]["gross_margin_pct"].value == pytest.approx(float(p / s * 100))
    cat_sales = defaultdict(Decimal)
    for r in superstore:
        cat_sales[r["Category"]] += Decimal(r["Sales"])
    for cat, s in cat_sales.items():
        assert report.breakdowns["category"][cat]["revenue"].value == pytest.approx(float(s))


# ---------------------------------------------------------------- Maven CRM
@pytest.fixture
def maven(shared_data: Path, store):
    folder = shared_data / "maven_crm"
    products = _rows(folder / "products.csv")
    deals = _rows(folder / "sales_pipeline.csv")
    prods = [Product(p["product"], id=i, list_price_e4=to_e4(p["sales_price"]))
             for i, p in enumerate(products, start=1)]
    by_key = {name_key(p.name): p.id for p in prods}
    records = [Deal(stage=d["deal_stage"], ref=d["opportunity_id"], owner=d["sales_agent"],
                    product_id=by_key[name_key(d["product"])],
                    amount_e4=to_e4(d["close_value"]) if d["close_value"] else None,
                    created_on=d["engage_date"] or None, closed_on=d["close_date"] or None)
               for d in deals]
    repository.save_all(store, products=prods, deals=records)
    return products, deals


def test_maven_pipeline(maven, store) -> None:
    products, deals = maven
    price = {p["product"].replace(" ", ""): Decimal(p["sales_price"]) for p in products}
    won = [d for d in deals if d["deal_stage"] == "Won"]
    lost = [d for d in deals if d["deal_stage"] == "Lost"]
    open_ = [d for d in deals if d["deal_stage"] in ("Engaging", "Prospecting")]
    start = min(d["engage_date"] for d in deals if d["engage_date"])
    end = max(d["close_date"] for d in deals if d["close_date"])
    period = Period(date.fromisoformat(start), date.fromisoformat(end))
    m = ms.compute_metrics(store, period).metrics
    assert m["deals_won"].value == len(won) == 4238
    assert m["win_rate_pct"].value == pytest.approx(len(won) / (len(won) + len(lost)) * 100)
    cycle = [(date.fromisoformat(d["close_date"]) - date.fromisoformat(d["engage_date"])).days
             for d in won]
    assert m["sales_cycle_days_avg"].value == pytest.approx(sum(cycle) / len(cycle))
    assert m["deals_open"].value == len(open_) == 2089
    assert m["deals_open_unvalued"].value == len(open_)  # open deals carry no value
    discounts = [(1 - Decimal(d["close_value"]) / price[d["product"].replace(" ", "")]) * 100
                 for d in won]
    assert m["discount_pct_avg"].value == pytest.approx(float(sum(discounts) / len(discounts)))
    assert m["discount_pct_avg"].n == len(won)


# ---------------------------------------------------------------- Telco churn
def test_telco_share_lost(shared_data: Path, store) -> None:
    rows = _rows(shared_data / "telco_customer_churn.csv")
    customers = [Customer(r["customerID"], id=i, ref=r["customerID"], segment=r["Contract"],
                          status="lost" if r["Churn"] == "Yes" else "active",
                          created_on="2024-01-01")
                 for i, r in enumerate(rows, start=1)]
    repository.save_all(store, customers=customers)
    report = ms.compute_metrics(store, Period(date(2024, 1, 1), date(2024, 12, 31)),
                                by=["segment"])
    churned = Counter(r["Contract"] for r in rows if r["Churn"] == "Yes")
    total = Counter(r["Contract"] for r in rows)
    share = report.metrics["customers_lost_pct"]
    assert share.value == pytest.approx(sum(churned.values()) / len(rows) * 100)
    assert share.n == len(rows) == 7043
    assert share.low < share.value < share.high
    for contract, n in total.items():
        got = report.breakdowns["segment"][contract]["customers_lost_pct"]
        assert got.value == pytest.approx(churned[contract] / n * 100)
        assert got.n == n


# ---------------------------------------------------------------- support tickets
def _mdy(text: str) -> str | None:
    text = text.strip()
    return datetime.strptime(text, "%m/%d/%Y %H:%M").isoformat() if text else None


def test_tickets_csat(shared_data: Path, store) -> None:
    rows = [r for r in _rows(shared_data / "customer_support_tickets.csv")
            if r["Ticket ID"].strip()]
    ids: dict[str, int] = {}
    for r in rows:
        ids.setdefault(r["Customer Email"].strip().lower(), len(ids) + 1)
    customers = [Customer(email, id=i, email=email, created_on="2020-01-01")
                 for email, i in ids.items()]
    tickets = [Ticket(ids[r["Customer Email"].strip().lower()], ref=r["Ticket ID"],
                      first_response_at=_mdy(r["First Response Time"]),
                      resolved_at=_mdy(r["Time to Resolution"]), status=r["Ticket Status"],
                      topic=r["Ticket Subject"], channel=r["Ticket Channel"],
                      csat=int(float(r["Customer Satisfaction Rating"]))
                      if r["Customer Satisfaction Rating"].strip() else None)
               for r in rows]
    repository.save_all(store, customers=customers, tickets=tickets)
    ratings = [int(float(r["Customer Satisfaction Rating"])) for r in rows
               if r["Customer Satisfaction Rating"].strip()]
    m = ms.compute_metrics(store, ms.data_span(store)).metrics
    assert m["csat_pct"].n == len(ratings)
    assert m["csat_pct"].value == pytest.approx(sum(1 for x in ratings if x >= 4)
                                                / len(ratings) * 100)


@pytest.mark.parametrize("year", [2020, 2021, 2022])
def test_superstore_retention_never_exceeds_100(superstore, store, year: int) -> None:
    """Retention = customers active the day before the year still active at its end ÷
    those customers (won-back customers are not retention), computed here from the rows:
    active as of D = first order ≤ D and an order in the 365 days up to D."""
    orders: dict[str, list[date]] = defaultdict(list)
    for r in superstore:
        orders[r["Customer ID"]].append(date.fromisoformat(_dmy(r["Order Date"])))
    before, end = date(year - 1, 12, 31), date(year, 12, 31)

    def active(days: list[date], d: date) -> bool:
        past = [x for x in days if x <= d]
        return bool(past) and (d - max(past)).days <= 365

    start = [c for c, days in orders.items() if active(days, before)]
    kept = [c for c in start if active(orders[c], end)]
    m = ms.compute_metrics(store, Period(date(year, 1, 1), end)).metrics
    assert m["retention_rate_pct"].n == len(start)
    assert m["retention_rate_pct"].value == pytest.approx(100 * len(kept) / len(start))
    assert m["retention_rate_pct"].value <= 100
