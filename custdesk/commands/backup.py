"""`custdesk backup list|create|restore`."""

from __future__ import annotations

import argparse
from pathlib import Path

from custdesk.commands import UserError
from custdesk.commands.common import add_db_option, db_path_from, open_from_args
from custdesk.storage.backups import create_backup, list_backups, restore_backup
from custdesk.storage.database import acquire_lock


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="list, create or restore backups")
    add_db_option(p)
    actions = p.add_subparsers(dest="action", required=True)
    add_db_option(actions.add_parser("list", help="list backups, newest first"))
    add_db_option(actions.add_parser("create", help="take a backup now"))
    restore = actions.add_parser("restore", help="replace the database with a backup")
    add_db_option(restore)
    restore.add_argument("backup", help="backup file name or path, or 'latest'")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = db_path_from(args)
    if args.action == "list":
        backups = list_backups(path)
        if not backups:
            print(f"No backups of {path.name} yet.")
        for b in backups:
            print(
                f"{b.taken_at:%Y-%m-%d %H:%M:%S}  {b.reason:<17} "
                f"{b.size / 1024:9.0f} KB  {b.path.name}"
            )
        return 0
    if args.action == "create":
        store = open_from_args(args, create=False)
        try:
            backup = create_backup(store, reason="manual")
        finally:
            store.close(backup_if_changed=False)
        print(f"Backup written: {backup.path}")
        return 0
    return _restore(path, args.backup)


def _restore(path: Path, name: str) -> int:
    backups = list_backups(path)
    if name == "latest":
        if not backups:
            raise UserError(f"No backups of {path.name} to restore.")
        chosen = backups[0].path
    else:
        chosen = Path(name)
        if not chosen.exists():
            matches = [b.path for b in backups if b.path.name == name]
            if not matches:
                raise UserError(f"No backup named {name}; see 'custdesk backup list'.")
            chosen = matches[0]
    lock = acquire_lock(path)
    try:
        safety = restore_backup(path, chosen, lock=lock)
    finally:
        lock.release()
    print(f"Restored {path.name} from {chosen.name}.")
    if safety:
        print(f"The replaced file was kept as {safety.name}.")
    return 0
