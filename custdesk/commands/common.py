"""Pieces every subcommand shares: the --db option and the default database path."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from custdesk.commands import UserError
from custdesk.services.files import Store, default_db_path, open_store

if TYPE_CHECKING:
    from custdesk.services.period_service import ResolvedPeriod


def add_db_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a subcommand's --db must not erase one given before the subcommand
    parser.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                        help="database file (default: the app-data folder's custdesk.db)")


def add_period_options(parser: argparse.ArgumentParser) -> None:
    """--period PRESET | --from D --to D (METRICS.md "Periods"; default: all the data)."""
    from custdesk.domain.periods import PRESETS

    parser.add_argument("--period", metavar="PRESET",
                        help="one of: " + ", ".join(p.replace("_", "-") for p in PRESETS))
    parser.add_argument("--from", dest="start", type=iso_date, metavar="YYYY-MM-DD",
                        help="first day (default: start of the data)")
    parser.add_argument("--to", dest="end", type=iso_date, metavar="YYYY-MM-DD",
                        help="last day (default: end of the data, or today)")


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def period_from_args(store: Store, args: argparse.Namespace) -> ResolvedPeriod:
    """The period the options ask for, resolved against the file's data (UserError when
    the options make no sense)."""
    from custdesk.services.period_service import preset_id, resolve_period

    try:
        preset = preset_id(args.period) if args.period else None
        return resolve_period(store, preset, args.start, args.end)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def db_path_from(args: argparse.Namespace) -> Path:
    given = getattr(args, "db", None)
    return Path(given).expanduser() if given else default_db_path()


def open_from_args(args: argparse.Namespace, *, create: bool = True) -> Store:
    path = db_path_from(args)
    if not create and not path.exists():
        raise UserError(f"{path} does not exist.")
    return open_store(path, create=create)
