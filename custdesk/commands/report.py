"""`custdesk report scorecard|monthly|plan --out FILE.pdf`: printable summaries as PDF.

`scorecard [--assessment ID]`: the one-page summary the Scorecard tab prints.
`monthly [--period PRESET | --month YYYY-MM | --from D --to D]` (alias `review`): the
monthly review pack (a few A4 pages with charts from the tabs' screens; default last
month) — fit for a cron line: no window, exit 0 on success, 2 with one line on a mistake
(bad path, unknown period, a file another custdesk has open), 1 when the file cannot be
written, 4 when there is nothing to review (a one-page notice is written).
`plan [--period PRESET]`: the sales plan on one A4 page.
Both are rendered offscreen from the same HTML the app prints.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from custdesk.commands import UserError
from custdesk.commands.common import add_db_option, open_from_args

if TYPE_CHECKING:
    from custdesk.services.files import Store
    from custdesk.services.period_service import ResolvedPeriod

T = TypeVar("T")

NOTHING_TO_REVIEW = 4  # exit code: the file or the period holds no records


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write a printable report as PDF")
    add_db_option(p)
    kinds = p.add_subparsers(dest="kind", required=True, metavar="KIND")
    scorecard = kinds.add_parser("scorecard", help="one-page summary of a scorecard assessment")
    add_db_option(scorecard)
    scorecard.add_argument("--out", required=True, metavar="FILE.pdf", help="PDF to write")
    scorecard.add_argument("--assessment", type=int, metavar="ID",
                           help="assessment id (default: the latest)")
    monthly = kinds.add_parser("monthly", aliases=["review"],
                               help="the monthly review pack (a few A4 pages with charts)")
    add_db_option(monthly)
    monthly.add_argument("--out", required=True, metavar="FILE.pdf", help="PDF to write")
    when = monthly.add_mutually_exclusive_group()
    when.add_argument("--period", metavar="PRESET",
                      help="a period preset such as last-month (the default) or last-quarter")
    when.add_argument("--month", metavar="YYYY-MM", help="a calendar month, e.g. 2026-11")
    monthly.add_argument("--from", dest="start", metavar="YYYY-MM-DD",
                         help="first day of a custom period (with --to)")
    monthly.add_argument("--to", dest="end", metavar="YYYY-MM-DD",
                         help="last day of a custom period")
    plan = kinds.add_parser("plan", help="the sales plan on one A4 page")
    add_db_option(plan)
    plan.add_argument("--out", required=True, metavar="FILE.pdf", help="PDF to write")
    plan.add_argument("--period", metavar="PRESET",
                      help="a period preset (default: last-90-days, then the 3 months ahead)")
    asset = kinds.add_parser("asset", help="customers as an asset, on one A4 page")
    add_db_option(asset)
    asset.add_argument("--out", required=True, metavar="FILE.pdf", help="PDF to write")
    from custdesk.commands.common import add_period_options

    add_period_options(asset)  # default: the last 12 months
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


def _read(args: argparse.Namespace, build: Callable[[Store], T],
          mistakes: tuple[type[Exception], ...] = ()) -> T:
    """`build` on the --db file, closed after without a backup (a report only reads); the
    `mistakes` it raises become one line and exit 2."""
    store = open_from_args(args, create=False)
    try:
        return build(store)
    except mistakes as exc:
        raise UserError(str(exc)) from exc
    finally:
        store.close(backup_if_changed=False)


def _write(out: Path, write: Callable[[Path], int]) -> int:
    """The pages `write` put in `out`, offscreen; a file that cannot be written exits 1."""
    _ensure_gui_app()
    try:
        return write(out)
    except OSError as exc:
        raise UserError(f"Could not write {out} (is the folder writable?): {exc}", 1) from exc


def _write_html(html: str, out: Path) -> int:
    from custdesk.reports.scorecard_pdf import write_pdf

    return _write(out, lambda path: write_pdf(html, path))


def _pages(n: int) -> str:
    return f"{n} page{'s' if n != 1 else ''}"


def _html_report(args: argparse.Namespace, what: str, build: Callable[[Store], str],
                 mistakes: tuple[type[Exception], ...] = ()) -> int:
    """The HTML page `build` makes from the file, written to --out."""
    out = _out_path(args)
    pages = _write_html(_read(args, build, mistakes), out)
    print(f"{what} written to {out} ({_pages(pages)}).")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.kind in ("monthly", "review"):
        return run_review(args)
    if args.kind == "plan":
        return run_plan(args)
    if args.kind == "asset":
        return run_asset(args)
    from custdesk.services import scorecard_service

    return _html_report(args, "Scorecard summary", lambda store: scorecard_service.summary_html(
        store, args.assessment), (LookupError,))


def run_review(args: argparse.Namespace) -> int:
    """The monthly review pack as PDF. With nothing to review (an empty file, or a period
    outside the data) a one-page notice is written and the exit code is 4, so a scheduled
    run that mails the pack can tell."""
    out = _out_path(args)
    from custdesk.services import review_service

    def build(store: Store) -> tuple[ResolvedPeriod, review_service.Review]:
        resolved = review_service.resolve(store, args.period, args.month,
                                          start=args.start, end=args.end)
        return resolved, review_service.build_review(store, resolved.period, resolved.label)

    resolved, review = _read(args, build, (ValueError,))
    from custdesk.reports.monthly_render import write_pack_pdf

    pages = _write(out, lambda path: write_pack_pdf(review.html, review.charts, path))
    span = f"{resolved.period.start} to {resolved.period.end}"
    if review.data.empty:
        raise UserError(f"nothing to review for {resolved.label} ({span}): "
                        f"{review.data.empty_reason} A one-page notice was written to {out}.",
                        NOTHING_TO_REVIEW)
    print(f"Monthly review ({resolved.label}, {span}) written to {out} ({_pages(pages)}).")
    return 0


def run_plan(args: argparse.Namespace) -> int:
    """The sales plan (and by product line) on one A4 page."""
    from custdesk.services import review_service

    return _html_report(args, "Sales plan",
                        lambda store: review_service.plan_html(store, args.period),
                        (ValueError,))


def run_asset(args: argparse.Namespace) -> int:
    """Customers as an asset (issue 15) on one A4 page, for --period (default: the last
    12 months)."""
    out = _out_path(args)
    from custdesk.commands.common import period_from_args
    from custdesk.services import asset_service

    if not (args.period or args.start or args.end):
        args.period = "last-12-months"

    def build(store: Store) -> tuple[ResolvedPeriod, str]:
        resolved = period_from_args(store, args)
        return resolved, asset_service.asset_html(store, resolved.period, resolved.label)

    resolved, html = _read(args, build)
    pages = _write_html(html, out)
    print(f"Customers as an asset ({resolved.label}, {resolved.period.start} to "
          f"{resolved.period.end}) written to {out} ({_pages(pages)}).")
    return 0
