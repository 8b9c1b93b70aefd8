"""Issue 7, point 5: a full disk, a read-only folder, the file deleted while open.

Each gives a `DiskError` with a clear one-line message and loses nothing that was
committed. Real size-limited and read-only file systems (tmpfs mounts) are used where the
tests run as root; without root those tests skip and the chmod variant runs instead.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability_util import integrity

from custdesk.storage import open_store
from custdesk.storage.backups import create_backup, list_backups
from custdesk.storage.database import DiskError

NAMES = [f"Customer {i:03d}" for i in range(200)]


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs (root only), unmounted afterwards."""
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a size-limited file system needs root")
    point = tmp_path / "mnt"
    point.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(point)):
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def _add_customers(store, names: list[str]) -> None:
    with store.transaction():
        store.conn.executemany(
            "INSERT INTO customers(name, name_key, created_on) VALUES (?, lower(?), '2026-01-01')",
            [(n, n) for n in names])


def _names(path: Path) -> list[str]:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM customers ORDER BY id")]
    finally:
        conn.close()


def _fill(folder: Path) -> Path:
    """Take every free byte of the file system holding `folder`."""
    filler = folder / "filler.bin"
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    return filler


def test_disk_full_during_a_write_loses_nothing_committed(small_fs: Path) -> None:
    path = small_fs / "business.db"
    store = open_store(path)
    _add_customers(store, NAMES)
    big = ["x" * 100_000 for _ in range(40)]  # 4 MB into a 2 MB disk
    with pytest.raises(DiskError, match="disk holding business.db is full.*intact"):
        with store.transaction():
            store.conn.executemany(
                "INSERT INTO customers(name, name_key, notes, created_on) "
                "VALUES ('Big', 'big', ?, '2026-01-01')", [(b,) for b in big])
    assert store.conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 200
    _fill(small_fs)
    store.close()  # the closing backup cannot fit: reported, never raised
    assert store.close_warning and "not written" in store.close_warning
    assert integrity(path) == "ok"
    assert _names(path) == NAMES
    assert not list(small_fs.glob("backups/.*.partial"))


def test_disk_full_during_backup_and_on_create(small_fs: Path) -> None:
    path = small_fs / "business.db"
    store = open_store(path)
    _add_customers(store, NAMES)
    filler = _fill(small_fs)
    with pytest.raises(DiskError, match="backup of business.db could not be written"):
        create_backup(store, reason="manual")
    assert list_backups(path) == []
    assert not list((small_fs / "backups").glob(".*.partial"))
    store.close(backup_if_changed=False)
    with pytest.raises(DiskError, match="full"):
        open_store(small_fs / "new.db")
    filler.unlink()
    assert _names(path) == NAMES
    reopened = open_store(path)  # space again: everything works as before
    _add_customers(reopened, ["After"])
    reopened.close(backup_if_changed=False)
    assert _names(path) == [*NAMES, "After"]


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[tuple[Path, callable, callable]]:
    """(folder, make_read_only, make_writable): a remounted tmpfs as root, else chmod."""
    if os.name != "posix":
        pytest.skip("POSIX permissions only")
    if os.geteuid() == 0:
        point = tmp_path / "mnt"
        point.mkdir()
        if not _mount("-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(point)):
            pytest.skip("this machine does not allow mounting a tmpfs")
        try:
            yield (point, lambda: _mount("-o", "remount,ro", str(point)),
                   lambda: _mount("-o", "remount,rw", str(point)))
        finally:
            subprocess.run(["umount", "-l", str(point)], capture_output=True)
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        yield folder, lambda: folder.chmod(0o500), lambda: folder.chmod(0o700)
        folder.chmod(0o700)


def test_read_only_folder_is_refused_clearly_and_left_unchanged(read_only) -> None:
    folder, make_ro, make_rw = read_only
    path = folder / "business.db"
    store = open_store(path)
    _add_customers(store, NAMES)
    store.close(backup_if_changed=False)
    before = path.read_bytes()
    if os.geteuid() != 0:
        (folder / "business.db.lock").unlink()  # a lock file that must be created anew
    assert make_ro() is not False
    try:
        with pytest.raises(DiskError, match="cannot write in the folder of business.db"):
            open_store(path)
        assert path.read_bytes() == before
    finally:
        make_rw()


_WRITER_CHILD = """
import os, sys
from custdesk.storage import open_store
from custdesk.storage.database import DiskError
import custdesk.storage.backups, custdesk.storage.migrations  # import before losing /root
import sqlite_utils
sqlite_utils.Database(memory=True)  # loads its plugins now, while /root is readable
if os.geteuid() == 0:  # root ignores permissions: write as nobody
    os.setgid(65534)
    os.setuid(65534)
store = open_store(sys.argv[1])
with store.transaction():
    store.conn.executemany("INSERT INTO customers(name, name_key, created_on) "
                           "VALUES (?, lower(?), '2026-01-01')",
                           [(f"Customer {i:03d}",) * 2 for i in range(200)])
print("open", flush=True)
sys.stdin.readline()
try:
    with store.transaction():
        store.conn.execute("INSERT INTO customers(name, name_key, created_on) "
                           "VALUES ('Lost', 'lost', '2026-01-01')")
    print("written")
except DiskError as exc:
    print("DiskError:", exc)
print("count", store.conn.execute("SELECT count(*) FROM customers").fetchone()[0], flush=True)
store.close(backup_if_changed=False)
"""


def test_folder_turning_read_only_while_open() -> None:
    """The folder loses write permission while custdesk has the file open (a real
    permission change, in a child process that runs as an unprivileged user)."""
    if os.name != "posix":
        pytest.skip("POSIX permissions only")
    folder = Path(tempfile.mkdtemp(prefix="custdesk-ro-"))
    try:
        if os.geteuid() == 0:
            os.chown(folder, 65534, 65534)
        path = folder / "business.db"
        child = subprocess.Popen([sys.executable, "-c", _WRITER_CHILD, str(path)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "open", child.stderr.read()
        folder.chmod(0o500)
        out, err = child.communicate("go\n", timeout=30)
        assert child.returncode == 0, err
        assert "DiskError: custdesk cannot write to business.db" in out
        assert "read-only" in out and "everything saved before it is intact" in out
        assert "count 200" in out
        folder.chmod(0o700)
        assert integrity(path) == "ok"
        assert _names(path) == NAMES
    finally:
        folder.chmod(0o700)
        shutil.rmtree(folder)


def test_file_deleted_while_open_is_written_back(tmp_path: Path) -> None:
    path = tmp_path / "business.db"
    store = open_store(path)
    _add_customers(store, NAMES)
    path.unlink()
    with pytest.raises(DiskError, match=f"moved or deleted.*written back to {path}"):
        _add_customers(store, ["Never saved"])
    assert _names(path) == NAMES  # everything committed is back where the owner keeps it
    store.close(backup_if_changed=False)
    assert store.close_warning is None
    assert integrity(path) == "ok" and _names(path) == NAMES
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_file_deleted_while_open_is_put_back_on_close(tmp_path: Path) -> None:
    path = tmp_path / "business.db"
    store = open_store(path)
    _add_customers(store, NAMES)
    path.unlink()
    store.close(backup_if_changed=False)
    assert "moved or deleted" in (store.close_warning or "")
    assert _names(path) == NAMES
    reopened = open_store(path)
    reopened.close(backup_if_changed=False)
