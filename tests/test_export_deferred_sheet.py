"""A big table's export is read by the export's task, as the model showed it at the click.

`sheet_from_model` hands over a snapshot (`DeferredSheet`) when a model holds more than
`DEFERRED_ROWS` rows; `write_export` reads it. Changes to the model after the click (a new
screen, a sort, a search) must not change what is written."""

from __future__ import annotations

from openpyxl import load_workbook
from PySide6.QtCore import Qt

from custdesk.ui import tab_output
from custdesk.ui.record_table_model import Column, RecordTableModel

COLUMNS = [Column("name", "Customer"), Column("revenue", "Revenue", "money"),
           Column("doubled", "Twice", "int", value=lambda r: r["n"] * 2)]


def _model(n: int) -> RecordTableModel:
    model = RecordTableModel(COLUMNS)
    model.set_rows([{"name": f"c{i:05d}", "revenue": float(i % 97), "n": i}
                    for i in range(n)])
    return model


def test_small_tables_are_read_at_once(qapp):
    sheet = tab_output.sheet_from_model("Customers", _model(10))
    assert not isinstance(sheet, tab_output.DeferredSheet)
    assert sheet.rows[3] == ["c00003", 3.0, 6]


def test_big_table_is_read_later_as_it_was_at_the_click(qapp, tmp_path):
    model = _model(tab_output.DEFERRED_ROWS * 2 + 2_000)  # c00000 … c11999
    model.sort(1, Qt.SortOrder.DescendingOrder)
    model.set_search("c0")  # c00000 … c09999: a visible subset, still over the limit
    expected = model.visible_table_reference()[1]
    sheet = tab_output.sheet_from_model("Customers", model)
    assert isinstance(sheet, tab_output.DeferredSheet)

    # after the click: the model sorts, searches and gets new rows; the export must not see it
    model.sort(0, Qt.SortOrder.AscendingOrder)
    model.set_search("")
    model.set_rows([{"name": "someone else", "revenue": 1.0, "n": 1}])

    resolved = sheet.resolve()
    assert resolved.headers == ["Customer", "Revenue", "Twice"]
    assert resolved.kinds == ["text", "money", "int"]
    assert resolved.rows == expected and len(expected) == tab_output.DEFERRED_ROWS * 2

    written = tab_output.write_export(tmp_path / "big.xlsx", [sheet], "Customers")
    book = load_workbook(written, read_only=True)
    names = [r[0] for r in book.worksheets[0].iter_rows(values_only=True)
             if r and isinstance(r[0], str) and r[0].startswith("c0")]
    assert names == [row[0] for row in expected]


def test_big_table_csv_is_the_snapshot_too(qapp, tmp_path):
    model = _model(tab_output.DEFERRED_ROWS + 50)
    sheet = tab_output.sheet_from_model("Customers", model)
    model.set_rows([])
    written = tab_output.write_export(tmp_path / "big", [sheet], None, tab_output.CSV_FILTER)
    lines = written.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + tab_output.DEFERRED_ROWS + 50
    assert lines[1].startswith("c00000,")


def _files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_cancelled_export_leaves_no_file_not_even_a_temporary_one(qapp, tmp_path):
    """Quitting without waiting drops the export's task: the writer stops between rows
    and removes its hidden temporary file (it used to run on and could leave it)."""
    import pytest

    from custdesk.services.tab_export import ExportCancelled

    model = _model(3_000)
    checks: list[int] = []

    def cancel_on_second_check() -> bool:
        checks.append(1)
        return len(checks) >= 2

    for chosen, name in ((tab_output.XLSX_FILTER, "c.xlsx"), (tab_output.CSV_FILTER, "c.csv")):
        checks.clear()
        with pytest.raises(ExportCancelled):
            tab_output.write_export(tmp_path / name, [tab_output.sheet_from_model("C", model)],
                                    "Customers", chosen, cancel=cancel_on_second_check)
        assert _files(tmp_path) == []
    # not cancelled: written in full
    done = tab_output.write_export(tmp_path / "c.csv", [tab_output.sheet_from_model("C", model)],
                                   None, tab_output.CSV_FILTER, cancel=lambda: False)
    assert _files(tmp_path) == ["c.csv"] and len(done.read_text("utf-8-sig").splitlines()) == 3001


def test_the_export_task_stops_when_its_task_is_dropped(qapp, tmp_path, monkeypatch):
    """export_dialog's task hands the writer its own cancel flag, which turns true when the
    runner drops the task while it writes (the window closing without waiting)."""
    from PySide6.QtWidgets import QFileDialog, QWidget
    from ui_helpers import HeldRunner

    parent = QWidget()
    runner = HeldRunner()
    seen: list[bool] = []

    def write(*_args, cancel, drop: bool, **_kw):
        seen.append(cancel())
        if drop:
            runner.cancel(tab_output.export_key(parent))  # quitting without waiting
            seen.append(cancel())
        return tmp_path / "x.xlsx"

    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a: (str(tmp_path / "x.xlsx"),
                                                  tab_output.XLSX_FILTER)))
    try:
        for drop in (False, True):
            monkeypatch.setattr(tab_output, "write_export",
                                lambda *a, drop=drop, **k: write(*a, drop=drop, **k))
            tab_output.export_dialog(parent, "custdesk customers", [], runner=runner)
            runner.drain()
    finally:
        tab_output._writing.clear()
        parent.deleteLater()
    assert seen == [False, False, True]
