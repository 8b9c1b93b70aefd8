"""Subcommands whose issues have not landed yet: they say so instead of pretending."""

from __future__ import annotations

import argparse

from custdesk.commands import UserError

DESCRIPTIONS = {
    "import": "import a spreadsheet (xlsx, xls, ods, csv)",
    "export": "export to Excel",
    "metrics": "print the metrics of a period",
    "report": "print a report to PDF",
}


def register(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(name, help=f"{DESCRIPTIONS.get(name, name)} (not available yet)")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(run=lambda args: _not_yet(name))


def _not_yet(name: str) -> int:
    raise UserError(f"'custdesk {name}' is not available in this version yet.", code=3)
