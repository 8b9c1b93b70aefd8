"""Growth screen parts: revenue movements (existing vs new revenue, the waterfall) and the
product mix (top products by month, customers who stopped buying a product, products per
customer). Definitions: `storage/queries_growth_revenue.py`."""

from __future__ import annotations

from typing import Any

from custdesk.domain.periods import Period, month_slots
from custdesk.services import metrics_service as ms
from custdesk.storage import queries_growth_revenue as qr
from custdesk.storage.store import Store

TOP_PRODUCTS = 5
MOVE_LABELS = {"new": "New customers", "returning": "Returning", "expansion": "Expansion",
               "steady": "Steady", "contraction": "Contraction", "lost": "Lost"}
# the waterfall's order: prior, then gains, then losses, then current
_STEPS = ("new", "returning", "expansion", "contraction", "lost")

Tables = dict[str, list[dict[str, Any]]]


def _money(e4: float) -> float:
    return e4 / 10_000


def movements(store: Store, period: Period) -> tuple[Tables, list[str]]:
    """`revenue_moves` (one row per move: customers, prior, current, change) and
    `revenue_waterfall` (prior, each change, current: prior + Σ changes = current)."""
    moves = qr.revenue_movements(store, period)
    prior = sum(m.prior_e4 for m in moves.values())
    current = sum(m.current_e4 for m in moves.values())
    rows = [{"move": MOVE_LABELS[m.move], "key": m.move, "customers": m.customers,
             "prior": _money(m.prior_e4), "current": _money(m.current_e4),
             "change": _money(m.change_e4)} for m in moves.values()]
    steps = [{"step": "Prior period", "value": _money(prior), "kind": "total"}]
    steps += [{"step": MOVE_LABELS[k], "value": _money(moves[k].change_e4),
               "kind": "up" if moves[k].change_e4 >= 0 else "down"} for k in _STEPS]
    steps.append({"step": "This period", "value": _money(current), "kind": "total"})
    existing = sum(moves[k].current_e4 for k in ("expansion", "steady", "contraction"))
    notes = [f"Revenue from existing customers (bought in both periods): "
             f"{_money(existing):,.2f}; from new customers: "
             f"{_money(moves['new'].current_e4):,.2f}. Steady means exactly the same "
             "revenue as in the prior period; returning customers bought before the prior "
             "period but not in it."]
    return {"revenue_moves": rows, "revenue_waterfall": steps}, notes


def product_mix(store: Store, period: Period) -> tuple[Tables, list[str]]:
    """`product_months` (month, partial, one key per top product and 'Other'),
    `stopped_buying` (the recovery list) and `products_per_customer`."""
    slots = month_slots(period.start, period.end)
    by_month: dict[str, dict[str, Any]] = {
        s.key: {"month": s.key, "partial": s.partial, "days": s.days()} for s in slots}
    names: list[str] = []
    for month, product, e4 in qr.top_products_by_month(store, period, TOP_PRODUCTS):
        if month in by_month:
            by_month[month][product] = _money(e4)
            if product not in names:
                names.append(product)
    names = sorted(names, key=lambda n: (n == "Other", -sum(
        r.get(n, 0) for r in by_month.values())))
    window = ms.load_settings(store).window_days
    stopped, total = qr.stopped_buying(store, period, window)
    spread = qr.products_per_customer(store, period)
    tables: Tables = {
        "product_months": list(by_month.values()),
        "product_names": [{"product": n} for n in names],
        "stopped_buying": [{"customer_id": s.customer_id, "customer": s.customer,
                            "product": s.product, "prior_revenue": _money(s.prior_revenue_e4),
                            "last_bought": s.last_bought, "last_order": s.last_order}
                           for s in stopped],
        "products_per_customer": [{"products": f"{k}+" if k == 5 else str(k), "customers": n}
                                  for k, n in sorted(spread.items())]}
    notes = []
    if total > len(stopped):
        notes.append(f"Stopped buying: the {len(stopped)} biggest of {total} shown.")
    return tables, notes
