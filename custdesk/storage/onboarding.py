"""The onboarding track's rows: what the orders say (first order, its delivery, the second
distinct order) and what the owner set per step (`onboarding_steps`, m005)."""

from __future__ import annotations

import json
from datetime import date

from custdesk.storage.queries_cache import cached
from custdesk.storage.queries_lists import FIRST_KEY
from custdesk.storage.store import Store

# The first order (queries_lists.FIRST_KEY: the smallest key among the first day's lines),
# the latest delivered day of its lines, and the second order's day — the earliest line of
# any other key, as the orders sort by (first day, key). Index seeks per customer, not every
# line of theirs grouped by key and numbered (0.17 -> 0.13 s for the big file's 9.4k
# customers being onboarded; tests/test_perf_lists_loyalty_sql.py)
_FROM_ORDERS = f"""
WITH d AS MATERIALIZED (
  SELECT w.value AS cid, (SELECT min(o.date) FROM orders o WHERE o.customer_id = w.value
                          AND o.date <= :end) AS first
  FROM json_each(:ids) w),
f AS MATERIALIZED (
  SELECT cid, first, {FIRST_KEY.format(cid="cid", first="first")} AS k
  FROM d WHERE first IS NOT NULL)
SELECT cid, first,
  max(coalesce((SELECT max(substr(nullif(o.delivered_on, ''), 1, 10)) FROM orders o
                WHERE o.order_ref = k AND o.customer_id = cid AND o.date <= :end), ''),
      coalesce((SELECT max(substr(nullif(o.delivered_on, ''), 1, 10)) FROM orders o
                WHERE o.customer_id = cid AND o.date = substr(k, 2) AND 'd' || o.date = k
                AND o.order_ref IS NULL), '')),
  (SELECT min(o.date) FROM orders o WHERE o.customer_id = cid AND o.date <= :end
   AND coalesce(o.order_ref, 'd' || o.date) != k)
FROM f
"""


def from_orders(store: Store, customer_ids: list[int], end: date
                ) -> dict[int, tuple[str | None, str | None, str | None]]:
    """customer id -> (first order day, that order's latest delivered_on, second distinct
    order's day), orders up to `end`."""
    if not customer_ids:
        return {}
    params = {"ids": json.dumps(customer_ids), "end": end.isoformat()}
    return {int(cid): (first and first[:10], delivered or None, second and second[:10])
            for cid, first, delivered, second in store.conn.execute(_FROM_ORDERS, params)}


def owner_steps(store: Store, customer_ids: list[int]
                ) -> dict[int, dict[str, tuple[str | None, str | None, str | None]]]:
    """customer id -> step -> (due_on, done_on, note) as the owner set them."""
    if not customer_ids:
        return {}
    out: dict[int, dict[str, tuple[str | None, str | None, str | None]]] = {}
    sql = ("SELECT s.customer_id, s.step, s.due_on, s.done_on, s.note FROM onboarding_steps s "
           "JOIN json_each(?) w ON w.value = s.customer_id")
    for cid, step, due, done, note in store.conn.execute(sql, (json.dumps(customer_ids),)):
        out.setdefault(int(cid), {})[step] = (due, done, note)
    return out


def save_step(store: Store, customer_id: int, step: str, due_on: str | None,
              done_on: str | None, note: str | None) -> None:
    """Set (or clear, when all three are None) the owner's due/done day of one step."""
    with store.transaction():
        if due_on is None and done_on is None and not note:
            store.conn.execute("DELETE FROM onboarding_steps WHERE customer_id = ? AND step = ?",
                               (customer_id, step))
            return
        store.conn.execute(
            "INSERT INTO onboarding_steps(customer_id, step, due_on, done_on, note) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(customer_id, step) DO UPDATE SET "
            "due_on = excluded.due_on, done_on = excluded.done_on, note = excluded.note",
            (customer_id, step, due_on, done_on, note))


def deliveries_recorded(store: Store) -> bool:
    """True when any order line carries a delivered_on date.

    Kept per store until the next write (one of the small cached results): in a file
    without any, the question reads every order line (0.1 s on the big file), and the New
    screen asks twice, Today once more."""
    return cached(store, ("deliveries recorded",), lambda: store.conn.execute(
        "SELECT EXISTS (SELECT 1 FROM orders WHERE "
        "trim(coalesce(delivered_on, '')) != '')").fetchone()[0] == 1, small=True)
