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


# ----- issue 12: a custdesk workbook (Export everything) in one go ---------------------------
@pytest.fixture
def full_export(tmp_path):
    """(a small business's full export, a fresh empty store to import it into)."""
    from custdesk.services.exporter import export_workbook
    from custdesk.storage import open_store

    source = open_store(tmp_path / "source.db")
    try:
        for kind, name, text in (
                ("customers", "c.csv", "ID,Name,Email\nC1,Ann Lee,ann@x.example\n"
                                       "C2,Bo Ek,bo@x.example\n"),
                ("orders", "o.csv", "Order ID,Date,Customer ID,Sales\nA-1,2024-03-01,C1,10\n"
                                    "A-2,2024-03-02,C2,20\nA-3,2024-03-03,C1,30\n")):
            path = write(tmp_path, name, text)
            importer.commit(source, importer.make_preview(
                source, importer.ImportRequest(path, kind=kind)))
        out = export_workbook(source, tmp_path / "everything.xlsx").path
    finally:
        source.close(backup_if_changed=False)
    return out


def _workbook_wizard(qtbot, store, path):
    w = ImportWizard(store, path=path, runner=SyncRunner())
    qtbot.addWidget(w)
    w.show()
    w.next()  # the sheet page recognises the workbook
    return w


def test_a_custdesk_workbook_is_previewed_and_imported_in_one_step(qtbot, store,
                                                                   full_export):
    kinds = importer.workbook_kinds(full_export)
    assert kinds is not None and kinds[:3] == ["customers", "products", "orders"]
    w = _workbook_wizard(qtbot, store, full_export)
    status = w.sheet_page.status.text()
    assert status.startswith(f"custdesk workbook: {len(kinds)} sheets (customers, products, "
                             "orders")
    assert "they are imported together in one step" in status
    assert w.sheet_page.isComplete()
    w.next()  # no sheet, kind or mapping: straight to the preview
    assert w.currentPage() is w.preview_page
    page = w.preview_page
    assert page.workbook is not None and page.preview is None
    summary = page.summary.text()
    assert "every sheet is imported together in one step" in summary
    assert "customers: 2 rows read — 2 to add" in summary
    assert "orders: 3 rows read — 3 to add" in summary
    assert store.conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 0  # preview
    assert page.isComplete()
    changed: list[frozenset[str]] = []
    w.runner.changed.connect(changed.append)
    with qtbot.waitSignal(w.imported, timeout=5000) as blocker:
        w.next()
    assert w.import_page.finished and "every sheet in one step" in w.import_page.status.text()
    assert store.conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 3
    assert store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 2
    batches = importer.list_batches(store)
    assert len(batches) == 1 and int(batches[0]["id"]) == blocker.args[0]  # one batch
    assert {"customers", "orders"} <= changed[0]
    # Back from the preview returns to the sheet page, and a plain file is mapped again
    plain_file = ImportWizard(store, path=write(full_export.parent, "s.csv", SALES),
                              runner=SyncRunner())
    qtbot.addWidget(plain_file)
    plain_file.show()
    plain_file.next()
    assert plain_file.sheet_page.workbook is None
    plain_file.next()
    assert plain_file.currentPage() is plain_file.mapping_page


def test_cancel_during_a_workbook_import_writes_nothing(qtbot, store, full_export,
                                                        monkeypatch):
    before = list(store.conn.iterdump())
    original = tasks.TaskState.progress
    phases: list[str] = []

    def owner_presses_cancel(state, done, total=0, phase=""):
        phases.append(phase)
        if phase == "orders":  # customers are written by now: all rolled back
            w.import_page.cancel()
        original(state, done, total, phase)

    w = _workbook_wizard(qtbot, store, full_export)
    w.next()
    assert w.preview_page.isComplete()
    monkeypatch.setattr(tasks.TaskState, "progress", owner_presses_cancel)
    w.next()
    assert "customers" in phases and "orders" in phases
    assert w.import_page.finished
    assert "Cancelled" in w.import_page.status.text()
    assert list(store.conn.iterdump()) == before


# ----- issue 20 H7: a column that reads two ways is asked in the wizard ----------------------
def _to_preview(qtbot, store, path):
    w = ImportWizard(store, path=path, runner=SyncRunner())
    qtbot.addWidget(w)
    w.show()
    for _page in range(3):
        w.next()
    assert w.currentPage() is w.preview_page
    return w


