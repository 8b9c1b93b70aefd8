"""Helpers shared by the reliability tests: content digests computed with plain sqlite3,
independently of custdesk's own code, and a child-process runner."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

# wall-clock columns an import writes: equal content never has equal timestamps
VOLATILE = {"import_batches": ("started_at", "finished_at"), "column_mappings": ("saved_at",)}


def digest(path: Path, skip: dict[str, tuple[str, ...]] | None = None) -> str:
    """SHA-256 over every table's rows (in rowid order) and the schema, read-only;
    `skip` names columns per table to leave out (see VOLATILE)."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        h = hashlib.sha256()
        h.update(repr(conn.execute("PRAGMA user_version").fetchone()).encode())
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for table in tables:
            h.update(table.encode())
            left_out = (skip or {}).get(table, ())
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')
                       if r[1] not in left_out]
            select = ", ".join(f'"{c}"' for c in columns)
            for row in conn.execute(f'SELECT {select} FROM "{table}" ORDER BY rowid'):
                h.update(repr(row).encode())
        return h.hexdigest()
    finally:
        conn.close()


def integrity(path: Path) -> str:
    """`PRAGMA integrity_check` of a file, opened read-write as a fresh process would
    (so a hot journal is rolled back first), or the error text."""
    try:
        conn = sqlite3.connect(str(path))
        try:
            return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"error: {exc}"


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def spawn(code: str, *args: str) -> subprocess.Popen[bytes]:
    """Start `python -c code args…` with custdesk importable; stdout is piped."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, bufsize=0)


def wait_for_line(proc: subprocess.Popen[bytes], expected: bytes, timeout: float = 30) -> bytes:
    """Block until the child prints a line starting with `expected`; returns that line.

    The child must be started with `bufsize=0`: `select` sees only the pipe, so lines already
    pulled into a buffered reader (two lines arriving together) would never be noticed."""
    import select
    import time

    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            if line.startswith(expected):
                return line
            if not line and proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise AssertionError(f"child exited {proc.returncode} early: {err}")
    raise AssertionError(f"child did not print {expected!r} in {timeout} s")
