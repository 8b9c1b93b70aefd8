"""Starting the GUI: the QApplication, the database, the first-run welcome, the smoke test."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from custdesk import APP_NAME, __version__
from custdesk.storage import DatabaseError, Store, open_store, repository

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
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setWindowIcon(app_icon())
    return app  # type: ignore[return-value]


def offer_demo(store: Store) -> None:
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
    from custdesk.commands.common import default_db_path
    from custdesk.ui.main_window import MainWindow

    started = time.perf_counter()
    app = make_application()
    path = Path(db).expanduser() if db else default_db_path()
    first_run = not path.exists()
    try:
        store = open_store(path)
    except DatabaseError as exc:
        if smoke_test:
            print(f"custdesk: {exc}", file=sys.stderr)
            return 2
        QMessageBox.critical(None, "custdesk cannot open the database", str(exc))
        return 2
    if first_run and not smoke_test and repository.is_empty(store):
        offer_demo(store)
    window = MainWindow(store, persist_state=not smoke_test)
    if smoke_test:
        return smoke(window, app, started, Path(screenshots) if screenshots else None)
    window.show()
    return app.exec()


def smoke(window, app: QApplication, started: float, shots: Path | None) -> int:  # noqa: ANN001
    """Visit every tab (and save one PNG each); print timings; exit 0 when all went well."""
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    app.processEvents()
    print(f"window shown after {time.perf_counter() - started:.2f} s")
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    for index, page in enumerate(window.tab_pages):
        t0 = time.perf_counter()
        window.tabs.setCurrentIndex(index)
        page.refresh()
        app.processEvents()
        line = f"tab {page.slug}: {time.perf_counter() - t0:.2f} s"
        if shots is not None:
            target = shots / f"{page.slug}.png"
            if not window.grab().save(str(target)):
                print(f"custdesk: could not save {target}", file=sys.stderr)
                return 1
            line += f" -> {target}"
        print(line)
    window.close()
    print(f"smoke test passed in {time.perf_counter() - started:.2f} s")
    return 0
