"""Shared fixtures. Qt runs offscreen: set before anything imports Qt."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Logs of a test run never go to the owner's log folder (tests that check the folder set
# their own); one temporary folder per run.
if "CUSTDESK_LOG_DIR" not in os.environ:
    import tempfile

    os.environ["CUSTDESK_LOG_DIR"] = tempfile.mkdtemp(prefix="custdesk-test-logs-")

from datetime import date
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
DEMO_END = date(2026, 11, 24)  # fixed, so demo-based expectations never drift


@pytest.fixture
def shared_data() -> Path:
    """`../shared/data`, or skip the test cleanly where it is absent."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI"):  # CI always has it: its absence is a broken run, not a skip
            pytest.fail(f"CI: the shared data folder {SHARED_DATA} is missing")
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


def pytest_report_header(config: pytest.Config) -> str:
    """One visible note at the top of the run when the real-data tests will skip."""
    if SHARED_DATA.is_dir():
        return f"shared real data: {SHARED_DATA}"
    return (f"NOTE: {SHARED_DATA} is absent: the tests on real public spreadsheets skip"
            + (" (CI: they fail)" if os.environ.get("CI") else ""))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "business.db"


@pytest.fixture
def store(db_path: Path):
    from custdesk.storage import open_store

    s = open_store(db_path)
    yield s
    s.close(backup_if_changed=False)


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo database per test session; copy it with `demo_store` to modify."""
    from custdesk.services.demo import write_demo
    from custdesk.storage import open_store

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    s = open_store(path)
    write_demo(s, seed=7, end=DEMO_END)
    s.close(backup_if_changed=False)
    return path


@pytest.fixture
def demo_store(demo_db_template: Path, tmp_path: Path):
    """A private, writable copy of the demo database."""
    import shutil

    from custdesk.storage import open_store

    path = tmp_path / "demo.db"
    shutil.copyfile(demo_db_template, path)
    s = open_store(path)
    yield s
    s.close(backup_if_changed=False)


@pytest.fixture
def english_locale():
    """Formatting follows the system locale; pin one so expectations are exact."""
    from PySide6.QtCore import QLocale

    from custdesk.ui import formatting as fmt

    old_locale = fmt._state["locale"]
    fmt._state["locale"] = QLocale("en_US")
    yield
    fmt._state["locale"] = old_locale


@pytest.fixture
def quiet_ui(tmp_path: Path, english_locale: None):
    """Synchronous runner, pinned locale, QSettings outside the user's profile."""
    from PySide6.QtCore import QCoreApplication, QSettings

    from custdesk.ui import tasks as worker

    QCoreApplication.setOrganizationName("custdesk-tests")
    QCoreApplication.setApplicationName("custdesk-tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    worker.set_default_runner(worker.SyncRunner())
    yield
    worker.set_default_runner(None)


def set_aside_demo_actions(store) -> None:
    """Delete the actions the demo owner already planned, for tests that count from none
    (their own actions are then the only ones) — and the demo's snooze and detractor
    follow-up, the other triage work the owner already did."""
    with store.transaction():
        store.conn.execute("DELETE FROM scorecard_followups")
        store.conn.execute("DELETE FROM actions")
        store.conn.execute("DELETE FROM customer_snoozes")
        store.conn.execute("DELETE FROM detractor_followups")


@pytest.fixture
def demo_window(qtbot, quiet_ui, demo_store):
    """The main window on a copy of the demo file, shown (its tabs loaded at once)."""
    from custdesk.ui.main_window import MainWindow

    window = MainWindow(demo_store, persist_state=False)
    qtbot.addWidget(window)
    window.show()
    return window
