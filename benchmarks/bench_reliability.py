"""What the reliability checks cost on a big file: open, open after a crash (hot journal
dry run), backup, quick_check vs integrity_check.

Run: .venv/bin/python benchmarks/reliability.py [ORDER_LINES]   (default 200,000)
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from custdesk.storage import open_store
from custdesk.storage.backups import create_backup


def _timed(label: str, action) -> float:
    started = time.perf_counter()
    action()
    elapsed = time.perf_counter() - started
    print(f"{label:<46} {elapsed:8.3f} s")
    return elapsed


def _build(path: Path, lines: int) -> None:
    rng = random.Random(1)
    store = open_store(path)
    customers = max(lines // 10, 1)
    with store.transaction():
        store.conn.executemany(
            "INSERT INTO customers(id, name, name_key, created_on) VALUES (?, ?, ?, ?)",
            [(i, f"Customer {i}", f"customer {i}", "2024-01-01") for i in range(1, customers + 1)])
        store.conn.executemany(
            "INSERT INTO orders(customer_id, date, month, revenue_e4, cost_e4) VALUES (?,?,?,?,?)",
            [(rng.randint(1, customers), "2024-03-01", 202403, rng.randint(1, 10**7), 5)
             for _ in range(lines)])
    store.close(backup_if_changed=False)


def _hot_journal(path: Path) -> None:
    """Leave the file as a crash in the middle of a big write would (journal + partly
    written file), by copying both while the transaction is open."""
    crashed = path.with_name("crashed.db")
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA cache_size = 50")
    conn.execute("BEGIN")
    conn.execute("UPDATE orders SET cost_e4 = cost_e4 + 1 WHERE id % 7 = 0")
    shutil.copyfile(path, crashed)
    shutil.copyfile(f"{path}-journal", f"{crashed}-journal")
    conn.execute("ROLLBACK")
    conn.close()


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "business.db"
        _timed(f"build {lines:,} order lines", lambda: _build(path, lines))
        print(f"{'file size':<46} {path.stat().st_size / 1e6:8.1f} MB")
        conn = sqlite3.connect(str(path))
        _timed("PRAGMA quick_check", lambda: conn.execute("PRAGMA quick_check").fetchone())
        _timed("PRAGMA integrity_check", lambda: conn.execute("PRAGMA integrity_check").fetchone())
        conn.close()
        _timed("open_store + close (clean file)",
               lambda: open_store(path).close(backup_if_changed=False))
        store = open_store(path)
        _timed("create_backup (copy + integrity_check + fsync)",
               lambda: create_backup(store, reason="manual"))
        store.close(backup_if_changed=False)
        _hot_journal(path)
        crashed = path.with_name("crashed.db")
        journal_mb = Path(f"{crashed}-journal").stat().st_size / 1e6
        print(f"{'hot journal size':<46} {journal_mb:8.1f} MB")
        _timed("open_store after a crash (dry run + rollback)",
               lambda: open_store(crashed).close(backup_if_changed=False))


if __name__ == "__main__":
    main()
