"""Is the database in a place where SQLite's safety promises do not hold?

Cloud-sync clients (Dropbox, OneDrive, iCloud Drive, Google Drive, …) upload a database
while it is being written and may replace it with another machine's copy; network file
systems (NFS, SMB/CIFS, sshfs, …) often implement file locks poorly or not at all, which
SQLite's own documentation warns can corrupt a database. custdesk still opens such a file
but warns the owner once per location.

UI use (pure functions, no Qt here)::

    message = location_warning_once(store)   # None, or the text to show now
    if message:
        QMessageBox.warning(window, "Risky location", message)
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from custdesk.storage.database import Store

WARNED_KEY = "location_warning_shown_for"  # settings key: the path last warned about

# lower-cased folder name (or prefix) -> service; matched against every path component
_CLOUD_EXACT = {
    "dropbox": "Dropbox", "onedrive": "OneDrive", "icloud drive": "iCloud Drive",
    "iclouddrive": "iCloud Drive", "mobile documents": "iCloud Drive",
    "com~apple~clouddocs": "iCloud Drive", "google drive": "Google Drive",
    "googledrive": "Google Drive", "my drive": "Google Drive", "nextcloud": "Nextcloud",
    "owncloud": "ownCloud", "pclouddrive": "pCloud", "box sync": "Box",
}
_CLOUD_PREFIX = {
    "dropbox (": "Dropbox", "onedrive - ": "OneDrive", "onedrive-": "OneDrive",
    "googledrive-": "Google Drive", "google drive -": "Google Drive",
}
NETWORK_FS = {
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "afs", "coda", "9p",
    "sshfs", "fuse.sshfs", "davfs", "fuse.davfs2", "fuse.rclone", "glusterfs",
    "fuse.glusterfs", "ceph", "fuse.ceph", "lustre", "gfs2", "ocfs2", "fuse.s3fs",
    "fuse.gcsfuse", "fuse.google-drive-ocamlfuse", "fuse.onedriver",
}


@dataclass(frozen=True)
class LocationRisk:
    kind: str  # "cloud-sync" or "network"
    service: str  # "Dropbox", "OneDrive", …, or the file-system type ("nfs4", "cifs", …)
    path: Path

    @property
    def message(self) -> str:
        """The warning, in the owner's words."""
        if self.kind == "cloud-sync":
            where = f"a {self.service} folder"
            why = (f"{self.service} may upload it half-written or replace it with another "
                   "computer's copy")
        else:
            where = f"a network drive ({self.service})"
            why = "network drives do not reliably stop two programs writing at once"
        return (f"{self.path.name} is in {where}: {why}, which can damage or lose your data. "
                "Keep the database in a local folder (custdesk's backups go beside it), and "
                "share copies or exports instead.")


def cloud_service(path: PurePath) -> str | None:
    """The cloud-sync service whose folder holds `path`, judged by its folder names."""
    parts = [p.lower() for p in path.parts]
    for part in parts:
        if part in _CLOUD_EXACT:
            return _CLOUD_EXACT[part]
        for prefix, service in _CLOUD_PREFIX.items():
            if part.startswith(prefix):
                return service
    for before, part in zip(parts, parts[1:], strict=False):
        if (before, part) == ("library", "cloudstorage"):
            return "cloud storage"  # macOS File Provider folder (Box, pCloud, …)
    return None


def _unescape_mount(field: str) -> str:
    """/proc/mounts writes space, tab, newline and backslash as octal escapes."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def mount_fstype(path: Path, mounts_text: str) -> str | None:
    """The file-system type of the mount that holds `path`, from /proc/mounts text."""
    best, best_type = "", None
    target = str(path)
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = _unescape_mount(fields[1])
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, fields[2]
    return best_type


def network_filesystem(path: Path, mounts_file: str = "/proc/mounts") -> str | None:
    """The network file-system type holding `path` (Linux, Windows UNC/mapped drives)."""
    if sys.platform == "win32":
        return _windows_network(path)
    try:
        text = Path(mounts_file).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None  # macOS and others: no /proc/mounts; only the folder-name check applies
    fstype = mount_fstype(path, text)
    if fstype and (fstype in NETWORK_FS or fstype.split(".")[0] in NETWORK_FS):
        return fstype
    return None


def _windows_network(path: Path) -> str | None:  # pragma: no cover - Windows only
    if str(path).startswith("\\\\"):
        return "network share"
    import ctypes

    drive_remote = 4
    if ctypes.windll.kernel32.GetDriveTypeW(path.drive + "\\") == drive_remote:  # type: ignore[attr-defined]
        return "network drive"
    return None


def location_risk(path: str | os.PathLike[str], mounts_file: str = "/proc/mounts"
                  ) -> LocationRisk | None:
    """Why `path` is a risky place for the database, or None when it looks local."""
    given = Path(path).expanduser().absolute()
    resolved = given.resolve()
    for candidate in (given, resolved):  # a symlinked Documents folder may point into one
        service = cloud_service(candidate)
        if service:
            return LocationRisk("cloud-sync", service, resolved)
    fstype = network_filesystem(resolved, mounts_file)
    if fstype:
        return LocationRisk("network", fstype, resolved)
    return None


def location_warning_once(store: Store, mounts_file: str = "/proc/mounts") -> str | None:
    """The warning to show for this store's location, once per location.

    Returns None when the place looks safe or the owner was already warned about this
    path; otherwise records (in the database's settings) that the warning was shown for
    this path and returns its text. Moving the file somewhere else risky warns again.
    """
    risk = location_risk(store.path, mounts_file)
    if risk is None:
        return None
    where = str(risk.path)
    row = store.conn.execute("SELECT value FROM settings WHERE key = ?", (WARNED_KEY,)).fetchone()
    if row and row[0] == where:
        return None
    with store.transaction():
        store.conn.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (WARNED_KEY, where))
    return risk.message
