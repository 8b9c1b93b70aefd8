"""A small business whose every metric was computed by hand (see the test modules)."""

from __future__ import annotations

from datetime import date

from custdesk.domain.money import to_e4
from custdesk.domain.periods import Period
from custdesk.domain.records import Customer, OrderLine, Spend

YEAR_2024 = Period(date(2024, 1, 1), date(2024, 12, 31))


def _c(cid: int, name: str, **kw) -> Customer:
    kw.setdefault("created_on", "2020-01-01")
    return Customer(name=name, id=cid, **kw)


CUSTOMERS = [
    _c(1, "A", acquired_on="2023-01-10", segment="Retail"),
    _c(2, "B", acquired_on="2022-05-01", segment="Retail"),  # lapsed, won back
    _c(3, "C", acquired_on="2024-02-01", status="lost", lost_on="2024-08-01",
       lost_reason="Price", segment="Trade"),  # new and lost
    _c(4, "D", acquired_on="2023-03-01", segment="Trade"),  # lapses in the period
    _c(5, "E", acquired_on="2022-01-01", segment="Retail"),  # lapses and returns inside
    _c(6, "F", acquired_on="2025-01-05"),  # after the period
    _c(7, "G", acquired_on="2023-01-01", status="lost"),  # lost, no date, no orders
    _c(8, "H", created_on="2024-07-01", source="Referral"),  # no dates: the import day
]


def _o(cid: int, d: str, rev: str, cost: str | None, ref: str | None) -> OrderLine:
    return OrderLine(date=d, customer_id=cid, revenue_e4=to_e4(rev),
                     cost_e4=None if cost is None else to_e4(cost), order_ref=ref)


ORDERS = [
    _o(1, "2023-01-10", "100", "60", "A1"), _o(1, "2023-06-01", "200", "150", "A2"),
    _o(1, "2024-03-01", "300", "200", "A3"), _o(1, "2024-03-01", "50", None, "A3"),
    _o(2, "2022-05-01", "80", "40", None), _o(2, "2024-06-01", "120", "100", None),
    _o(3, "2024-02-01", "500", "300", "C1"),
    _o(4, "2023-03-01", "40", "10", "D1"), _o(4, "2023-11-01", "60", "30", "D2"),
    _o(5, "2022-01-01", "7", "1", "E0"),
    _o(5, "2023-01-05", "10", "5", "E1"), _o(5, "2024-10-01", "20", None, "E2"),
    _o(5, "2024-10-15", "-5", "-3", "E3"),  # a return
]

SPEND = [Spend("2023-12", to_e4("999")), Spend("2024-01", to_e4("1000")),
         Spend("2024-06", to_e4("500"))]
