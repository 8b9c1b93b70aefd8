"""Issue 7, point 7: a database in a cloud-sync folder or on a network file system gets
a warning, once per location."""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from custdesk.storage import open_store
from custdesk.storage.location import (
    cloud_service,
    location_risk,
    location_warning_once,
    mount_fstype,
    network_filesystem,
)

MOUNTS = """\
/dev/sda2 / ext4 rw,relatime 0 0
tmpfs /tmp tmpfs rw 0 0
server:/export/shop /mnt/shop nfs4 rw,vers=4.2 0 0
//nas/office /mnt/office\\040share cifs rw 0 0
ann@host:/data /home/ann/remote fuse.sshfs rw 0 0
/dev/sdb1 /mnt/shop/local ext4 rw 0 0
"""


@pytest.mark.parametrize(("path", "service"), [
    (PurePosixPath("/home/ann/Dropbox/shop/business.db"), "Dropbox"),
    (PurePosixPath("/Users/ann/Dropbox (Personal)/business.db"), "Dropbox"),
    (PureWindowsPath(r"C:\Users\ann\OneDrive\Documents\business.db"), "OneDrive"),
    (PureWindowsPath(r"C:\Users\ann\OneDrive - Contoso Ltd\business.db"), "OneDrive"),
    (PurePosixPath("/Users/ann/Library/CloudStorage/OneDrive-Personal/business.db"), "OneDrive"),
    (PurePosixPath("/Users/ann/Library/Mobile Documents/com~apple~CloudDocs/b.db"),
     "iCloud Drive"),
    (PureWindowsPath(r"C:\Users\ann\iCloudDrive\business.db"), "iCloud Drive"),
    (PurePosixPath("/Users/ann/Library/CloudStorage/GoogleDrive-ann@shop.com/My Drive/b.db"),
     "Google Drive"),
    (PureWindowsPath(r"G:\My Drive\business.db"), "Google Drive"),
    (PurePosixPath("/Users/ann/Google Drive/business.db"), "Google Drive"),
    (PurePosixPath("/Users/ann/Library/CloudStorage/Box-Box/business.db"), "cloud storage"),
])
def test_cloud_sync_folders_are_recognised(path: PurePosixPath, service: str) -> None:
    assert cloud_service(path) == service


@pytest.mark.parametrize("path", [
    PurePosixPath("/home/ann/Documents/business.db"),
    PurePosixPath("/home/ann/dropbox-notes/business.db"),  # a name that merely contains it
    PureWindowsPath(r"D:\Shop\Drive records\business.db"),
    PurePosixPath("/Users/ann/Library/Application Support/custdesk/custdesk.db"),
])
def test_local_folders_are_not_flagged(path: PurePosixPath) -> None:
    assert cloud_service(path) is None


def test_mount_table_longest_prefix_and_escapes() -> None:
    assert mount_fstype(Path("/mnt/shop/business.db"), MOUNTS) == "nfs4"
    assert mount_fstype(Path("/mnt/shop/local/business.db"), MOUNTS) == "ext4"
    assert mount_fstype(Path("/mnt/office share/b.db"), MOUNTS) == "cifs"
    assert mount_fstype(Path("/mnt/shopping/b.db"), MOUNTS) == "ext4"  # not inside /mnt/shop
    assert mount_fstype(Path("/home/ann/remote/b.db"), MOUNTS) == "fuse.sshfs"


def test_network_filesystems_from_proc_mounts(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(MOUNTS)
    assert network_filesystem(Path("/mnt/shop/business.db"), str(mounts)) == "nfs4"
    assert network_filesystem(Path("/mnt/office share/b.db"), str(mounts)) == "cifs"
    assert network_filesystem(Path("/home/ann/remote/b.db"), str(mounts)) == "fuse.sshfs"
    assert network_filesystem(Path("/mnt/shop/local/b.db"), str(mounts)) is None
    assert network_filesystem(Path("/home/ann/b.db"), str(mounts)) is None
    assert network_filesystem(Path("/home/ann/b.db"), str(tmp_path / "absent")) is None


def test_risk_follows_symlinks_and_words_the_warning(tmp_path: Path) -> None:
    (tmp_path / "Dropbox").mkdir()
    (tmp_path / "Documents").symlink_to(tmp_path / "Dropbox")
    risk = location_risk(tmp_path / "Documents" / "business.db", str(tmp_path / "none"))
    assert risk is not None and (risk.kind, risk.service) == ("cloud-sync", "Dropbox")
    assert "business.db is in a Dropbox folder" in risk.message
    assert location_risk(tmp_path / "business.db", str(tmp_path / "none")) is None


def test_network_warning_text(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(f"server:/x {tmp_path / 'share'} nfs rw 0 0\n")
    risk = location_risk(tmp_path / "share" / "business.db", str(mounts))
    assert risk is not None and (risk.kind, risk.service) == ("network", "nfs")
    assert "network drive (nfs)" in risk.message


def test_warning_is_shown_once_per_location(tmp_path: Path) -> None:
    no_mounts = str(tmp_path / "none")
    path = tmp_path / "Dropbox" / "business.db"
    store = open_store(path)
    message = location_warning_once(store, no_mounts)
    assert message is not None and "Dropbox" in message
    assert location_warning_once(store, no_mounts) is None
    store.close(backup_if_changed=False)
    store = open_store(path)  # remembered in the database, so also after a restart
    assert location_warning_once(store, no_mounts) is None
    store.close(backup_if_changed=False)
    moved = tmp_path / "OneDrive" / "business.db"
    moved.parent.mkdir()
    shutil.move(path, moved)
    store = open_store(moved)
    assert "OneDrive" in (location_warning_once(store, no_mounts) or "")
    assert location_warning_once(store, no_mounts) is None
    store.close(backup_if_changed=False)


def test_safe_location_gives_no_warning_and_writes_nothing(tmp_path: Path) -> None:
    store = open_store(tmp_path / "shop" / "business.db")
    changes = store.conn.total_changes
    assert location_warning_once(store, str(tmp_path / "none")) is None
    assert store.conn.total_changes == changes
    store.close(backup_if_changed=False)
