"""The window shows before the heavy modules load (issue 18: "the window appears with its
tabs at once and numbers fill in"): its first paint needs Qt and a few light modules only;
the tabs, the storage layer and the dialogs are imported while it is on screen."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from custdesk.cli import window_arguments
from custdesk.ui import tab_list

ROOT = Path(__file__).resolve().parents[1]
# what the first paint must not wait for
HEAVY = ("sqlite_utils", "pyqtgraph", "numpy", "custdesk.storage", "custdesk.services.files",
         "custdesk.services.screens", "custdesk.ui.tabs.today_tab", "custdesk.ui.tasks",
         "custdesk.commands")

FIRST_PAINT = """
import json, sys
from custdesk.cli import window_arguments
assert window_arguments(["--db", "x.db"]) is not None
from custdesk.ui.app import make_application
from custdesk.ui.main_window import MainWindow
app = make_application()
window = MainWindow(None, persist_state=False, deferred=True)
window.show()
app.processEvents()
titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
# a shortcut of a tab-bound action (Ctrl+P, F5, Ctrl+1) must not fire before the pages exist
live = [a.text() for m in window.menus for a in m.actions() if a.isEnabled() and a.text()]
print(json.dumps({"loaded": sorted(m for m in sys.modules if m.startswith(tuple(HEAVY))),
                  "titles": titles, "ready": window.ready, "live": live}))
