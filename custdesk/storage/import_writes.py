"""The import's write path in SQL: batch rows, bulk inserts, updates with their undo
records, and the saved column mappings. Everything runs inside the caller's transaction.

Rows an import inserts carry its `batch_id`, so undo (`import_undo`) deletes them by that
column. Rows it updates (and inserted rows of tables without a batch_id column: stages,
saved mappings) are listed in `batch_changes` with their previous values.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from operator import itemgetter
from typing import Any, overload

from custdesk.storage.store import Store

CHUNK = 20_000  # rows per executemany: progress (and a chance to cancel) between chunks


class Records(Sequence[dict[str, Any]]):
    """Rows that share one list of columns, each kept as a tuple of its values; read as a
    list of dicts. A dict per planned row cost ~1 KB: a 1M-line import held 1.1 GB of
    them, against ~0.2 GB as tuples (and `insert_rows` hands the tuples over as they are)."""

    __slots__ = ("columns", "values")

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = tuple(columns)
        self.values: list[tuple[Any, ...]] = []

    def __len__(self) -> int:
        return len(self.values)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [dict(zip(self.columns, v, strict=True)) for v in self.values[index]]
        return dict(zip(self.columns, self.values[index], strict=True))

    def append(self, row: dict[str, Any]) -> None:
        self.values.append(tuple(map(row.__getitem__, self.columns)))

    def column(self, name: str) -> list[Any]:
        """Every row's value of one column."""
        position = self.columns.index(name)
        return [v[position] for v in self.values]


def insert_rows(store: Store, table: str, rows: Sequence[dict[str, Any]], batch_id: int,
                progress: Callable[[int], None] | None = None, *,
                rebuild_from: int, rebuild_max_existing: int) -> None:
    """executemany in chunks; every row is stamped with the batch. A batch of at least
    `rebuild_from` rows into a table of at most `rebuild_max_existing` × its size is
    written with the table's indexes rebuilt afterwards (`_indexes_rebuilt`)."""
    if not rows:
        return
    compact = rows if isinstance(rows, Records) and "batch_id" not in rows.columns else None
    columns = list(compact.columns) if compact else [c for c in rows[0] if c != "batch_id"]
    sql = (f"INSERT INTO {table} ({', '.join(columns)}, batch_id) "
           f"VALUES ({', '.join('?' * len(columns))}, {int(batch_id)})")
    pick = itemgetter(*columns) if len(columns) > 1 else (lambda r: (r[columns[0]],))
    rebuild = len(rows) >= rebuild_from and _existing(store, table) <= (
        rebuild_max_existing * len(rows))
    with _indexes_rebuilt(store, table, rebuild):
        for start in range(0, len(rows), CHUNK):
            chunk = (compact.values[start:start + CHUNK] if compact
                     else [pick(r) for r in rows[start:start + CHUNK]])
            store.conn.executemany(sql, chunk)
            if progress:
                progress(min(start + CHUNK, len(rows)))


def _existing(store: Store, table: str) -> int:
    return int(store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


@contextmanager
def _indexes_rebuilt(store: Store, table: str, rebuild: bool) -> Iterator[None]:
    """Drop the table's own indexes for the block and create them again after it, inside
    the caller's transaction: an error or a kill in between rolls the drop back too.

    Triggers are untouched (they still fire per row). A UNIQUE index refuses a duplicate
    when it is rebuilt, exactly as it would have refused the insert. Only the order of
    rows in sqlite_master changes (the indexes' SQL, names and contents are the same).
    """
    conn = store.conn
    if not rebuild or not conn.in_transaction:
        yield
        return
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                           "tbl_name = ? AND sql IS NOT NULL ORDER BY rowid", (table,)
                           ).fetchall()
    stats = _saved_stats(store, table, [name for name, _sql in indexes])
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        conn.execute(sql)
    if stats:  # DROP INDEX deleted the planner's statistics of those indexes: put them back
        conn.executemany("INSERT INTO sqlite_stat1(rowid, tbl, idx, stat) VALUES (?, ?, ?, ?)",
                         stats)  # (same rowids: the same rows in the same order)


def _saved_stats(store: Store, table: str, names: list[str]) -> list[tuple[Any, ...]]:
    """The ANALYZE statistics of these indexes (none unless ANALYZE ever ran)."""
    if store.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
                          ).fetchone() is None:
        return []
    rows = store.conn.execute("SELECT rowid, tbl, idx, stat FROM sqlite_stat1 WHERE tbl = ?",
                              (table,)).fetchall()
    return [row for row in rows if row[2] in names]


def record_change(store: Store, batch_id: int, table: str, row_id: int, action: str,
                  before: dict[str, Any] | None = None) -> None:
    """One undo record: an 'insert' to delete, or an 'update' with the previous values."""
    store.conn.execute(
        "INSERT INTO batch_changes(batch_id, table_name, row_id, action, before_json) "
        "VALUES (?, ?, ?, ?, ?)",
        (batch_id, table, row_id, action, None if before is None else json.dumps(before)))


