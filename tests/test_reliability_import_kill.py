"""Issue 7, point 1: a 50,000-line import killed with SIGKILL at a random moment, 30 times.

Every time, the file opens (through custdesk's own open, as the next start would),
`integrity_check` is `ok`, and the data is exactly the state before the import or exactly
the state after it (counts and a content hash).

To keep CI time bounded, a helper process reads and parses the file once (that phase
writes nothing), then forks one child per run; each child opens the database and runs
the import's database part (plan, before-import backup, one transaction, commit) from the
public importer functions, and is killed at a moment drawn uniformly over that run. Two
helpers work side by side. CUSTDESK_IMPORT_KILLS raises the count.
"""

from __future__ import annotations

import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from reliability_util import VOLATILE, counts, digest, wait_for_line

from custdesk.storage import open_store
from custdesk.storage.backups import list_backups, verify_backup

LINES = 50_000
KILLS = int(os.environ.get("CUSTDESK_IMPORT_KILLS", "30"))

# Reads commands (a database path per line) on stdin; forks one importing child per
# command and reports its pid, then waits for it (the test may SIGKILL it meanwhile).
_FORK_SERVER = '''
import os, sys
from pathlib import Path
from custdesk.storage import open_store
from custdesk.services.importer import ImportRequest, commit, make_preview, read_and_parse
request = ImportRequest(Path(sys.argv[1]))
parsed = read_and_parse(request)
print("ready", flush=True)
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        print(f"pid {os.getpid()}", flush=True)
        store = open_store(line.strip())
        commit(store, make_preview(store, request, parsed=parsed))
        store.close(backup_if_changed=False)
        print("done", flush=True)
        os._exit(0)
    os.waitpid(pid, 0)
    print("exited", flush=True)
'''


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """50,000 order lines (2,000 customers, 40 products), made once per module."""
    rng = random.Random(5)
    rows = ["Order Date,Order ID,Customer ID,Customer Name,Product,Category,Quantity,Sales"]
    for i in range(LINES):
        c = rng.randrange(2000)
        rows.append(f"2025-{1 + i % 12:02d}-{1 + i % 28:02d},O{i // 3},K{c},Customer {c},"
                    f"P{i % 40},Cat{i % 5},{1 + i % 4},{(i * 37) % 9000 / 100:.2f}")
    path = tmp_path_factory.mktemp("import50k") / "orders50k.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


class ForkServer:
    def __init__(self, csv: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", _FORK_SERVER, str(csv)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, bufsize=0)
        wait_for_line(self.proc, b"ready", timeout=120)

    def run(self, db: Path, kill_after: float | None) -> float:
        """Import into `db`; SIGKILL the child `kill_after` s after it starts. Returns the
        child's running time when not killed."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{db}\n".encode())
        self.proc.stdin.flush()
        pid = int(wait_for_line(self.proc, b"pid").split()[1])
        started = time.monotonic()
        if kill_after is None:
            wait_for_line(self.proc, b"done", timeout=120)
            elapsed = time.monotonic() - started
        else:
            time.sleep(kill_after)
            elapsed = 0.0
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # it finished first
        wait_for_line(self.proc, b"exited", timeout=120)
        return elapsed

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def _state(path: Path) -> tuple[str, dict[str, int]]:
    return digest(path, VOLATILE), counts(path)


@pytest.mark.slow
def test_import_killed_30_times_leaves_before_or_after(demo_db_template: Path,
                                                       big_file: Path, tmp_path: Path) -> None:
    servers = [ForkServer(big_file), ForkServer(big_file)]
    try:
        reference = tmp_path / "reference" / "business.db"
        reference.parent.mkdir()
        shutil.copyfile(demo_db_template, reference)
        before = _state(reference)
        duration = servers[0].run(reference, None)  # uninterrupted: the exact "after" state
        after = _state(reference)
        assert after[1]["orders"] == before[1]["orders"] + LINES
        rng = random.Random(31)
        moments = [rng.uniform(0, duration) for _ in range(KILLS)]
        idle: queue.Queue[ForkServer] = queue.Queue()
        for server in servers:
            idle.put(server)

        def one_kill(k: int) -> str:
            folder = tmp_path / f"kill{k:02d}"
            folder.mkdir()
            db = folder / "business.db"
            shutil.copyfile(demo_db_template, db)
            server = idle.get()  # one thread per server at a time: they share its pipe
            try:
                server.run(db, moments[k])
            finally:
                idle.put(server)
            hot = Path(f"{db}-journal").exists()
            store = open_store(db)  # as the next start of custdesk would
            try:
                assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            finally:
                store.close(backup_if_changed=False)
            state = _state(db)
            assert state in (before, after), f"kill {k} at {moments[k]:.2f} s: half-imported"
            for backup in list_backups(db):  # the before-import copy, when it was finished
                verify_backup(backup.path)
                assert _state(backup.path) == before
            shutil.rmtree(folder)
            return ("before" if state == before else "after") + (" (hot journal)" if hot else "")

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(one_kill, range(KILLS)))
    finally:
        for server in servers:
            server.close()
    summary = {r: results.count(r) for r in sorted(set(results))}
    print(f"\n{KILLS} kills during a {LINES}-line import ({duration:.1f} s of database "
          f"work): {summary}")
    # The kills must really land mid-transaction (a hot journal left behind). The write phase
    # is short since the import got faster: 6–14 of 30 kills left a hot journal in 9 runs, so
    # ask for a tenth, not a fifth (which failed at random). The commit is the run's last
    # moment, so few kills land after it; "after" is proven by the uninterrupted run above.
    assert sum("hot journal" in r for r in results) >= max(3, KILLS // 10)
