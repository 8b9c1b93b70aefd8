"""Starting the GUI: the QApplication, logging and the error dialog, the database, the
first-run welcome, the smoke test (which fails when a tab shows an error, or its empty
state on a file that has data for it)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from custdesk import APP_NAME, __version__
from custdesk.services import files, logs
from custdesk.services.exporter import count_kind
from custdesk.ui.error_dialog import show_error
from custdesk.ui.tabs.base_tab import BaseTab
from custdesk.ui.tasks import default_runner

if TYPE_CHECKING:
    from custdesk.ui.main_window import MainWindow

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
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


def offer_demo(store: files.Store) -> None:
    """First run on an empty database: offer the demo business so there is something to see."""
    from custdesk.services.demo import write_demo

    box = QMessageBox()
    box.setWindowTitle("Welcome to custdesk")
    box.setText("<b>Your customer file is empty.</b>")
    box.setInformativeText(
        "Explore custdesk with a realistic demo business first, or start with your own "
        "spreadsheets (File ▸ Import…). You can make a new, empty file any time.")
    demo = box.addButton("Explore the demo business", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Start with my own data", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    if box.clickedButton() is demo:
        write_demo(store)


def run_gui(db: str | None, *, smoke_test: bool = False, screenshots: str | None = None) -> int:
    """Open the window on `db` (default: the app-data database). Returns the exit code."""
    from custdesk.ui.main_window import MainWindow

    started = time.perf_counter()
    logs.setup_logging()
    problems: list[str] = []  # the smoke test fails on any uncaught error
    logs.install_excepthook(
        (lambda what, exc: problems.append(f"{what}: {logs.plain_reason(exc)}"))
        if smoke_test else (lambda what, exc: show_error(what, exc)))
    app = make_application()
    path = Path(db).expanduser() if db else files.default_db_path()
    first_run = not path.exists()
    try:
        store = files.open_store(path)
    except files.DatabaseError as exc:
        if smoke_test:
            print(f"custdesk: {exc}", file=sys.stderr)
            return 2
        QMessageBox.critical(None, "custdesk cannot open the database", str(exc))
        return 2
    if first_run and not smoke_test and files.is_empty(store):
        offer_demo(store)
    window = MainWindow(store, persist_state=not smoke_test)
    if smoke_test:
        code = smoke(window, app, started, Path(screenshots) if screenshots else None)
        for problem in problems:
            print(f"custdesk: unexpected error: {problem} ({logs.where_text()})",
                  file=sys.stderr)
        return 1 if problems and code == 0 else code
    window.show()
    return app.exec()


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
    """Run the event loop until every queued load (and its second stage) has been drawn;
    False on timeout. Timing a tab until its load is merely queued measures nothing."""
    runner = default_runner()
    deadline = time.perf_counter() + timeout
    while True:
        app.processEvents()
        if not runner.is_busy():
            app.processEvents()  # the last result's slot and the repaint it asked for
            if not runner.is_busy():
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
    if store is None or is_empty is None or not is_empty():
        return None
    for kind in DATA_FOR_TAB.get(page.slug, ()):
        count = count_kind(store, kind)
        if count:
            return (f"tab {page.slug} shows its empty state although the file holds "
                    f"{count:,} {kind}")
    return None


def smoke(window: MainWindow, app: QApplication, started: float, shots: Path | None) -> int:
    """Visit every tab, wait until its data is painted (and save one PNG each); print the
    timings. Exit 0 when every tab drew its data; 1 naming the tab otherwise."""
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    app.processEvents()
    print(f"window shown after {time.perf_counter() - started:.2f} s")
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    for index, page in enumerate(window.tab_pages):
        t0 = time.perf_counter()
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
            target = shots / f"{page.slug}.png"
            if not window.grab().save(str(target)):
                print(f"custdesk: could not save {target}", file=sys.stderr)
                return 1
            line += f" -> {target}"
        print(line)
    window.close()
    for failure in failures:
        print(f"custdesk: smoke test failed: {failure}", file=sys.stderr)
    if failures:
        return 1
    print(f"smoke test passed in {time.perf_counter() - started:.2f} s")
    return 0
