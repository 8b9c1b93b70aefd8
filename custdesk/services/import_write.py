"""Carrying an import plan out inside the caller's transaction (the SQL is in storage/).

`write_plan` turns a `Plan` into the storage calls of `storage/import_writes.py` and keeps
the order summary in step in the same transaction; undo is `storage/import_undo.py`,
re-exported here for the importer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from custdesk.domain.text import name_key
from custdesk.services.import_plan import Plan
from custdesk.storage import import_writes
from custdesk.storage.deal_history import record_stage_change
from custdesk.storage.import_undo import UNDO_ORDER, UndoRefusedError, undo_batch, undo_blockers
from custdesk.storage.import_writes import CHUNK, record_change
from custdesk.storage.owner_records import OWNER_TABLES
from custdesk.storage.queries_summary import kept_in_step
from custdesk.storage.repository import ensure_stage, stage_ids
from custdesk.storage.store import Store

__all__ = ["CHUNK", "REBUILD_MAX_EXISTING", "REBUILD_MIN_ROWS", "UNDO_ORDER",
           "UndoRefusedError", "insert_rows", "record_change", "undo_batch", "undo_blockers",
           "write_plan"]

Progress = Callable[[int, int], None]

# Rebuilding pays when the batch is big and the table at most a few times its size:
# measured at 100k order lines into an empty table with its 6 indexes, 3.4 s of per-row
# index upkeep against 0.3 s of inserts + 0.4 s to build the indexes from sorted runs;
# building costs ~0.8 µs per row per index of the whole table, upkeep ~5 µs per new row.
REBUILD_MIN_ROWS = 20_000
REBUILD_MAX_EXISTING = 3  # existing rows at most this many times the batch


def insert_rows(store: Store, table: str, rows: Sequence[dict[str, Any]], batch_id: int,
                progress: Callable[[int], None] | None = None) -> None:
    """Insert the rows stamped with the batch, under this module's rebuild thresholds
    (read at call time, so a test can lower them)."""
    import_writes.insert_rows(store, table, rows, batch_id, progress,
                              rebuild_from=REBUILD_MIN_ROWS,
                              rebuild_max_existing=REBUILD_MAX_EXISTING)


def write_plan(store: Store, plan: Plan, batch_id: int,
               progress: Callable[[int], None] | None = None) -> None:
    """Carry the plan out (inside the caller's transaction); the order summary is rebuilt
    before that transaction ends (`kept_in_step`), so reads never have to."""
    with kept_in_step(store):
        _write_plan(store, plan, batch_id, progress)


def _write_plan(store: Store, plan: Plan, batch_id: int,
                progress: Callable[[int], None] | None) -> None:
    for name in plan.new_stages:
        record_change(store, batch_id, "stages", ensure_stage(store, name), "insert")
    if plan.customers is not None:
        insert_rows(store, "customers", _complete_customers(plan.customers.new_rows), batch_id)
    if plan.products is not None:
        insert_rows(store, "products", plan.products.new_rows, batch_id)
    rows = plan.inserts
    if plan.kind == "customers":
        rows = _complete_customers(list(rows))
    if plan.kind == "tickets":
        import_writes.defer_references(store)
    if plan.kind == "deals" and plan.new_stages:
        ids = stage_ids(store)
        for row in rows:
            if isinstance(row["stage_id"], str):
                row["stage_id"] = ids[row["stage_id"][4:]]
    if plan.table in OWNER_TABLES:  # no batch_id column: each insert is an undo record
        import_writes.insert_unbatched(store, plan.table, rows, batch_id)
    else:
        insert_rows(store, plan.table, rows if plan.uniform else _uniform(list(rows)),
                    batch_id, progress)
    today = date.today().isoformat()
    for update in plan.updates:
        after = dict(update.after)
        if plan.kind == "deals" and isinstance(after.get("stage_id"), str):
            after["stage_id"] = stage_ids(store)[after["stage_id"][4:]]
        import_writes.update_row(store, update.table, update.row_id, after)
        record_change(store, batch_id, update.table, update.row_id, "update", update.before)
        if plan.kind == "deals" and "stage_id" in after:  # METRICS.md: imports record too
            record_stage_change(store, update.row_id, update.before.get("stage_id"),
                                after["stage_id"], after.get("closed_on") or today,
                                "import", batch_id)
    if plan.deletes:  # an order's lines the file no longer holds (kept for undo)
        import_writes.delete_rows(store, plan.table, plan.deletes, batch_id)


_CUSTOMER_DEFAULTS = {"ref": None, "name": "", "name_key": "", "company": None, "email": None,
                      "email_key": None, "phone": None, "segment": None, "source": None,
                      "referred_by": None, "acquired_on": None, "status": None,
                      "lost_on": None, "lost_reason": None, "country": None, "city": None,
                      "notes": None, "created_on": "", "campaign": None,
                      "contract_end": None, "region": None, "id": None}


def _complete_customers(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Same columns for every row, so one executemany statement fits them all."""
    out = []
    for row in rows:
        full = {**_CUSTOMER_DEFAULTS, **row}
        full["name_key"] = name_key(full["name"])
        out.append(full)
    return out


def _uniform(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not rows:
        return rows
    columns = dict.fromkeys(c for r in rows[:1] for c in r)
    if all(r.keys() == columns.keys() for r in rows):
        return rows
    for row in rows:
        columns.update(dict.fromkeys(row))
    return [{c: row.get(c) for c in columns} for row in rows]
