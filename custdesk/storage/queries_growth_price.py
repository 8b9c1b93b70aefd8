"""SQL for the growth screen's price pressure (issue 17): `discount_line_pct_avg`'s sums by
month, product and segment; realised unit price against list price per product; win rate
by discount band; the deals and order lines at or beyond the deep-discount threshold.

A line's list amount = revenue ÷ (1 − d) and its discount amount = revenue × d ÷ (1 − d)
(`metrics_sales.DiscountTotals`, as `queries.discount_totals`). A deal's discount =
1 − amount ÷ list, its list = list_amount, else its product's list_price (METRICS.md
`discount_pct_avg`).
"""

from __future__ import annotations

from dataclasses import dataclass

from custdesk.domain.metrics_sales import DiscountTotals
from custdesk.domain.periods import Period
from custdesk.storage.store import Store

_GROUP = {
    "month": "printf('%04d-%02d', o.month / 100, o.month % 100)",
    "product": "coalesce(p.name, '(none)')",
    "segment": "coalesce(nullif(c.segment, ''), '(none)')",
}


def _span(period: Period) -> dict[str, str]:
    return {"lo": period.start.isoformat(), "hi": period.end.isoformat()}


def discount_by(store: Store, period: Period, by: str) -> dict[str, DiscountTotals]:
    """group -> the discount sums of the period's lines with a known discount below 1."""
    return discount_groups(store, period, (by,))[by]


def discount_groups(store: Store, period: Period, groups: tuple[str, ...] = tuple(_GROUP)
                    ) -> dict[str, dict[str, DiscountTotals]]:
    """by -> group -> discount sums, for several groupings in one scan (summed per
    combination in SQL, then added up per grouping: the sums are additive)."""
    sql = f"""
    SELECT {", ".join(_GROUP[g] for g in groups)},
           sum(o.revenue_e4 * o.discount / (1.0 - o.discount)),
           sum(o.revenue_e4 / (1.0 - o.discount)), count(*)
    FROM orders o LEFT JOIN products p ON p.id = o.product_id
         JOIN customers c ON c.id = o.customer_id
    WHERE o.date BETWEEN :lo AND :hi AND o.discount IS NOT NULL AND o.discount < 1
    GROUP BY {", ".join(str(i + 1) for i in range(len(groups)))}"""
    out: dict[str, dict[str, DiscountTotals]] = {g: {} for g in groups}
    for row in store.conn.execute(sql, _span(period)):
        keys, (d, lst, n) = row[:len(groups)], row[len(groups):]
        for g, key in zip(groups, keys, strict=True):
            t = out[g].get(key, DiscountTotals())
            out[g][key] = DiscountTotals(t.discount_e4 + float(d or 0),
                                         t.list_e4 + float(lst or 0), t.lines + int(n))
    return {g: dict(sorted(v.items())) for g, v in out.items()}


@dataclass(frozen=True, slots=True)
class UnitPrice:
    product: str
    list_price_e4: int | None
    revenue_e4: int
    quantity: float
    lines: int


def unit_prices(store: Store, period: Period) -> list[UnitPrice]:
    """Per product: Σ revenue and Σ quantity of the period's lines with a quantity above 0
    (realised unit price = their ratio) and the product's list price; most revenue first."""
    sql = """
    SELECT p.name, p.list_price_e4, sum(o.revenue_e4), sum(o.quantity), count(*)
    FROM orders o JOIN products p ON p.id = o.product_id
    WHERE o.date BETWEEN :lo AND :hi AND o.quantity > 0
    GROUP BY p.id ORDER BY 3 DESC, 1"""
    return [UnitPrice(str(n), None if lp is None else int(lp), int(r or 0), float(q or 0),
                      int(k)) for n, lp, r, q, k in store.conn.execute(sql, _span(period))]


# deals closed in the period with a known amount and list; the discount in whole e4 sums
# so that the band edges are exact (10 %: (list − amount) × 10 < list)
_CLOSED_DEALS = """
SELECT d.id, k.kind, d.amount_e4, coalesce(d.list_amount_e4, pr.list_price_e4) AS list_e4,
       d.closed_on, coalesce(d.title, d.ref, '') AS title, cu.name AS customer,
       pr.name AS product,
       -- the deal's cost: the units its list amount implies × the product's unit cost
       CAST(round(coalesce(d.list_amount_e4, pr.list_price_e4) * 1.0 * pr.unit_cost_e4
                  / nullif(pr.list_price_e4, 0)) AS INTEGER) AS cost_e4
FROM deals d JOIN stages k ON k.id = d.stage_id
     LEFT JOIN products pr ON pr.id = d.product_id
     LEFT JOIN customers cu ON cu.id = d.customer_id
WHERE k.kind IN ('won', 'lost') AND substr(d.closed_on, 1, 10) BETWEEN :lo AND :hi
  AND d.amount_e4 IS NOT NULL AND coalesce(d.list_amount_e4, pr.list_price_e4) > 0
"""
BANDS = ("0 %", "0–10 %", "10–20 %", "20 % +")


def win_rate_by_band(store: Store, period: Period) -> dict[str, tuple[int, int]]:
    """discount band -> (won, lost) over the deals closed in the period with a known
    discount. Bands: 0 (no discount, or a price above list), above 0 and below 10 %,
    10 to below 20 %, 20 % and more."""
    sql = f"""
    SELECT CASE WHEN amount_e4 >= list_e4 THEN 0
                WHEN (list_e4 - amount_e4) * 10 < list_e4 THEN 1
                WHEN (list_e4 - amount_e4) * 5 < list_e4 THEN 2 ELSE 3 END AS band,
           sum(kind = 'won'), sum(kind = 'lost')
    FROM ({_CLOSED_DEALS}) GROUP BY band"""
    found = {int(b): (int(w), int(lo)) for b, w, lo in store.conn.execute(sql, _span(period))}
    return {name: found.get(i, (0, 0)) for i, name in enumerate(BANDS)}


