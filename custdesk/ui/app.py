"""Starting the GUI: the QApplication, logging and the error dialog, which file to open
(`--db`, else the last file used, else the default one), the first-run welcome (the demo
goes into its own file), the smoke test (which fails when a tab shows an error, or its
empty state on a file that has data for it, and can save screenshots of every tab and of
the import wizard, the customer dialog, Business settings, Restore backup and a print
preview)."""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

import custdesk
from custdesk import APP_NAME, __version__
from custdesk.resources import resource_dir
from custdesk.services import logs
from custdesk.ui.error_dialog import show_error
from custdesk.ui.stall_meter import StallMeter

# Only Qt and these light modules load before the window shows; the storage layer, the tabs
# and the dialogs load while it is on screen (`load_window`), hence the imports in functions.
if TYPE_CHECKING:
    from custdesk.services import files
    from custdesk.services.screen_process import Warm
    from custdesk.ui.main_window import MainWindow
    from custdesk.ui.tabs.base_tab import BaseTab

RESOURCES = resource_dir()  # the same folder from source and in the frozen app
# a real spreadsheet for the wizard's screenshots, where the shared data sits beside the repo
REAL_SHEET = Path(__file__).resolve().parents[3] / "shared" / "data" / "superstore.csv"
SCREENSHOT_SIZE = (1366, 768)


def app_icon() -> QIcon:
    icon = QIcon()
    for name in ("icon.svg", "icon.png"):
        if (RESOURCES / name).exists():
            icon.addFile(str(RESOURCES / name))
    return icon


def make_application() -> QApplication:
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setWindowIcon(app_icon())
    return app


DEMO, OWN = "demo", "own"


