"""Where failures go: one rotating log file in the OS's log folder, for the GUI and the CLI.

Qt-free on purpose, so the command line sets it up without loading Qt. The folder follows
each OS's convention (the way `platformdirs` does, written out here):
- Linux/BSD: `$XDG_STATE_HOME/custdesk/log` (default `~/.local/state/custdesk/log`)
- macOS: `~/Library/Logs/custdesk`
- Windows: `%LOCALAPPDATA%\\custdesk\\Logs`
`$CUSTDESK_LOG_DIR` overrides it (tests, portable installs).

The owner never sees a traceback: the error dialog names what failed and where this file
is; the traceback is written here, for whoever helps them.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

LOGGER = "custdesk"
FILE_NAME = "custdesk.log"
MAX_BYTES = 1_000_000  # five files of 1 MB: weeks of errors, never a full disk
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"

ShowError = Callable[[str, BaseException], object]
_state: dict[str, object] = {"handler": None, "path": None}


def log_dir() -> Path:
    """The folder the log file goes to (not created here)."""
    override = os.environ.get("CUSTDESK_LOG_DIR")
    if override:
        return Path(override).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return (Path(local) if local else home / "AppData" / "Local") / "custdesk" / "Logs"
    if sys.platform == "darwin":
        return home / "Library" / "Logs" / "custdesk"
    state = os.environ.get("XDG_STATE_HOME", "")
    base = Path(state) if state and Path(state).is_absolute() else home / ".local" / "state"
    return base / "custdesk" / "log"


def log_path() -> Path | None:
    """The file this process logs to (None before `setup_logging`, or when the folder
    could not be written and the log goes to stderr instead)."""
    path = _state["path"]
    return path if isinstance(path, Path) else None


class _FileHandler(RotatingFileHandler):
    """Makes its folder when the first record comes: a run that logs nothing leaves no
    trace on disk (the CLI sets logging up on every call)."""

    def _open(self) -> TextIOWrapper:
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Send the `custdesk` loggers to the rotating log file; returns its path.

    Idempotent; called again with another `$CUSTDESK_LOG_DIR` it moves to that folder.
    Nothing touches the disk until something is logged; a folder that cannot be written
    then is not fatal (logging reports it on stderr)."""
    path = log_dir() / FILE_NAME
    logger = logging.getLogger(LOGGER)
    old = _state["handler"]
    if isinstance(old, RotatingFileHandler) and Path(old.baseFilename) == path.absolute():
        return path
    handler: logging.Handler
    try:
        handler = _FileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT,
                                      encoding="utf-8", delay=True)
        found: Path | None = path
    except OSError as exc:
        handler = logging.StreamHandler(sys.stderr)
        found = None
        print(f"custdesk: cannot write the log in {path.parent} ({exc}); logging to stderr",
              file=sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    if isinstance(old, logging.Handler):
        logger.removeHandler(old)
        old.close()
    logger.addHandler(handler)
    logger.setLevel(level)
    _state["handler"], _state["path"] = handler, found
    return found


def where_text() -> str:
    """"The details are in /path/custdesk.log." — for messages to the owner."""
    path = log_path()
    if path is None:
        return "The details were written to the error output (no log file could be made)."
    return f"The details are in {path}."


def plain_reason(exc: BaseException) -> str:
    """One short line for the owner: the exception's own message, never its traceback."""
    text = " ".join(str(exc).split())
    if not text:
        text = type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "…"


def log_exception(what: str, exc: BaseException | None = None) -> None:
    """Write `what` failed, with the traceback of `exc` (default: the one being handled)."""
    info = (type(exc), exc, exc.__traceback__) if exc is not None else True
    logging.getLogger(LOGGER).error("%s failed", what, exc_info=info)


def install_excepthook(show: ShowError | None = None, *, chain: bool = False) -> None:
    """Log every uncaught exception with its traceback, then `show(what, exc)` it (the GUI's
    error dialog). With `chain` the previous hook runs too (the CLI's traceback print)."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException,
             tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, exc, tb)
            return
        logging.getLogger(LOGGER).critical("Unexpected error", exc_info=(kind, exc, tb))
        if chain:
            previous(kind, exc, tb)
        if show is not None:
            try:
                show("An unexpected error", exc)
            except Exception:  # a broken dialog must not loop back into this hook
                logging.getLogger(LOGGER).exception("The error dialog itself failed")

    sys.excepthook = hook
