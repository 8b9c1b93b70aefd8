"""Compact undo snapshots: a created row as a JSON array of its values, led by a layout tag.

The undo snapshot of each customer, deal and order line an import creates (see
`import_snapshots` and `import_undo.record_after_images`) was a JSON object naming every
column: `{"customer_id":1,"date":"2022-06-07",...}`, ~410 bytes of `batch_changes` per
order line, more than the line itself with its six indexes (a 100k-line import: 43 MB of
a 75 MB file; 1M lines: ~430 MB written and synced at commit). Here the names are said once,
in code: `["orders/6",1,"2022-06-07",...]` is the row whose columns are `LAYOUTS`' list
for the tag "orders/6" (the table's columns at schema 6 but id and batch_id, in order).

A layout is used only while the table's columns are exactly its list; else (a later
migration added a column and nobody added a layout for it: `tests/test_perf_import_
snapshot_layouts.py` fails then) the snapshot is the JSON object, as before. A tag is never
changed or reused: snapshots written under it must read back as they were written, so a
new column list gets a new tag beside the old ones (`TAG_COLUMNS`, append only; `CURRENT`
names each table's tag now). `snapshot_values` reads both forms;
records written before this module are objects. The values are those `import_snapshots`
writes (REALs through `printf('%!.17g')` where it is exact, the Python path otherwise):
only their container changes.
"""

from __future__ import annotations

import json
from typing import Any

from custdesk.storage.import_snapshots import (
    _columns,
    printf_is_exact,
    record_snapshots_python,
    snapshot_sql,
)
from custdesk.storage.store import Store

# Every tag ever written -> its columns (but id and batch_id, in the table's order then).
# APPEND ONLY: a snapshot keeps its tag for ever (an undo years later reads it by this
# list), so a list here is never edited, reordered or removed, even after its table's
# columns change (tests/test_import_snapshot_tags.py pins each literally). A new column
# list gets a new tag, added here and named in CURRENT.
TAG_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers/6": (
        "ref", "name", "name_key", "company", "email", "email_key", "phone", "segment",
        "source", "referred_by", "acquired_on", "status", "lost_on", "lost_reason", "country",
        "city", "notes", "created_on", "campaign", "contract_end", "region"),
    "deals/6": (
        "ref", "customer_id", "title", "product_id", "stage_id", "amount_e4", "list_amount_e4",
        "probability", "owner", "source", "created_on", "expected_close", "closed_on",
        "lost_reason", "competitor", "next_step", "last_activity_on", "line_key", "campaign",
        "needs_me", "next_step_on", "special_terms", "win_reason", "reason_detail"),
    "orders/6": (
        "customer_id", "date", "month", "order_ref", "product_id", "category", "quantity",
        "unit_price_e4", "revenue_e4", "discount", "cost_e4", "line_key", "status",
        "shipped_on", "delivered_on", "region", "country", "city"),
}
# table -> the tag its snapshots are written with now (a tag of TAG_COLUMNS)
CURRENT = {"customers": "customers/6", "deals": "deals/6", "orders": "orders/6"}
# table -> (tag, its columns): the layout a new snapshot of the table is written in
LAYOUTS: dict[str, tuple[str, tuple[str, ...]]] = {
    table: (tag, TAG_COLUMNS[tag]) for table, tag in CURRENT.items()}


class UnknownLayoutError(ValueError):
    """A compact snapshot whose tag this custdesk does not know (written by a later
    version), or whose values do not fit its tag's columns; the message says which."""


def snapshot_values(text: str) -> Any:
    """A `before_json` as the values it holds: a compact snapshot as {column: value} in
    its layout's order; anything else (an object snapshot, an update's record) as parsed.
    UnknownLayoutError for a compact snapshot this version cannot read."""
    values = json.loads(text)
    if not isinstance(values, list):
        return values
    tag = values[0] if values else None
    columns = TAG_COLUMNS.get(tag) if isinstance(tag, str) else None
    if columns is None:
        raise UnknownLayoutError(f"an undo record in a layout this version of custdesk "
                                 f"does not know ({str(tag)[:40]!r})")
    if len(values) - 1 != len(columns):
        raise UnknownLayoutError(f"an undo record in layout {tag!r} holds "
                                 f"{len(values) - 1} values, not {len(columns)}")
    return dict(zip(columns, values[1:], strict=True))


def layout_of(store: Store, table: str) -> tuple[str, tuple[str, ...]] | None:
    """The table's layout while its columns are exactly the layout's list, else None."""
    layout = LAYOUTS.get(table)
    if layout is None or tuple(name for name, _kind in _columns(store, table)) != layout[1]:
        return None
    return layout


def record_snapshots(store: Store, batch_id: int, tables: tuple[str, ...]) -> None:
    """`import_snapshots.record_snapshots` with the compact form where a layout fits (rows
    left to the Python path are written by it, as objects, after the others)."""
    printf_exact = printf_is_exact(store)
    for table in tables:
        layout = layout_of(store, table)
        insert, rest = snapshot_sql(store, table, printf_exact=printf_exact,
                                    tag=layout[0] if layout else None)
        store.conn.execute(insert, (batch_id, batch_id))
        record_snapshots_python(store, batch_id, (table,), rest)
