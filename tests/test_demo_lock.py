"""`custdesk demo --force` takes the one-writer lock: a file another custdesk process has
open is refused and left byte-for-byte as it was."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from custdesk.cli import main

HOLD = """
import sys, time
from custdesk.storage import open_store
store = open_store(sys.argv[1])
print("open", flush=True)
sys.stdin.readline()  # hold the file until the test says so
store.close(backup_if_changed=False)
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_force_is_refused_while_another_process_holds_the_file(tmp_path: Path, capsys) -> None:
    db = tmp_path / "shop.db"
    assert main(["demo", "--db", str(db), "--end", "2026-11-24"]) == 0
    before = digest(db)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(Path.cwd())})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        capsys.readouterr()
        assert main(["demo", "--db", str(db), "--force", "--seed", "8"]) == 2
        err = capsys.readouterr().err
        assert "already open" in err and "Nothing was replaced" in err
        assert db.exists() and digest(db) == before
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
    # once the other process has closed it, --force replaces it
    assert main(["demo", "--db", str(db), "--force", "--seed", "8", "--end", "2026-11-24"]) == 0
    assert digest(db) != before


def test_without_force_a_filled_file_is_kept(tmp_path: Path, capsys) -> None:
    db = tmp_path / "shop.db"
    assert main(["demo", "--db", str(db)]) == 0
    before = digest(db)
    assert main(["demo", "--db", str(db)]) == 2
    assert "Use --force" in capsys.readouterr().err
    assert digest(db) == before
