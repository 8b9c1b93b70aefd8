"""Benchmark: the longest GUI stall while the owner opens another file, restores a backup
and imports a workbook (issue 18: "the GUI thread never blocks more than 100 ms: opening,
tab switches, period changes, search, sort, import, restore and printing"; the smoke test
covers the tabs and period changes, bench_table_model sort and search).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_gui_ops.py \\
        --db BIG.db [--workbook orders-100000.xlsx]

Works on copies in a temporary folder (the files given are never opened for writing). A
10-ms heartbeat timer measures the biggest gap between event-loop ticks during each
operation, from the click until the window shows its result:
- open: the window on a small file opens `--db` (`MainWindow.open_path`) and waits for the
  first tab's numbers;
- restore: a backup of `--db`'s copy, a change, then the window's restore and reopen
  (with a screen process of its own, as the app has);
- import: the import wizard on an empty file, with the real task runner: the workbook's
  sheets, the mapping, the preview, the commit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

TIMEOUT_S = 600.0


class Heartbeat:
    """The longest gap between two ticks of a 10-ms timer, beyond its interval."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.longest = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last - 0.010)
        self.last = now

    def during(self, start: Callable[[], object], done: Callable[[], bool]) -> tuple[float, float]:
        """(seconds until `done()`, longest stall in seconds) for what `start()` begins; the
        event loop runs as the app's would (a QEventLoop between checks)."""
        self.longest = 0.0
        self.last = time.perf_counter()
        self.timer.start()
        began = time.perf_counter()
        start()
        while not done():
            if time.perf_counter() - began > TIMEOUT_S:
                raise TimeoutError("the operation did not finish")
            loop = QEventLoop()  # a short run of a real event loop
            QTimer.singleShot(5, loop.quit)
            loop.exec()
        took = time.perf_counter() - began
        self.timer.stop()
        return took, self.longest


def _first_tab_painted(window) -> Callable[[], bool]:
    from custdesk.ui import idle_queue
    from custdesk.ui.tasks import default_runner

    runner = default_runner()
    return lambda: (window.store is not None and not runner.is_busy()
                    and not idle_queue.pending())


def bench_open(beat: Heartbeat, small: Path, target: Path) -> tuple[float, float]:
    from custdesk.services import files
    from custdesk.ui.main_window import MainWindow
    from custdesk.ui.tasks import default_runner

    window = MainWindow(files.open_store(small), persist_state=False)
    window.resize(1366, 768)
    window.show()
    beat.during(lambda: None, _first_tab_painted(window))
    opened: list[bool] = []
    painted = _first_tab_painted(window)
    result = beat.during(lambda: window.open_path(target, opened.append),
                         lambda: bool(opened) and painted())
    window.set_store(None)
    window.close()
    default_runner().use_screen_process(False)
    return result


def bench_restore(beat: Heartbeat, target: Path) -> tuple[float, float]:
    from custdesk.services import files
    from custdesk.storage.backups import create_backup
    from custdesk.ui.main_window import MainWindow
    from custdesk.ui.tasks import default_runner

    # the app's own restore builds in its screen process: started as at the app's start
    # (`bench_open` stops the one it used; without one, this measured the in-process
    # fallback of a machine where no process can start)
    default_runner().use_screen_process()
    store = files.open_store(target)
    backup = create_backup(store, reason="manual")
    with store.transaction():  # a change since the backup: the close takes one too
        store.conn.execute("INSERT OR REPLACE INTO settings VALUES ('bench', '1')")
    window = MainWindow(store, persist_state=False)
    window.resize(1366, 768)
    window.show()
    painted = _first_tab_painted(window)
    beat.during(lambda: None, painted)
    result = beat.during(lambda: window._restore_backup(str(backup.path)),
                         lambda: window.store is not None and window.store is not store
                         and painted())
    window.set_store(None)
    window.close()
    default_runner().use_screen_process(False)
    return result


def bench_import(beat: Heartbeat, folder: Path, workbook: Path) -> tuple[float, float]:
    from custdesk.services import files
    from custdesk.ui.import_wizard import ImportWizard
    from custdesk.ui.tasks import ThreadRunner

    store = files.open_store(folder / "empty.db")
    runner = ThreadRunner()
    wizard = ImportWizard(store, path=workbook, runner=runner)
    wizard.show()
    imported: list[int] = []
    wizard.imported.connect(imported.append)

    def steps() -> bool:  # the owner's clicks, each as soon as its page is ready
        page = wizard.currentPage()
        if imported and wizard.import_page.finished:
            return True
        if page is wizard.import_page or not page.isComplete():
            return False
        wizard.next()
        return False

    result = beat.during(wizard.next, steps)
    rows = store.conn.execute("SELECT count(*) FROM orders").fetchone()[0]
    print(f"  imported {rows:,} order lines")
    wizard.close()
    runner.wait(60_000)
    store.close(backup_if_changed=False)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the file to open and restore")
    parser.add_argument("--workbook", type=Path, help="a workbook of order lines to import")
    parser.add_argument("--ops", default="open,restore,import",
                        help="which operations, comma-separated (default: all)")
    args = parser.parse_args(argv)
    QCoreApplication.setOrganizationName("custdesk-bench")
    QCoreApplication.setApplicationName("custdesk-bench")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    with tempfile.TemporaryDirectory(prefix="custdesk-gui-ops-") as tmp:
        folder = Path(tmp)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
        os.environ.setdefault("CUSTDESK_LOG_DIR", str(folder / "logs"))
        _app = QApplication.instance() or QApplication(sys.argv[:1])
        from custdesk.services import demo
        from custdesk.ui.tasks import default_runner

        default_runner().use_screen_process()
        beat = Heartbeat()
        small = demo.ensure_demo_file(folder / "small.db")
        target = folder / args.db.name
        shutil.copyfile(args.db, target)
        ops = set(args.ops.split(","))
        rows = []
        if "open" in ops:
            rows.append(("open " + args.db.name, *bench_open(beat, small, target)))
        if "restore" in ops:
            rows.append(("restore " + args.db.name, *bench_restore(beat, target)))
        if "import" in ops and args.workbook is not None:
            rows.append(("import " + args.workbook.name,
                         *bench_import(beat, folder, args.workbook)))
        default_runner().use_screen_process(False)
    for what, took, stall in rows:
        print(f"{what}: {took:.2f} s until shown, longest GUI stall {stall * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