"""


def _env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}


def test_the_first_paint_imports_no_storage_no_tabs_no_charts() -> None:
    code = f"HEAVY = {HEAVY!r}\n" + FIRST_PAINT
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=_env(), timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["loaded"] == []
    assert seen["titles"] == [spec.mnemonic for spec in tab_list.TABS]
    assert seen["ready"] is False  # the pages come after
    assert seen["live"] == []


def test_every_tab_spec_names_its_class_and_title() -> None:
    classes = tab_list.tab_classes()
    assert [cls.title for cls in classes] == [spec.title for spec in tab_list.TABS]
    assert [spec.mnemonic.replace("&", "") for spec in tab_list.TABS] == [
        spec.title for spec in tab_list.TABS]


@pytest.mark.parametrize(("argv", "window"), [
    ([], True), (["--db", "x.db"], True), (["--smoke-test", "--screenshots", "shots"], True),
    (["screen", "today"], False), (["--db", "x.db", "screen", "today"], False),
    (["--version"], False), (["-h"], False), (["--no-such-option"], False)])
def test_the_window_path_is_told_from_a_command_without_the_full_parser(argv, window) -> None:
    assert (window_arguments(argv) is not None) is window


def test_the_app_started_deferred_paints_every_tab_and_says_when(demo_db_template,
                                                                tmp_path) -> None:
    import shutil

    db = tmp_path / "demo.db"
    shutil.copyfile(demo_db_template, db)
    out = subprocess.run([sys.executable, "-m", "custdesk", "--db", str(db), "--smoke-test"],
                         capture_output=True, text=True, env=_env(), timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    lines = out.stdout
    shown = float(re.search(r"^window shown after (\d+\.\d\d) s$", lines, re.M)[1])
    painted = float(re.search(r"^today painted after (\d+\.\d\d) s \(from process start\)$",
                              lines, re.M)[1])
    assert 0 < shown < painted  # the window first, Today's numbers after
    # when Today's first numbers showed (the demo is small: with the whole screen)
    first = float(re.search(r"^today first numbers after (\d+\.\d\d) s \(from process "
                            r"start\)$", lines, re.M)[1])
    assert shown < first <= painted
    assert len(re.findall(r"^tab \w+: ", lines, re.M)) == len(tab_list.TABS)
    assert re.search(r"^screen process peak memory: \d+ MB$", lines, re.M)


def test_a_file_that_cannot_be_opened_exits_2_after_the_window_showed(tmp_path) -> None:
    bad = tmp_path / "not-a-database.db"
    bad.write_text("these are not the bytes of a custdesk file\n" * 100)
    out = subprocess.run([sys.executable, "-m", "custdesk", "--db", str(bad), "--smoke-test"],
                         capture_output=True, text=True, env=_env(), timeout=300, cwd=ROOT)
    assert out.returncode == 2
    assert "window shown after" in out.stdout
    assert "custdesk:" in out.stderr and "Traceback" not in out.stderr


@contextmanager
def deferred_window(qtbot, monkeypatch, demo_db_template, tmp_path):
    """A window made as the app makes it (deferred) and a copy of the demo file for
    `load_window`; no screen process (loads on threads). Its store is closed after."""
    import shutil

    from custdesk.services.screen_process import ScreenProcess
    from custdesk.ui.main_window import MainWindow
    from custdesk.ui.tasks import default_runner

    db = tmp_path / "demo.db"
    shutil.copyfile(demo_db_template, db)
    monkeypatch.setattr(ScreenProcess, "start", lambda self: None)  # no worker needed here
    window = MainWindow(None, persist_state=False, deferred=True)
    qtbot.addWidget(window)
    try:
        yield window, db
    finally:
        default_runner().use_screen_process(False)  # the next tests start without one
        if window.store is not None:
            window.store.close(backup_if_changed=False)


def test_a_start_up_step_that_breaks_ends_the_start_and_says_why(qtbot, monkeypatch, capsys,
                                                                 demo_db_template,
                                                                 tmp_path) -> None:
    """A page that fails to build must end the start with its reason (exit 1), never leave
    the window on its placeholders and a smoke test waiting for ever."""
    from PySide6.QtWidgets import QApplication

    from custdesk.ui.app import load_window
    from custdesk.ui.main_window import MainWindow

    def broken_page(self, index):
        raise RuntimeError("the Today page could not be built")

    monkeypatch.setattr(MainWindow, "build_page", broken_page)
    codes: list[int] = []
    with deferred_window(qtbot, monkeypatch, demo_db_template, tmp_path) as (window, db):
        load_window(window, QApplication.instance(), str(db), True, codes.append)
        qtbot.waitUntil(lambda: bool(codes), timeout=30_000)
    assert codes == [1]
    assert "the Today page could not be built" in capsys.readouterr().err


def test_a_tab_the_owner_goes_to_while_the_first_loads_is_built_at_once(
        qtbot, monkeypatch, demo_db_template, tmp_path) -> None:
    """The other pages wait for the first tab's numbers (the cores are its), but a tab the
    owner clicks meanwhile is built at once, not after the wait."""
    from PySide6.QtWidgets import QApplication

    from custdesk.ui.app import load_window
    from custdesk.ui.tasks import TaskRunner, default_runner

    loading = [True]  # the first tab's load, as the runner tells it
    real_busy = TaskRunner.is_busy
    monkeypatch.setattr(TaskRunner, "is_busy",
                        lambda self: loading[0] or real_busy(self))
    codes: list[int] = []
    with deferred_window(qtbot, monkeypatch, demo_db_template, tmp_path) as (window, db):
        load_window(window, QApplication.instance(), str(db), True, codes.append)
        default_runner().use_screen_process(False)  # loads on threads: no worker here
        qtbot.waitUntil(lambda: len(window._pages) == 1, timeout=30_000)  # the first page
        qtbot.wait(300)
        assert len(window._pages) == 1  # the others wait for its numbers
        window.tabs.setCurrentIndex(3)
        qtbot.waitUntil(lambda: 3 in window._pages, timeout=2_000)  # at once, not in 10 s
        assert len(window._pages) == 2
        loading[0] = False  # the first tab's numbers came: the rest are built
        qtbot.waitUntil(lambda: bool(codes), timeout=30_000)


def test_the_other_pages_are_built_one_per_turn_of_the_event_loop(
        qtbot, monkeypatch, demo_db_template, tmp_path) -> None:
    """Each page costs the window 15-40 ms to build: two in one turn was a stall. A
    heartbeat timer must tick between any two page builds."""
    import time

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from custdesk.ui.app import load_window
    from custdesk.ui.main_window import MainWindow
    from custdesk.ui.tasks import default_runner

    ticks = [0]
    heartbeat = QTimer()
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    built_at: list[int] = []
    real_build = MainWindow.build_page

    def counted_build(self, index):
        built_at.append(ticks[0])
        time.sleep(0.01)  # a page as costly as a real one: the heartbeat is due after it
        return real_build(self, index)

    monkeypatch.setattr(MainWindow, "build_page", counted_build)
    codes: list[int] = []
    with deferred_window(qtbot, monkeypatch, demo_db_template, tmp_path) as (window, db):
        heartbeat.start()
        try:
            loop = QEventLoop()  # the app's own loop, not a test's polling of processEvents
            load_window(window, QApplication.instance(), str(db), True,
                        lambda code: (codes.append(code), loop.quit()))
            default_runner().use_screen_process(False)  # loads on threads: no worker here
            QTimer.singleShot(60_000, loop.quit)
            loop.exec()
        finally:
            heartbeat.stop()
    assert codes == [0] and len(built_at) == len(window.tab_pages) > 2
    # the first page is built with the file; each later one in a turn of its own
    later = built_at[1:]
    assert all(b > a for a, b in zip(later, later[1:], strict=False)), built_at
