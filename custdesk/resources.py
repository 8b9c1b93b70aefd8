"""Where custdesk's own files (icons) are, the same way from source and from a frozen build.

From source the files are in the repository's `resources/` folder beside the package. In a
PyInstaller build `build_installer.py` copies that folder to `resources/` inside the bundle's
data folder, which the bootloader names in `sys._MEIPASS` (`_internal/` of a one-folder build,
`Contents/Frameworks` of a macOS `.app`). Every lookup goes through `resource_path`, so the two
cannot drift apart. Nothing here writes: the user's data lives in the OS's app-data, log and
config folders (`services/files.default_db_path`, `services/logs.log_dir`, QSettings), never
in the app folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

RESOURCES_DIRNAME = "resources"


def is_frozen() -> bool:
    """True inside a PyInstaller build (the bootloader sets `sys.frozen`)."""
    return bool(getattr(sys, "frozen", False))


def resource_dir() -> Path:
    """The folder holding custdesk's resources, frozen or not."""
    if is_frozen():
        base = getattr(sys, "_MEIPASS", None)
        root = Path(base) if base else Path(sys.executable).resolve().parent
        return root / RESOURCES_DIRNAME
    return Path(__file__).resolve().parent.parent / RESOURCES_DIRNAME


def resource_path(name: str) -> Path:
    """The path of resource `name` (e.g. "icon.svg"); it may not exist (callers check)."""
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"resource names are relative and stay inside the folder: {name!r}")
    return resource_dir() / relative
