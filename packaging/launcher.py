"""PyInstaller's entry script for the frozen custdesk (kept outside the package so the
bundle's import path is the same as from source)."""

from custdesk.__main__ import run

raise SystemExit(run())
