"""The import wizard, driven page by page with a synchronous runner (no modal, no thread)."""

from __future__ import annotations

from pathlib import Path

import pytest

from custdesk.ui.import_wizard import ImportWizard, SyncRunner, scan_sheets

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


def test_cancel_during_import_writes_nothing(wizard, store):
    before = list(store.conn.iterdump())

    class CancellingRunner(SyncRunner):
        def run(self, fn, done, failed, progress=None):
            wizard.import_page.cancelled = True  # the owner presses Cancel mid-way
            super().run(fn, done, failed, progress)

    wizard.next()
    wizard.next()
    wizard.next()
    wizard.preview_page.skip_invalid.setChecked(True)
    wizard.runner = CancellingRunner()
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


def test_scan_sheets_of_a_workbook(shared_data):
    scans = scan_sheets(shared_data / "superstore.xlsx", None)
    assert [(s.name, s.kind) for s in scans][0] == ("Orders", "orders")
    assert scans[0].samples[1][0] == "CA-2016-152156"


def test_the_real_thread_runner(qtbot, store, tmp_path):
    from PySide6.QtCore import QThreadPool

    from custdesk.ui.import_wizard import ThreadRunner

    path = write(tmp_path, "ok.csv", "Invoice Date,Client,Amount\n2024-03-17,Ann,12.50\n")
    w = ImportWizard(store, path=path, runner=ThreadRunner())
    qtbot.addWidget(w)
    w.show()
    w.next()
    qtbot.waitUntil(lambda: w.sheet_page.isComplete(), timeout=10_000)
    w.next()
    w.next()
    qtbot.waitUntil(lambda: w.preview_page.isComplete(), timeout=10_000)
    with qtbot.waitSignal(w.imported, timeout=10_000):
        w.next()
    qtbot.waitUntil(lambda: w.import_page.finished, timeout=10_000)
    assert store.conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 1
    QThreadPool.globalInstance().waitForDone(5000)  # no worker outlives the test
    # the release runs in its own queued slot call, after the one that emitted `imported`
    qtbot.waitUntil(lambda: not w.runner._keep, timeout=5_000)
