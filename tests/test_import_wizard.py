"""The import wizard, driven page by page with a synchronous runner (no modal, no thread),
plus the real thread runner for the stale-preview regression."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent

from custdesk.services import importer
from custdesk.ui import tasks
from custdesk.ui.import_wizard import ImportWizard
from custdesk.ui.tasks import SyncRunner, ThreadRunner

SALES = ("Invoice Date,Client,Amount,Notes\n2024-03-17,Ann,12.50,first\n"
         "2024-03-18,Bo,7.25,\n2024-03-19,Ann,oops,\n")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def wizard(qtbot, store, tmp_path):
    w = ImportWizard(store, path=write(tmp_path, "sales.csv", SALES), runner=SyncRunner())
    qtbot.addWidget(w)
    w.show()
    return w


def test_pages_map_preview_and_import(wizard, store, qtbot):
    assert wizard.file_page.isComplete()
    wizard.next()
    assert wizard.sheet_page.kind.currentText() == "orders"
    wizard.next()
    assert wizard.mapping_page.mapping() == ["date", "customer", "revenue", None]
    samples = wizard.mapping_page.table.item(2, 1).text()
    assert samples == "12.50, 7.25, oops"
    wizard.next()
    page = wizard.preview_page
    assert page.preview is not None and page.preview.invalid == 1
    assert page.errors.rowCount() == 1
    assert [page.errors.item(0, c).text() for c in range(5)] == \
        ["sales", "4", "Amount", "oops", "not a number"]
    assert not page.isComplete()  # invalid rows: the owner must choose to skip them
    page.skip_invalid.setChecked(True)
    assert page.isComplete()
    with qtbot.waitSignal(wizard.imported, timeout=5000) as blocker:
        wizard.next()
    assert blocker.args == [1]
    assert wizard.import_page.finished
    assert store.conn.execute("SELECT count(*), sum(revenue_e4) FROM orders").fetchone() == \
        (2, 197_500)


def test_changing_a_mapping_combo_is_used(wizard, store):
    wizard.next()
    wizard.next()
    combos = wizard.mapping_page.combos
    combos[1].setCurrentText("customer_name")
    combos[2].setCurrentText("(ignore)")
    assert "revenue" in wizard.mapping_page.missing.text()
    assert not wizard.mapping_page.isComplete()
    combos[2].setCurrentText("revenue")
    assert wizard.mapping_page.isComplete()


def test_cancel_during_import_writes_nothing(wizard, store, monkeypatch):
    before = list(store.conn.iterdump())
    original = tasks.TaskState.progress

    def owner_presses_cancel(state, done, total=0, phase=""):
        if phase == "write":  # mid-way through the write: the transaction rolls back
            wizard.import_page.cancel()
        original(state, done, total, phase)

    wizard.next()
    wizard.next()
    wizard.next()
    wizard.preview_page.skip_invalid.setChecked(True)
    monkeypatch.setattr(tasks.TaskState, "progress", owner_presses_cancel)
    wizard.next()
    assert wizard.import_page.finished
    assert "Cancelled" in wizard.import_page.status.text()
    assert list(store.conn.iterdump()) == before


def test_unreadable_file_is_reported_on_the_sheet_page(qtbot, store, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"not a zip at all")
    w = ImportWizard(store, path=path, runner=SyncRunner())
    qtbot.addWidget(w)
    w.show()
    w.next()
    assert "cannot be imported" in w.sheet_page.status.text()
    assert not w.sheet_page.isComplete()


def test_survey_of_a_workbook(shared_data):
    sheets, choice, _problem = importer.survey(shared_data / "superstore.xlsx", None)
    assert [(s.name, s.kind) for s in sheets][0] == ("Orders", "orders")
    assert sheets[0].samples[1][0] == "CA-2016-152156"
    assert choice is None or choice.sheet == "Orders"


def test_the_real_thread_runner(qtbot, store, tmp_path):
    path = write(tmp_path, "ok.csv", "Invoice Date,Client,Amount\n2024-03-17,Ann,12.50\n")
    runner = ThreadRunner()
    changed: list[frozenset[str]] = []
    runner.changed.connect(changed.append)
    w = ImportWizard(store, path=path, runner=runner)
    qtbot.addWidget(w)
    w.show()
    w.next()
    qtbot.waitUntil(lambda: w.sheet_page.isComplete(), timeout=10_000)
    w.next()
    w.next()
    qtbot.waitUntil(lambda: w.preview_page.isComplete(), timeout=10_000)
    with qtbot.waitSignal(w.imported, timeout=10_000):
        w.next()
    qtbot.waitUntil(lambda: w.import_page.finished and bool(changed), timeout=10_000)
    assert store.conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 1
    assert "orders" in changed[0]
    assert runner.wait(5000) and not runner.is_busy()  # no worker outlives the test


def test_an_older_preview_finishing_last_is_dropped(qtbot, store, tmp_path, monkeypatch):
    """Back → change the mapping → Next while the first preview still runs: the first
    one finishing last must not replace the second, and Import commits the newest."""
    release, old_returned = threading.Event(), threading.Event()
    original = importer.make_preview
    calls: list[list[str | None]] = []

    def slow_first(store_, request, progress=None, parsed=None):
        calls.append(list(request.mapping or []))
        first = len(calls) == 1
        if first:
            assert release.wait(10)  # held until the newer preview has been shown
        result = original(store_, request, progress, parsed)
        if first:
            old_returned.set()
        return result

    monkeypatch.setattr(importer, "make_preview", slow_first)
    runner = ThreadRunner()
    w = ImportWizard(store, path=write(tmp_path, "sales.csv", SALES), runner=runner)
    qtbot.addWidget(w)
    w.show()
    w.next()
    qtbot.waitUntil(w.sheet_page.isComplete, timeout=10_000)
    w.next()
    w.next()  # preview 1 (customer by reference) starts and is held
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=10_000)
    w.back()
    w.mapping_page.combos[1].setCurrentText("customer_name")
    w.next()  # preview 2 (customer by name)
    qtbot.waitUntil(w.preview_page.isVisible, timeout=5_000)
    qtbot.waitUntil(lambda: w.preview_page.preview is not None, timeout=10_000)
    release.set()
    assert old_returned.wait(10)
    assert runner.wait(10_000)
    qtbot.wait(50)  # let the old result's queued signal arrive (and be dropped)
    newest = ["date", "customer_name", "revenue", None]
    assert calls == [["date", "customer", "revenue", None], newest]
    assert w.preview_page.preview.request.mapping == newest
    w.preview_page.skip_invalid.setChecked(True)
    with qtbot.waitSignal(w.imported, timeout=10_000):
        w.next()
    saved = store.conn.execute("SELECT mapping_json FROM column_mappings").fetchone()[0]
    assert json.loads(saved)["client"] == "customer_name"
    assert runner.wait(5000)


def test_wizard_and_cli_choose_the_same_kind_and_saved_mapping(qtbot, tmp_path):
    from custdesk.cli import main
    from custdesk.storage import open_store

    db = tmp_path / "shop.db"
    first = write(tmp_path, "first.csv", "Who,When,How much\nAnn,2024-03-17,12.50\n")
    assert main(["import", str(first), "--db", str(db), "--kind", "orders",
                 "--map", "Who=customer_name", "--map", "When=date",
                 "--map", "How much=revenue"]) == 0
    second = write(tmp_path, "second.csv", "Who,When,How much\nBo,2024-04-01,7.25\n")
    expected = ["customer_name", "date", "revenue"]
    store = open_store(db)
    try:
        plan = importer.make_preview(store, importer.ImportRequest(second))
        assert (plan.kind, plan.parsed.mapping) == ("orders", expected)
        choice = importer.choose(second, store)
        assert (choice.kind, choice.mapping, choice.from_saved) == ("orders", expected, True)
        w = ImportWizard(store, path=second, runner=SyncRunner())
        qtbot.addWidget(w)
        w.show()
        w.next()
        assert w.sheet_page.kind.currentText() == "orders"
        w.next()
        assert w.mapping_page.mapping() == expected
        assert not w.mapping_page.saved_note.isHidden()
    finally:
        store.close(backup_if_changed=False)


def test_a_closed_wizard_is_deleted(qtbot, store, tmp_path):
    w = ImportWizard(store, path=write(tmp_path, "sales.csv", SALES), runner=SyncRunner())
    destroyed: list[bool] = []
    w.destroyed.connect(lambda *_a: destroyed.append(True))
    w.show()
    w.next()
    w.reject()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qtbot.waitUntil(lambda: bool(destroyed), timeout=5_000)
    assert not shiboken6.isValid(w)


# ----- issue 12: the File box never shows "False"; a default size that reads every column ---
def test_menu_and_ctrl_i_open_the_wizard_with_an_empty_file_box(qtbot, quiet_ui, store):
    from custdesk.ui.main_window import MainWindow

    window = MainWindow(store, persist_state=False)
    qtbot.addWidget(window)
    action = next(a for a in window.menuBar().actions()[0].menu().actions()
                  if a.text() == "&Import spreadsheet…")
    assert action.shortcut().toString() == "Ctrl+I"
    action.trigger()  # triggered(bool checked): the flag must not become the path
    wizard = window.dialogs["import"]
    assert isinstance(wizard, ImportWizard)
    assert wizard.file_page.path_edit.text() == ""
    wizard.reject()
    for not_a_path in (False, True, 0, ""):
        w = ImportWizard(store, path=not_a_path, runner=SyncRunner())  # type: ignore[arg-type]
        qtbot.addWidget(w)
        assert w.file_page.path_edit.text() == ""
    window.set_store(None)


SUPERSTORE_HEADERS = ("Row ID,Order ID,Order Date,Ship Date,Ship Mode,Customer ID,"
                      "Customer Name,Segment,Country/Region,City,State/Province,Postal Code,"
                      "Region,Product ID,Category,Sub-Category,Product Name,Sales,Quantity,"
                      "Discount,Profit")
SUPERSTORE_ROW = ('1,CA-2017-152156,2017-11-08,2017-11-11,Second Class,CG-12520,Claire Gute,'
                  'Consumer,United States,Henderson,Kentucky,42420,South,FUR-BO-10001798,'
                  'Furniture,Bookcases,"Bush Somerset Collection Bookcase, Oak",261.96,2,0,'
                  '41.9136')


def test_default_size_shows_every_mapped_column_and_its_samples(qtbot, store, tmp_path):
    from PySide6.QtCore import QRect, QSize

    from custdesk.ui.import_wizard.wizard import default_size

    laptop = QRect(0, 0, 1366, 728)  # 1366×768 less a taskbar
    assert default_size(laptop) == QSize(1100, 680)
    assert default_size(QRect(0, 0, 1024, 600)).width() <= 1024 - 16  # clamped
    sheet = write(tmp_path, "superstore.csv",
                  SUPERSTORE_HEADERS + "\n" + "\n".join([SUPERSTORE_ROW] * 3) + "\n")
    w = ImportWizard(store, path=sheet, runner=SyncRunner())
    qtbot.addWidget(w)
    w.resize(default_size(laptop))
    w.show()
    w.next()
    w.next()
    page = w.mapping_page
    assert w.currentPage() is page
    table = page.table
    assert table.rowCount() == 21
    metrics = table.fontMetrics()
    for row in range(table.rowCount()):
        header = table.item(row, 0).text()
        assert metrics.horizontalAdvance(header) < table.columnWidth(0), header
        sample = table.item(row, 1).text()  # distinct values; all of them in the tooltip
        assert metrics.horizontalAdvance(sample) < table.columnWidth(1), sample
        combo = page.combos[row]
        assert combo.sizeHint().width() <= table.columnWidth(2)
    # all three columns fit side by side: no sideways scrolling
    assert table.horizontalScrollBar().maximum() == 0
    assert table.columnWidth(1) >= 400