def welcome_box() -> tuple[QMessageBox, QPushButton]:
    """The first-run welcome and its "Explore the demo business" button."""
    box = QMessageBox()
    box.setWindowTitle("Welcome to custdesk")
    box.setText("<b>Welcome to custdesk.</b>")
    box.setInformativeText(
        "Explore custdesk with a realistic demo business first — it lives in a separate "
        "demo file, so it never mixes with your data — or start your own file and import "
        "your spreadsheets (File ▸ Import spreadsheet…). Help ▸ Explore the demo business "
        "opens the demo any time.")
    demo = box.addButton("Explore the demo business", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Start my own file", QMessageBox.ButtonRole.RejectRole)
    return box, demo


def ask_welcome() -> str:
    """First run: DEMO (explore the demo business, in its own file) or OWN."""
    box, demo = welcome_box()
    box.exec()
    return DEMO if box.clickedButton() is demo else OWN


def recent_files() -> list[Path]:
    """The window's recent list (QSettings `recent_files`), newest first."""
    value = QSettings().value("recent_files", [])
    entries = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [Path(str(v)) for v in entries if v]


def start_path(db: str | None, *, smoke_test: bool = False,
               ask: Callable[[], str] = ask_welcome, write_demo: bool = True) -> Path:
    """Which file the window opens: `--db`; else the last file used that still exists;
    else the default file — on a first run (no default file yet) after asking whether to
    explore the demo, which is then written into its own file, never the owner's (here,
    or by the caller when `write_demo` is False: the start-up writes it on a thread)."""
    from custdesk.services import files

    known = known_start_path(db, smoke_test=smoke_test)
    if known is not None:
        return known
    path = files.default_db_path()
    if smoke_test or path.exists():
        return path
    if ask() == DEMO:
        from custdesk.services.demo import ensure_demo_file

        demo = files.demo_db_path()
        return ensure_demo_file(demo) if write_demo else demo
    return path


def known_start_path(db: str | None, *, smoke_test: bool = False) -> Path | None:
    """`start_path` when it is known at once — `--db`, or the last file used that still
    exists — so the file can open while the window's modules import; None when the
    default file must be looked up (or the first-run welcome asked) first."""
    if db:
        return Path(db).expanduser()
    if not smoke_test:
        return next((p for p in recent_files() if p.is_file()), None)
    return None


def run_gui(db: str | None, *, smoke_test: bool = False, screenshots: str | None = None) -> int:
    """Open the window on `db` (default: the app-data database). Returns the exit code.

    The window's frame, menus and tab bar show first (Qt alone is loaded by then); the rest
    is imported on a thread while it is on screen, then the file is opened and the tab pages
    are built one per event-loop turn, the visible one first (`load_window`)."""
    from custdesk.ui.main_window import MainWindow

    started = process_started()
    logs.setup_logging()
    problems: list[str] = []  # the smoke test fails on any uncaught error
    logs.install_excepthook(
        (lambda what, exc: problems.append(f"{what}: {logs.plain_reason(exc)}"))
        if smoke_test else (lambda what, exc: show_error(what, exc)))
    app = make_application()
    meter = StallMeter()
    window = MainWindow(None, persist_state=not smoke_test, deferred=True)
    if smoke_test:
        window.resize(*SCREENSHOT_SIZE)
    window.show()
    app.processEvents()
    if smoke_test:
        print(f"window shown after {time.perf_counter() - started:.2f} s")
        meter.start()  # from the first paint on, the rest of the start counts
    outcome: dict[str, int] = {}
    load_window(window, app, db, smoke_test, lambda code: outcome.setdefault("code", code),
                meter)
    if not smoke_test:
        return app.exec() if not outcome else outcome["code"]
    while "code" not in outcome:
        app.processEvents()
        time.sleep(0.002)
    if outcome["code"]:
        window.close()
        return outcome["code"]
    code = smoke(window, app, started, Path(screenshots) if screenshots else None, meter)
    for problem in problems:
        print(f"custdesk: unexpected error: {problem} ({logs.where_text()})", file=sys.stderr)
    return 1 if problems and code == 0 else code


def load_window(window: MainWindow, app: QApplication, db: str | None, smoke_test: bool,
                loaded: Callable[[int], object], meter: StallMeter | None = None) -> None:
    """Fill the shown window: import what it needs on a thread (the event loop keeps
    turning: an import holds the GIL only between two bytecodes), start the screen process,
    open the file (the first-run welcome may ask here), then build the tab pages one per
    turn. `loaded(0)` once every page is built; `loaded(2)` when the file cannot be opened
    (the window closes). `meter` (smoke test) is told which step runs."""
    import importlib

    from custdesk.ui import file_switch, tab_list
    from custdesk.ui.tasks import Outcome, default_runner, in_background, when_done

    def doing(what: str) -> None:
        if meter is not None:
            meter.doing = f"start-up: {what}"

    # the file opens while the tabs import, when it is known without asking
    early = known_start_path(db, smoke_test=smoke_test)
    ahead = first_tab_ahead(window) if early is not None else None
    warm = warm_when_open(ahead) if ahead is not None else None

    def import_all() -> Outcome | None:
        """Import the window's modules; once what opening needs is in, `early` starts
        opening on a thread of its own (it imports nothing: `tab_list.OPEN_MODULES`)."""
        opening = None
        if early is not None:
            for name in tab_list.OPEN_MODULES:
                importlib.import_module(name)
            from custdesk.services import files

            files.load_first_use_imports()
            opening = file_switch.start_opening(early, prepare=demo_file_writer(early),
                                                readable=warm)
        for name in tab_list.CONTENT_MODULES:
            importlib.import_module(name)
        return opening

    def failed(exc: BaseException) -> None:
        """Start-up broke (a module, the demo file, a page): say so and stop, never leave
        a window of placeholders — or a smoke test waiting for ever."""
        from custdesk.services import files

        gc.enable()  # if the imports broke
        code = 2 if isinstance(exc, files.DatabaseError) else 1
        if code == 1:
            logs.log_exception("Starting custdesk", exc)
        loaded(code)
        if smoke_test:
            reason = str(exc) if code == 2 else f"{logs.plain_reason(exc)} ({logs.where_text()})"
            print(f"custdesk: {reason}", file=sys.stderr)
            return
        if code == 2:  # the file refused: the owner's reason, then the app ends
            QMessageBox.critical(window, "custdesk cannot open the database", str(exc))
            app.exit(code)
            return
        dialog = show_error("Starting custdesk", exc, window)  # non-modal: end when closed
        if dialog is None:
            app.exit(code)
        else:
            dialog.finished.connect(lambda *_: app.exit(code))

    def guarded(step: Callable[..., None]) -> Callable[..., None]:
        def run(*args: Any) -> None:
            try:
                step(*args)
            except Exception as exc:  # every start-up step ends in `loaded`, one way or other
                failed(exc)
        return run

    @guarded
    def imported(opening: Outcome | None) -> None:
        gc.freeze()  # the modules just imported: long-lived, never walked by a collection
        gc.enable()
        if opening is not None:  # opened meanwhile, or still opening
            doing("opening the file")
            when_done(opening, opened, failed)
            return
        # the first-run welcome may ask here; the demo it may choose is written (0.35 s,
        # once) on the thread that opens it
        path = start_path(db, smoke_test=smoke_test, write_demo=False)
        doing("opening the file")
        file_switch.open_later(path, opened, failed, prepare=demo_file_writer(path))

    @guarded
    def opened(store: files.Store) -> None:
        from custdesk.ui.tasks import default_runner

        window.set_store(store)
        first, *pending = window.build_order()
        doing(f"building tab {tab_list.TABS[first].title}")
        window.build_page(first)  # its load starts now
        waited_until = time.perf_counter() + FIRST_TAB_HEAD_START_S

        @guarded
        def next_page() -> None:
            # the other pages wait for the first tab's numbers (up to a few seconds): on two
            # cores, building them would slow the load the owner is waiting for — unless the
            # owner went to one of them meanwhile: that one is built at once
            current = window.tabs.currentIndex()
            if current in pending:
                pending.remove(current)
                pending.insert(0, current)
            elif default_runner().is_busy() and time.perf_counter() < waited_until:
                QTimer.singleShot(20, next_page)
                return
            if window.first_painted_at is None and not default_runner().is_busy():
                window.first_painted_at = time.perf_counter()
            doing(f"building tab {tab_list.TABS[pending[0]].title}")
            window.build_page(pending.pop(0))
            if pending:
                # 1 ms, not 0: Qt 6 posts a 0-ms single shot as an event, and the loop sends
                # events posted while it sends — two or three pages were built in one turn
                QTimer.singleShot(1, next_page)
            else:
                doing("done")
                # what a rarer menu needs (the full export: the rest of openpyxl, ~0.13 s)
                # is imported now on a thread, not by the window at the owner's first click
                in_background(lambda: [importlib.import_module(name)
                                       for name in tab_list.LATER_MODULES],
                              lambda _modules: None,
                              lambda exc: logs.log_exception("Importing the export", exc))
                loaded(0)

        next_page()

    # screens are built in a process of their own: their Python never holds the window's
    # GIL. Started first, so that it imports the builders on the other core while the tabs
    # import here (it was started after them: the first tab's load then waited ~0.7 s)
    doing("starting the screen process")
    default_runner().use_screen_process()
    doing("importing the tabs")
    # no cyclic collection while the tabs import on their thread: a full one there (60 ms
    # on realmix) holds the GIL, and the window waits; what the imports make is long-lived,
    # frozen out of the collector's reach once they are done
    gc.disable()
    in_background(import_all, imported, failed)


def demo_file_writer(path: Path) -> Callable[[], object] | None:
    """What writes the demo business into `path` before it is opened, when `path` is the
    demo's own file (written the first time only); None for any other file."""
    from custdesk.services import files

    if path != files.demo_db_path():
        return None
    from custdesk.services.demo import ensure_demo_file

    return lambda: ensure_demo_file(path)


def first_tab_ahead(window: MainWindow) -> Warm | None:
    """The screen to build ahead of the first page (`warm_when_open`): Today on the
    period bar's preset — None when another tab shows first or the period is custom."""
    from custdesk.domain.periods import PRESET_LABELS
    from custdesk.services.screen_process import Warm
    from custdesk.ui import tab_list

    key = window.period_bar.current_key()
    if (tab_list.TABS[window.tabs.currentIndex()].class_name != "TodayTab"
            or key not in PRESET_LABELS):
        return None
    return Warm(TODAY_SCREEN, key, PRESET_LABELS[key])


def warm_when_open(ahead: Warm) -> Callable[[files.Store], Callable[[], object] | None]:
    """What asks the screen process, once the file may be read (on the opening thread:
    `file_switch.start_opening`), to build `ahead` while the window's tabs still import:
    the first page, built after them, then gets its screen from memory. Not for a file
    small enough to build inline. It returns what lets go of the file in the screen
    process again, should the file's check refuse it after all."""
    def warm(store: files.Store) -> Callable[[], object] | None:
        from custdesk.ui.file_switch import RELEASE_WAIT_S
        from custdesk.ui.tasks import default_runner, start_background

        runner = default_runner()
        process = runner.screen_process
        if process is None or runner.runs_inline(store):
            return None
        path = store.path
        start_background(lambda: process.warm(path, ahead), name="custdesk-warm")
        # refused after all: the worker (its build stopped) ends, its connections closed,
        # before the owner reads why (then restores a backup, or another program opens it)
        return lambda: runner.release_files().wait(RELEASE_WAIT_S)

    return warm


TODAY_SCREEN = "custdesk.services.screens.today"  # the Today tab's screen module (tested)

# the other pages wait at most this long for the first tab (a page the owner goes to is
# built at once): building them meanwhile took ~0.5 s off the cores Today's load was using
FIRST_TAB_HEAD_START_S = 10.0


# tab slug -> the record kinds whose presence means the tab has something to show
DATA_FOR_TAB: dict[str, tuple[str, ...]] = {
    "today": ("orders",),
    "customers": ("orders",),
    "margins": ("orders",),
    "pipeline": ("deals",),
    "lost_prospects": ("deals",),
    "feedback": ("surveys", "tickets"),
}
PAINT_TIMEOUT_S = 600.0


def wait_painted(page: BaseTab, app: QApplication, timeout: float = PAINT_TIMEOUT_S) -> bool:
    """Run the event loop until every queued load (and its second stage) has been drawn,
    and every drawing step queued for a later turn (idle_queue) has run; False on timeout.
    Timing a tab until its load is merely queued measures nothing."""
    from custdesk.ui import idle_queue
    from custdesk.ui.tasks import default_runner

    runner = default_runner()
    deadline = time.perf_counter() + timeout
    while True:
        app.processEvents()
        if not runner.is_busy() and not idle_queue.pending():
            app.processEvents()  # the last result's slot and the repaint it asked for
            if not runner.is_busy() and not idle_queue.pending():
                page.repaint()
                return True
        if time.perf_counter() > deadline:
            return False
        time.sleep(0.01)


def tab_problem(page: BaseTab, store: files.Store | None) -> str | None:
    """Why `page` is wrong after loading: its error line, or its empty state on a file that
    holds data for it. None when it looks right."""
    error = getattr(page, "error", None)
    if error is not None and not error.isHidden():
        return f"tab {page.slug} could not refresh: {error.text()}"
    is_empty = getattr(page, "is_empty_state", None)
    kinds = DATA_FOR_TAB.get(page.slug, ())
    if store is None or is_empty is None or not kinds or not is_empty():
        return None
    # the table counts (importing the exporter for its count brought openpyxl in: 130 ms
    # on the GUI thread, counted as the smoke test's stall)
    from custdesk.services import files

    counts = files.table_counts(store)
    for kind in kinds:
        count = counts.get(kind, 0)
        if count:
            return (f"tab {page.slug} shows its empty state although the file holds "
                    f"{count:,} {kind}")
    return None


def process_started() -> float:
    """When this process started, on the `time.perf_counter()` clock: interpreter start and
    imports count in "window shown after" (Linux: from /proc; elsewhere: when the custdesk
    package was imported, which leaves out only the interpreter's own start)."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return time.perf_counter() - (uptime - int(fields[19]) / ticks)
    except (OSError, ValueError, IndexError):
        return custdesk.IMPORTED_AT


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (0 where the OS does not say)."""
    try:
        import resource  # POSIX only
    except ImportError:
        return 0.0
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux: KiB; macOS: bytes
    return kb / (1024 * 1024 if sys.platform == "darwin" else 1024)


def process_peak_mb(pid: int | None) -> float:
    """Another process's peak resident memory in MB (Linux /proc; 0 elsewhere)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text() if pid else ""
    except OSError:
        return 0.0
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), "")
    return int(line.split()[1]) / 1024 if line else 0.0


# The smoke test's period change on each tab (and back): a period change must stay smooth.
SMOKE_OTHER_PERIOD = "last_90_days"


def smoke(window: MainWindow, app: QApplication, started: float, shots: Path | None,
          meter: StallMeter | None = None) -> int:
    """Visit every tab, wait until its data is painted (and save one PNG each), change the
    period once on it; print the timings and the longest GUI stall (`meter`, started by
    `run_gui` before the window was shown: a heartbeat measuring the biggest gap between
    event-loop ticks; screenshot saving excluded). Without `meter` (a window built at once)
    it starts one, shows the window and prints when. Exit 0 when every tab drew its data; 1
    naming the tab otherwise."""
    if meter is None:
        meter = StallMeter()
        meter.start()
        window.resize(*SCREENSHOT_SIZE)
        window.show()
        app.processEvents()
        print(f"window shown after {time.perf_counter() - started:.2f} s")
    first = window.current_tab()
    if wait_painted(first, app):  # the tab the owner sees first, with its numbers
        painted = window.first_painted_at or time.perf_counter()
        # a tab drawn in two stages (Today: the cards, then the lists and comparisons):
        # when its first numbers showed, then when it was whole
        shown = getattr(first, "first_numbers_at", None)
        if shown is not None:
            print(f"{first.slug} first numbers after {shown - started:.2f} s "
                  "(from process start)")
        print(f"{first.slug} painted after {painted - started:.2f} s (from process start)")
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    home = window.period_bar.current_key()
    for index, page in enumerate(window.tab_pages):
        t0 = time.perf_counter()
        meter.doing = f"opening tab {page.slug}"
        window.tabs.setCurrentIndex(index)
        page.refresh()
        if not wait_painted(page, app):
            failures.append(f"tab {page.slug} was still loading after {PAINT_TIMEOUT_S:.0f} s")
            continue
        line = f"tab {page.slug}: {time.perf_counter() - t0:.2f} s until painted"
        problem = tab_problem(page, window.store)
        if problem is not None:
            failures.append(problem)
        if shots is not None:
            meter.pause()
            target = shots / f"{page.slug}.png"
            saved = window.grab().save(str(target))
            meter.resume()
            if not saved:
                print(f"custdesk: could not save {target}", file=sys.stderr)
                return 1
            line += f" -> {target}"
        t1 = time.perf_counter()
        meter.doing = f"period change on tab {page.slug}"
        window.period_bar.set_choice(SMOKE_OTHER_PERIOD if home != SMOKE_OTHER_PERIOD
                                     else "last_12_months")
        if wait_painted(page, app):
            line += f"; period change {time.perf_counter() - t1:.2f} s"
        window.period_bar.set_choice(home)
        wait_painted(page, app)
        print(line)
    meter.stop()
    print(f"longest GUI stall: {meter.longest_ms:.0f} ms")  # a script reads this line as is
    if meter.where:
        print(f"longest GUI stall during: {meter.where}")
    print(f"peak memory: {peak_rss_mb():.0f} MB")
    from custdesk.ui.tasks import default_runner

    worker = default_runner().screen_process
    worker_mb = process_peak_mb(worker.pid if worker is not None else None)
    if worker_mb:
        print(f"screen process peak memory: {worker_mb:.0f} MB")
    if shots is not None:
        failures += dialog_shots(window, app, shots)
    window.close()
    for failure in failures:
        print(f"custdesk: smoke test failed: {failure}", file=sys.stderr)
    if failures:
        return 1
    print(f"smoke test passed in {time.perf_counter() - started:.2f} s")
    return 0


# ----- screenshots of the dialogs (smoke test with --screenshots) ----------------------------
def wait_idle(app: QApplication, timeout: float = PAINT_TIMEOUT_S) -> bool:
    """Run the event loop until the task runner has delivered everything; False on timeout."""
    from custdesk.ui.tasks import default_runner

    runner = default_runner()
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        app.processEvents()
        if not runner.is_busy():
            app.processEvents()
            if not runner.is_busy():
                return True
        time.sleep(0.01)
    return False


def sample_sheet(folder: Path) -> Path:
    """`../shared/data/superstore.csv` when present, else a small generated order sheet."""
    if REAL_SHEET.is_file():
        return REAL_SHEET
    path = folder / "orders.csv"
    lines = ["Order ID,Order Date,Customer Name,Segment,Product Name,Category,Quantity,"
             "Sales,Profit"]
    for i in range(60):
        lines.append(f"ORD-{1000 + i},2025-{1 + i % 12:02d}-{1 + i % 28:02d},"
                     f"Customer {i % 17},{('Consumer', 'Corporate')[i % 2]},"
                     f"Product {i % 9},{('Paper', 'Chairs', 'Phones')[i % 3]},"
                     f"{1 + i % 4},{12.5 * (1 + i % 7):.2f},{2.25 * (i % 5):.2f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _save(widget: QWidget, target: Path, app: QApplication) -> str | None:
    widget.show()
    wait_idle(app)
    widget.repaint()
    app.processEvents()
    if not widget.grab().save(str(target)):
        return f"could not save {target}"
    print(f"dialog -> {target}")
    return None


def wizard_shots(window: MainWindow, app: QApplication, sheet: Path, shots: Path
                 ) -> list[str]:
    """The import wizard's pages on `sheet` at its default size on a 1366×768 screen,
    up to the preview (never importing)."""
    from PySide6.QtCore import QRect

    from custdesk.ui.import_wizard.wizard import ImportWizard, default_size

    assert window.store is not None
    wizard = ImportWizard(window.store, window, path=sheet)
    wizard.resize(default_size(QRect(0, 0, *SCREENSHOT_SIZE)))
    wizard.show()  # starts it on its first page
    problems: list[str] = []
    pages = (("file", wizard.file_page), ("sheet", wizard.sheet_page),
             ("mapping", wizard.mapping_page), ("preview", wizard.preview_page))
    for index, (name, page) in enumerate(pages):
        if index:
            wizard.next()
            wait_idle(app)
        if wizard.currentPage() is not page:
            problems.append(f"the import wizard did not reach its {name} page on {sheet.name}")
            break
        problem = _save(wizard, shots / f"import_{name}.png", app)
        if problem:
            problems.append(problem)
    wizard.reject()
    app.processEvents()
    return problems


def pipeline_shots(window: MainWindow, app: QApplication, shots: Path) -> list[str]:
    """The Pipeline tab's board, the New deal form and two quick-entry forms (Record menu);
    nothing is saved."""
    from custdesk.services import quick_entry_service as qs
    from custdesk.ui.dialogs.action_dialog import open_deal
    from custdesk.ui.dialogs.quick_entry import QuickEntryDialog
    from custdesk.ui.tabs.pipeline_tab import PipelineTab

    pipeline = next((p for p in window.tab_pages if isinstance(p, PipelineTab)), None)
    if pipeline is None or window.store is None:
        return []
    window.tabs.setCurrentIndex(window.tab_pages.index(pipeline))
    pipeline.show_board()
    wait_painted(pipeline, app)
    problems = [_save(window, shots / "pipeline_board.png", app) or ""]
    pipeline.show_board(False)
    dialogs = [("new_deal", pipeline.new_deal()),
               # the deal editor (double-click a deal) on the board's first card
               ("deal_editor", open_deal(window.store, {"id": _first_board_deal(pipeline)},
                                         window)),
               ("quick_survey", QuickEntryDialog.open_for(window.store, qs.SURVEY, window)),
               ("quick_contact", QuickEntryDialog.open_for(window.store, qs.CONTACT, window))]
    for name, dialog in dialogs:
        if dialog is None:
            problems.append(f"{name}: no dialog to show")
            continue
        problems.append(_save(dialog, shots / f"{name}.png", app) or "")
        dialog.close()
    return [p for p in problems if p]


def _first_board_deal(pipeline: Any) -> int | None:
    """The id of the first open deal the Pipeline tab lists (biggest first)."""
    rows = pipeline.model.all_rows()
    return rows[0]["id"] if rows else None


def dialog_shots(window: MainWindow, app: QApplication, shots: Path) -> list[str]:
    """Screenshots of the welcome, the import wizard's pages, the customer dialog,
    Business settings, Restore backup and a print preview of Today. Nothing is written."""
    import tempfile

    from custdesk.ui.dialogs.restore_backup_dialog import RestoreBackupDialog
    from custdesk.ui.tab_output import print_preview
    from custdesk.ui.tabs.today_tab import TodayTab

    problems: list[str] = []
    box, _demo = welcome_box()
    problems.append(_save(box, shots / "welcome.png", app) or "")
    box.close()
    if window.store is None:
        return [p for p in problems if p]
    with tempfile.TemporaryDirectory() as folder:
        problems += wizard_shots(window, app, sample_sheet(Path(folder)), shots)
    customers = next(p for p in window.tab_pages if p.slug == "customers")
    model = getattr(customers, "model", None)
    opener = getattr(customers, "open_customer", None)
    if model is not None and opener is not None and model.rowCount() > 0:
        dialog = opener(model.row_at(0))
        problems.append(_save(dialog, shots / "customer.png", app) or "")
        dialog.close()
    settings = window.settings_dialog()
    if settings is not None:
        problems.append(_save(settings, shots / "settings.png", app) or "")
        settings.close()
    restore = RestoreBackupDialog(window.store.path, window, store=window.store)
    problems.append(_save(restore, shots / "restore_backup.png", app) or "")
    restore.close()
    problems += pipeline_shots(window, app, shots)
    today = window.tab_pages[0]
    if not isinstance(today, TodayTab):
        return [p for p in problems if p]
    window.tabs.setCurrentIndex(0)
    preview = print_preview(today, today.report_html())
    wait_idle(app)
    preview.resize(1000, 700)
    problems.append(_save(preview, shots / "print_today.png", app) or "")
    preview.close()
    app.processEvents()
    return [p for p in problems if p]
