"""Failures are seen: the log file, the excepthook, the error dialog, and a broken screen
builder surfacing as the tab's error line (with the traceback in the log), never as the
empty "import your data" state."""

from __future__ import annotations

import logging
import sys
from datetime import date
from pathlib import Path

import pytest

from custdesk.domain.periods import Period
from custdesk.services import logs

YEAR = Period(date(2025, 12, 1), date(2026, 11, 24))


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "logs"
    monkeypatch.setenv("CUSTDESK_LOG_DIR", str(folder))
    logs.setup_logging()
    return folder


def log_text(folder: Path) -> str:
    for handler in logging.getLogger(logs.LOGGER).handlers:
        handler.flush()
    path = folder / logs.FILE_NAME
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_log_folder_per_os(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CUSTDESK_LOG_DIR", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert logs.log_dir() == tmp_path / "state" / "custdesk" / "log"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/ignored")  # XDG: relative paths are invalid
    assert logs.log_dir() == Path.home() / ".local" / "state" / "custdesk" / "log"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert logs.log_dir() == Path.home() / "Library" / "Logs" / "custdesk"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    assert logs.log_dir() == tmp_path / "Local" / "custdesk" / "Logs"
    monkeypatch.setenv("CUSTDESK_LOG_DIR", str(tmp_path / "mine"))
    assert logs.log_dir() == tmp_path / "mine"


def test_nothing_written_until_something_is_logged(log_dir: Path) -> None:
    assert logs.log_path() == log_dir / logs.FILE_NAME
    assert not log_dir.exists()  # a quiet CLI run leaves nothing behind
    try:
        raise ValueError("bad cell B7")
    except ValueError:
        logs.log_exception("Reading orders.xlsx")
    text = log_text(log_dir)
    assert "Reading orders.xlsx failed" in text
    assert "Traceback (most recent call last)" in text and "ValueError: bad cell B7" in text


def test_log_rotates(log_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    handler = next(h for h in logging.getLogger(logs.LOGGER).handlers
                   if getattr(h, "baseFilename", None))
    monkeypatch.setattr(handler, "maxBytes", 2_000)
    for i in range(100):
        logging.getLogger("custdesk.test").error("line %d %s", i, "x" * 50)
    names = sorted(p.name for p in log_dir.iterdir())
    assert "custdesk.log" in names and "custdesk.log.1" in names
    assert len(names) <= logs.BACKUP_COUNT + 1


def test_excepthook_logs_traceback_and_shows(log_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[tuple[str, BaseException]] = []
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    logs.install_excepthook(lambda what, exc: shown.append((what, exc)))
    try:
        raise RuntimeError("slot blew up")
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    assert shown and str(shown[0][1]) == "slot blew up"
    text = log_text(log_dir)
    assert "Unexpected error" in text and "RuntimeError: slot blew up" in text


def test_error_dialog_says_what_and_where_not_a_traceback(qtbot, log_dir: Path) -> None:
    from custdesk.ui.error_dialog import report_error

    try:
        raise OSError("disk full")
    except OSError as exc:
        dialog = report_error("Saving the scorecard", exc)
    assert dialog is not None
    qtbot.addWidget(dialog)
    words = dialog.text() + dialog.informativeText()
    assert "Saving the scorecard did not work" in words and "disk full" in words
    assert str(log_dir / logs.FILE_NAME) in words
    assert "Traceback" not in words and "File \"" not in words
    assert "Traceback" in log_text(log_dir)


def _tabs_with_screens() -> list[type]:
    from custdesk.ui.main_window import TAB_CLASSES

    return [cls for cls in TAB_CLASSES if getattr(cls, "screen_module", None) is not None]


@pytest.mark.parametrize("error", [ImportError, RuntimeError])
@pytest.mark.parametrize("tab_class", _tabs_with_screens(), ids=lambda c: c.slug)
def test_broken_builder_shows_error_line_and_logs_traceback(
        qtbot, quiet_ui, demo_store, log_dir: Path, monkeypatch: pytest.MonkeyPatch,
        tab_class: type, error: type[Exception]) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise error("metrics_service is broken")

    monkeypatch.setattr(tab_class.screen_module, "build", broken)
    if hasattr(tab_class.screen_module, "build_pages"):  # Growth builds the page shown
        monkeypatch.setattr(tab_class.screen_module, "build_pages", broken)
    tab = tab_class()
    qtbot.addWidget(tab)
    tab.set_period(YEAR, refresh=False)
    tab.set_store(demo_store)
    assert not tab.is_empty_state(), "a failure must not look like an empty file"
    assert not tab.error.isHidden()
    assert "metrics_service is broken" in tab.error.text()
    text = log_text(log_dir)
    assert "Traceback (most recent call last)" in text
    assert f"{error.__name__}: metrics_service is broken" in text
