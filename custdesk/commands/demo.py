"""`custdesk demo`: write the demo business into a new or empty database."""

from __future__ import annotations

import argparse
from datetime import date

from custdesk.commands import UserError
from custdesk.commands.common import add_db_option, db_path_from, open_from_args
from custdesk.services.demo import DatabaseNotEmptyError, write_demo


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="create a database filled with a realistic demo business")
    add_db_option(p)
    p.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    p.add_argument("--end", type=date.fromisoformat, default=None,
                   help="last day of the demo data, YYYY-MM-DD (default: today)")
    p.add_argument("--force", action="store_true",
                   help="replace the file if it exists (its data is lost)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = db_path_from(args)
    if args.force and path.exists():
        from custdesk.storage.database import _check_foreign

        _check_foreign(path)  # never delete a file that is not ours
        path.unlink()
        for sidecar in ("-journal", "-wal", "-shm"):
            path.with_name(path.name + sidecar).unlink(missing_ok=True)
    store = open_from_args(args)
    try:
        counts = write_demo(store, seed=args.seed, end=args.end)
    except DatabaseNotEmptyError as exc:
        raise UserError(f"{exc} Use --force to replace it.") from None
    finally:
        store.close()
    summary = ", ".join(f"{n:,} {table}" for table, n in counts.items())
    print(f"Demo business written to {path}: {summary}.")
    return 0
