"""The main window opens on a database and every tab draws."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings

from custdesk.storage import open_store


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path):
    """Keep QSettings (recent files, window state) out of the real user profile."""
    QCoreApplication.setOrganizationName("custdesk-tests")
    QCoreApplication.setApplicationName("custdesk-tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    yield


def test_window_has_every_tab_and_shows_the_file(qtbot, demo_store) -> None:
    from custdesk.ui.main_window import MainWindow

    window = MainWindow(demo_store)
    qtbot.addWidget(window)
    # each tab has its Alt+letter mnemonic; the words are the tab's title
    titles = [window.tabs.tabText(i).replace("&", "") for i in range(window.tabs.count())]
    assert titles == [
        "Today",
        "Customers",
        "Loyalty",
        "Pipeline",
        "Lost prospects",
        "Margins",
        "Growth",
        "Feedback",
        "Why",
        "Actions",
        "Scorecard",
    ]
    assert str(demo_store.path) in window.file_label.text()
    for index, page in enumerate(window.tab_pages):
        window.tabs.setCurrentIndex(index)
        page.refresh()
        assert page.store is demo_store
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Edit", "&Record", "&View", "&Help"]
    file_actions = [a.text() for a in window.menuBar().actions()[0].menu().actions() if a.text()]
    for wanted in (
        "&New database…",
        "&Open database…",
        "Open &recent",
        "&Import spreadsheet…",
        "&Export to Excel…",
        "&Print…",
        "Restore &backup…",
        "&Quit",
    ):
        assert wanted in file_actions
    window.set_store(None)  # closes the store
    assert demo_store.closed


def test_opening_another_file_remembers_it_in_recent(qtbot, tmp_path: Path) -> None:
    from custdesk.ui.main_window import MainWindow

    first = open_store(tmp_path / "one.db")
    window = MainWindow(first)
    qtbot.addWidget(window)
    opened: list[bool] = []
    window.open_path(tmp_path / "two.db", opened.append)
    qtbot.waitUntil(lambda: opened == [True] and first.closed, timeout=30_000)
    recent = window._recent_files()
    assert recent[:2] == [
        str((tmp_path / "two.db").resolve()),
        str((tmp_path / "one.db").resolve()),
    ]
    assert [a.text() for a in window.recent_menu.actions()][:2] == recent[:2]
    window.set_store(None)


def test_foreign_file_is_refused_and_current_kept(qtbot, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from custdesk.ui.main_window import MainWindow

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: shown.append(text))
    store = open_store(tmp_path / "mine.db")
    window = MainWindow(store)
    qtbot.addWidget(window)
    foreign = tmp_path / "notes.db"
    foreign.write_bytes(b"just some text, not a database at all" * 10)
    before = foreign.read_bytes()
    opened: list[bool] = []
    window.open_path(foreign, opened.append)
    qtbot.waitUntil(lambda: opened == [False], timeout=30_000)
    assert window.store is store and not store.closed
    assert "not a custdesk database" in shown[0]
    assert foreign.read_bytes() == before
    window.set_store(None)


def test_restore_backup_from_the_window(qtbot, tmp_path: Path) -> None:
    from custdesk.storage.backups import create_backup
    from custdesk.ui.dialogs.restore_backup_dialog import RestoreBackupDialog
    from custdesk.ui.main_window import MainWindow

    store = open_store(tmp_path / "shop.db")
    with store.transaction():
        store.conn.execute(
            "INSERT INTO customers(name, name_key, created_on) VALUES ('Ann', 'ann', '2024-01-01')"
        )
    backup = create_backup(store, reason="manual")
    with store.transaction():
        store.conn.execute("DELETE FROM customers")
    window = MainWindow(store)
    qtbot.addWidget(window)
    dialog = RestoreBackupDialog(store.path, window)
    assert dialog.list.count() >= 1 and dialog.selected_path() == str(backup.path)
    window._restore_backup(dialog.selected_path())  # a write task: the window stays live
    qtbot.waitUntil(lambda: window.store is not None and window.store is not store,
                    timeout=20_000)
    assert window.store is not None
    names = [r[0] for r in window.store.conn.execute("SELECT name FROM customers")]
    assert names == ["Ann"]
    window.set_store(None)


_OTHER_OPENER = """
import sys
from custdesk.storage import DatabaseInUseError, open_store
try:
    open_store(sys.argv[1], create=False).close(backup_if_changed=False)
    print("opened")
except DatabaseInUseError:
    print("refused")
"""


def _other_process_opens(path: Path) -> str:
    """What a second custdesk process gets when it opens `path` now."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _OTHER_OPENER, str(path)],
                          capture_output=True, text=True, timeout=60)
    return done.stdout.strip() or done.stderr.strip()[-300:]


