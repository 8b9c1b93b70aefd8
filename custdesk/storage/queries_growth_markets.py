"""SQL for the growth screen's markets (issue 17) and `metrics --by country|region|city`:
sales by the order line's ship-to country, region or city (else the customer's); by
segment × source; buying customers and revenue per segment and quarter (penetration).

Place names are grouped as written (trimmed); blanks are '(none)'.
"""

from __future__ import annotations

from dataclasses import dataclass

from custdesk.domain.metrics_sales import SalesTotals
from custdesk.domain.periods import Period
from custdesk.storage.store import Store

PLACE = {level: f"coalesce(nullif(trim(o.{level}), ''), nullif(trim(c.{level}), ''), '(none)')"
         for level in ("country", "region", "city")}
_SEGMENT = "coalesce(nullif(trim(c.segment), ''), '(none)')"
_SOURCE = "coalesce(nullif(trim(c.source), ''), '(none)')"


def _span(period: Period) -> dict[str, str]:
    return {"lo": period.start.isoformat(), "hi": period.end.isoformat()}


def sales_by_place(store: Store, period: Period, level: str
                   ) -> dict[str, tuple[SalesTotals, int]]:
    """place -> (the sales sums of `metrics_sales.sales_metrics`, buying customers)."""
    sql = f"""
    SELECT {PLACE[level]}, sum(o.revenue_e4), sum(coalesce(o.cost_e4, 0)),
           sum(CASE WHEN o.cost_e4 IS NOT NULL THEN o.revenue_e4 ELSE 0 END),
           count(*), sum(o.cost_e4 IS NOT NULL),
           count(DISTINCT o.order_ref) + sum(o.order_ref IS NULL),
           count(DISTINCT o.customer_id)
    FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.date BETWEEN :lo AND :hi GROUP BY 1"""
    return {str(g): (SalesTotals(*(int(v or 0) for v in sums[:6])), int(sums[6]))
            for g, *sums in store.conn.execute(sql, _span(period))}


def segment_source(store: Store, period: Period) -> list[tuple[str, str, int, int]]:
    """(segment, source, buying customers, revenue_e4) of the period."""
    sql = f"""
    SELECT {_SEGMENT}, {_SOURCE}, count(DISTINCT o.customer_id), sum(o.revenue_e4)
    FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.date BETWEEN :lo AND :hi GROUP BY 1, 2 ORDER BY 4 DESC"""
    return [(str(a), str(b), int(k), int(r or 0))
            for a, b, k, r in store.conn.execute(sql, _span(period))]


def segment_quarters(store: Store, period: Period) -> list[tuple[str, str, int, int]]:
    """(quarter 'YYYY-Qn', segment, buying customers, revenue_e4) per quarter of the
    period (a quarter cut by the period counts only its days inside). A customer has one
    segment, so a quarter's buyers are the sum over its segments."""
    quarter = "printf('%04d-Q%d', o.month / 100, (o.month % 100 + 2) / 3)"
    sql = f"""
    SELECT {quarter}, {_SEGMENT}, count(DISTINCT o.customer_id), sum(o.revenue_e4)
    FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.date BETWEEN :lo AND :hi GROUP BY 1, 2 ORDER BY 1, 2"""
    return [(str(q), str(s), int(k), int(r or 0))
            for q, s, k, r in store.conn.execute(sql, _span(period))]


def places_by_customer(store: Store, period: Period
                       ) -> list[tuple[str, str, str, int, SalesTotals]]:
    """(country, region, city, customer id, their sales sums there) for the period: one
    scan for all three levels (the screen adds them up per level; a customer's places are
    counted once per level)."""
    sql = f"""
    SELECT {PLACE['country']}, {PLACE['region']}, {PLACE['city']}, o.customer_id,
           sum(o.revenue_e4), sum(coalesce(o.cost_e4, 0)),
           sum(CASE WHEN o.cost_e4 IS NOT NULL THEN o.revenue_e4 ELSE 0 END),
           count(*), sum(o.cost_e4 IS NOT NULL),
           count(DISTINCT o.order_ref) + sum(o.order_ref IS NULL)
    FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.date BETWEEN :lo AND :hi GROUP BY 1, 2, 3, 4"""
    return [(str(a), str(b), str(c), int(k), SalesTotals(*(int(v or 0) for v in sums)))
            for a, b, c, k, *sums in store.conn.execute(sql, _span(period))]


