"""Growth screen part: markets — sales by country, region and city (the order line's
ship-to, else the customer's), by segment × source, and each segment's penetration
(share of buying customers and of revenue) by quarter. Sums:
`storage/queries_growth_markets.py`."""

from __future__ import annotations

from datetime import date
from typing import Any

from custdesk.domain.metrics_sales import SalesTotals, sales_metrics
from custdesk.domain.periods import Period, month_end
from custdesk.storage import queries_growth_markets as qm
from custdesk.storage.store import Store

Tables = dict[str, list[dict[str, Any]]]
TOP_PLACES = 50


LEVELS = ("country", "region", "city")


def place_rows(store: Store, period: Period, level: str | None = None
               ) -> dict[str, list[dict[str, Any]]]:
    """level -> one row per place, most revenue first: revenue, gross profit, margin,
    buying customers, share of the period's revenue (one statement for the three levels,
    summed in SQL: `queries_growth_markets.place_totals`; `place_rows_reference` adds up
    the per-customer sums in Python and is tested equal)."""
    totals = qm.place_totals(store, period)
    return {lv: _rows({place: (list(t[:5]), t[5]) for place, t in totals[lv].items()})
            for lv in (LEVELS if level is None else (level,))}


def place_rows_reference(store: Store, period: Period, level: str | None = None
                         ) -> dict[str, list[dict[str, Any]]]:
    """`place_rows` from the sums per customer and place, added up in Python."""
    # plain integer lists, not SalesTotals: 40k customer-places × 3 levels on a big file
    sums: dict[str, dict[str, list[int]]] = {lv: {} for lv in LEVELS}
    buyers: dict[str, dict[str, set[int]]] = {lv: {} for lv in LEVELS}
    for country, region, city, customer, *values in qm.place_sums(store, period):
        for lv, place in (("country", country), ("region", region), ("city", city)):
            acc = sums[lv].get(place)
            if acc is None:
                sums[lv][place] = list(values)
                buyers[lv][place] = {customer}
            else:
                for i, v in enumerate(values):
                    acc[i] += v
                buyers[lv][place].add(customer)
    return {lv: _rows({place: (values, len(buyers[lv][place]))
                       for place, values in sums[lv].items()})
            for lv in (LEVELS if level is None else (level,))}


def _rows(places: dict[str, tuple[list[int], int]]) -> list[dict[str, Any]]:
    """Rows of one level from place -> (the five sales sums, buying customers)."""
    total = sum(values[0] for values, _k in places.values())
    rows: list[dict[str, Any]] = []
    for place, (values, customers) in places.items():
        t = SalesTotals(*values)
        m = sales_metrics(t)
        rows.append({"place": place, "revenue": m["revenue"].value,
                     "gross_profit": m["gross_profit"].value,
                     "margin_pct": m["gross_margin_pct"].value,
                     "customers": customers,
                     "share_pct": t.revenue_e4 / total * 100 if total else None})
    return sorted(rows, key=lambda r: (-(r["revenue"] or 0), r["place"].lower(), r["place"]))


def span_of(period: Period) -> Period:
    """The penetration table's span: the period, at least the year up to its end."""
    year = Period.trailing_year(period.end)
    return Period(min(period.start, year.start), period.end)


def customer_months(store: Store, period: Period) -> qm.CustomerMonths:
    """The sums behind the segment tables of the markets and costs pages (one scan)."""
    return qm.customer_months(store, period, span_of(period))


def penetration(store: Store, period: Period, months: qm.CustomerMonths | None = None
                ) -> list[dict[str, Any]]:
    """(quarter, segment, customers, revenue, their shares of the quarter's) over the
    period's quarters, at least the last four up to its end."""
    span = span_of(period)
    rows = (months or customer_months(store, period)).segment_quarters()
    whole: dict[str, tuple[int, int]] = {}
    for q, _s, k, r in rows:
        before = whole.get(q, (0, 0))
        whole[q] = (before[0] + k, before[1] + r)
    return [{"quarter": q, "partial": _cut(q, span), "segment": s, "customers": k,
             "revenue": r / 10_000,
             "customers_pct": k / whole[q][0] * 100 if whole[q][0] else None,
             "revenue_pct": r / whole[q][1] * 100 if whole[q][1] else None}
            for q, s, k, r in rows]


def _cut(quarter: str, span: Period) -> bool:
    """Whether the range holds only some of the quarter's days ('2025-Q4')."""
    year, n = int(quarter[:4]), int(quarter[-1])
    first = date(year, 3 * n - 2, 1)
    last = month_end(date(year, 3 * n, 1))
    return span.start > first or span.end < last


def markets(store: Store, period: Period, months: qm.CustomerMonths | None = None
            ) -> tuple[Tables, list[str]]:
    """`by_country`, `by_region`, `by_city`, `segment_source`, `penetration` (`months`:
    `customer_months` of the period, when the caller has it)."""
    months = months or customer_months(store, period)
    tables: Tables = {f"by_{level}": rows
                      for level, rows in place_rows(store, period).items()}
    notes = []
    if len(tables["by_city"]) > TOP_PLACES:
        notes.append(f"Cities: the {TOP_PLACES} with most revenue of "
                     f"{len(tables['by_city']):,}.")
        tables["by_city"] = tables["by_city"][:TOP_PLACES]
    tables["segment_source"] = [
        {"segment": a, "source": b, "customers": k, "revenue": r / 10_000}
        for a, b, k, r in months.segment_source()]
    tables["penetration"] = penetration(store, period, months)
    return tables, notes
