"""Growth screen part: operating costs by month and category, cost-to-serve per customer
group (segment) and each group's buying customers and gross profit by month.

Cost to serve a group = support contacts × cost per contact + deliveries (orders) × cost
per delivery (Business settings; unset = not counted, and said) + discounts given on its
order lines. Profit after serving = gross profit − contact and delivery costs (discounts
are already out of revenue, so not taken off twice). Costliest groups first, by cost to
serve per buying customer. Definitions of the sums: `storage/queries_growth_costs.py`.
"""

from __future__ import annotations

from typing import Any

from custdesk.domain.periods import Period, month_slots
from custdesk.storage import queries_growth_costs as qc
from custdesk.storage import queries_growth_markets as qm
from custdesk.storage.queries_growth_markets import CustomerMonths
from custdesk.storage.repository import get_settings
from custdesk.storage.store import Store

Tables = dict[str, list[dict[str, Any]]]
COST_SETTINGS = ("cost_per_contact", "cost_per_delivery")


def cost_settings(store: Store) -> dict[str, float | None]:
    """The two cost settings in currency units; None when unset or not a number ≥ 0."""
    values = get_settings(store)
    out: dict[str, float | None] = {}
    for key in COST_SETTINGS:
        try:
            x = float(values.get(key, "") or "nan")
        except ValueError:
            x = float("nan")
        out[key] = x if x >= 0 else None  # nan >= 0 is False
    return out


def serve_rows(store: Store, period: Period) -> list[dict[str, Any]]:
    rates = cost_settings(store)
    per_contact, per_delivery = rates["cost_per_contact"], rates["cost_per_delivery"]
    rows = []
    for g in qc.serve_by_segment(store, period):
        contact = None if per_contact is None else g.contacts * per_contact
        delivery = None if per_delivery is None else g.orders * per_delivery
        discount = g.discount_e4 / 10_000
        total = discount + (contact or 0) + (delivery or 0)
        profit = g.gross_profit_e4 / 10_000
        rows.append({"segment": g.segment, "customers": g.customers, "orders": g.orders,
                     "revenue": g.revenue_e4 / 10_000, "gross_profit": profit,
                     "contacts": g.contacts, "contact_cost": contact,
                     "delivery_cost": delivery, "discounts": discount,
                     "cost_to_serve": total,
                     "per_customer": total / g.customers if g.customers else None,
                     "profit_after_serving": profit - (contact or 0) - (delivery or 0)})
    return sorted(rows, key=lambda r: (-(r["per_customer"] or 0), r["segment"].lower()))


def costs(store: Store, period: Period, months: CustomerMonths | None = None
          ) -> tuple[Tables, dict[str, list[Any]], list[str]]:
    """`costs_by_month` (month, partial, total, one key per category), `cost_to_serve`,
    `segment_months` (month, segment, customers, revenue, gross_profit); `months`: the
    lines summed per customer and month (`growth_markets.customer_months`), when the
    caller has them."""
    by_month: dict[str, dict[str, Any]] = {
        s.key: {"month": s.key, "partial": s.partial, "days": s.days(), "total": None}
        for s in month_slots(period.start, period.end)}
    totals: dict[str, float] = {}
    for month, category, e4 in qc.costs_by_month(store, period):
        row = by_month.get(month)
        if row is not None:
            row[category] = e4 / 10_000
            row["total"] = (row["total"] or 0.0) + e4 / 10_000  # None: none recorded
            totals[category] = totals.get(category, 0) + e4 / 10_000
    categories = sorted(totals, key=lambda c: (-totals[c], c.lower()))
    tables: Tables = {
        # no cost row at all: no months of zeros (nothing recorded is not nothing spent)
        "costs_by_month": list(by_month.values()) if categories else [],
        "cost_to_serve": serve_rows(store, period),
        "segment_months": [{"month": m, "segment": s, "customers": k, "revenue": r / 10_000,
                            "gross_profit": p / 10_000}
                           for m, s, k, r, p in (
                               months or qm.customer_months(store, period, period)
                           ).segment_months()]}
    rates = cost_settings(store)
    notes = [] if categories else [
        "No operating costs in these months: import a costs sheet (month, amount, "
        "category) to see them."]
    missing = [label for key, label in (("cost_per_contact", "a cost per support contact"),
                                        ("cost_per_delivery", "a cost per delivery"))
               if rates[key] is None]
    if missing:
        notes.append("Cost to serve counts discounts only until you set "
                     + " and ".join(missing) + " (File ▸ Business settings).")
    return tables, {"cost_categories": [{"category": c} for c in categories]}, notes