def insert_unbatched(store: Store, table: str, rows: Sequence[dict[str, Any]],
                     batch_id: int) -> None:
    """Insert rows of a table without a batch_id column (the owner's records of m005),
    each listed in `batch_changes` as an 'insert' so that undo deletes it by rowid."""
    for row in rows:
        cursor = store.conn.execute(
            f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            tuple(row.values()))
        record_change(store, batch_id, table, int(cursor.lastrowid or 0), "insert")


REMOVED = "__removed__"  # an undo record's key for a row the import removed: the row


def delete_rows(store: Store, table: str, ids: Sequence[int], batch_id: int) -> None:
    """Remove these rows (an order's lines a re-imported file replaces), each kept whole in
    an undo record so that undo puts it back exactly (same id). The record is an 'update'
    whose `before_json` is {REMOVED: row} (batch_changes' CHECK knows only insert and
    update; `import_undo` reads the key)."""
    for start in range(0, len(ids), 900):
        chunk = list(ids[start:start + 900])
        marks = ",".join("?" * len(chunk))
        cursor = store.conn.execute(f"SELECT * FROM {table} WHERE id IN ({marks})", chunk)
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor]
        store.conn.executemany(
            "INSERT INTO batch_changes(batch_id, table_name, row_id, action, before_json) "
            "VALUES (?, ?, ?, 'update', ?)",
            [(batch_id, table, row["id"], json.dumps({REMOVED: row})) for row in rows])
        store.conn.execute(f"DELETE FROM {table} WHERE id IN ({marks})", chunk)


def defer_references(store: Store) -> None:
    """Check foreign keys when the caller's transaction commits, not row by row: a
    follow-up ticket may come before the ticket it follows in the same batch."""
    store.conn.execute("PRAGMA defer_foreign_keys = ON")


def next_ticket_id(store: Store) -> int:
    """The id the next new ticket gets (an import plans its tickets' ids, so a follow-up
    can point at a ticket of the same file)."""
    return int(store.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM tickets"
                                  ).fetchone()[0])


def update_row(store: Store, table: str, row_id: int, values: dict[str, Any]) -> None:
    """Set these columns of one row (by rowid)."""
    sets = ", ".join(f"{c} = ?" for c in values)
    store.conn.execute(f"UPDATE {table} SET {sets} WHERE rowid = ?", (*values.values(), row_id))


# ---- the batch row and saved mappings (for services/importer.py) ------------------------

def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def start_batch(store: Store, kind: str, source_file: str, sheet: str, mode: str) -> int:
    """The `import_batches` row every record of this import is stamped with."""
    cursor = store.conn.execute(
        "INSERT INTO import_batches(kind, source_file, sheet, mode, started_at) "
        "VALUES (?, ?, ?, ?, ?)", (kind, source_file, sheet, mode, _now()))
    return int(cursor.lastrowid or 0)


def finish_batch(store: Store, batch_id: int, counts: dict[str, int]) -> None:
    store.conn.execute(
        "UPDATE import_batches SET finished_at = ?, rows_read = ?, created = ?, updated = ?, "
        "unchanged = ?, invalid = ? WHERE id = ?",
        (_now(), counts["rows_read"], counts["created"], counts["updated"],
         counts["unchanged"], counts["invalid"], batch_id))


def saved_mapping(store: Store, signature: str) -> tuple[str, str] | None:
    """(kind, mapping_json) the owner confirmed before for this header signature."""
    row = store.conn.execute("SELECT kind, mapping_json FROM column_mappings "
                             "WHERE signature = ?", (signature,)).fetchone()
    return (row[0], row[1]) if row else None


def save_mapping(store: Store, batch_id: int, signature: str, kind: str, text: str) -> bool:
    """Remember a mapping (undoably, as part of the batch); False when already saved."""
    old = store.conn.execute("SELECT rowid, kind, mapping_json, saved_at FROM column_mappings "
                             "WHERE signature = ?", (signature,)).fetchone()
    if old and old[1] == kind and json.loads(old[2]) == json.loads(text):
        return False
    now = _now()
    if old:
        store.conn.execute("UPDATE column_mappings SET kind = ?, mapping_json = ?, saved_at = ? "
                           "WHERE rowid = ?", (kind, text, now, old[0]))
        record_change(store, batch_id, "column_mappings", old[0], "update",
                      {"kind": old[1], "mapping_json": old[2], "saved_at": old[3]})
    else:
        cursor = store.conn.execute(
            "INSERT INTO column_mappings(signature, kind, mapping_json, saved_at) "
            "VALUES (?, ?, ?, ?)", (signature, kind, text, now))
        record_change(store, batch_id, "column_mappings", int(cursor.lastrowid or 0), "insert")
    return True