@dataclass(frozen=True, slots=True)
class DeepDeal:
    deal_id: int
    title: str
    customer: str | None
    product: str | None
    closed_on: str
    amount_e4: int
    list_e4: int
    profit_e4: int | None  # amount − cost (list ÷ list price × unit cost); None: unknown


def deep_discount_deals(store: Store, period: Period, deep_pct: float) -> list[DeepDeal]:
    """Won deals of the period discounted by `deep_pct` % or more, biggest discount given
    first."""
    sql = f"""
    SELECT id, title, customer, product, closed_on, amount_e4, list_e4,
           amount_e4 - cost_e4
    FROM ({_CLOSED_DEALS})
    WHERE kind = 'won' AND (list_e4 - amount_e4) * 100.0 >= :deep * list_e4
    ORDER BY list_e4 - amount_e4 DESC, id"""
    return [DeepDeal(int(i), str(t), c, p, str(d)[:10], int(a), int(lst),
                     None if pr is None else int(pr))
            for i, t, c, p, d, a, lst, pr in store.conn.execute(
                sql, {**_span(period), "deep": deep_pct})]


DEEP_LINES_SHOWN = 200  # the deep-discount lines listed (the biggest discounts given)


@dataclass(frozen=True, slots=True)
class DeepTotals:
    """The totals over every deep-discount line of the period (what the notes say)."""

    count: int
    revenue_e4: int
    discount_e4: float
    profit_e4: int  # of the lines with a known cost


@dataclass(frozen=True, slots=True)
class DeepLines:
    rows: list[tuple[str, str, str | None, float, int, float, int | None]]
    count: int
    revenue_e4: int
    discount_e4: float
    profit_e4: int  # of the lines with a known cost


_DEEP_WHERE = """FROM orders o JOIN customers c ON c.id = o.customer_id
               LEFT JOIN products p ON p.id = o.product_id
               WHERE o.date BETWEEN :lo AND :hi AND o.discount IS NOT NULL
                 AND o.discount < 1 AND o.discount * 100 >= :deep - 1e-9"""


def deep_discount_totals(store: Store, period: Period, deep_pct: float) -> DeepTotals:
    """Count, revenue, discount given and gross profit of the period's order lines with a
    discount of `deep_pct` % or more (below 100 %)."""
    n, rev, disc, profit = store.conn.execute(
        f"SELECT count(*), sum(o.revenue_e4), sum(o.revenue_e4 * o.discount / "
        f"(1.0 - o.discount)), sum(o.revenue_e4 - o.cost_e4) {_DEEP_WHERE}",
        {**_span(period), "deep": deep_pct}).fetchone()
    return DeepTotals(int(n or 0), int(rev or 0), float(disc or 0), int(profit or 0))


# The deep lines' totals and the biggest of them from one scan of the period's lines: the
# lines kept in scan order (the totals add them up in the order `deep_discount_totals`
# does, so even the float sum of discounts is the same), their totals first, then the
# `limit` biggest (was a scan for each: 0.3 -> 0.2 s on the big file's year).
_DEEP_LINES = f"""
WITH deep AS MATERIALIZED (
  SELECT o.id, o.date, c.name AS customer, p.name AS product, o.discount,
         o.revenue_e4 AS rev, o.revenue_e4 * o.discount / (1.0 - o.discount) AS given,
         o.revenue_e4 - o.cost_e4 AS profit
  {_DEEP_WHERE})
SELECT * FROM (SELECT 0, count(*), sum(rev), sum(given), sum(profit), NULL, NULL, NULL
               FROM deep)
UNION ALL
SELECT * FROM (SELECT 1, date, customer, product, discount, rev, given, profit FROM deep
               ORDER BY given DESC, id LIMIT :limit)
"""


def deep_discount_lines(store: Store, period: Period, deep_pct: float,
                        limit: int = DEEP_LINES_SHOWN, *, two_scans: bool = False
                        ) -> DeepLines:
    """Order lines of the period with a discount of `deep_pct` % or more (below 100 %):
    (date, customer, product, discount fraction, revenue_e4, discount amount e4, profit_e4
    or None) for the `limit` biggest discounts given, and totals over all of them.
    `two_scans`: the reference (the totals, then the rows, each from its own scan)."""
    params = {**_span(period), "deep": deep_pct, "limit": limit}
    if two_scans:
        t = deep_discount_totals(store, period, deep_pct)
        rows = [(str(d), str(c), p, float(x), int(r), float(a), None if g is None else int(g))
                for d, c, p, x, r, a, g in store.conn.execute(
                    f"SELECT o.date, c.name, p.name, o.discount, o.revenue_e4, "
                    f"o.revenue_e4 * o.discount / (1.0 - o.discount) AS given, "
                    f"o.revenue_e4 - o.cost_e4 {_DEEP_WHERE} ORDER BY given DESC, o.id "
                    f"LIMIT :limit", params)]
        return DeepLines(rows, t.count, t.revenue_e4, t.discount_e4, t.profit_e4)
    got = store.conn.execute(_DEEP_LINES, params).fetchall()
    n, rev, disc, profit = next(r[1:5] for r in got if r[0] == 0)  # the totals' row
    return DeepLines([(str(d), str(c), p, float(x), int(r), float(a),
                       None if g is None else int(g))
                      for kind, d, c, p, x, r, a, g in got if kind == 1],
                     int(n or 0), int(rev or 0), float(disc or 0), int(profit or 0))