def test_restore_from_the_window_holds_the_lock_throughout(qtbot, tmp_path: Path,
                                                           monkeypatch) -> None:
    """Issue 20 M6. Before: the window closed its store and released the lock, then a task
    swapped the file, then it was opened again — another process could open it in
    between. Now a second process is refused before the swap, after it and after the
    reopen, and the window shows the restored file."""
    from custdesk.storage.backups import create_backup
    from custdesk.ui.dialogs import restore_backup_dialog
    from custdesk.ui.main_window import MainWindow

    store = open_store(tmp_path / "shop.db")
    with store.transaction():
        store.conn.execute(
            "INSERT INTO customers(name, name_key, created_on) VALUES ('Ann', 'ann', '2024-01-01')"
        )
    backup = create_backup(store, reason="manual")
    with store.transaction():
        store.conn.execute("DELETE FROM customers")
    path = store.path
    seen: list[str] = []
    real_restore = restore_backup_dialog.restore_backup

    def watched_restore(*args, **kwargs):
        seen.append(_other_process_opens(path))  # the store is closed, the swap not done
        safety = real_restore(*args, **kwargs)
        seen.append(_other_process_opens(path))  # swapped, not reopened yet
        return safety

    monkeypatch.setattr(restore_backup_dialog, "restore_backup", watched_restore)
    window = MainWindow(store)
    qtbot.addWidget(window)
    window._restore_backup(str(backup.path))
    qtbot.waitUntil(lambda: window.store is not None and window.store is not store,
                    timeout=30_000)
    assert seen == ["refused", "refused"]
    assert _other_process_opens(path) == "refused"  # the reopened window holds it
    names = [r[0] for r in window.store.conn.execute("SELECT name FROM customers")]
    assert names == ["Ann"]
    window.set_store(None)
    assert _other_process_opens(path) == "opened"  # released when the window lets go


def test_smoke_test_saves_one_png_per_tab_and_the_dialogs(tmp_path: Path,
                                                        demo_db_template: Path) -> None:
    import shutil
    import subprocess
    import sys

    db = tmp_path / "shots.db"
    shutil.copyfile(demo_db_template, db)
    shots = tmp_path / "shots"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "custdesk",
            "--db",
            str(db),
            "--smoke-test",
            "--screenshots",
            str(shots),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in shots.glob("*.png"))
    assert names == sorted(
        f"{s}.png"
        for s in (
            "today",
            "customers",
            "loyalty",
            "pipeline",
            "lost_prospects",
            "margins",
            "growth",
            "feedback",
            "reasons",  # the Why tab (its first name kept as the slug)
            "actions",
            "scorecard",
            # the board, New deal and two quick entries (issue 13)
            "pipeline_board",
            "new_deal",
            "deal_editor",
            "quick_survey",
            "quick_contact",
            # issue 12: the wizard's pages on a real file, the dialogs, a print preview
            "welcome",
            "import_file",
            "import_sheet",
            "import_mapping",
            "import_preview",
            "customer",
            "settings",
            "restore_backup",
            "print_today",
        )
    )
    assert all(p.stat().st_size > 5000 for p in shots.glob("*.png"))
    from PySide6.QtGui import QImage

    mapping = QImage(str(shots / "import_mapping.png"))
    assert (mapping.width(), mapping.height()) == (1100, 680)  # default size at 1366×768