def list_batches(store: Store) -> list[dict[str, Any]]:
    """Imports not undone, newest first, with their counts (an undone batch keeps its
    row, marked `undone_at`, so that its id is never given to a later import)."""
    return [dict(r) for r in store.db.query("SELECT * FROM import_batches "
                                            "WHERE undone_at IS NULL ORDER BY id DESC")]


@contextmanager
def write_cache(store: Store, kib: int = 131_072) -> Iterator[None]:
    """A bigger page cache for a bulk write, then the previous size again: with 128 MB
    the order-line indexes stay in memory (measured ~2x faster executemany at 100k lines
    than the 2 MB default)."""
    previous = int(store.conn.execute("PRAGMA cache_size").fetchone()[0])
    store.conn.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        store.conn.execute(f"PRAGMA cache_size = {previous}")


def data_state(store: Store) -> tuple[int, int]:
    """Changes by this connection and commits by any other: equal means unchanged."""
    version = store.conn.execute("PRAGMA data_version").fetchone()[0]
    return store.conn.total_changes, int(version)


# ---- rescue: a changed file's rows copied into a new one (`custdesk rescue`) ------------

# parents before children (foreign keys); the order summary is rebuilt, not copied
RESCUE_TABLES = ("settings", "stages", "reasons", "import_batches", "batch_changes",
                 "customers", "products", "orders", "deals", "tickets", "surveys", "spend",
                 "targets", "assessments", "assessment_answers", "column_mappings",
                 "actions", "deal_stage_history", "interactions",
                 # m005 (parents before children: the new file checks references)
                 "customer_snoozes", "detractor_followups", "edit_log", "costs",
                 "onboarding_steps", "strategic_reviews", "product_cases",
                 "pipeline_snapshots", "scorecard_followups")
_REPLACED_DEFAULTS = ("settings", "stages", "reasons")  # a new file's defaults give way


def copy_business(store: Store, source: sqlite3.Connection,
                  progress: Callable[[str, int], None] | None = None) -> dict[str, tuple[int, int]]:
    """Copy every row custdesk knows from `source` (read-only, never trusted: only its real
    tables are read, never a view, and no statement of it runs here) into `store`, a new
    file this version created, in one transaction. Columns are the ones both share, ids
    kept; a row the new file's own constraints refuse (types, CHECKs, references) is
    skipped and counted. Returns {table: (copied, skipped)}."""
    tables = {name: sql for name, sql in source.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table'")}
    result: dict[str, tuple[int, int]] = {}
    with store.transaction():
        for table in RESCUE_TABLES:
            sql = tables.get(table)
            if sql is None or sql.lstrip().upper().startswith("CREATE VIRTUAL"):
                result[table] = (0, 0)
                continue
            theirs = [row[1] for row in source.execute(f'PRAGMA table_info("{table}")')]
            ours = [row[1] for row in store.conn.execute(f"PRAGMA table_info({table})")]
            columns = [c for c in ours if c in theirs]
            if table in _REPLACED_DEFAULTS:
                store.conn.execute(f"DELETE FROM {table}")
            result[table] = _copy_table(store, source, table, columns)
            if progress:
                progress(table, result[table][0])
    return result


def _copy_table(store: Store, source: sqlite3.Connection, table: str,
                columns: list[str]) -> tuple[int, int]:
    names = ", ".join(f'"{c}"' for c in columns)
    insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
    cursor = source.execute(f'SELECT {names} FROM "{table}" ORDER BY rowid')
    copied = skipped = 0
    while chunk := cursor.fetchmany(5_000):
        store.conn.execute("SAVEPOINT rescue_chunk")
        try:
            store.conn.executemany(insert, chunk)
            copied += len(chunk)
        except sqlite3.DatabaseError:
            store.conn.execute("ROLLBACK TO rescue_chunk")
            for row in chunk:  # one by one: keep every row the new file accepts
                try:
                    store.conn.execute(insert, row)
                    copied += 1
                except sqlite3.DatabaseError:
                    skipped += 1
        store.conn.execute("RELEASE rescue_chunk")
    return copied, skipped


# ---- assessments (the scorecard sheet of a full export) ---------------------------------

def assessment_days(store: Store) -> set[str]:
    """The days that already hold an assessment."""
    return {day for (day,) in store.conn.execute("SELECT taken_on FROM assessments")}


def add_assessment(store: Store, batch_id: int, taken_on: str, note: str | None,
                   answers: dict[str, int | None]) -> None:
    """One assessment and its answers, with undo records (assessments have no batch_id:
    undo deletes it by id, and its answers with it)."""
    cursor = store.conn.execute("INSERT INTO assessments(taken_on, note) VALUES (?, ?)",
                                (taken_on, note))
    assessment_id = int(cursor.lastrowid or 0)
    store.conn.executemany(
        "INSERT INTO assessment_answers(assessment_id, question_id, score) VALUES (?, ?, ?)",
        [(assessment_id, qid, score) for qid, score in answers.items()])
    record_change(store, batch_id, "assessments", assessment_id, "insert")
