"""The command line: one clear line and a non-zero exit for user mistakes, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from custdesk import __version__
from custdesk.cli import main


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "custdesk", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"custdesk {__version__}"


def test_demo_then_refuses_to_overwrite(tmp_path: Path, capsys) -> None:
    db = tmp_path / "d.db"
    assert main(["demo", "--db", str(db), "--end", "2026-11-24"]) == 0
    assert "320 customers" in capsys.readouterr().out
    assert main(["demo", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "already holds data" in err and "Traceback" not in err
    assert main(["demo", "--db", str(db), "--force", "--seed", "3"]) == 0


def test_demo_force_never_deletes_a_foreign_file(tmp_path: Path, capsys) -> None:
    foreign = tmp_path / "thesis.db"
    foreign.write_text("my thesis")
    assert main(["demo", "--db", str(foreign), "--force"]) == 2
    assert foreign.read_text() == "my thesis"
    assert "not a custdesk database" in capsys.readouterr().err


def test_backup_create_list_restore(tmp_path: Path, capsys) -> None:
    db = tmp_path / "b.db"
    main(["demo", "--db", str(db), "--end", "2026-11-24"])
    assert main(["backup", "create", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["backup", "list", "--db", str(db)]) == 0
    listing = capsys.readouterr().out
    assert "manual" in listing and "on-close" in listing
    import sqlite3

    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM orders")
    conn.commit()
    conn.close()
    assert main(["backup", "restore", "latest", "--db", str(db)]) == 0
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] > 8000
    conn.close()
    assert main(["backup", "restore", "nope.db", "--db", str(db)]) == 2


def test_unknown_database_is_one_line(tmp_path: Path) -> None:
    result = run_cli("backup", "create", "--db", str(tmp_path / "missing.db"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_a_subcommand_not_built_yet_says_so(monkeypatch, capsys) -> None:
    from custdesk import cli

    monkeypatch.setitem(cli.COMMANDS, "forecast", "no_such_command_module")
    assert cli.main(["forecast", "next-month"]) == 3
    assert "not available in this version yet" in capsys.readouterr().err


def test_output_cut_short_by_a_pipe_is_not_a_traceback(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    assert main(["demo", "--db", str(db), "--end", "2026-11-24"]) == 0
    # --json with three breakdowns is ~200 KB: more than a pipe holds, so the write must fail
    proc = subprocess.Popen([sys.executable, "-m", "custdesk", "metrics", "--db", str(db),
                             "--by", "segment", "--by", "month", "--by", "product", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err and b"BrokenPipe" not in err
    assert proc.returncode == 141