def test_an_ambiguous_percent_column_is_asked_then_previewed_again(qtbot, store, tmp_path):
    path = write(tmp_path, "o.csv", "Date,Customer,Sales,Discount\n2024-01-02,Ann,10,.5\n"
                 "2024-01-03,Bob,10,10\n")
    w = _to_preview(qtbot, store, path)
    page = w.preview_page
    assert page.preview is None and not page.isComplete()
    assert page.ask.isVisibleTo(page)
    question = page.question.text()
    assert "Discount" in question and "(such as .5)" in question
    assert "1 % or 100 %" in question
    assert "--points" not in question  # plain words, not the CLI's options
    assert [b.text() for b in page.answers] == ["1 means 1 %", "1 means 100 %"]
    page.answer(0)  # percent points: 0.5 is half a percent, 10 is 10 %
    assert not page.ask.isVisibleTo(page)
    assert page.preview is not None and page.preview.request.percent_scale == "points"
    assert sorted(r["discount"] for _n, r in page.preview.parsed.rows) == [0.005, 0.1]
    assert "as you said: 1 means 1 %" in page.summary.text()
    with qtbot.waitSignal(w.imported, timeout=5000):
        w.next()
    got = sorted(d for (d,) in store.conn.execute("SELECT discount FROM orders"))
    assert got == [0.005, 0.1]


def test_1_means_100_percent_reads_the_column_as_fractions(qtbot, store, tmp_path):
    path = write(tmp_path, "o.csv", "Date,Customer,Sales,Discount\n2024-01-02,Ann,10,0.5\n"
                 "2024-01-03,Bob,10,10\n")
    w = _to_preview(qtbot, store, path)
    w.preview_page.answer(1)  # fractions: 10 would be 1000 %, a row error, never 10 %
    preview = w.preview_page.preview
    assert preview is not None and preview.request.percent_scale == "fractions"
    assert preview.invalid == 1 and preview.errors[0].value == "10"


def test_numbers_such_as_2_500_and_text_dates_are_asked_too(qtbot, store, tmp_path):
    path = write(tmp_path, "o.csv", "Date;Customer;Sales\n03/04/2024;Ann;2.500\n"
                 "05/06/2024;Bob;7\n")
    w = _to_preview(qtbot, store, path)
    page = w.preview_page
    assert "2.500" in page.question.text() and "2500 or 2.5" in page.question.text()
    assert [b.text() for b in page.answers] == ["2.500 means 2500 (like 1.234,56)",
                                                "2.500 means 2.5 (like 1,234.56)"]
    page.answer(0)
    assert "day first or month first" in page.question.text()
    page.answer(0)  # day first: the mapping page's choice follows
    assert w.mapping_page.date_choice() == "dayfirst"
    preview = page.preview
    assert preview is not None and preview.invalid == 0
    assert sorted((r["date"], r["revenue"]) for _n, r in preview.parsed.rows) == [
        ("2024-04-03", 25_000_000), ("2024-06-05", 70_000)]


def test_the_preview_says_a_column_of_years_reads_1_january(qtbot, store, tmp_path):
    path = write(tmp_path, "c.csv", "Name,Customer Since\nAnn,2019\nBo,2021\n")
    w = _to_preview(qtbot, store, path)
    assert "Customer Since: years only, read as 1 January" in w.preview_page.summary.text()


def test_the_preview_says_how_each_csat_value_was_read(qtbot, store, tmp_path):
    path = write(tmp_path, "feedback.csv", "Date,Customer,CSAT\n2025-03-01,Ann,★★★★☆\n"
                 "2025-03-02,Bo,😐\n2025-03-03,Cy,Very satisfied\n2025-03-04,Di,80 %\n")
    w = _to_preview(qtbot, store, path)
    text = w.preview_page.summary.text()
    for reading in ("★★★★☆ → 4 (stars)", "😐 → 3 (smiley)", "Very satisfied → 5 (words)",
                    "80 % → 4 (percent scale)"):
        assert reading in text


def test_an_interactions_sheet_is_mapped_with_its_own_words(qtbot, store, tmp_path):
    path = write(tmp_path, "calls.csv", "Date,Customer,Type,Notes\n2025-03-01,Ann,Phone,hi\n")
    w = ImportWizard(store, path=path, runner=SyncRunner())
    qtbot.addWidget(w)
    w.show()
    w.next()
    assert w.sheet_page.kind.currentText() == "interactions"
    w.next()
    combos = [c.currentText() for c in w.mapping_page.combos]
    assert combos == ["date", "customer ID or reference", "type (call, visit…)",
                      "note"]
    assert w.mapping_page.mapping() == ["date", "customer", "kind", "note"]
