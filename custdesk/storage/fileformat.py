"""What marks a file as custdesk's: the SQLite header fields we read before opening it.

A leaf module (no other storage imports): opening, backups and migrations all need these.
"""

from __future__ import annotations

import struct
from pathlib import Path

APPLICATION_ID = 0x43555344  # "CUSD"
SQLITE_MAGIC = b"SQLite format 3\x00"
FULL_CHECK_MAX_BYTES = 8 * 1024 * 1024  # integrity_check ~45 ms/MB here; above: quick_check


def read_header(path: Path) -> tuple[bytes, int, int]:
    """(magic, user_version, application_id) from the raw 100-byte SQLite header."""
    with open(path, "rb") as fh:
        header = fh.read(100)
    if len(header) < 100:
        return header[:16], 0, 0
    user_version, = struct.unpack(">I", header[60:64])
    application_id, = struct.unpack(">I", header[68:72])
    return header[:16], user_version, application_id
