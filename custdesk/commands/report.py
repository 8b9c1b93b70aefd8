"""`custdesk report scorecard|review --out FILE.pdf`: printable summaries as PDF.

`scorecard [--assessment ID]`: the one-page summary the Scorecard tab prints.
`review [--period PRESET | --month YYYY-MM]`: the monthly business review (a few A4 pages
from the tabs' screens; default last month) — fit for a cron line: no window, exit 0 on
success, 2 with one line on a mistake, 1 when the file cannot be written.
Both are rendered offscreen from the same HTML the app prints.
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
    review = kinds.add_parser("review", help="the monthly business review (a few A4 pages)")
    add_db_option(review)
    review.add_argument("--out", required=True, metavar="FILE.pdf", help="PDF to write")
    when = review.add_mutually_exclusive_group()
    when.add_argument("--period", metavar="PRESET",
                      help="a period preset such as last-month (the default) or last-quarter")
    when.add_argument("--month", metavar="YYYY-MM", help="a calendar month, e.g. 2026-11")
    p.set_defaults(run=run)


def _ensure_gui_app() -> None:
    # Printing needs a Qt application; offscreen so it runs without a display.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        _ensure_gui_app.app = QApplication([])  # type: ignore[attr-defined]  # keep alive


def _out_path(args: argparse.Namespace) -> Path:
    out = Path(args.out).expanduser()
    if out.suffix.lower() != ".pdf":
        raise UserError(f"--out must name a .pdf file, got {out.name}.")
    if not out.parent.is_dir():
        raise UserError(f"The folder {out.parent} does not exist.")
    return out


def _write(html: str, out: Path) -> int:
    _ensure_gui_app()
    from custdesk.reports.scorecard_pdf import write_pdf

    try:
        return write_pdf(html, out)
    except OSError as exc:
        raise UserError(f"Could not write {out} (is the folder writable?): {exc}", 1) from exc


def _pages(n: int) -> str:
    return f"{n} page{'s' if n != 1 else ''}"


def run(args: argparse.Namespace) -> int:
    if args.kind == "review":
        return run_review(args)
    out = _out_path(args)
    from custdesk.services import scorecard_service

    store = open_from_args(args, create=False)
    try:
        html = scorecard_service.summary_html(store, args.assessment)
    except LookupError as exc:
        raise UserError(str(exc)) from exc
    finally:
        store.close(backup_if_changed=False)
    pages = _write(html, out)
    print(f"Scorecard summary written to {out} ({_pages(pages)}).")
    return 0


def run_review(args: argparse.Namespace) -> int:
    """The monthly business review as PDF (an empty file gets a "nothing to review yet"
    page and exit 0: a scheduled run is not an error before the first import)."""
    out = _out_path(args)
    from custdesk.services import review_service

    store = open_from_args(args, create=False)
    try:
        resolved = review_service.resolve(store, args.period, args.month)
        review = review_service.build_review(store, resolved.period, resolved.label)
        html = review.html
    except ValueError as exc:
        raise UserError(str(exc)) from None
    finally:
        store.close(backup_if_changed=False)
    pages = _write(html, out)
    what = "nothing to review yet" if review.data.empty else resolved.label
    print(f"Business review ({what}, {resolved.period.start} to {resolved.period.end}) "
          f"written to {out} ({_pages(pages)}).")
    return 0
