"""Upkeep of `customer_order_stats`, the per-customer order summary (table: m002).

Per customer it holds what the metrics need from the whole order history: first and last
order day, lines, revenue, known cost, smallest and largest order key; since m006 also the
revenue and number of the lines with a known cost (`costed_revenue_e4`, `costed_lines`:
gross profit over costed lines = costed_revenue_e4 - cost_e4) and the orders (`orders`:
distinct order_ref plus each line without one, the customers table's count). A period ending on
or after the last order then reads one row per customer instead of every line
(`queries.customer_facts`' fast path, `queries_tally`, `queries_lists.customer_states`).

Who keeps it in step: every custdesk write that changes order lines, inside its own
transaction (`kept_in_step`: the import and its undo, customer delete and merge, the undo
of an edit, the demo), and `database.open_store` once at open, under the write lock, for a
file an older version left stale (if that refill cannot be written — a full disk — the file
still opens, its summary stale). Reads never write: they only ask `stats_source`, which
names the table, or — when something outside custdesk changed order lines (the triggers of
m002 mark that) — the same aggregate computed from the lines in the query itself, so a
number is never taken from a stale summary.

Why not maintain it per line in triggers: that made a 300k-line import 3× slower
(measured: 15 s vs 5 s); one `GROUP BY` at the end of the write costs far less.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from custdesk.storage.store import Store

NAME = "customer_order_stats"
_KEY = "coalesce(order_ref, 'd' || date)"  # METRICS.md's repeat rule: order_ref, else day
ORDER_KEY = "coalesce(o.order_ref, 'd' || o.date)"  # the same over lines aliased `o`

# the summary's columns computed from the order lines (one row per customer), by name
_COLUMNS = {
    "customer_id": "customer_id", "first_date": "min(date)", "last_date": "max(date)",
    "lines": "count(*)", "revenue_e4": "sum(revenue_e4)",
    "cost_e4": "coalesce(sum(cost_e4), 0)", "min_key": f"min({_KEY})",
    "max_key": f"max({_KEY})",
    # m006
    "costed_revenue_e4": "coalesce(sum(iif(cost_e4 IS NULL, 0, revenue_e4)), 0)",
    "costed_lines": "count(cost_e4)",
    "orders": "count(DISTINCT order_ref) + sum(order_ref IS NULL)",
}
_AGGREGATE = ("SELECT " + ", ".join(f"{sql} AS {name}" for name, sql in _COLUMNS.items())
              + " FROM orders")


def _fill(store: Store) -> str:
    """INSERT … SELECT of the summary's rows (a WHERE and the GROUP BY to follow), naming
    the columns the table has: a file opened by a test at an older schema version (m002's
    eight columns) is filled too."""
    names = [name for _, name, *_ in store.conn.execute(f"PRAGMA table_info({NAME})")]
    return (f"INSERT INTO {NAME} ({', '.join(names)}) SELECT "
            + ", ".join(_COLUMNS[name] for name in names) + " FROM orders")


def is_stale(store: Store) -> bool:
    """True when order lines changed since the summary was last built."""
    row = store.conn.execute("SELECT dirty FROM summary_state WHERE name = ?",
                             (NAME,)).fetchone()
    return row is None or bool(row[0])


def stats_source(store: Store) -> str:
    """What a read puts after FROM / JOIN for the summary: the table when it is fresh, else
    the same aggregate over the order lines (slower, never stale, writes nothing)."""
    if not is_stale(store):
        return NAME
    return f"({_AGGREGATE} GROUP BY customer_id)"


def refresh_order_stats(store: Store) -> None:
    """Rebuild the whole summary from the order lines (inside the caller's transaction if
    any): one GROUP BY, for writes that touched many customers."""
    with store.transaction():
        store.conn.execute(f"DELETE FROM {NAME}")
        store.conn.execute(f"{_fill(store)} GROUP BY customer_id")
        _mark_fresh(store)


def refresh_customers(store: Store, customer_ids: Iterable[int]) -> None:
    """Rebuild the rows of these customers only (index seeks on orders_customer_date), for
    writes that touched a few customers. The caller knows the rest was fresh."""
    ids = sorted(set(customer_ids))
    fill = _fill(store)
    with store.transaction():
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            store.conn.execute(f"DELETE FROM {NAME} WHERE customer_id IN ({marks})", chunk)
            store.conn.execute(f"{fill} WHERE customer_id IN ({marks}) GROUP BY customer_id",
                               chunk)
        _mark_fresh(store)


def _mark_fresh(store: Store) -> None:
    store.conn.execute("UPDATE summary_state SET dirty = 0 WHERE name = ?", (NAME,))


def ensure_order_stats(store: Store) -> None:
    """Rebuild the summary if any order line changed since it was last built.

    A write: called when a file is opened (under the lock) and by writers, never by reads.
    """
    if is_stale(store):
        refresh_order_stats(store)


@contextmanager
def kept_in_step(store: Store, customer_ids: Iterable[int] | None = None) -> Iterator[None]:
    """Run a write that may change order lines and leave the summary fresh, in the same
    transaction. With `customer_ids` (every customer whose lines the write touches) only
    their rows are rebuilt, provided the summary was fresh before; else all of it."""
    with store.transaction():
        was_fresh = not is_stale(store)
        yield
        if not is_stale(store):
            return  # no order line changed
        if customer_ids is not None and was_fresh:
            refresh_customers(store, customer_ids)
        else:
            refresh_order_stats(store)
