"""Issue 12, the owner's first hour: the period follows old data (after an import and on
open) with a banner and a way back to today; the demo lives in its own file (DEMO title,
banner, "Start my own file", an import into it asks first); the last file is reopened;
file dialogs start in Documents; Restore backup says what you would lose; keyboard.

Every test uses `quiet_ui` (synchronous runner, QSettings in a temp folder) and never
opens a modal dialog for real (QMessageBox calls are replaced)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from custdesk.services import files
from custdesk.storage import open_store

OLD_ORDERS = ("Order Date,Customer,Amount\n2014-01-03,Ann,10.00\n2016-05-05,Bo,5.00\n"
              "2017-12-30,Ann,7.00\n")


@pytest.fixture
def app_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The owner's default file lives in a temp folder (`$CUSTDESK_DB`)."""
    folder = tmp_path / "appdata"
    folder.mkdir()
    monkeypatch.setenv("CUSTDESK_DB", str(folder / "custdesk.db"))
    return folder


def make_window(qtbot, store):
    from custdesk.ui.main_window import MainWindow

    window = MainWindow(store)
    qtbot.addWidget(window)
    return window


def old_sheet(tmp_path: Path) -> Path:
    sheet = tmp_path / "old orders.csv"
    sheet.write_text(OLD_ORDERS, encoding="utf-8")
    return sheet


# ----- 1. the period follows the data ------------------------------------------------------
def test_after_an_import_of_old_data_the_period_follows_it_with_a_banner(
        qtbot, quiet_ui, tmp_path: Path) -> None:
    window = make_window(qtbot, open_store(tmp_path / "shop.db"))
    bar = window.period_bar
    assert not bar.banner.isVisibleTo(window)  # an empty file: nothing to say
    window.tabs.setCurrentIndex(2)
    wizard = window.import_dialog(old_sheet(tmp_path))
    assert wizard is not None
    for _page in range(3):
        wizard.next()  # sheet, mapping, preview
    assert wizard.preview_page.isComplete()
    wizard.next()  # import: a write task; `changed` reaches window.data_changed
    assert wizard.import_page.finished
    # the presets now count back from the data's last day, and every tab shows that
    assert bar.period() == bar.period().preset("last_12_months", date(2017, 12, 30))
    assert bar.period().end == date(2017, 12, 30)
    assert all(page.period == bar.period() for page in window.tab_pages)
    assert bar.banner.isVisibleTo(window)
    assert bar.banner.text.text() == ("Your data runs 1/3/2014 – 12/30/2017; showing its "
                                      "last 12 months")
    # the window says what changed and shows it
    assert window.statusBar().currentMessage() == "3 order lines added — see Today"
    assert window.tabs.currentIndex() == 0
    # and a way back to today
    up_to_today = bar.banner.button("Show up to today")
    assert up_to_today is not None
    up_to_today.click()
    assert bar.period().end == date.today()
    assert all(page.period.end == date.today() for page in window.tab_pages)
    assert "showing periods up to today" in bar.banner.text.text()
    back = bar.banner.button("Show the data's last day")
    assert back is not None
    back.click()
    assert bar.period().end == date(2017, 12, 30)
    window.set_store(None)


def test_on_open_old_data_sets_the_period_and_the_banner(qtbot, quiet_ui,
                                                         tmp_path: Path) -> None:
    from custdesk.cli import main

    db = tmp_path / "shop.db"
    assert main(["import", str(old_sheet(tmp_path)), "--db", str(db), "--kind", "orders"]) == 0
    window = make_window(qtbot, open_store(db))
    bar = window.period_bar
    assert bar.period().end == date(2017, 12, 30)
    assert window.current_tab().period == bar.period()
    assert bar.banner.text.text().startswith("Your data runs 1/3/2014 – 12/30/2017")
    bar.set_choice("all")  # the "All time" preset is the data's whole span
    assert bar.period() == bar.span
    assert bar.banner.text.text().endswith("showing all of it")
    window.set_store(None)


