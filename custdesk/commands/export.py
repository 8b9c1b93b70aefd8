"""`custdesk export OUT.xlsx [--kind K ...] [--from D] [--to D]`: the full export.

A workbook with a sheet per record kind whose headers are the import catalogue's field
names (so it imports back as is), or, for one kind, a CSV file (UTF-8 with BOM).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from custdesk.commands import UserError
from custdesk.commands.common import add_db_option, open_from_args

SUFFIXES = (".xlsx", ".csv")


def _iso(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def register(sub: argparse._SubParsersAction) -> None:
    from custdesk.services.exporter import EXPORT_KINDS

    p = sub.add_parser("export", help="export every record to .xlsx (or one kind to .csv)")
    add_db_option(p)
    p.add_argument("out", metavar="OUT", help="the file to write: .xlsx, or .csv with one --kind")
    p.add_argument("--kind", action="append", choices=EXPORT_KINDS, metavar="KIND",
                   help=f"export only this kind (may be repeated): {', '.join(EXPORT_KINDS)}")
    p.add_argument("--from", dest="start", type=_iso, metavar="YYYY-MM-DD",
                   help="keep records dated on or after this day")
    p.add_argument("--to", dest="end", type=_iso, metavar="YYYY-MM-DD",
                   help="keep records dated on or before this day")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from custdesk.services.exporter import export_workbook
    from custdesk.sheets.writer import ExportCancelled

    out = Path(args.out).expanduser()
    if out.suffix.lower() not in SUFFIXES:
        raise UserError(f"{out.name}: the file must end in .xlsx or .csv")
    if out.suffix.lower() == ".csv" and len(set(args.kind or ())) != 1:
        raise UserError(f"{out.name}: a .csv file holds one kind; add --kind "
                        "(e.g. --kind orders), or export to .xlsx")
    if args.start and args.end and args.end < args.start:
        raise UserError(f"--to {args.end} is before --from {args.start}.")
    if not out.parent.is_dir():
        raise UserError(f"{out.parent} is not a folder; cannot write {out.name}")
    store = open_from_args(args, create=False)
    try:
        result = export_workbook(store, out, args.kind, start=args.start, end=args.end)
    except PermissionError:
        raise UserError(f"cannot write {out} (no permission, or the file is open in "
                        "another program)") from None
    except OSError as exc:  # disk full, folder gone meanwhile: the old file is untouched
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    except ExportCancelled:
        raise UserError("export cancelled; no file was written", 130) from None
    finally:
        store.close(backup_if_changed=False)
    rows = ", ".join(f"{kind} {n:,}" for kind, n in result.rows.items())
    print(f"Wrote {result.path} ({rows}).", file=sys.stdout)
    return 0