# the lines summed per customer and ship-to as written first (no join per line), then
# placed (the line's place, else the customer's) and summed again: the same sums as
# `places_by_customer` without its order count (the markets page shows none), 1.3 s against
# 2.4 s on the big file's year under load
_PLACED = {level: expr.replace("o.", "x.") for level, expr in PLACE.items()}
_BY_CUSTOMER_AND_SHIP_TO = """
x AS MATERIALIZED (
  SELECT o.customer_id AS customer_id, o.country AS country, o.region AS region,
         o.city AS city, sum(o.revenue_e4) AS rev, sum(coalesce(o.cost_e4, 0)) AS cost,
         sum(CASE WHEN o.cost_e4 IS NOT NULL THEN o.revenue_e4 ELSE 0 END) AS rev_c,
         count(*) AS n, sum(o.cost_e4 IS NOT NULL) AS n_c
  FROM orders o WHERE o.date BETWEEN :lo AND :hi GROUP BY 1, 2, 3, 4)"""
_PLACE_SUMS = f"""
WITH {_BY_CUSTOMER_AND_SHIP_TO}
SELECT {_PLACED['country']}, {_PLACED['region']}, {_PLACED['city']}, x.customer_id,
       sum(rev), sum(cost), sum(rev_c), sum(n), sum(n_c)
FROM x JOIN customers c ON c.id = x.customer_id GROUP BY 1, 2, 3, 4"""


def place_sums(store: Store, period: Period
               ) -> list[tuple[str, str, str, int, int, int, int, int, int]]:
    """(country, region, city, customer id, revenue_e4, cost_e4 (known), revenue_e4 of the
    lines with a cost, lines, lines with a cost): `places_by_customer` without orders."""
    return [(str(a), str(b), str(c), int(k), int(r or 0), int(x or 0), int(rc or 0),
             int(n), int(nc or 0))
            for a, b, c, k, r, x, rc, n, nc in store.conn.execute(_PLACE_SUMS, _span(period))]


# the same sums added up per place of each level in SQL, with the buying customers counted
# once per place: the markets page's rows without a Python pass over every customer-place
# (100k on the big file's year: 0.47 → 0.34 s)
_PLACE_TOTALS = f"""
WITH {_BY_CUSTOMER_AND_SHIP_TO},
y AS MATERIALIZED (
  SELECT {_PLACED['country']} AS country, {_PLACED['region']} AS region,
         {_PLACED['city']} AS city, x.customer_id AS cid, rev, cost, rev_c, n, n_c
  FROM x JOIN customers c ON c.id = x.customer_id)
SELECT 'country', country, sum(rev), sum(cost), sum(rev_c), sum(n), sum(n_c),
       count(DISTINCT cid) FROM y GROUP BY 2
UNION ALL
SELECT 'region', region, sum(rev), sum(cost), sum(rev_c), sum(n), sum(n_c),
       count(DISTINCT cid) FROM y GROUP BY 2
UNION ALL
SELECT 'city', city, sum(rev), sum(cost), sum(rev_c), sum(n), sum(n_c),
       count(DISTINCT cid) FROM y GROUP BY 2"""


def place_totals(store: Store, period: Period
                 ) -> dict[str, dict[str, tuple[int, int, int, int, int, int]]]:
    """level ("country", "region", "city") -> place -> (revenue_e4, cost_e4 (known),
    revenue_e4 of the lines with a cost, lines, lines with a cost, buying customers): the
    `place_sums` added up per place."""
    out: dict[str, dict[str, tuple[int, int, int, int, int, int]]] = {
        "country": {}, "region": {}, "city": {}}
    for level, place, r, x, rc, n, nc, k in store.conn.execute(_PLACE_TOTALS, _span(period)):
        out[str(level)][str(place)] = (int(r or 0), int(x or 0), int(rc or 0), int(n),
                                       int(nc or 0), int(k))
    return out


