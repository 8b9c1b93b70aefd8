"""SQL for the New screen's list of the period's new customers (issue 18): everything a row
shows in one statement over the customers acquired in the period.

The reference is the Customers tab's path — `queries_lists.new_and_lost` (every customer's
state flags, the new and the lost kept) then `customers.new_rows` (each new customer's first
order, looked up again by id): tests/test_perf_new_rows.py. The New screen shows the new
customers only, so neither the other customers' flags (last orders on two days, seeks for
those whose history straddles them) nor a second statement over the same ids is needed.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from custdesk.domain.customer_state import REPEAT_WITHIN_DAYS
from custdesk.storage.database import Store
from custdesk.storage.queries_cache import data_version
from custdesk.storage.queries_cohorts import _ACQ
from custdesk.storage.queries_lists import FIRST_KEY, FIRST_KEY_VALUE, REPEAT_AFTER_FIRST
from custdesk.storage.queries_summary import stats_source

# acquired as `customer_states` dates it (_ACQ); the first order up to the end from the
# summary's first day (the earliest line of all: when it is after the end there is none up
# to it), its key and value and "ordered again within 90 days" as `first_orders` finds them
_NEW_ROWS_SQL = f"""
WITH a AS (
  SELECT c.id AS cid, c.name AS name, c.segment AS segment, c.source AS source,
    c.referred_by AS referred_by, {_ACQ} AS acq, s.first_date AS first
  FROM customers c LEFT JOIN {{stats}} s ON s.customer_id = c.id),
n AS MATERIALIZED (
  SELECT *, iif(first <= :end, first, NULL) AS first_on FROM a
  WHERE acq BETWEEN :start AND :end),
g AS MATERIALIZED (
  SELECT n.*, iif(first_on IS NULL, NULL, {FIRST_KEY.format(cid="cid", first="first_on")})
    AS first_key FROM n)
SELECT cid, name, segment, source, referred_by, acq, first, first_on IS NOT NULL,
  {FIRST_KEY_VALUE.format(cid="cid", key="first_key")},
  iif(first_on IS NULL, 0,
      {REPEAT_AFTER_FIRST.format(cid="cid", first="first_on", key="first_key")}),
  (SELECT sum(o.revenue_e4) FROM orders o WHERE o.customer_id = cid
   AND o.date BETWEEN :start AND :end)
FROM g ORDER BY cid
"""


# the same customers without their first order (`FirstOrders` hands it in: the New screen's
# first days, read in the same build for its quality tables, hold it): ~0.1 s of seeks fewer
# for the big file's 18k new customers of a year
_NEW_ROWS_BARE_SQL = _NEW_ROWS_SQL[:_NEW_ROWS_SQL.index("g AS MATERIALIZED")].rstrip(
    ",\n") + """
SELECT cid, name, segment, source, referred_by, acq, first, first_on IS NOT NULL, 0, 0,
  (SELECT sum(o.revenue_e4) FROM orders o WHERE o.customer_id = cid
   AND o.date BETWEEN :start AND :end)
FROM n ORDER BY cid
"""
assert "first_key" not in _NEW_ROWS_BARE_SQL and "FROM n ORDER BY cid" in _NEW_ROWS_BARE_SQL


class FirstOrders(NamedTuple):
    """First orders found already (the New screen's first days, read for its quality
    tables in the same build), with the data version they were read at."""

    # customer id -> (first order's value e4, another order within 90 days of it) of the
    # customers with an order up to the end (`queries_loyalty.first_days`' first_order_e4,
    # orders_90d >= 2)
    orders: dict[int, tuple[int, bool]]
    # `queries_cache.data_version` taken before they were read: the same after the list's
    # statement, both reads saw the same data
    version: tuple[int, int]


class NewCustomer(NamedTuple):
    """A customer whose acquisition day (text, as SQL has it) lies in the period."""

    customer_id: int
    name: str
    segment: str | None
    source: str | None
    referred_by: str | None
    acquired: str
    first_date: str | None  # their first order's day (text) in the whole file
    has_first_order: bool  # an order on or before the period's end
    first_order_e4: int  # its value (0 without one)
    repeat_90d: bool  # another order within 90 days of the first (up to the end)
    revenue_e4: int  # their revenue in the period


def new_customers(store: Store, start: date, end: date, firsts: FirstOrders | None = None
                  ) -> list[NewCustomer]:
    """The customers acquired `start`..`end` (acquisition text between them), by id.
    `firsts`: their first orders up to `end`, found already (every customer acquired in the
    period with an order up to `end` is in it): not looked up again, unless a write landed
    since they were read."""
    sql = (_NEW_ROWS_SQL if firsts is None else _NEW_ROWS_BARE_SQL).format(
        stats=stats_source(store))
    params = {"start": start.isoformat(), "end": end.isoformat(),
              "repeat_fwd": f"+{REPEAT_WITHIN_DAYS} days"}
    rows = [NewCustomer(cid, name, seg, source, referred, acq, first, bool(has),
                        int(value or 0), bool(repeat), int(rev or 0))
            for cid, name, seg, source, referred, acq, first, has, value, repeat, rev
            in store.conn.execute(sql, params)]
    if firsts is None:
        return rows
    if data_version(store) != firsts.version:
        # a commit landed since the first orders were read (another process's import): a
        # row would mix both versions (an old repeat flag beside the new revenue), so the
        # rows are read again, first orders and all, by one statement
        return new_customers(store, start, end)
    orders = firsts.orders
    return [r._replace(first_order_e4=orders[r.customer_id][0],
                       repeat_90d=orders[r.customer_id][1]) if r.has_first_order else r
            for r in rows]
