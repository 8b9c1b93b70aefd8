"""`python -m custdesk`, and the entry script of the frozen app (packaging/launcher.py)."""

from __future__ import annotations

import sys

from custdesk.cli import main


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