# ----- the segment tables from one scan ------------------------------------------------------
# `segment_months` (costs page), `segment_source` and `segment_quarters` (markets page) each
# joined every line of the period with its customer (0.7 s apiece on 300k lines under
# load). Summed per customer and month first (the covering date index, no table read),
# then joined with the customers once per row of that, the three come from one statement
# (0.4 s) and are added up in Python; the three queries above stay as their reference.
_CUSTOMER_MONTHS = f"""
WITH pc AS MATERIALIZED (
  SELECT o.customer_id AS cid, substr(o.date, 1, 7) AS month, o.date >= :start AS inside,
         sum(o.revenue_e4) AS rev,
         sum(CASE WHEN o.cost_e4 IS NOT NULL THEN o.revenue_e4 - o.cost_e4 ELSE 0 END) AS gp
  FROM orders o WHERE o.date BETWEEN :lo AND :hi GROUP BY 1, 2, 3)
SELECT pc.month, pc.inside, {_SEGMENT}, {_SOURCE}, pc.cid, pc.rev, pc.gp
FROM pc JOIN customers c ON c.id = pc.cid
"""


@dataclass(frozen=True, slots=True)
class CustomerMonths:
    """Per customer and month (YYYY-MM): (month, in the period, segment, source, customer
    id, revenue_e4, gross profit_e4 over lines with a known cost), lines dated from the
    span's start (which may be earlier than the period's, never later) to its end."""

    period: Period
    rows: list[tuple[str, bool, str, str, int, int, int]]

    def segment_months(self) -> list[tuple[str, str, int, int, int]]:
        """`queries_growth_costs.segment_months(period)`."""
        sums: dict[tuple[str, str], list[int]] = {}
        for month, inside, seg, _src, _cid, rev, gp in self.rows:
            if inside:  # one row per customer, month and side: count rows
                s = sums.setdefault((month, seg), [0, 0, 0])
                s[0] += 1
                s[1] += rev
                s[2] += gp
        return [(m, g, k, r, p) for (m, g), (k, r, p) in sorted(sums.items())]

    def segment_source(self) -> list[tuple[str, str, int, int]]:
        """`segment_source(period)`: most revenue first."""
        buyers: dict[tuple[str, str], set[int]] = {}
        revenue: dict[tuple[str, str], int] = {}
        for _month, inside, seg, src, cid, rev, _gp in self.rows:
            if inside:
                buyers.setdefault((seg, src), set()).add(cid)
                revenue[(seg, src)] = revenue.get((seg, src), 0) + rev
        rows = [(a, b, len(buyers[(a, b)]), revenue[(a, b)]) for a, b in sorted(buyers)]
        return sorted(rows, key=lambda r: -r[3])

    def segment_quarters(self) -> list[tuple[str, str, int, int]]:
        """`segment_quarters(span)` over every row."""
        buyers: dict[tuple[str, str], set[int]] = {}
        revenue: dict[tuple[str, str], int] = {}
        for month, _inside, seg, _src, cid, rev, _gp in self.rows:
            key = (f"{month[:4]}-Q{(int(month[5:7]) + 2) // 3}", seg)
            buyers.setdefault(key, set()).add(cid)
            revenue[key] = revenue.get(key, 0) + rev
        return [(q, s, len(buyers[(q, s)]), revenue[(q, s)]) for q, s in sorted(buyers)]


def customer_months(store: Store, period: Period, span: Period) -> CustomerMonths:
    """The period's and the span's (from its start, up to the period's end) lines summed
    per customer and month (`CustomerMonths`)."""
    rows = store.conn.execute(_CUSTOMER_MONTHS, {"lo": span.start.isoformat(),
                                                 "hi": period.end.isoformat(),
                                                 "start": period.start.isoformat()})
    return CustomerMonths(period, [(str(m), bool(i), str(g), str(s), int(c), int(r or 0),
                                    int(p or 0)) for m, i, g, s, c, r, p in rows])
