"""Compact undo snapshots (`storage/import_snapshot_layouts.py`): the layouts are the
schema's columns (a migration changing them fails here: add a layout with a new tag, never
change one); a table whose columns differ from its layout gets object snapshots; undo reads
both forms, in one file, and still spares the rows edited by hand."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from custdesk.services.importer import ImportRequest, commit, make_preview, undo
from custdesk.storage import import_snapshot_layouts as layouts
from custdesk.storage import open_store
from custdesk.storage.import_undo import edited_since

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def _columns(store: Any, table: str) -> tuple[str, ...]:
    return tuple(r[1] for r in store.conn.execute(f"PRAGMA table_info({table})")
                 if r[1] not in ("id", "batch_id"))


def test_layouts_are_the_schemas_columns(tmp_path: Path) -> None:
    store = open_store(tmp_path / "new.db")
    try:
        for table, (tag, columns) in layouts.LAYOUTS.items():
            assert _columns(store, table) == columns, (
                f"{table}'s columns changed: add a layout with a new tag (keep {tag})")
            assert layouts.layout_of(store, table) == (tag, columns)
        assert len({tag for tag, _c in layouts.LAYOUTS.values()}) == len(layouts.LAYOUTS)
    finally:
        store.close(backup_if_changed=False)


def test_snapshot_values_reads_both_forms() -> None:
    tag, columns = layouts.LAYOUTS["orders"]
    values = list(range(len(columns)))
    assert layouts.snapshot_values(json.dumps([tag, *values])) == dict(
        zip(columns, values, strict=True))
    assert layouts.snapshot_values('{"a": 1.5, "b": null}') == {"a": 1.5, "b": None}
    with pytest.raises(ValueError):  # a compact snapshot of the wrong length is refused
        layouts.snapshot_values(json.dumps([tag, *values[1:]]))


def _snapshots(store: Any, batch: int, table: str) -> list[str]:
    return [text for (text,) in store.conn.execute(
        "SELECT before_json FROM batch_changes WHERE batch_id = ? AND table_name = ? "
        "AND action = 'insert' ORDER BY id", (batch, table))]


def _import(store: Any, path: Path) -> int:
    batch = commit(store, make_preview(store, ImportRequest(path, kind="orders"))).batch_id
    assert batch is not None
    return batch


def test_object_and_compact_snapshots_undo_in_one_file(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """An import whose table does not fit its layout (here: a layout patched to another
    column list) writes objects; the next, compact arrays; a line edited by hand after
    each is spared by each undo, every other row goes, and the file is as it was."""
    from bench_import import generate

    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    generate(first, 400, seed=5)
    generate(second, 300, seed=6)
    store = open_store(tmp_path / "both.db")
    try:
        empty = store.conn.execute("SELECT count(*) FROM orders").fetchone()[0]
        with monkeypatch.context() as patch:
            tag, columns = layouts.LAYOUTS["orders"]
            patch.setitem(layouts.LAYOUTS, "orders", ("orders/test", columns[:-1]))
            old = _import(store, first)
        new = _import(store, second)
        assert all(t.startswith("{") for t in _snapshots(store, old, "orders"))
        assert all(t.startswith(f'["{tag}",') for t in _snapshots(store, new, "orders"))
        assert all(t.startswith('["customers/6",') for t in _snapshots(store, old, "customers"))
        compact, as_object = _snapshots(store, new, "orders")[0], _snapshots(store, old,
                                                                             "orders")[0]
        assert len(compact) < 0.6 * len(as_object)
        assert edited_since(store, old) == [] and edited_since(store, new) == []
        edited = {}
        for batch in (old, new):
            row_id = store.conn.execute("SELECT max(id) FROM orders WHERE batch_id = ?",
                                        (batch,)).fetchone()[0]
            with store.transaction():
                store.conn.execute("UPDATE orders SET quantity = quantity + 0.5 WHERE id = ?",
                                   (row_id,))
            edited[batch] = row_id
            assert [(t, i) for t, i, _n in edited_since(store, batch)] == [("orders", row_id)]
        assert undo(store, new).get("kept_edited") == 1
        assert undo(store, old).get("kept_edited") == 1
        left = [r[0] for r in store.conn.execute("SELECT id FROM orders ORDER BY id")]
        assert left == sorted(edited.values()) and empty == 0
    finally:
        store.close(backup_if_changed=False)
