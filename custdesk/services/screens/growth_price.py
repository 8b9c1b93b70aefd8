"""Growth screen part: price pressure — `discount_line_pct_avg` by month, product and
segment; realised unit price against list price per product; won-deal discount
(`discount_pct_avg`) by month; win rate by discount band; the cost of discounting (won
deals and order lines at or beyond the deep-discount setting). Definitions:
`storage/queries_growth_price.py`."""

from __future__ import annotations

from typing import Any

from custdesk.domain.metric_values import proportion
from custdesk.domain.metrics_deals import DealTotals, deal_metrics_from_totals
from custdesk.domain.metrics_sales import DiscountTotals, discount_metric
from custdesk.domain.periods import Period, month_slots
from custdesk.services import metrics_service as ms
from custdesk.storage import queries_deals as qd
from custdesk.storage import queries_growth_price as qp
from custdesk.storage.store import Store

Tables = dict[str, list[dict[str, Any]]]


def _money(e4: float | None) -> float | None:
    return None if e4 is None else e4 / 10_000


def _discount_rows(by: str, sums: dict[str, DiscountTotals]) -> list[dict[str, Any]]:
    return [{by: g, "discount_line_pct_avg": discount_metric(t).value, "lines": t.lines,
             "discount": _money(t.discount_e4), "list": _money(t.list_e4)}
            for g, t in sums.items()]


def _deal_months(store: Store, period: Period, deep: float) -> list[dict[str, Any]]:
    """Won-deal discount, win rate and sales cycle per month (one grouped query)."""
    slots = month_slots(period.start, period.end)
    sums = qd.deal_totals(store, [(s.key, Period(s.start, s.end)) for s in slots])
    rows = []
    for s in slots:
        m = deal_metrics_from_totals(sums.get((s.key, ""), DealTotals()), deep)
        rows.append({"month": s.key, "partial": s.partial, "days": s.days(),
                     "deals_won": m["deals_won"].value, "deals_lost": m["deals_lost"].value,
                     "win_rate_pct": m["win_rate_pct"].value,
                     "sales_cycle_days_avg": m["sales_cycle_days_avg"].value,
                     "discount_pct_avg": m["discount_pct_avg"].value})
    return rows


def price(store: Store, period: Period) -> tuple[Tables, list[str]]:
    deep_pct = ms.load_settings(store).deep_discount_pct
    cube = qp.discount_groups(store, period)
    months = {r["month"]: r for r in _discount_rows("month", cube["month"])}
    line_months = []
    for s in month_slots(period.start, period.end) if months else ():  # none: no rows
        row = months.get(s.key, {"month": s.key, "discount_line_pct_avg": None, "lines": 0})
        line_months.append({**row, "partial": s.partial, "days": s.days()})
    units = []
    for u in qp.unit_prices(store, period):
        realised = u.revenue_e4 / u.quantity / 10_000 if u.quantity else None
        listed = _money(u.list_price_e4)
        units.append({"product": u.product, "list_price": listed, "unit_price": realised,
                      "vs_list_pct": (realised / listed - 1) * 100
                      if realised is not None and listed else None,
                      "quantity": u.quantity, "revenue": _money(u.revenue_e4)})
    bands = [{"band": b, "won": w, "lost": lost, "closed": w + lost,
              "win_rate_pct": proportion(w, w + lost).value}
             for b, (w, lost) in qp.win_rate_by_band(store, period).items()]
    deep = qp.deep_discount_deals(store, period, deep_pct)
    deep_deals = [{"deal_id": d.deal_id, "deal": d.title, "customer": d.customer,
                   "product": d.product, "closed_on": d.closed_on,
                   "amount": _money(d.amount_e4), "list": _money(d.list_e4),
                   "discount_pct": (1 - d.amount_e4 / d.list_e4) * 100,
                   "given": _money(d.list_e4 - d.amount_e4), "profit": _money(d.profit_e4)}
                  for d in deep]
    lines = qp.deep_discount_lines(store, period, deep_pct)
    deep_lines = [{"date": d, "customer": c, "product": p, "discount_pct": x * 100,
                   "revenue": _money(r), "given": _money(a), "profit": _money(g)}
                  for d, c, p, x, r, a, g in lines.rows]
    tables: Tables = {
        "discount_by_month": line_months,
        "discount_by_product": _discount_rows("product", cube["product"]),
        "discount_by_segment": _discount_rows("segment", cube["segment"]),
        "unit_prices": units, "deal_months": _deal_months(store, period, deep_pct),
        "win_rate_by_discount": bands, "deep_deals": deep_deals, "deep_lines": deep_lines}
    notes = []
    if lines.count:
        notes.append(
            f"The cost of discounting: {lines.count:,} order lines at {deep_pct:g} % off or more "
            f"gave away {lines.discount_e4 / 10_000:,.2f} and made "
            f"{lines.profit_e4 / 10_000:,.2f} gross profit"
            + (f" (the {len(lines.rows)} biggest listed)." if lines.count > len(lines.rows)
               else "."))
    if deep_deals:
        given = sum((d.list_e4 - d.amount_e4) / 10_000 for d in deep)
        notes.append(f"{len(deep_deals)} won deals at {deep_pct:g} % off or more gave away "
                     f"{given:,.2f} against their list prices.")
    return tables, notes
