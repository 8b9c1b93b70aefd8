"""`queries._data_span` (the order lines' min and max as two index seeks, a ticket's day
cut after the min / max) must equal the single scan it replaced (`DATA_SPAN_REFERENCE`)
on random files of every record kind, with times of day, blank and missing dates mixed in,
and on an empty file."""

from __future__ import annotations

from pathlib import Path

import pytest
from perf_lists_data import random_store

from custdesk.storage import queries


@pytest.mark.parametrize("seed", [91, 92, 93])
def test_span_equals_reference(tmp_path: Path, seed: int) -> None:
    store = random_store(tmp_path, seed)
    try:
        store.conn.execute("UPDATE customers SET acquired_on = NULL WHERE acquired_on = ''")
        store.conn.commit()
        assert queries._data_span(store) == queries._data_span(
            store, queries.DATA_SPAN_REFERENCE) is not None
        # tickets: times of day, a missing opening (the first response, else the
        # resolution dates it), the latest day only on a ticket; lines with a time of day
        store.conn.execute("UPDATE tickets SET opened_at = NULL WHERE id % 3 = 0")
        store.conn.execute("UPDATE tickets SET opened_at = '2035-01-02T10:11:12', "
                           "resolved_at = NULL, first_response_at = NULL WHERE id = "
                           "(SELECT max(id) FROM tickets)")
        store.conn.execute("UPDATE tickets SET resolved_at = '2005-03-04 08:00' WHERE id = "
                           "(SELECT min(id) FROM tickets)")
        store.conn.execute("UPDATE orders SET date = date || ' 23:59' WHERE id % 11 = 0")
        store.conn.commit()
        got = queries._data_span(store)
        assert got == queries._data_span(store, queries.DATA_SPAN_REFERENCE)
        assert got is not None and got.end.year == 2035
        # only customers without dates: the import day
        for table in ("orders", "deals", "tickets", "surveys"):
            store.conn.execute(f"DELETE FROM {table}")
        store.conn.execute("UPDATE customers SET acquired_on = NULL, lost_on = NULL")
        store.conn.commit()
        assert queries._data_span(store) == queries._data_span(
            store, queries.DATA_SPAN_REFERENCE)
        store.conn.execute("DELETE FROM customers")
        store.conn.commit()
        assert queries._data_span(store) is None
        assert queries._data_span(store, queries.DATA_SPAN_REFERENCE) is None
    finally:
        store.close()
