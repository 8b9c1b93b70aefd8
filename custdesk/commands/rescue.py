"""`custdesk rescue OLD.db --db NEW.db`: copy a changed or received file's data into a new one.

custdesk refuses to open a file whose schema is not exactly the one it creates (an added
trigger or view would run on the owner's later work, issue 20 C1). This command reads
that file read-only — its tables only, never its views, triggers or other additions —
and writes every row custdesk knows into a new file this version creates, in one
transaction, through the new file's own constraints. The old file is left unchanged.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from custdesk.commands import UserError
from custdesk.commands.common import add_db_option, db_path_from
from custdesk.storage import queries_summary
from custdesk.storage.database import open_store, open_untrusted_readonly
from custdesk.storage.import_writes import copy_business


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rescue", help="copy the data of a file custdesk refused into a new file")
    add_db_option(p)
    p.add_argument("old", metavar="OLD", help="the refused .db file (left unchanged)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    old = Path(args.old).expanduser().resolve()
    new = db_path_from(args).expanduser().resolve()
    if old == new:
        raise UserError("Give a new file with --db NEW.db; the old file is never written.")
    if new.exists() and new.stat().st_size > 0:
        raise UserError(f"{new.name} already exists; rescue writes into a new file only.")
    source = open_untrusted_readonly(old)
    try:
        store = open_store(new)
        try:
            try:
                counts = copy_business(store, source)
            except sqlite3.OperationalError as exc:
                raise UserError(f"{old.name} could not be read ({exc}); "
                                f"{new.name} holds nothing of it.") from None
            queries_summary.ensure_order_stats(store)
        except BaseException:
            store.close(backup_if_changed=False)
            new.unlink(missing_ok=True)
            raise
        store.close(backup_if_changed=False)
    finally:
        source.close()
    copied = sum(c for c, _s in counts.values())
    skipped = {t: s for t, (_c, s) in counts.items() if s}
    print(f"Copied {copied} rows of {old.name} into {new.name} (the old file is unchanged).")
    for table, count in skipped.items():
        print(f"  {count} {table} rows were skipped: the new file's checks refused them.")
    return 1 if skipped else 0
