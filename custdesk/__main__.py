"""`python -m custdesk`, and the entry script of the frozen app (packaging/launcher.py)."""

from __future__ import annotations

import sys

# sqlite-utils imports pandas when it can (for DataFrame inserts we never make): in a dev
# venv, where pandas is a test tool, that is 0.2–1.7 s of every start. The app and the CLI
# never need it; tests import custdesk.cli directly and keep pandas.
sys.modules.setdefault("pandas", None)  # type: ignore[arg-type]

from custdesk.cli import main  # noqa: E402 (after the guard above)


def _attach_windows_console() -> None:
    """A windowed Windows build has no console: when started from one (`custdesk.exe
    --version` in cmd), write to the parent's console instead of nowhere."""
    if sys.platform != "win32" or not getattr(sys, "frozen", False) or sys.stdout is not None:
        return
    import ctypes

    if not ctypes.windll.kernel32.AttachConsole(-1):
        return  # double-clicked: no parent console, nothing to print to
    sys.stdout = open("CONOUT$", "w", encoding="utf-8")  # kept open: lives as long as the app
    sys.stderr = open("CONOUT$", "w", encoding="utf-8")


def run() -> int:
    _attach_windows_console()
    return main()


if __name__ == "__main__":
    raise SystemExit(run())
