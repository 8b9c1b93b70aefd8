"""`custdesk demo`: write the demo business into a new or empty database."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from custdesk.commands import UserError
from custdesk.commands.common import add_db_option
from custdesk.services.demo import DatabaseNotEmptyError, create_demo
from custdesk.services.files import DatabaseInUseError, demo_db_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="create a database filled with a realistic demo business "
                       "(default: its own file, custdesk-demo.db, never your custdesk.db)")
    add_db_option(p)
    p.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    p.add_argument("--end", type=date.fromisoformat, default=None,
                   help="last day of the demo data, YYYY-MM-DD (default: today)")
    p.add_argument("--force", action="store_true",
                   help="replace the file if it exists (its data is lost)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the demo; `--force` replaces the file under its lock (refused, untouched, when
    another custdesk process has it open)."""
    given = getattr(args, "db", None)
    # the demo never goes into the owner's default file: without --db it has its own
    path = Path(given).expanduser() if given else demo_db_path()
    try:
        counts = create_demo(path, seed=args.seed, end=args.end,
                             replace=bool(args.force and path.exists()))
    except DatabaseNotEmptyError as exc:
        raise UserError(f"{exc} Use --force to replace it.") from None
    except DatabaseInUseError as exc:
        raise UserError(f"{exc} Nothing was replaced.") from None
    summary = ", ".join(f"{n:,} {table}" for table, n in counts.items())
    print(f"Demo business written to {path}: {summary}.")
    return 0