def test_recent_data_shows_no_banner(qtbot, quiet_ui, demo_store) -> None:
    from custdesk.ui.period_bar import PeriodBar

    bar = PeriodBar()
    qtbot.addWidget(bar)
    bar.set_store(demo_store, today=date(2026, 11, 30))  # the demo ends 2026-11-24
    assert not bar.data_is_old and bar.banner_text() == ""
    bar.set_store(demo_store, today=date(2027, 6, 1))
    assert bar.follows_data and bar.period().end == date(2026, 11, 24)


def test_a_custom_range_is_typed_in_the_locales_format(qtbot, quiet_ui) -> None:
    from custdesk.ui.period_bar import PeriodBar, parse_day

    bar = PeriodBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.set_choice("custom")
    assert bar.start.placeholderText() == "M/d/yyyy"  # en_US short format, 4-digit year
    for field, text in ((bar.start, "1/3/2014"), (bar.end, "12/30/2017")):
        field.selectAll()
        QTest.keyClicks(field, text)
        with qtbot.waitSignal(bar.period_changed):
            QTest.keyClick(field, Qt.Key.Key_Return)
    assert (bar.period().start, bar.period().end) == (date(2014, 1, 3), date(2017, 12, 30))
    bar.end.selectAll()
    QTest.keyClicks(bar.end, "30/12/2017")  # day first is not this locale's format
    QTest.keyClick(bar.end, Qt.Key.Key_Return)
    assert bar.period().end == date(2017, 12, 30)  # kept, and the box says so
    assert "Not a date" in bar.end.toolTip()
    assert parse_day("2/29/2024") == date(2024, 2, 29) and parse_day("2/30/2024") is None


# ----- 2. the demo lives in its own file ------------------------------------------------------
def test_the_demo_goes_into_its_own_file_marked_demo(qtbot, quiet_ui, app_data: Path) -> None:
    own = app_data / "custdesk.db"
    window = make_window(qtbot, open_store(own))
    assert "DEMO" not in window.windowTitle()
    opened: list[bool] = []
    window.explore_demo(then=opened.append)  # written and opened on threads
    qtbot.waitUntil(lambda: opened == [True], timeout=30_000)
    assert window.store is not None and window.store.path == (app_data / files.DEMO_NAME)
    assert window.windowTitle().startswith("DEMO — ")
    assert window.demo_banner.isVisibleTo(window)
    assert "demo business" in window.demo_banner.text.text()
    # the owner's file was never written into
    probe = open_store(own, lock=False)
    assert files.is_empty(probe)
    probe.close(backup_if_changed=False)
    # "Start my own file" opens the owner's (empty) file: the tabs invite an import
    button = window.demo_banner.button("Start my own file")
    assert button is not None
    button.click()
    qtbot.waitUntil(lambda: window.store is not None and window.store.path == own.resolve(),
                    timeout=30_000)
    assert "DEMO" not in window.windowTitle()
    assert not window.demo_banner.isVisibleTo(window)
    assert window.tab_pages[0].is_empty_state()
    assert "import your spreadsheets" in window.statusBar().currentMessage()
    window.set_store(None)


