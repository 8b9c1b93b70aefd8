"""Issue 20, M5 (batch ids never reused) and H9 (undo never overwrites later hand edits)."""

from __future__ import annotations

import pytest

from custdesk.cli import main
from custdesk.services import importer


def _csv(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _import(store, path, **kw):
    return importer.commit(store, importer.make_preview(store, importer.ImportRequest(path, **kw)))


def test_batch_ids_are_never_reused_after_an_undo(store, tmp_path):
    """Before: undoing import 2 deleted its row, the next import got id 2 again, and a
    second `--undo 2` undid that newer import."""
    first = _import(store, _csv(tmp_path, "a.csv", "Name,Email\nAnn,ann@example.com\n"))
    second = _import(store, _csv(tmp_path, "b.csv", "Name,Email\nBob,bob@example.com\n"))
    assert (first.batch_id, second.batch_id) == (1, 2)
    importer.undo(store, 2)
    third = _import(store, _csv(tmp_path, "c.csv", "Name,Email\nCarl,carl@example.com\n"))
    assert third.batch_id == 3
    with pytest.raises(importer.UndoRefusedError, match="import 2 was already undone"):
        importer.undo(store, 2)
    names = [r[0] for r in store.conn.execute("SELECT name FROM customers ORDER BY id")]
    assert names == ["Ann", "Carl"]
    assert [b["id"] for b in importer.list_batches(store)] == [3, 1]  # undone ones left out
    # the newest one undone too: still never reused
    importer.undo(store, 3)
    fourth = _import(store, _csv(tmp_path, "d.csv", "Name,Email\nDee,dee@example.com\n"))
    assert fourth.batch_id == 4


def test_cli_undo_twice_is_a_clear_error(tmp_path, db_path, capsys):
    path = _csv(tmp_path, "c.csv", "Name,Email\nAnn,ann@example.com\n")
    assert main(["import", str(path), "--db", str(db_path)]) == 0
    assert main(["import", "--undo", "1", "--db", str(db_path)]) == 0
    other = _csv(tmp_path, "d.csv", "Name,Email\nBob,bob@example.com\n")
    assert main(["import", str(other), "--db", str(db_path)]) == 0
    capsys.readouterr()
    assert main(["import", "--undo", "1", "--db", str(db_path)]) == 1
    assert "import 1 was already undone" in capsys.readouterr().err
    assert main(["import", "--undo", "2", "--db", str(db_path)]) == 0
