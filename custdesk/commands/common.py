"""Pieces every subcommand shares: the --db option and the default database path."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from custdesk.commands import UserError
from custdesk.storage import Store, open_store


def default_db_path() -> Path:
    """`$CUSTDESK_DB`, else the OS's app-data folder (QStandardPaths.AppDataLocation)."""
    override = os.environ.get("CUSTDESK_DB")
    if override:
        return Path(override)
    from PySide6.QtCore import QCoreApplication, QStandardPaths

    QCoreApplication.setOrganizationName("custdesk")
    QCoreApplication.setApplicationName("custdesk")
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder) / "custdesk.db"


def add_db_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a subcommand's --db must not erase one given before the subcommand
    parser.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                        help="database file (default: the app-data folder's custdesk.db)")


def db_path_from(args: argparse.Namespace) -> Path:
    given = getattr(args, "db", None)
    return Path(given).expanduser() if given else default_db_path()


def open_from_args(args: argparse.Namespace, *, create: bool = True) -> Store:
    path = db_path_from(args)
    if not create and not path.exists():
        raise UserError(f"{path} does not exist.")
    return open_store(path, create=create)