def test_an_import_into_the_demo_asks_first(qtbot, quiet_ui, app_data: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from custdesk.services.demo import ensure_demo_file

    demo = ensure_demo_file(app_data / files.DEMO_NAME)
    window = make_window(qtbot, open_store(demo))
    asked: list[str] = []
    answer = {"button": QMessageBox.StandardButton.Cancel}
    monkeypatch.setattr(QMessageBox, "question",
                        lambda _p, _t, text, *_a: asked.append(text) or answer["button"])
    assert window.import_dialog() is None  # Cancel: nothing opens
    assert asked == ["This is the demo file — import into your own file instead?\n\n"
                     "Yes: open your own file and import there. No: add to the demo anyway."]
    answer["button"] = QMessageBox.StandardButton.No
    wizard = window.import_dialog()
    assert wizard is not None and wizard.store.path == demo.resolve()
    wizard.reject()
    answer["button"] = QMessageBox.StandardButton.Yes
    assert window.import_dialog() is None  # the wizard comes once the own file is open
    own = (app_data / "custdesk.db").resolve()
    qtbot.waitUntil(lambda: window.store is not None and window.store.path == own,
                    timeout=30_000)
    wizard = window.dialogs["import"]
    assert wizard.isVisible() and wizard.store.path == own
    assert window.store is not None and not window.is_demo
    wizard.reject()
    window.set_store(None)


def test_custdesk_demo_without_db_never_writes_the_owners_file(app_data: Path,
                                                               capsys) -> None:
    from custdesk.cli import main

    assert main(["demo", "--end", "2026-11-24"]) == 0
    assert (app_data / files.DEMO_NAME).exists()
    assert not (app_data / "custdesk.db").exists()
    assert files.DEMO_NAME in capsys.readouterr().out


# ----- the last file used, File ▸ Open recent ------------------------------------------------
def test_the_app_reopens_the_last_file_used(qtbot, quiet_ui, app_data: Path,
                                            tmp_path: Path) -> None:
    from custdesk.ui.app import DEMO, OWN, demo_file_writer, start_path

    def never() -> str:
        raise AssertionError("the welcome is only for a first run")

    first, second = tmp_path / "one.db", tmp_path / "two.db"
    window = make_window(qtbot, open_store(first))
    opened: list[bool] = []
    window.open_path(second, opened.append)
    qtbot.waitUntil(lambda: opened == [True], timeout=30_000)
    window.set_store(None)
    assert start_path(None, ask=never) == second.resolve()
    assert start_path(str(first), ask=never) == first  # --db wins
    second.unlink()  # a file that is gone is skipped
    assert start_path(None, ask=never) == first.resolve()
    # Open recent lists them and opens the one chosen
    window.set_store(open_store(tmp_path / "three.db"))
    entries = [a.data() for a in window.recent_menu.actions()]
    assert entries[:2] == [str((tmp_path / "three.db").resolve()), str(first.resolve())]
    window.recent_menu.actions()[1].trigger()
    qtbot.waitUntil(lambda: window.store is not None and window.store.path == first.resolve(),
                    timeout=30_000)
    window.set_store(None)
    # a first run (no recent file, no default file) asks; the demo gets its own file
    QSettings().remove("recent_files")
    assert start_path(None, ask=lambda: OWN) == app_data / "custdesk.db"
    # the start-up leaves the writing to the thread that opens it (0.35 s, not the window's)
    demo_path = app_data / files.DEMO_NAME
    assert start_path(None, ask=lambda: DEMO, write_demo=False) == demo_path
    assert not demo_path.exists()
    writer = demo_file_writer(demo_path)
    assert writer is not None and demo_file_writer(app_data / "custdesk.db") is None
    writer()
    assert demo_path.exists() and not (app_data / "custdesk.db").exists()
    assert start_path(None, ask=lambda: DEMO) == demo_path


# ----- file dialogs start in Documents, then the last folder ---------------------------------
def test_file_dialogs_start_in_documents_then_the_last_folder(
        qtbot, quiet_ui, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    documents = files.documents_folder()
    program = Path(__file__).resolve().parents[1]
    assert documents != program
    window = make_window(qtbot, open_store(tmp_path / "shop.db"))
    asked: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda _p, _c, folder, _f: asked.append(folder) or ("", ""))
    window.open_database_dialog()
    assert asked == [str(documents)]
    chosen = tmp_path / "sheets" / "orders.xlsx"
    chosen.parent.mkdir()
    window.remember_folder(chosen)
    window.open_database_dialog()
    assert asked[-1] == str(chosen.parent)
    wizard = window.import_dialog()
    assert wizard is not None
    wizard.file_page._browse()  # the wizard shares the last folder
    assert asked[-1] == str(chosen.parent)
    wizard.reject()
    chosen.parent.rmdir()  # gone: back to Documents
    assert files.start_folder(str(chosen.parent)) == documents
    window.set_store(None)


# ----- Restore backup says what you would lose ------------------------------------------------
def test_restore_backup_says_what_you_would_lose(qtbot, quiet_ui, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from custdesk.services import importer
    from custdesk.services.customers_service import add_customer
    from custdesk.storage.backups import create_backup
    from custdesk.ui.dialogs.restore_backup_dialog import RestoreBackupDialog

    store = open_store(tmp_path / "shop.db")
    add_customer(store, {"name": "Zoe"})
    create_backup(store, reason="manual")
    request = importer.ImportRequest(old_sheet(tmp_path), kind="orders")
    importer.commit(store, importer.make_preview(store, request))
    dialog = RestoreBackupDialog(store.path, None, store=store)
    qtbot.addWidget(dialog)
    dialog.list.setCurrentRow(dialog.list.count() - 1)  # the manual backup (oldest)
    text = dialog.loss.text()
    assert "3 order lines added since this backup would be lost" in text
    assert "2 customers added since this backup would be lost" in text  # Ann and Bo
    assert "the import of old orders.csv (orders," in text and "3 added" in text
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda _p, _t, q: asked.append(q) or QMessageBox.StandardButton.No)
    dialog._confirm()
    assert "3 order lines added since this backup would be lost" in asked[0]
    assert asked[0].endswith("so you can go back.")
    dialog.close()
    store.close(backup_if_changed=False)


# ----- keyboard -------------------------------------------------------------------------------
def test_keyboard_tabs_refresh_and_search(qtbot, quiet_ui, demo_store) -> None:
    window = make_window(qtbot, demo_store)
    shortcuts = {a.shortcut().toString(): a for menu in window.menuBar().actions()
                 for a in menu.menu().actions() if not a.shortcut().isEmpty()}
    tabs = len(window.tab_pages)
    assert tabs > 10  # Ctrl+1…9 and Ctrl+0 reach the first ten; the rest Alt+letter only
    for number in range(1, 11):
        shortcuts[f"Ctrl+{number % 10}"].trigger()
        assert window.tabs.currentIndex() == number - 1
    assert "Ctrl+11" not in shortcuts
    window.tabs.setCurrentIndex(tabs - 1)
    shortcuts["Ctrl+Tab"].trigger()  # from the last tab round to the first
    assert window.tabs.currentIndex() == 0
    shortcuts["Ctrl+Shift+Tab"].trigger()
    assert window.tabs.currentIndex() == tabs - 1
    window.tabs.setCurrentIndex(1)  # Customers has a search box
    assert window.focus_search()
    window.tabs.setCurrentIndex(6)  # Scorecard has none: says so
    assert not window.focus_search()
    refreshed: list[str] = []
    for page in window.tab_pages:
        page.invalidate = lambda slug=page.slug: refreshed.append(slug)  # type: ignore
    shortcuts["F5"].trigger()
    assert len(refreshed) == len(window.tab_pages)
    texts = [window.tabs.tabText(i) for i in range(tabs)]
    assert texts == ["&Today", "&Customers", "L&oyalty", "&Pipeline", "&Lost prospects",
                     "&Margins", "&Growth", "Fee&dback", "&Why", "&Actions", "&Scorecard"]
    # every Alt letter is its own (none shared by two tabs or a menu)
    letters = [t[t.index("&") + 1].lower() for t in texts]
    menus = [a.text()[a.text().index("&") + 1].lower() for a in window.menuBar().actions()]
    assert len(set(letters + menus)) == len(letters + menus)
    window.set_store(None)


def test_after_a_whole_workbook_import_the_window_counts_records(qtbot, quiet_ui,
                                                                 demo_store, tmp_path) -> None:
    from custdesk.services import importer
    from custdesk.services.exporter import export_workbook

    out = export_workbook(demo_store, tmp_path / "everything.xlsx").path
    window = make_window(qtbot, open_store(tmp_path / "new.db"))
    assert window.store is not None
    result = importer.import_workbook(window.store, out)
    assert result.batch_id is not None
    window.imported(result.batch_id)
    message = window.statusBar().currentMessage()
    assert message.endswith("records added — see Today"), message
    assert "workbook" not in message
    window.set_store(None)