def test_full_export_from_the_window_imports_back(
    qtbot, demo_store, tmp_path: Path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QMessageBox
    from python_calamine import CalamineWorkbook

    from custdesk.ui.dialogs.full_export_dialog import start_full_export
    from custdesk.ui.main_window import MainWindow
    from custdesk.ui.tasks import SyncRunner

    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    window = MainWindow(demo_store)
    qtbot.addWidget(window)
    target = tmp_path / "everything.xlsx"
    start_full_export(window, demo_store.path, target, SyncRunner())  # cancel: test_tasks.py
    qtbot.waitUntil(lambda: bool(told), timeout=120_000)
    orders = demo_store.conn.execute("SELECT count(*) FROM orders").fetchone()[0]
    book = CalamineWorkbook.from_path(str(target))
    assert "orders" in book.sheet_names and "customers" in book.sheet_names
    rows = book.get_sheet_by_name("orders").to_python()
    data_rows = [r for r in rows[2:] if any(v not in ("", None) for v in r)]
    assert len(data_rows) == orders  # title row + header row, then one row per order line
    assert target.name in told[0]
    window.set_store(None)


def test_risky_location_warns_once_per_path(qtbot, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from custdesk.ui.main_window import MainWindow

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: shown.append(text))
    folder = tmp_path / "Dropbox" / "shop"
    folder.mkdir(parents=True)
    window = MainWindow(open_store(folder / "shop.db"))
    qtbot.addWidget(window)
    assert len(shown) == 1 and "Dropbox" in shown[0]
    window.set_store(None)
    window.set_store(open_store(folder / "shop.db"))
    assert len(shown) == 1  # not again for the same file
    window.set_store(open_store(tmp_path / "safe.db"))
    assert len(shown) == 1  # a safe place never warns
    window.set_store(None)


def test_undo_last_import_from_the_menu(qtbot, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from custdesk.cli import main
    from custdesk.ui.main_window import MainWindow

    db = tmp_path / "shop.db"
    sheet = tmp_path / "orders.csv"
    sheet.write_text("Date,Customer,Amount\n2026-01-05,Ann,10.50\n2026-01-06,Bob,4.25\n")
    assert main(["import", str(sheet), "--db", str(db), "--kind", "orders"]) == 0
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda _p, _t, text: asked.append(text) or QMessageBox.StandardButton.Yes)
    window = MainWindow(open_store(db))
    qtbot.addWidget(window)
    count = "SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM customers)"
    assert window.store.conn.execute(count).fetchone()[0] == 4
    window.undo_last_import()
    assert "orders.csv" in asked[0] and "2 rows created" in asked[0]
    assert window.store.conn.execute(count).fetchone()[0] == 0
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    window.undo_last_import()
    assert told == ["There is no import to undo."]
    window.set_store(None)


def test_period_bar_offers_every_metrics_preset_and_counts_like_the_cli(
        qtbot, demo_store) -> None:
    from custdesk.domain.periods import PRESET_LABELS
    from custdesk.services.period_service import resolve_period
    from custdesk.ui.main_window import MainWindow

    window = MainWindow(demo_store)
    qtbot.addWidget(window)
    bar = window.period_bar
    items = [bar.choice.itemText(i) for i in range(bar.choice.count())]
    assert items == [*PRESET_LABELS.values(), "Custom range…"]
    for key, label in PRESET_LABELS.items():
        bar.set_choice(key)
        assert bar.period() == resolve_period(demo_store, key).period, key
        assert bar.label() == label
        page = window.current_tab()
        assert page.period == bar.period() and page.period_label == label
    bar.set_choice("all")
    span = resolve_period(demo_store, "all").span
    assert bar.period() == span  # "All time" is the data's whole span
    window.set_store(None)


def test_a_write_redraws_only_the_tabs_that_show_what_it_changed(qtbot, quiet_ui,
                                                                 tmp_path: Path) -> None:
    from custdesk.ui.main_window import MainWindow
    from custdesk.ui.tasks import default_runner

    window = MainWindow(open_store(tmp_path / "shop.db"))
    qtbot.addWidget(window)
    redrawn: list[str] = []
    for page in window.tab_pages:
        page.invalidate = lambda slug=page.slug: redrawn.append(slug)  # type: ignore[method-assign]
    default_runner().changed.emit(frozenset({"surveys", "import_batches"}))
    assert sorted(redrawn) == ["customers", "feedback", "loyalty", "reasons", "scorecard",
                               "today"]
    redrawn.clear()
    window.data_changed(frozenset({"*"}))  # a restore replaced the whole file
    assert len(redrawn) == len(window.tab_pages)
    window.set_store(None)


def test_only_a_write_of_dated_records_looks_the_span_up_again(qtbot, quiet_ui,
                                                               tmp_path: Path) -> None:
    """The period bar's span is a scan of every kind (0.1-0.17 s on a big file, on the
    window's thread): Growth's pipeline snapshot, an action or a snooze cannot move it."""
    from custdesk.ui.main_window import SPAN_CHANGES, MainWindow

    window = MainWindow(open_store(tmp_path / "shop.db"))
    qtbot.addWidget(window)
    looked: list[frozenset[str]] = []
    bar_changed = window.period_bar.data_changed
    window.period_bar.data_changed = (  # type: ignore[method-assign]
        lambda store, today=None: looked.append(changes) or bar_changed(store, today))
    for changes in (frozenset({"pipeline_snapshots"}), frozenset({"actions"}),
                    frozenset({"customer_snoozes"}), frozenset({"targets", "import_batches"})):
        window.data_changed(changes)
    assert looked == []
    for kind in sorted(SPAN_CHANGES):
        changes = frozenset({kind, "import_batches"})
        window.data_changed(changes)
    assert len(looked) == len(SPAN_CHANGES)
    # after midnight any write moves the presets on (the bar reads the day then)
    window.period_bar.today = date.today() - timedelta(days=1)
    changes = frozenset({"actions"})
    window.data_changed(changes)
    assert len(looked) == len(SPAN_CHANGES) + 1 and window.period_bar.today == date.today()
    window.set_store(None)
