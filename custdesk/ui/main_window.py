"""The main window: menus, tabs and status bar. It wires; the tabs and services do the work."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressDialog,
    QWidget,
)

from custdesk import __version__
from custdesk.domain.periods import Period
from custdesk.ui import idle_queue, tab_list
from custdesk.ui.banner import Banner
from custdesk.ui.page_tabs import PageTabs
from custdesk.ui.period_bar import PeriodBar

# The window shows its frame, menus and tab bar first; the tabs themselves, the storage layer
# and the dialogs are imported after (see `MainWindow(deferred=True)` and ui/app.py), hence
# the imports inside the methods below.
if TYPE_CHECKING:
    from filelock import BaseFileLock

    from custdesk.services.files import Store
    from custdesk.ui.tabs.base_tab import BaseTab

TAB_MNEMONICS = {spec.title: spec.mnemonic for spec in tab_list.TABS}


def __getattr__(name: str) -> Any:
    """`TAB_CLASSES`: the tab classes, in order (imported on first use)."""
    if name == "TAB_CLASSES":
        return tab_list.tab_classes()
    raise AttributeError(name)


# what an import added, in words, and the tab that shows it
KIND_WORDS = {"orders": ("order line", "today"), "customers": ("customer", "customers"),
              "products": ("product", "margins"), "deals": ("deal", "pipeline"),
              "tickets": ("support ticket", "feedback"), "surveys": ("survey answer", "feedback"),
              "spend": ("spend row", "margins"), "targets": ("target", "margins"),
              "actions": ("action", "actions"),
              # calls and visits sit beside the actions they lead to; costs beside margins
              "interactions": ("interaction", "actions"), "costs": ("cost row", "margins"),
              # a whole custdesk workbook (every kind in one batch): records, shown on Today
              "workbook": ("record", "today")}
# the write kinds the period bar's span reads (`queries.data_span`: the dated records) and
# "*" (a restore, an undo): only a write of one of them can move the span and the anchor
SPAN_CHANGES = frozenset({"orders", "deals", "tickets", "surveys", "customers", "*"})
START_OWN_FILE = "Start my own file"
MAX_RECENT = 8
MIN_SIZE = QSize(900, 600)
DB_FILTER = "custdesk databases (*.db *.custdesk);;All files (*)"
SHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt"}


class MainWindow(QMainWindow):
    """custdesk's one window. `store` is the open database (None when none could be opened)."""

    store_changed = Signal()

    def __init__(
        self, store: Store | None, parent: QWidget | None = None, *, persist_state: bool = True,
        deferred: bool = False
    ) -> None:
        """The window on `store`. `deferred`: only the frame, menus and tab bar now (they
        need no more than Qt); the app then calls `open_store_later` and `build_pages`
        so the window is on screen while the rest is imported and built (ui/app.py)."""
        super().__init__(parent)
        self.store: Store | None = None
        self.persist_state = persist_state  # the smoke test must not touch the owner's layout
        self.settings = QSettings()
        self.dialogs: dict[str, QDialog] = {}  # the one open dialog of each kind
        self.is_demo = False  # the open file is the demo business (title, banner, import)
        self._closing_after_exports = False  # the owner chose to wait for an export
        self.setWindowTitle("custdesk")
        self.setAcceptDrops(True)
        self.tabs = PageTabs(self)
        self.tabs.setDocumentMode(True)
        # each tab holds a placeholder until its page is built (`build_page`)
        for spec in tab_list.TABS:
            self.tabs.addTab(self._placeholder(), spec.mnemonic)
        self._pages: dict[int, BaseTab] = {}
        self.tab_pages: list[BaseTab] = []  # every page, in tab order, once all are built
        self.first_painted_at: float | None = None  # when the first tab had its numbers
        # what the window is doing to switch files (opening one, a restore), None when
        # nothing: one switch at a time, every other asked meanwhile is refused with a note
        self.switching: str | None = None
        # set once the screen process has let go of the files of the store last switched
        # away from (set_store)
        self.files_released: threading.Event | None = None
        self.period_bar = PeriodBar(self)
        self.demo_banner = Banner("demo_banner", "demo")
        self.setCentralWidget(self.period_bar.above(self.tabs, self.demo_banner))
        self.period_bar.period_changed.connect(self.set_period)
        self.file_label = QLabel()
        self.statusBar().addPermanentWidget(self.file_label)
        self._build_menus()
        self._restore_window_state()
        if not deferred:
            for index in self.build_order():
                self.build_page(index)
            self.set_store(store)

    @staticmethod
    def _placeholder() -> QWidget:
        label = QLabel("Loading…")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet("color: palette(mid);")
        return label

    @property
    def ready(self) -> bool:
        """Every tab page is built (the menus act on the tabs only from then on)."""
        return len(self.tab_pages) == len(tab_list.TABS)

    def build_order(self) -> list[int]:
        """The visible tab first, so that its numbers start loading before the others."""
        current = self.tabs.currentIndex()
        return [current, *(i for i in range(len(tab_list.TABS)) if i != current)]

    def build_page(self, index: int) -> BaseTab:
        """Put tab `index`'s page in place of its placeholder, on the open file and period.
        The last one finishes the window: the Record menu, the menus' actions, the write
        tasks' change signal."""
        spec = tab_list.TABS[index]
        page = tab_list.tab_class(spec)(self)
        self._pages[index] = page
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)
        self.tabs.insertTab(index, page, spec.mnemonic)
        placeholder = self.tabs.widget(index + 1)
        self.tabs.removeTab(index + 1)
        if placeholder is not None:
            placeholder.deleteLater()
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(False)
        page.set_period(self.period_bar.period(), refresh=False, label=self.period_bar.label())
        if self.store is not None:  # a new page has none yet
            page.set_store(self.store)
        if len(self._pages) == len(tab_list.TABS):
            self._finish()
        return page

    def _finish(self) -> None:
        from custdesk.ui.dialogs.quick_entry import fill_record_menu
        from custdesk.ui.tasks import default_runner

        self.tab_pages = [self._pages[i] for i in range(len(tab_list.TABS))]
        for menu in self.menus:
            menu.setEnabled(True)
            for action in menu.actions():
                action.setEnabled(True)
        fill_record_menu(self.record_menu, lambda: self.store, self)  # New deal, quick entry
        self._refresh_recent_menu()  # enabled only with recent files
        # every committed write task (import, restore, …) says what it changed
        default_runner().changed.connect(self.data_changed)

    # ----- menus -----------------------------------------------------------------
    def _action(
        self, text: str, slot: Callable[[], object],
        shortcut: QKeySequence.StandardKey | str | None = None
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        # never slot(checked): a QAction's `checked` flag once reached the import wizard
        # as its path ("False" in the File box)
        action.triggered.connect(lambda *_args: slot())
        return action

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(
            self._action("&New database…", self.new_database, QKeySequence.StandardKey.New)
        )
        file_menu.addAction(
            self._action(
                "&Open database…", self.open_database_dialog, QKeySequence.StandardKey.Open
            )
        )
        self.recent_menu = file_menu.addMenu("Open &recent")
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Import spreadsheet…", self.import_dialog, "Ctrl+I"))
        file_menu.addAction(self._action("&Export to Excel…", self.export_dialog, "Ctrl+E"))
        file_menu.addAction(
            self._action("Export e&verything (re-importable)…", self.full_export_dialog)
        )
        file_menu.addAction(
            self._action("&Print…", self.print_dialog, QKeySequence.StandardKey.Print)
        )
        file_menu.addAction(self._action("Print monthly revie&w…", self.print_review_dialog))
        file_menu.addAction(self._action(  # issue 16: the plan on paper, strategic reviews
            "Print sales p&lan…", self.print_plan_dialog))
        file_menu.addAction(self._action(  # issue 15: the customer base on one page
            "Print customers as an &asset…", self.print_asset_dialog))
        file_menu.addAction(self._action("S&trategic review…", self.strategic_review_dialog))
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Undo last import…", self.undo_last_import))
        file_menu.addAction(self._action("Business &settings…", self.settings_dialog))
        file_menu.addAction(self._action("Restore &backup…", self.restore_backup_dialog))
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, QKeySequence.StandardKey.Quit))
        # Edit ▸ Undo: the newest in-app edit, or the last import when that came later
        self.undo_action = self._action("&Undo", self.undo_newest, QKeySequence.StandardKey.Undo)
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.aboutToShow.connect(self._update_undo_label)
        self.record_menu = self.menuBar().addMenu("&Record")  # filled by `_finish`
        view = self._build_view_menu()
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self._action("Explore the &demo business", self.explore_demo))
        help_menu.addAction(self._action("&Metric definitions", self.show_metric_definitions))
        help_menu.addAction(self._action("&About custdesk", self.show_about))
        # until every tab page is built, the menus that act on them wait
        # (their actions too: a disabled menu's shortcuts still fire — Ctrl+P, F5, Ctrl+1…)
        self.menus = [file_menu, edit_menu, self.record_menu, view]
        for menu in self.menus:
            menu.setEnabled(False)
            for action in menu.actions():
                action.setEnabled(False)

    def _update_undo_label(self) -> None:
        from custdesk.ui import edit_undo

        edit_undo.update_label(self.undo_action, self.store)

    def print_plan_dialog(self) -> None:
        from custdesk.ui import review_printing

        review_printing.print_plan(self, self.store, self.dialogs)

    def strategic_review_dialog(self) -> None:
        from custdesk.ui import review_printing

        review_printing.strategic_review(self, self.store)

    def _build_view_menu(self) -> QMenu:
        """Keyboard: F5, Ctrl+F, Ctrl+1…9 and Ctrl+0 (a tab each), Ctrl+Tab /
        Ctrl+Shift+Tab (in View)."""
        view = self.menuBar().addMenu("&View")
        view.addAction(self._action("&Refresh", self.refresh_now, "F5"))
        view.addAction(self._action("&Search this tab", self.focus_search, "Ctrl+F"))
        view.addSeparator()
        for index, spec in enumerate(tab_list.TABS):
            # Ctrl+1…9, then Ctrl+0; later tabs keep their Alt+letter only
            keys = f"Ctrl+{(index + 1) % 10}" if index < 10 else None
            view.addAction(self._action(spec.title, self._show_tab(index), keys))
        view.addAction(self._action("&Next tab", lambda: self.step_tab(1), "Ctrl+Tab"))
        view.addAction(self._action("Pre&vious tab", lambda: self.step_tab(-1),
                                    "Ctrl+Shift+Tab"))
        return view

    def _show_tab(self, index: int) -> Callable[[], None]:
        return lambda: self.tabs.setCurrentIndex(index)

    def step_tab(self, step: int) -> None:
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % self.tabs.count())

    def focus_search(self) -> bool:
        """Ctrl+F: put the cursor in the current tab's search box; False when it has none."""
        from custdesk.ui.table_view import TableWithSearch

        boxes = [t for t in self.current_tab().findChildren(TableWithSearch)
                 if t.isVisibleTo(self.current_tab())]
        if not boxes:
            self.statusBar().showMessage("This tab has no search box.", 4000)
            return False
        boxes[0].search.setFocus()
        boxes[0].search.selectAll()
        return True

    def refresh_now(self) -> None:
        """F5: read the file again — the period (its data may have grown) and every tab."""
        if not self.period_bar.data_changed(self.store):
            for page in self._pages.values():
                page.invalidate()

    # ----- the open database -------------------------------------------------------
    def set_store(self, store: Store | None, *, close_previous: str = "now") -> None:
        """Switch the window to `store` and redraw every tab. The previous store is closed
        `close_previous`: "now", "later" (on a thread: its closing backup takes seconds on a
        big file) or "no" (the caller closes it)."""
        from custdesk.services import demo as demo_service

        previous = self.store
        if previous is not None and previous is not store:
            from custdesk.ui import file_switch
            from custdesk.ui.tasks import default_runner

            # before a restore replaces the file (it waits for this)
            self.files_released = default_runner().release_files()
            if close_previous == "now":
                previous.close()
                self._closed(previous)
            elif close_previous == "later":
                file_switch.close_later(previous, lambda _lock: self._closed(previous),
                                        lambda exc: self._failed("Closing the database", exc))
        self.store = store
        self.is_demo = store is not None and demo_service.is_demo(store)
        if store is not None:
            self._remember_recent(store.path)
            self.file_label.setText(("DEMO file: " if self.is_demo else "") + str(store.path))
            demo = "DEMO — " if self.is_demo else ""
            self.setWindowTitle(f"{demo}{store.path.name} — custdesk")
        else:
            self.file_label.setText("No database open")
            self.setWindowTitle("custdesk")
        self._show_demo_banner()
        self.period_bar.set_store(store)  # T and "all time" from period_service
        for page in self._pages.values():
            page.set_period(self.period_bar.period(), refresh=False,
                            label=self.period_bar.label())
            page.set_store(store)
        self.store_changed.emit()
        if store is not None and self.persist_state:
            self._warn_about_location(store)

    def _closed(self, store: Store) -> None:
        """Say why a closed store's backup or rescue did not happen, if it did not."""
        from custdesk.ui import plain_text

        if store.close_warning and self.persist_state:
            QMessageBox.warning(self, "custdesk", plain_text.safe(store.close_warning))

    def _failed(self, what: str, exc: BaseException) -> None:
        from custdesk.ui.error_dialog import report_error

        report_error(what, exc, self)

    def _show_demo_banner(self) -> None:
        if not self.is_demo:
            self.demo_banner.hide()
            return
        self.demo_banner.show_message(
            "<b>DEMO</b> — this is the demo business, made-up data to explore custdesk. "
            "Your own data goes in your own file.",
            ((START_OWN_FILE, self.start_own_file),))

    def explore_demo(self, *, then: Callable[[bool], object] | None = None) -> None:
        """Open the demo business in its own file (written the first time, on a thread),
        never in the owner's file. `then(opened)` once done."""
        from custdesk.services import demo as demo_service
        from custdesk.services import files
        from custdesk.services.files import DatabaseError
        from custdesk.ui import plain_text
        from custdesk.ui.tasks import in_background

        done = then if then is not None else (lambda _opened: None)
        path = files.demo_db_path()
        if self.store is not None and self.store.path == path.resolve():
            done(True)
            return
        if not self._begin_switch("opening the demo"):
            done(False)
            return

        def refused(exc: BaseException) -> None:
            self._end_switch()
            if isinstance(exc, DatabaseError | demo_service.DatabaseNotEmptyError):
                QMessageBox.warning(self, "Cannot open the demo", plain_text.safe(str(exc)))
            else:
                self._failed("Writing the demo business", exc)
            done(False)

        in_background(lambda: demo_service.ensure_demo_file(path),
                      lambda _path: self._open_now(path, done), refused)

    def own_file_path(self) -> Path:
        """The owner's default file; a default file that holds the demo (written there by
        older versions) is left alone and `my-business.db` beside it is used instead."""
        from custdesk.services import demo as demo_service
        from custdesk.services import files
        from custdesk.services.files import DatabaseError, open_store

        path = files.default_db_path()
        if not path.exists():
            return path
        try:
            probe = open_store(path)
        except DatabaseError:
            return path  # open_path will say why
        try:
            holds_demo = demo_service.is_demo(probe)
        finally:
            probe.close()
        return path.with_name("my-business.db") if holds_demo else path

    def start_own_file(self, *, then: Callable[[bool], object] | None = None) -> None:
        """The demo banner's button: open (or create) the owner's own file; an empty one
        shows every tab's import invitation. `then(opened)` once done. Which file that is
        (a probe of the default file) and the opening run on threads."""
        from custdesk.services import files
        from custdesk.ui.tasks import in_background

        done = then if then is not None else (lambda _opened: None)
        if not self._begin_switch("opening your own file"):
            done(False)
            return

        def found(path: Path) -> None:
            def opened(ok: bool) -> None:
                if ok and self.store is not None and files.is_empty(self.store):
                    self.statusBar().showMessage(
                        f"Your own file {path.name} is ready: import your spreadsheets "
                        "(File ▸ Import spreadsheet…) to begin.", 15000)
                done(ok)

            self._open_now(path, opened)

        def failed(exc: BaseException) -> None:
            self._end_switch()
            self._failed("Finding your own file", exc)
            done(False)

        in_background(self.own_file_path, found, failed)

    def _warn_about_location(self, store: Store) -> None:
        """Cloud-sync folders and network drives corrupt SQLite files: say so, once per path."""
        from custdesk.services.files import location_warning_once
        from custdesk.ui import plain_text

        message = location_warning_once(store)
        if message:
            QMessageBox.warning(self, "This folder is risky for your data",
                                plain_text.safe(message))

    def open_path(self, path: Path, then: Callable[[bool], object] | None = None) -> None:
        """Open another database and switch to it; on refusal explain why and keep the
        current one. `then(opened)` once done. The opening (its integrity check: 1-3 s on a
        big file) and the closing backup of the current file run on threads: the window
        stays live, and shows the new file when it is open. One switch at a time."""
        done = then if then is not None else (lambda _opened: None)
        if self.store is not None and Path(path).resolve() == self.store.path:
            done(True)
            return
        if not self._begin_switch(f"opening {Path(path).name}"):
            done(False)
            return
        self._open_now(Path(path), done)

    def _begin_switch(self, what: str) -> bool:
        """Start switching files (`what`: "opening x.db"); False, with a note in the status
        bar, while another switch runs (a second restore would cancel the first's task, an
        open during a restore would be closed by its reopen)."""
        if self.switching is not None:
            self.statusBar().showMessage(f"Still {self.switching}…", 5000)
            return False
        self.switching = what
        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        self.statusBar().showMessage(f"{what[:1].upper()}{what[1:]}…")
        return True

    def _end_switch(self) -> None:
        if self.switching is not None:
            self.switching = None
            QApplication.restoreOverrideCursor()
            self.statusBar().clearMessage()

    def _open_now(self, path: Path, done: Callable[[bool], object]) -> None:
        """The switch begun by the caller: open `path` on a thread, then show it (the
        current file closed on a thread too) and end the switch."""
        from custdesk.services.files import DatabaseError
        from custdesk.ui import file_switch, plain_text

        if self.store is not None and path.resolve() == self.store.path:
            self._end_switch()
            done(True)
            return

        def opened(store: Store) -> None:
            self._end_switch()
            self.set_store(store, close_previous="later")
            done(True)

        def refused(exc: BaseException) -> None:
            self._end_switch()
            if isinstance(exc, DatabaseError):
                QMessageBox.warning(self, "Cannot open database", plain_text.safe(str(exc)))
            else:
                self._failed(f"Opening {path.name}", exc)
            done(False)

        file_switch.open_later(path, opened, refused)

    def start_folder(self) -> Path:
        """Where file dialogs open: the last folder used, else Documents."""
        from custdesk.services import files

        return files.start_folder(self.settings.value("last_folder", ""))

    def remember_folder(self, path: str | Path) -> None:
        if self.persist_state:
            self.settings.setValue("last_folder", str(Path(path).parent))

    def new_database(self) -> None:
        from custdesk.ui import plain_text

        path, _ = QFileDialog.getSaveFileName(
            self, "New custdesk database", str(self.start_folder() / "business.db"), DB_FILTER
        )
        if path:
            self.remember_folder(path)
            if Path(path).exists():
                QMessageBox.warning(
                    self, "File exists",
                    plain_text.safe(f"{Path(path).name} already exists; choose a new name.")
                )
                return
            self.open_path(Path(path))

    def open_database_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open custdesk database",
                                              str(self.start_folder()), DB_FILTER)
        if path:
            self.remember_folder(path)
            self.open_path(Path(path))

    def _recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):  # QSettings gives one entry back as a plain string
            return [value]
        return [str(v) for v in value] if isinstance(value, list | tuple) else []

    def _remember_recent(self, path: Path) -> None:
        if not self.persist_state:
            return
        recent = [p for p in self._recent_files() if p != str(path)]
        self.settings.setValue("recent_files", [str(path), *recent][:MAX_RECENT])
        self._refresh_recent_menu()

    def _refresh_recent_menu(self) -> None:
        from custdesk.services import files

        self.recent_menu.clear()
        recent = [p for p in self._recent_files() if Path(p).exists()]
        for entry in recent:
            demo = Path(entry).name == files.DEMO_NAME
            action = self.recent_menu.addAction(entry + ("  (demo)" if demo else ""))
            action.setData(entry)
            action.triggered.connect(lambda *_a, p=entry: self.open_path(Path(p)))
        self.recent_menu.setEnabled(bool(recent))

    # ----- actions whose features live elsewhere ---------------------------------
    def current_tab(self) -> BaseTab:
        return self.tab_pages[self.tabs.currentIndex()]

    def import_dialog(self, path: Path | str | None = None) -> QDialog | None:
        """File ▸ Import… (or a dropped file). In the demo file it first asks whether the
        owner meant their own file (and opens the wizard there once it is open)."""
        if not isinstance(path, str | Path) or not str(path):
            path = None  # a stray signal argument is never a path
        if self.store is None:
            return None
        if self.is_demo:
            answer = QMessageBox.question(
                self, "Import into the demo?",
                "This is the demo file — import into your own file instead?\n\n"
                "Yes: open your own file and import there. No: add to the demo anyway.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
                | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes)
            if answer == QMessageBox.StandardButton.Cancel:
                return None
            if answer == QMessageBox.StandardButton.Yes:  # the wizard once it is open
                self.start_own_file(then=lambda ok: ok and self._import_wizard(path))
                return None
        return self._import_wizard(path)

    def _import_wizard(self, path: Path | str | None) -> QDialog | None:
        from custdesk.ui.import_wizard import ImportWizard

        store = self.store
        if store is None:
            return None

        def make() -> QDialog:
            wizard = ImportWizard(store, self, path=path)
            wizard.imported.connect(self.imported)
            return wizard

        # the import's write task says what it changed: data_changed refreshes those tabs
        return self.open_once("import", make)

    def imported(self, batch_id: int) -> None:
        """An import finished: say what changed and show the tab that shows it."""
        if self.store is None:
            return
        from custdesk.services import importer

        batch = next((b for b in importer.list_batches(self.store)
                      if int(b["id"]) == batch_id), None)
        if batch is None:
            return
        noun, slug = KIND_WORDS.get(str(batch["kind"]), (str(batch["kind"]), "today"))
        created, updated = int(batch["created"]), int(batch["updated"])
        parts = [f"{created:,} {noun}{'' if created == 1 else 's'} added"] if created else []
        if updated:
            parts.append(f"{updated:,} updated")
        index = next((i for i, p in enumerate(self.tab_pages) if p.slug == slug), 0)
        text = (", ".join(parts) or "Nothing changed") + f" — see {self.tab_pages[index].title}"
        self.tabs.setCurrentIndex(index)
        self.statusBar().showMessage(text, 30000)

    def _still_loading(self, what: str) -> bool:
        """True (and the owner told) when the tab's numbers are not in yet."""
        tab = self.current_tab()
        if not getattr(tab, "still_loading", lambda: False)():
            return False
        QMessageBox.information(self, what, f"{tab.title} is still loading: {what.lower()} it "
                                "once its numbers are shown.")
        return True

    def export_dialog(self) -> None:
        handler = getattr(self.current_tab(), "export_dialog", None)
        if handler is None:
            QMessageBox.information(self, "Export", "This view cannot be exported yet.")
            return
        if self._still_loading("Export"):
            return
        idle_queue.run_pending(self.current_tab())  # tables still queued for a later turn
        handler()

    def full_export_dialog(self) -> None:
        if self.store is None:
            return
        from custdesk.ui.dialogs.full_export_dialog import ask_and_export

        ask_and_export(self, self.store.path)

    def print_dialog(self) -> None:
        handler = getattr(self.current_tab(), "print_dialog", None)
        if handler is None:
            QMessageBox.information(self, "Print", "This view cannot be printed yet.")
            return
        if self._still_loading("Print"):
            return
        idle_queue.run_pending(self.current_tab())
        handler()

    def print_asset_dialog(self) -> None:
        from custdesk.ui.asset_printing import print_asset

        print_asset(self, self.store, self.period_bar.period(), self.period_bar.label(),
                    self.dialogs)

    def print_review_dialog(self) -> None:
        """File ▸ Print monthly review…: the pack for the period bar's period, built from
        the tabs' screens in a task, previewed on A4 with its charts
        (`services/review_service.py`, `reports/monthly_render.py`)."""
        from custdesk.reports.monthly_render import print_pack
        from custdesk.services.review_service import Review, build_review
        from custdesk.ui.print_preview import preview_a4
        from custdesk.ui.tasks import TaskState

        period, label = self.period_bar.period(), self.period_bar.label()

        def build(state: TaskState) -> Review:
            assert state.store is not None
            return build_review(state.store, period, label)

        preview_a4(self, self.store, "review", "Building the monthly review", build,
                   lambda review, printer: print_pack(review.html, review.charts, printer),
                   self.dialogs)

    def restore_backup_dialog(self) -> None:
        if self.store is None:
            return
        from custdesk.ui.dialogs.restore_backup_dialog import RestoreBackupDialog

        dialog = RestoreBackupDialog(self.store.path, self, store=self.store)
        dialog.restore_requested.connect(self._restore_backup)
        dialog.open()

    def _restore_backup(self, backup_path: str) -> None:
        """Restore in a write task (the file swap and its checks never block the window),
        then reopen the file. The close before it (with its backup) and the reopen run on
        threads; no other switch runs meanwhile."""
        from custdesk.services import files
        from custdesk.services.files import DatabaseError
        from custdesk.ui import file_switch, plain_text
        from custdesk.ui.dialogs.restore_backup_dialog import start_restore

        store = self.store
        if store is None or not self._begin_switch("restoring a backup"):
            return
        db_path = store.path
        self.set_store(None, close_previous="no")  # the tabs let go; closed just below

        # closed (with its own backup, on a thread) but the lock stays held through the
        # swap and the reopen, so no other process can open the file in between (issue 20
        # M6)
        def closed(held: BaseFileLock | None) -> None:
            self._closed(store)
            if held is None:  # a store opened without its lock: take it for the restore
                try:
                    held = files.acquire_lock(db_path)
                except DatabaseError as exc:
                    self._end_switch()
                    QMessageBox.warning(self, "Restore failed", plain_text.safe(str(exc)))
                    return
            lock = held
            try:
                start_restore(self, db_path, Path(backup_path),
                              lambda: self._reopen_restored(db_path, lock), lock=lock)
            except BaseException as exc:  # the file untouched: reopen it, lock let go
                lock.release()
                self._failed("Restoring the backup", exc)
                self._end_switch()
                self.open_path(db_path)

        def not_closed(exc: BaseException) -> None:
            self._end_switch()
            self._failed("Closing the database before the restore", exc)
            self.open_path(db_path)  # the restore did not start: the file as it was

        file_switch.close_later(store, closed, not_closed, keep_lock=True,
                                after=self.files_released)

    def _reopen_restored(self, db_path: Path, lock: BaseFileLock) -> None:
        """Open the restored (or, after a failure, untouched) file with the lock the
        restore held, on a thread; a refusal is explained and the lock released."""
        from custdesk.services.files import DatabaseError
        from custdesk.ui import file_switch, plain_text

        def opened(store: Store) -> None:
            self._end_switch()
            self.set_store(store, close_previous="later")

        def refused(exc: BaseException) -> None:
            self._end_switch()
            lock.release()
            if isinstance(exc, DatabaseError):
                QMessageBox.warning(self, "Cannot open database", plain_text.safe(str(exc)))
            else:
                self._failed("Opening the restored file", exc)

        file_switch.open_later(db_path, opened, refused, lock=lock)

    def data_changed(self, changes: frozenset[str]) -> None:
        """A write task committed: the period follows the data again (an import of older
        data re-anchors the presets and shows the banner — every tab redraws), else only
        the tabs that show what it changed redraw. A write of none of the dated record
        kinds (an action, a snooze, the pipeline snapshot Growth records when opened)
        leaves the span as it was: it is not looked up again on this thread (a scan of
        every kind: 0.1-0.17 s on a big file, the smoke test's longest stall)."""
        # (the bar also reads the day: after midnight any write moves the presets on)
        if ((changes & SPAN_CHANGES or self.period_bar.today != date.today())
                and self.period_bar.data_changed(self.store)):
            return  # set_period redrew every tab
        for page in self._pages.values():
            if page.shows_any(changes):
                page.invalidate()

    def set_period(self, period: Period) -> None:
        """The period bar changed: every tab shows the new period."""
        label = self.period_bar.label()
        for page in self._pages.values():
            page.set_period(period, label=label)

    def open_once(self, kind: str, make: Callable[[], QDialog]) -> QDialog:
        """Show the open dialog of `kind` again, or `make()` and open a new one. Dialogs
        free themselves on close (WA_DeleteOnClose), so a closed one is never reused."""
        current = self.dialogs.get(kind)
        if current is not None and shiboken6.isValid(current) and current.isVisible():
            current.raise_()
            current.activateWindow()
            return current
        dialog = make()
        self.dialogs[kind] = dialog
        dialog.destroyed.connect(lambda *_: self.dialogs.pop(kind, None))
        dialog.open()
        return dialog

    def settings_dialog(self) -> QDialog | None:
        from custdesk.ui.dialogs.settings_dialog import BusinessSettingsDialog

        store = self.store
        if store is None:
            return None

        def make() -> QDialog:
            dialog = BusinessSettingsDialog(store, self)
            dialog.accepted.connect(self.refresh_all)
            return dialog

        return self.open_once("settings", make)

    def undo_newest(self) -> None:
        """Edit ▸ Undo (Ctrl+Z): the newest edit, or the last import when that came later."""
        from custdesk.ui import edit_undo

        edit_undo.undo_newest(self, self)

    def undo_last_import(self) -> None:
        """Take back the newest import, after saying what it was and asking."""
        from custdesk.services.files import DatabaseError
        from custdesk.ui import plain_text

        if self.store is None:
            return
        from custdesk.services import importer

        batches = importer.list_batches(self.store)
        if not batches:
            QMessageBox.information(self, "Undo last import", "There is no import to undo.")
            return
        last = batches[0]
        question = (
            f"Undo the import of {Path(last['source_file']).name} "
            f"({last['kind']}, {last['started_at'][:16].replace('T', ' ')}): "
            f"{last['created']:,} rows created and {last['updated']:,} updated go back to "
            "how they were. A backup is taken first.")
        answer = QMessageBox.question(self, "Undo last import", plain_text.safe(question))
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            importer.undo(self.store, int(last["id"]))
        except (importer.UndoRefusedError, DatabaseError) as exc:
            QMessageBox.warning(self, "Undo last import", plain_text.safe(str(exc)))
            return
        self.refresh_all()
        self.statusBar().showMessage(f"Import of {Path(last['source_file']).name} undone", 8000)

    def refresh_all(self) -> None:
        """Every tab shows fresh data: the visible one reloads now, the others when shown
        (nothing computes a screen that isn't visible)."""
        for page in self._pages.values():
            page.invalidate()

    def show_metric_definitions(self) -> QDialog:
        from custdesk.ui.dialogs.metric_definitions_dialog import MetricDefinitionsDialog

        return self.open_once("metric_definitions", lambda: MetricDefinitionsDialog(self))

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About custdesk",
            f"<h3>custdesk {__version__}</h3><p>See, every day, how your customers are doing.</p>"
            "<p>Your data stays in one file on this computer, with automatic backups.</p>",
        )

    # ----- drag and drop of spreadsheets ------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and all(Path(u.toLocalFile()).suffix.lower() in SHEET_SUFFIXES for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls:
            self.import_dialog(Path(urls[0].toLocalFile()))

    # ----- window state ----------------------------------------------------------------
    def _restore_window_state(self) -> None:
        self.setMinimumSize(MIN_SIZE)
        geometry = self.settings.value("window/geometry")
        if not (isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)):
            self._default_geometry()
        elif self.width() < MIN_SIZE.width() or self.height() < MIN_SIZE.height():
            self._default_geometry()
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        index = self.settings.value("window/tab", 0)
        self.tabs.setCurrentIndex(int(index) if isinstance(index, int | str) and
                                  str(index).isdigit() else 0)

    def _default_geometry(self) -> None:
        """Fill most of the screen, never more than it (laptops are often 1366×768)."""
        screen = self.screen().availableGeometry() if self.screen() else None
        width, height = 1280, 800
        if screen is not None:
            width = min(width, screen.width())
            height = min(height, screen.height())
        self.resize(width, height)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._export_keeps_open():
            event.ignore()
            return
        if self.persist_state:
            self.settings.setValue("window/geometry", self.saveGeometry())
            self.settings.setValue("window/state", self.saveState())
            self.settings.setValue("window/tab", self.tabs.currentIndex())
        self.set_store(None)
        super().closeEvent(event)

    def _export_keeps_open(self) -> bool:
        """An export still being written would be lost by quitting now (its file is only
        put in place when complete): ask whether to wait for it. Waiting shows a modal
        "Writing…" box (nothing else can be started meanwhile) and closes the window by
        itself once the last export is written — or has failed and its message was read."""
        if "custdesk.ui.tab_output" not in sys.modules:  # never imported: no export
            return False
        from custdesk.ui import plain_text, tab_output

        pending = tab_output.exports_in_progress()
        if not pending:
            return False
        if self._closing_after_exports:
            return True  # already waiting: a second close request waits too
        names = ", ".join(p.name for p in pending)
        answer = QMessageBox.question(
            self, "Export still being written",
            plain_text.safe(f"{names} is still being written. Wait for it, then close?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard,
            QMessageBox.StandardButton.Yes)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self._closing_after_exports = True
        waiting = QProgressDialog(plain_text.safe(f"Writing {names}…"), "", 0, 0, self)
        waiting.setCancelButton(None)  # no button: the wait ends with the write
        waiting.setWindowModality(Qt.WindowModality.ApplicationModal)
        waiting.setMinimumDuration(0)
        waiting.show()
        timer = QTimer(waiting)
        timer.setInterval(200)

        def check() -> None:
            # a failed export's warning is modal above the box: close once it was read
            if tab_output.exports_in_progress() or QApplication.activeModalWidget() not in (
                    None, waiting):
                return
            timer.stop()
            waiting.close()
            waiting.deleteLater()
            self._closing_after_exports = False
            self.close()

        timer.timeout.connect(check)
        timer.start()
        return True
