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
from custdesk.storage import queries_growth_pipeline as qgp
from custdesk.storage import queries_growth_price as qp
from custdesk.storage.store import Store

Tables = dict[str, list[dict[str, Any]]]


def _money(e4: float | None) -> float | None:
    return None if e4 is None else e4 / 10_000


def _discount_rows(by: str, sums: dict[str, DiscountTotals]) -> list[dict[str, Any]]:
    return [{by: g, "discount_line_pct_avg": discount_metric(t).value, "lines": t.lines,
             "discount": _money(t.discount_e4), "list": _money(t.list_e4)}
            for g, t in sums.items()]


def _deal_months(store: Store, period: Period, deep: float, *, reference: bool = False
                 ) -> list[dict[str, Any]]:
    """Won-deal discount, win rate and sales cycle per month, from the deals closed in the
    period (`queries_growth_pipeline.closed_by_month`; `reference`: from the catalogue's
    `deal_totals` of every month's slot, which it is tested equal to)."""
    slots = month_slots(period.start, period.end)
    if reference:
        sums = {key: t for (key, _g), t in qd.deal_totals(
            store, [(s.key, Period(s.start, s.end)) for s in slots]).items()}
    else:
        sums = qgp.closed_by_month(store, period)
    rows = []
    for s in slots:
        m = deal_metrics_from_totals(sums.get(s.key, DealTotals()), deep)
        rows.append({"month": s.key, "partial": s.partial, "days": s.days(),
                     "deals_won": m["deals_won"].value, "deals_lost": m["deals_lost"].value,
                     "win_rate_pct": m["win_rate_pct"].value,
                     "sales_cycle_days_avg": m["sales_cycle_days_avg"].value,
                     "discount_pct_avg": m["discount_pct_avg"].value})
    return rows


def price(store: Store, period: Period) -> tuple[Tables, list[str]]:
    """Every price table (the Price and Discounting pages' and `deal_months`, which the
    Pipeline page shows) and the notes on the cost of discounting."""
    deep_pct = ms.load_settings(store).deep_discount_pct
    deep = qp.deep_discount_deals(store, period, deep_pct)
    lines = qp.deep_discount_lines(store, period, deep_pct)
    pressure = price_page(store, period, deep, lines)[0]
    tables: Tables = {**{k: v for k, v in pressure.items() if k != "win_rate_by_discount"},
                      "deal_months": _deal_months(store, period, deep_pct),
                      "win_rate_by_discount": pressure["win_rate_by_discount"],
                      **discounting_page(store, period, deep, lines)[0]}
    return tables, discount_notes(deep_pct, deep, lines)


def price_page(store: Store, period: Period, deep: list[qp.DeepDeal] | None = None,
               lines: qp.DeepLines | qp.DeepTotals | None = None
               ) -> tuple[Tables, list[str]]:
    """The Price page: `discount_by_month`, `_by_product`, `_by_segment`, `unit_prices`,
    `win_rate_by_discount`, and the notes on the cost of discounting (said on the
    Discounting page too; `deep`/`lines`: the deep-discount deals and lines, when the
    caller has them — the lines' totals are enough)."""
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
    tables: Tables = {
        "discount_by_month": line_months,
        "discount_by_product": _discount_rows("product", cube["product"]),
        "discount_by_segment": _discount_rows("segment", cube["segment"]),
        "unit_prices": units, "win_rate_by_discount": bands}
    deep = qp.deep_discount_deals(store, period, deep_pct) if deep is None else deep
    totals = qp.deep_discount_totals(store, period, deep_pct) if lines is None else lines
    return tables, discount_notes(deep_pct, deep, totals)


def discounting_page(store: Store, period: Period, deep: list[qp.DeepDeal] | None = None,
                     lines: qp.DeepLines | None = None) -> tuple[Tables, list[str]]:
    """The Discounting page: `deep_deals` and `deep_lines` (won deals and order lines at
    or beyond the deep-discount setting) and the notes on what they cost."""
    deep_pct = ms.load_settings(store).deep_discount_pct
    deep = qp.deep_discount_deals(store, period, deep_pct) if deep is None else deep
    lines = qp.deep_discount_lines(store, period, deep_pct) if lines is None else lines
    deep_deals = [{"deal_id": d.deal_id, "deal": d.title, "customer": d.customer,
                   "product": d.product, "closed_on": d.closed_on,
                   "amount": _money(d.amount_e4), "list": _money(d.list_e4),
                   "discount_pct": (1 - d.amount_e4 / d.list_e4) * 100,
                   "given": _money(d.list_e4 - d.amount_e4), "profit": _money(d.profit_e4)}
                  for d in deep]
    deep_lines = [{"date": d, "customer": c, "product": p, "discount_pct": x * 100,
                   "revenue": _money(r), "given": _money(a), "profit": _money(g)}
                  for d, c, p, x, r, a, g in lines.rows]
    return ({"deep_deals": deep_deals, "deep_lines": deep_lines},
            discount_notes(deep_pct, deep, lines))


def deal_months(store: Store, period: Period, *, reference: bool = False
                ) -> list[dict[str, Any]]:
    """`deal_months` (the Pipeline page's win rate, cycle and won-deal discount by month;
    `reference`: from `queries_deals.deal_totals`)."""
    return _deal_months(store, period, ms.load_settings(store).deep_discount_pct,
                        reference=reference)


def discount_notes(deep_pct: float, deep: list[qp.DeepDeal],
                   lines: qp.DeepLines | qp.DeepTotals) -> list[str]:
    """The sentences on the cost of discounting (lines, then deals)."""
    notes = []
    if lines.count:
        shown = len(lines.rows) if isinstance(lines, qp.DeepLines) else min(
            lines.count, qp.DEEP_LINES_SHOWN)
        notes.append(
            f"The cost of discounting: {lines.count:,} order lines at {deep_pct:g} % off or more "
            f"gave away {lines.discount_e4 / 10_000:,.2f} and made "
            f"{lines.profit_e4 / 10_000:,.2f} gross profit"
            + (f" (the {shown} biggest listed)." if lines.count > shown else "."))
    if deep:
        given = sum((d.list_e4 - d.amount_e4) / 10_000 for d in deep)
        notes.append(f"{len(deep)} won deals at {deep_pct:g} % off or more gave away "
                     f"{given:,.2f} against their list prices.")
    return notes
