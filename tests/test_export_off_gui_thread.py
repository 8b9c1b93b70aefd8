"""A tab's Excel/CSV export is written by a task, off the GUI thread (issue 18: 300-400 ms
for a big file's tab), from tables read on the GUI thread; the same file as before, the
same messages, and one export of a tab at a time (pytest-qt, offscreen)."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
)
from ui_helpers import HeldRunner, make_tab

from custdesk.domain.periods import Period
from custdesk.ui import tab_output, tasks

pytestmark = pytest.mark.usefixtures("quiet_ui")

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


Queued = HeldRunner  # (the name these tests use)


@pytest.fixture(autouse=True)
def no_export_left_behind():
    """A test's runner that never ran its task (Queued) must not leave it counted as being
    written for the next test (in the app, one runner lives as long as the window)."""
    yield
    tab_output._writing.clear()


@pytest.fixture
def today_in_window(qtbot, demo_store):
    """The Today tab inside a main window (whose status bar says where the file went)."""
    from custdesk.ui.tabs.today_tab import TodayTab

    tab = make_tab(qtbot, TodayTab, demo_store, OCTOBER)
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(tab)
    return tab, window


def answer_with(monkeypatch, path: Path, chosen: str = tab_output.XLSX_FILTER) -> list[str]:
    asked: list[str] = []

    def answer(*_args):
        asked.append(str(path))
        return str(path), chosen

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    return asked


def cells(path: Path) -> dict[str, list[tuple]]:
    book = load_workbook(path)
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


def test_the_workbook_is_written_on_a_pool_thread(qtbot, today_in_window, tmp_path,
                                                  monkeypatch) -> None:
    tab, window = today_in_window
    threads: list[threading.Thread] = []
    real_write = tab_output.write_xlsx

    def write_xlsx(*args, **kwargs):
        threads.append(threading.current_thread())
        return real_write(*args, **kwargs)

    monkeypatch.setattr(tab_output, "write_xlsx", write_xlsx)
    answer_with(monkeypatch, tmp_path / "today")  # no suffix: the chosen filter's
    runner = tasks.ThreadRunner()
    tables = tab.export_tables()
    target = tab_output.export_dialog(tab, "custdesk today", tables, runner=runner)
    assert target == tmp_path / "today.xlsx"
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() != "", timeout=20_000)
    assert window.statusBar().currentMessage() == f"Exported to {target}"
    assert len(threads) == 1 and threads[0] is not threading.main_thread()
    # the same workbook as the write on the GUI thread made
    reference = tab_output.write_export(tmp_path / "reference.xlsx", tables,
                                        tab_output.export_heading("Today", OCTOBER))
    assert cells(target) == cells(reference)
    runner.shutdown()


def test_csv_is_the_same_file_as_before(qtbot, today_in_window, tmp_path,
                                        monkeypatch) -> None:
    tab, _window = today_in_window
    answer_with(monkeypatch, tmp_path / "today", tab_output.CSV_FILTER)
    runner = tasks.ThreadRunner()
    target = tab_output.export_dialog(tab, "custdesk today", tab.export_tables(),
                                      runner=runner)
    assert target == tmp_path / "today.csv"
    assert runner.wait(20_000)
    qtbot.waitUntil(lambda: not runner.is_busy(), timeout=20_000)
    reference = tab_output.write_export(tmp_path / "reference.csv", tab.export_tables(),
                                        None)
    assert target.read_bytes() == reference.read_bytes()
    runner.shutdown()


def test_an_unwritable_path_shows_the_same_warning(qtbot, today_in_window, tmp_path,
                                                   monkeypatch) -> None:
    tab, window = today_in_window
    (tmp_path / "a file").write_text("not a folder")
    path = tmp_path / "a file" / "today.xlsx"
    answer_with(monkeypatch, path)
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda _p, title, text: shown.append((title, text)))
    try:
        tab_output.write_export(path, tab.export_tables(), None)
    except OSError as exc:
        expected = f"Could not write {path}: {exc.strerror or exc}"
    runner = tasks.ThreadRunner()
    tab_output.export_dialog(tab, "custdesk today", tab.export_tables(), runner=runner)
    qtbot.waitUntil(lambda: bool(shown), timeout=20_000)
    assert shown == [("Export failed", expected)]
    assert window.statusBar().currentMessage() == ""
    runner.shutdown()


def test_one_export_of_a_tab_at_a_time(qtbot, today_in_window, tmp_path,
                                       monkeypatch) -> None:
    tab, window = today_in_window
    asked = answer_with(monkeypatch, tmp_path / "first.xlsx")
    runner = Queued()
    assert tab_output.export_dialog(tab, "custdesk today", tab.export_tables(),
                                    runner=runner) == tmp_path / "first.xlsx"
    assert not (tmp_path / "first.xlsx").exists()  # still being written
    # asked again meanwhile: no file dialog, no second task, the owner is told
    assert tab_output.export_dialog(tab, "custdesk today", tab.export_tables(),
                                    runner=runner) is None
    assert len(asked) == 1 and len(runner.queued) == 1
    assert "still being written" in window.statusBar().currentMessage()
    runner.drain()
    assert (tmp_path / "first.xlsx").exists()
    assert window.statusBar().currentMessage() == f"Exported to {tmp_path / 'first.xlsx'}"
    # written: the next export may start
    assert tab_output.export_dialog(tab, "custdesk today", tab.export_tables(),
                                    runner=runner) is not None
    assert len(asked) == 2


def test_closing_waits_for_an_export_being_written(qtbot, demo_window, tmp_path,
                                                   monkeypatch) -> None:
    """Quitting while an export is written would lose it (its file appears only when
    complete): the window asks, and "wait" keeps it open until the file is written, then
    closes by itself."""
    tab = demo_window.tab_pages[0]
    answer_with(monkeypatch, tmp_path / "today.xlsx")
    asked: list[str] = []

    def question(_parent, title, _text, *_buttons):
        asked.append(title)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    runner = Queued()
    target = tab_output.export_dialog(tab, "custdesk today", tab.export_tables(),
                                      runner=runner)
    assert tab_output.exports_in_progress() == [target]
    assert not demo_window.close()
    assert demo_window.isVisible() and asked == ["Export still being written"]
    # meanwhile a modal box says what is written: nothing else can be started
    waiting = QApplication.activeModalWidget()
    assert isinstance(waiting, QProgressDialog) and "today.xlsx" in waiting.labelText()
    assert not demo_window.close() and asked == ["Export still being written"]  # no 2nd ask
    runner.drain()  # the write ends
    qtbot.waitUntil(lambda: not demo_window.isVisible(), timeout=5_000)
    assert target.exists() and tab_output.exports_in_progress() == []


def test_a_second_export_of_a_tab_replaces_the_first_in_the_count(
        qtbot, demo_window, tmp_path, monkeypatch) -> None:
    """The close question names only the files still being written: an export of a tab
    written before does not linger once the tab exports again."""
    tab = demo_window.tab_pages[0]
    runner = Queued()
    answer_with(monkeypatch, tmp_path / "first.xlsx")
    tab_output.export_dialog(tab, "custdesk today", tab.export_tables(), runner=runner)
    runner.drain()
    answer_with(monkeypatch, tmp_path / "second.xlsx")
    second = tab_output.export_dialog(tab, "custdesk today", tab.export_tables(),
                                      runner=runner)
    assert tab_output.exports_in_progress() == [second]
    runner.drain()
    assert tab_output.exports_in_progress() == []


def test_closing_without_waiting_for_the_export(qtbot, demo_window, tmp_path,
                                                monkeypatch) -> None:
    tab = demo_window.tab_pages[0]
    answer_with(monkeypatch, tmp_path / "today.xlsx")
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *_a: QMessageBox.StandardButton.Discard)
    runner = Queued()
    tab_output.export_dialog(tab, "custdesk today", tab.export_tables(), runner=runner)
    assert demo_window.close() and not demo_window.isVisible()
    runner.shutdown()  # the task dropped: no longer counted
    assert tab_output.exports_in_progress() == []


def test_closing_with_no_export_asks_nothing(qtbot, demo_window, monkeypatch) -> None:
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *_a: pytest.fail("asked with no export being written"))
    assert demo_window.close()
