"""domain/ must stay pure: importing any domain module loads no Qt, sqlite3 or spreadsheet code."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import custdesk.domain

FORBIDDEN = (
    "PySide6",
    "sqlite3",
    "_sqlite3",
    "sqlite_utils",
    "openpyxl",
    "python_calamine",
    "pyqtgraph",
)


def domain_modules() -> list[str]:
    return [f"custdesk.domain.{m.name}" for m in pkgutil.iter_modules(custdesk.domain.__path__)]


def test_there_are_domain_modules() -> None:
    assert "custdesk.domain.records" in domain_modules()
    assert "custdesk.domain.money" in domain_modules()


def test_domain_imports_nothing_forbidden() -> None:
    script = (
        "import importlib, json, sys\n"
        f"mods = {domain_modules()!r}\n"
        "for m in mods: importlib.import_module(m)\n"
        f"print(json.dumps(sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_the_check_would_catch_a_violation() -> None:
    """The same probe on a storage module does see sqlite3, so the test above can fail."""
    script = "import sys, custdesk.storage.database\nprint('sqlite3' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
