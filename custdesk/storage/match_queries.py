"""The reads an import plan needs: existing records to match against, rows already holding
a line key, and the current values of records it may update."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from custdesk.domain.text import name_key
from custdesk.storage.store import Store

LOOKUP_CHUNK = 900  # keys per IN (...) list: under SQLite's 999-parameter default


def match_rows(store: Store, table: str) -> Iterator[tuple[int, str | None, str | None,
                                                          str | None]]:
    """(id, ref, name_key, email_key) of every customer or product (email_key is None for
    products)."""
    email = ", email_key" if table == "customers" else ", NULL"
    yield from store.conn.execute(f"SELECT id, ref, name_key{email} FROM {table}")


def existing_keys(store: Store, table: str, keys: list[str], columns: str = "id"
                  ) -> dict[str, tuple[Any, ...]]:
    """line_key -> selected columns of the rows already holding those keys."""
    found: dict[str, tuple[Any, ...]] = {}
    if not keys or store.conn.execute(f"SELECT 1 FROM {table} WHERE line_key IS NOT NULL "
                                      "LIMIT 1").fetchone() is None:
        return found  # (a first import: no need to look 100k keys up one chunk at a time)
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start:start + LOOKUP_CHUNK]
        sql = (f"SELECT line_key, {columns} FROM {table} "
               f"WHERE line_key IN ({','.join('?' * len(chunk))})")
        for row in store.conn.execute(sql, chunk):
            found[row[0]] = tuple(row[1:])
    return found


def current_values(store: Store, table: str, row_id: int, columns: Iterable[str]
                   ) -> dict[str, Any]:
    """The named columns of one record, by id."""
    cols = list(columns)
    row = store.conn.execute(
        f"SELECT {', '.join(cols)} FROM {table} WHERE id = ?", (row_id,)).fetchone()
    return dict(zip(cols, row, strict=True))


def target_rows(store: Store) -> dict[tuple[str, str, str, str], tuple[Any, ...]]:
    """(month, product name key, category name key, metric or '') -> (id,
    revenue_target_e4, new_customers_target, target, product, category)."""
    return {(month, name_key(product), name_key(category), metric or ""):
            (row_id, revenue, new, target, product, category)
            for row_id, month, product, category, metric, revenue, new, target
            in store.conn.execute(
                "SELECT id, month, product, category, metric, revenue_target_e4, "
                "new_customers_target, target FROM targets ORDER BY id")}


def names_by_id(store: Store, table: str) -> dict[int, str]:
    """id -> name of every customer or product."""
    return dict(store.conn.execute(f"SELECT id, name FROM {table}"))


def spellings(store: Store, columns: Iterable[tuple[str, str]]) -> list[str]:
    """The distinct values of these (table, column)s, each table's in the order they first
    appear in it (the first spelling seen is the one kept), tables in the order given."""
    out: list[str] = []
    for table, column in columns:
        first = "position" if table == "reasons" else "rowid"  # the owner's list order
        out.extend(value for (value,) in store.conn.execute(
            f"SELECT {column} FROM (SELECT {column}, min({first}) AS first FROM {table} "
            f"WHERE {column} IS NOT NULL GROUP BY {column}) ORDER BY first"))
    return out


def amount_totals(store: Store, table: str, columns: Iterable[str]) -> dict[str, float]:
    """The sum of the absolute values of these integer columns (`*_e4`), as floats: SQL's
    `total()` never overflows, where `sum()` of 64-bit integers can (issue 20 M1)."""
    names = list(columns)
    if not names:
        return {}
    row = store.conn.execute(
        f"SELECT {', '.join(f'total(abs({c}))' for c in names)} FROM {table}").fetchone()
    return dict(zip(names, (float(x) for x in row), strict=True))


def rows_by_id(store: Store, table: str, ids: list[int], identity: tuple[str, str],
               columns: str = "id") -> dict[int, tuple[Any, ...]]:
    """id -> (line_key, day, customer, *columns) of the rows with these ids (`identity`:
    the SQL of the day and customer columns a generated export key was made from)."""
    found: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start:start + LOOKUP_CHUNK]
        sql = (f"SELECT id, line_key, {identity[0]}, {identity[1]}, {columns} FROM {table} "
               f"WHERE id IN ({','.join('?' * len(chunk))})")
        for row in store.conn.execute(sql, chunk):
            found[row[0]] = tuple(row[1:])
    return found


def rows_by_ref(store: Store, table: str, refs: list[str], columns: str = "id"
                ) -> dict[str, tuple[Any, ...]]:
    """ref -> selected columns of the first (oldest) record with that reference."""
    found: dict[str, tuple[Any, ...]] = {}
    for start in range(0, len(refs), LOOKUP_CHUNK):
        chunk = refs[start:start + LOOKUP_CHUNK]
        sql = (f"SELECT ref, {columns} FROM {table} "
               f"WHERE ref IN ({','.join('?' * len(chunk))}) ORDER BY id")
        for row in store.conn.execute(sql, chunk):
            found.setdefault(row[0], tuple(row[1:]))
    return found


def order_lines_with_refs(store: Store, refs: set[str]
                          ) -> list[tuple[int, int, str, int, str | None]]:
    """(id, customer_id, order_ref, revenue_e4, line_key) of the stored order lines whose
    order reference is one of `refs` (one scan; nothing when the table has none)."""
    if not refs:
        return []
    return [row for row in store.conn.execute(
        "SELECT id, customer_id, order_ref, revenue_e4, line_key FROM orders "
        "WHERE order_ref IS NOT NULL") if row[2] in refs]


def deal_identities(store: Store) -> list[tuple[int, str | None, int | None, str | None,
                                                str | None]]:
    """(id, title, customer_id, created_on, ref) of every deal."""
    return list(store.conn.execute("SELECT id, title, customer_id, created_on, ref FROM deals"))


def full_rows(store: Store, table: str, ids: list[int]) -> list[dict[str, Any]]:
    """Every column of these rows (for an undo record of a row an import removes)."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start:start + LOOKUP_CHUNK]
        cursor = store.conn.execute(
            f"SELECT * FROM {table} WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        names = [d[0] for d in cursor.description]
        out.extend(dict(zip(names, row, strict=True)) for row in cursor)
    return out
