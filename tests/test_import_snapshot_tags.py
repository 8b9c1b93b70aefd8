"""Compact undo snapshots keep reading after a table's layout changes (review of e4e9bc1):
every tag ever written stays in `TAG_COLUMNS` with its column list as written (pinned here,
literally: editing an old list fails this test), `LAYOUTS` names only each table's current
tag, and an undo record under a tag this version does not know is refused in words by
undo, its blockers and its list of rows edited by hand, not with a KeyError."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from custdesk.services import importer
from custdesk.services.importer import ImportRequest, commit, make_preview
from custdesk.storage import import_snapshot_layouts as layouts
from custdesk.storage import open_store
from custdesk.storage.import_undo import edited_since, undo_blockers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

# As written since e4e9bc1. NEVER edit these: add a new tag (and pin it here) instead.
WRITTEN = {
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


def test_every_tag_written_is_kept_as_written() -> None:
    for tag, columns in WRITTEN.items():
        assert layouts.TAG_COLUMNS.get(tag) == columns, f"{tag} was changed or removed"
    for table, tag in layouts.CURRENT.items():
        assert tag.startswith(f"{table}/") and layouts.LAYOUTS[table] == (
            tag, layouts.TAG_COLUMNS[tag])
    assert set(layouts.LAYOUTS) == set(layouts.CURRENT)


def _import(store: Any, path: Path) -> int:
    batch = commit(store, make_preview(store, ImportRequest(path, kind="orders"))).batch_id
    assert batch is not None
    return batch


@pytest.fixture
def imported(tmp_path: Path) -> Any:
    from bench_import import generate

    path = tmp_path / "orders.xlsx"
    generate(path, 60, seed=3)
    store = open_store(tmp_path / "tags.db")
    batch = _import(store, path)
    yield store, batch
    store.close(backup_if_changed=False)


def _count(store: Any) -> tuple[int, int]:
    return tuple(store.conn.execute("SELECT (SELECT count(*) FROM orders), "
                                    "(SELECT count(*) FROM customers)").fetchone())


def test_an_earlier_import_undoes_after_a_new_current_tag(
        imported: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A later version gives orders a new tag (a migration changed its columns): the
    records written under orders/6 still read, spare a line edited by hand, undo."""
    store, batch = imported
    texts = [t for (t,) in store.conn.execute(
        "SELECT before_json FROM batch_changes WHERE batch_id = ? AND table_name = 'orders'",
        (batch,))]
    assert texts and all(t.startswith('["orders/6",') for t in texts)
    columns = layouts.TAG_COLUMNS["orders/6"]
    monkeypatch.setitem(layouts.TAG_COLUMNS, "orders/7", (*columns, "gift_wrap"))
    monkeypatch.setitem(layouts.CURRENT, "orders", "orders/7")
    monkeypatch.setitem(layouts.LAYOUTS, "orders", ("orders/7", (*columns, "gift_wrap")))
    row_id = store.conn.execute("SELECT max(id) FROM orders WHERE batch_id = ?",
                                (batch,)).fetchone()[0]
    with store.transaction():
        store.conn.execute("UPDATE orders SET quantity = quantity + 1 WHERE id = ?", (row_id,))
    assert [(t, i) for t, i, _n in edited_since(store, batch)] == [("orders", row_id)]
    assert undo_blockers(store, batch) == []
    assert importer.undo(store, batch).get("kept_edited") == 1
    assert store.conn.execute("SELECT id FROM orders").fetchall() == [(row_id,)]


@pytest.mark.parametrize("record", ['["orders/99", 1, 2]', '[7, 1]', "[]",
                                    '["orders/6", 1, 2]'])
def test_an_unreadable_record_is_refused_in_words(imported: Any, record: str) -> None:
    store, batch = imported
    before = _count(store)
    with store.transaction():
        store.conn.execute(
            "UPDATE batch_changes SET before_json = ? WHERE id = (SELECT max(id) FROM "
            "batch_changes WHERE batch_id = ? AND table_name = 'orders')", (record, batch))
    for attempt in (lambda: importer.undo(store, batch),
                    lambda: undo_blockers(store, batch),
                    lambda: importer.edited_by_hand(store, batch)):
        with pytest.raises(importer.UndoRefusedError) as refused:
            attempt()
        message = str(refused.value)
        assert message.startswith(f"import {batch} cannot be undone by this version of "
                                  "custdesk: an undo record in "), message
        assert "orders " in message and len(message) < 300
    assert _count(store) == before
    assert store.conn.execute("SELECT undone_at FROM import_batches WHERE id = ?",
                              (batch,)).fetchone()[0] is None
