"""`queries.data_span` is kept per data version: a write on this connection or another one
gives the new span at once, and the kept span equals a fresh scan."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from perf_lists_data import random_store

from custdesk.storage import queries


def test_span_follows_every_write(tmp_path: Path) -> None:
    store = random_store(tmp_path, 41)
    # (a blank acquired_on makes the span's min '' — data_span fails on it, kept or not)
    store.conn.execute("UPDATE customers SET acquired_on = NULL WHERE acquired_on = ''")
    store.conn.commit()
    first = queries.data_span(store)
    assert first == queries._data_span(store) and first is not None
    assert queries.data_span(store) is first  # kept
    cid = store.conn.execute("SELECT min(id) FROM customers").fetchone()[0]
    store.conn.execute("INSERT INTO surveys (customer_id, date, nps, kind) "
                       "VALUES (?, '2031-05-06', 9, 'customer')", (cid,))
    store.conn.commit()
    assert queries.data_span(store).end == date(2031, 5, 6)
    other = sqlite3.connect(tmp_path / "kinds.db")  # another connection (not a custdesk store)
    try:
        other.execute("DELETE FROM surveys WHERE date = '2031-05-06'")
        other.commit()
    finally:
        other.close()
    assert queries.data_span(store) == first == queries._data_span(store)
    store.close()


def test_blank_dates_from_another_tool_do_not_break_the_span(store) -> None:
    """A file edited elsewhere may hold '' instead of no date: the span ignores it (every
    screen asks for the span first; a ValueError there broke every tab)."""
    store.conn.execute("INSERT INTO customers (name, name_key, acquired_on, lost_on, "
                       "created_on) VALUES ('Blank Dates Ltd', 'blank dates ltd', '', '', "
                       "'2026-01-05')")
    cid = store.conn.execute("SELECT id FROM customers WHERE name = 'Blank Dates Ltd'"
                             ).fetchone()[0]
    store.conn.execute("INSERT INTO surveys (customer_id, date, nps, kind) "
                       "VALUES (?, '2026-03-04', 9, 'customer')", (cid,))
    store.conn.commit()
    span = queries.data_span(store)
    assert span is not None
    assert (span.start, span.end) == (date(2026, 3, 4), date(2026, 3, 4))
