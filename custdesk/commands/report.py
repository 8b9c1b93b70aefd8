"""`custdesk report scorecard --out FILE.pdf [--assessment ID]`: printable summaries as PDF.

The PDF is rendered offscreen from the same HTML the Scorecard tab prints.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from custdesk.commands import UserError
from custdesk.commands.common import add_db_option, open_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write a printable report as PDF")
    add_db_option(p)
    kinds = p.add_subparsers(dest="kind", required=True, metavar="KIND")
    scorecard = kinds.add_parser("scorecard", help="one-page summary of a scorecard assessment")
    add_db_option(scorecard)
    scorecard.add_argument("--out", required=True, metavar="FILE.pdf", help="PDF to write")
    scorecard.add_argument("--assessment", type=int, metavar="ID",
                           help="assessment id (default: the latest)")
    p.set_defaults(run=run)


def _ensure_gui_app() -> None:
    # Printing needs a Qt application; offscreen so it runs without a display.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        _ensure_gui_app.app = QApplication([])  # type: ignore[attr-defined]  # keep alive


def run(args: argparse.Namespace) -> int:
    out = Path(args.out).expanduser()
    if out.suffix.lower() != ".pdf":
        raise UserError(f"--out must name a .pdf file, got {out.name}.")
    if not out.parent.is_dir():
        raise UserError(f"The folder {out.parent} does not exist.")
    from custdesk.services import scorecard_service

    store = open_from_args(args, create=False)
    try:
        html = scorecard_service.summary_html(store, args.assessment)
    except LookupError as exc:
        raise UserError(str(exc)) from exc
    finally:
        store.close(backup_if_changed=False)
    _ensure_gui_app()
    from custdesk.reports.scorecard_pdf import write_pdf

    try:
        pages = write_pdf(html, out)
    except OSError as exc:
        raise UserError(f"Could not write {out} (is the folder writable?): {exc}", 1) from exc
    print(f"Scorecard summary written to {out} ({pages} page{'s' if pages != 1 else ''}).")
    return 0
