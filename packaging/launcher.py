"""PyInstaller's entry script for the frozen custdesk (kept outside the package so the
bundle's import path is the same as from source)."""

import multiprocessing

# The screen process (custdesk/services/screen_process.py) is the frozen executable started
# again with multiprocessing's arguments: this must run before anything else.
multiprocessing.freeze_support()

from custdesk.__main__ import run  # noqa: E402 (after freeze_support)

raise SystemExit(run())
