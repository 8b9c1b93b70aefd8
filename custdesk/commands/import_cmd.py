"""`custdesk import FILE --db PATH [...]` and `custdesk import --undo BATCH_ID --db PATH`.

Exit codes: 0 imported (or nothing new), 1 invalid rows stopped the import (nothing
written), 2 the file cannot be read or mapped (one clear line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from custdesk.commands import UserError
from custdesk.commands.common import add_db_option, open_from_args
from custdesk.services import importer
from custdesk.services.import_plan import MODES
from custdesk.sheets.catalogue import KINDS
from custdesk.sheets.values import COMMA, DAYFIRST, FRACTIONS, MONTHFIRST, POINT, POINTS
from custdesk.storage import Store

MAX_ERRORS_SHOWN = 20


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import a spreadsheet (xlsx, xlsm, xls, ods, csv, txt)",
                       description="Import a spreadsheet: all rows or none, undoable.")
    add_db_option(p)
    p.add_argument("file", nargs="?", help="the spreadsheet or CSV file")
    p.add_argument("--kind", choices=KINDS, help="what the sheet holds (default: guessed)")
    p.add_argument("--sheet", help="sheet name (default: the only sheet that fits)")
    p.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD",
                   help="map a column to a field (repeatable; FIELD '-' ignores the column)")
    order = p.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", dest="date_order", action="store_const", const=DAYFIRST,
                       help="text dates are day/month/year")
    order.add_argument("--monthfirst", dest="date_order", action="store_const",
                       const=MONTHFIRST, help="text dates are month/day/year")
    scale = p.add_mutually_exclusive_group()
    scale.add_argument("--points", dest="percent_scale", action="store_const", const=POINTS,
                       help="plain numbers in percent columns are percent points (5 = 5 %%)")
    scale.add_argument("--fractions", dest="percent_scale", action="store_const",
                       const=FRACTIONS, help="plain numbers in percent columns are fractions "
                       "(0.05 = 5 %%)")
    mark = p.add_mutually_exclusive_group()
    mark.add_argument("--decimal-comma", dest="decimal_mark", action="store_const",
                      const=COMMA, help="text numbers such as 2.500 use a decimal comma "
                      "(1.234,56: 2.500 = 2500)")
    mark.add_argument("--decimal-point", dest="decimal_mark", action="store_const",
                      const=POINT, help="text numbers such as 2.500 use a decimal point "
                      "(1,234.56: 2.500 = 2.5)")
    p.add_argument("--mode", choices=MODES, default="upsert",
                   help="upsert (default), create only new records, or update existing only")
    p.add_argument("--skip-invalid", action="store_true",
                   help="import the valid rows and leave out the invalid ones")
    p.add_argument("--dry-run", action="store_true", help="show what would happen; write nothing")
    p.add_argument("--encoding", help="text encoding of a CSV that is not UTF-8 (e.g. cp1252)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--undo", type=int, metavar="BATCH_ID", help="undo an earlier import")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.undo is not None:
        return _undo(args)
    if not args.file:
        raise UserError("give the file to import (or --undo BATCH_ID)")
    request = importer.ImportRequest(
        Path(args.file), kind=args.kind, sheet=args.sheet, overrides=args.map,
        date_order=args.date_order, percent_scale=args.percent_scale,
        decimal_mark=args.decimal_mark, mode=args.mode,
        skip_invalid=args.skip_invalid,
        encoding=args.encoding)
    store = open_from_args(args)
    try:
        if args.kind is None and args.sheet is None and not args.map and _is_workbook(request):
            return _import_workbook(store, request, args)
        return _import(store, request, args)
    finally:
        store.close(backup_if_changed=False)


def _import(store: Store, request: importer.ImportRequest, args: argparse.Namespace) -> int:
    try:
        preview = importer.make_preview(store, request)
    except importer.AmbiguousColumnError as exc:
        raise UserError(f"{request.path.name}, {exc}", code=2) from None
    except (importer.ReadError, importer.AmbiguousDatesError) as exc:
        raise UserError(str(exc), code=2) from None
    if args.dry_run:
        _report(preview, None, args.json, dry_run=True)
        return 1 if preview.invalid and not request.skip_invalid else 0
    try:
        result = importer.commit(store, preview)
    except importer.InvalidRowsError:
        _report(preview, None, args.json, stopped=True)
        return 1
    _report(result.preview, result.batch_id, args.json)
    return 0


def _is_workbook(request: importer.ImportRequest) -> bool:
    try:
        return importer.workbook_kinds(request.path) is not None
    except importer.ReadError:
        return False  # the normal path says what is wrong with the file


def _import_workbook(store: Store, request: importer.ImportRequest,
                     args: argparse.Namespace) -> int:
    """custdesk's own full export: every sheet by its kind, in one transaction."""
    try:
        result = importer.import_workbook(
            store, request.path, write=not args.dry_run, date_order=request.date_order,
            percent_scale=request.percent_scale, decimal_mark=request.decimal_mark,
            mode=request.mode, skip_invalid=request.skip_invalid)
    except importer.AmbiguousColumnError as exc:
        raise UserError(f"{request.path.name}, {exc}", code=2) from None
    except (importer.ReadError, importer.AmbiguousDatesError) as exc:
        raise UserError(str(exc), code=2) from None
    except importer.InvalidRowsError as exc:
        _report(exc.preview, None, args.json, stopped=True)
        return 1
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        for preview in result.previews:
            _report(preview, None, False, dry_run=args.dry_run, part=True)
        added, there = result.assessments
        if added or there:
            print(f"{request.path.name}, sheet scorecard: {added} assessments to add, "
                  f"{there} already there")
        if result.batch_id is not None:
            print(f"Imported every sheet as batch {result.batch_id}, in one go (undo: "
                  f"custdesk import --undo {result.batch_id}).")
        elif not args.dry_run:
            print("Nothing new: the database already holds every row of this workbook.")
    return 1 if result.invalid and not request.skip_invalid else 0


def _report(preview: importer.Preview, batch_id: int | None, as_json: bool, *,
            dry_run: bool = False, stopped: bool = False, part: bool = False) -> None:
    if as_json:
        print(json.dumps(preview.as_json(batch_id), ensure_ascii=False))
        return
    c = preview.counts()
    title = f"{preview.file}, sheet {preview.sheet}, as {preview.kind}"
    print(f"{title}: {c['rows_read']} rows read, {c['created']} to create, "
          f"{c['updated']} to update, {c['unchanged']} unchanged, {c['invalid']} invalid"
          if dry_run or stopped else
          f"{title}: {c['rows_read']} rows read, {c['created']} created, {c['updated']} "
          f"updated, {c['unchanged']} unchanged, {c['invalid']} invalid")
    plan = preview.plan
    if plan.new_customers or plan.new_products or plan.new_stages:
        print(f"  new customers: {plan.new_customers}, new products: {plan.new_products}, "
              f"new stages: {', '.join(plan.new_stages) or 'none'}")
    findings = preview.findings()
    for line in findings[:MAX_ERRORS_SHOWN]:
        print(f"  {line}")
    if len(findings) > MAX_ERRORS_SHOWN:
        print(f"  … and {len(findings) - MAX_ERRORS_SHOWN} more (use --json for all)")
    for error in preview.errors[:MAX_ERRORS_SHOWN]:
        print(f"  {error.sheet} row {error.row}, column {error.column}: {error.reason}"
              + (f" ({error.value!r})" if error.value else ""))
    if len(preview.errors) > MAX_ERRORS_SHOWN:
        print(f"  … and {len(preview.errors) - MAX_ERRORS_SHOWN} more (use --json for all)")
    if stopped:
        print("Nothing was imported: fix the rows above, or use --skip-invalid to import "
              "the valid rows only.", file=sys.stderr)
    elif batch_id is not None:
        print(f"Imported as batch {batch_id} (undo: custdesk import --undo {batch_id}).")
    elif not dry_run and not part:
        print("Nothing new: the database already holds every row of this file.")


def _undo(args: argparse.Namespace) -> int:
    store = open_from_args(args, create=False)
    try:
        try:
            edited = importer.edited_by_hand(store, args.undo)
            removed = importer.undo(store, args.undo)
        except importer.UndoRefusedError as exc:
            raise UserError(str(exc), code=1) from None
    finally:
        store.close(backup_if_changed=False)
    if getattr(args, "json", False):
        print(json.dumps({"undone": args.undo, **removed}))
    else:
        parts = ", ".join(f"{n} {t}" for t, n in removed.items()
                          if t not in ("restored", "kept_edited", "put_back") and n)
        print(f"Undid import {args.undo}: removed {parts or 'nothing'}, "
              f"restored {removed['restored']} updated records"
              + (f", put back {removed['put_back']} replaced lines" if removed.get("put_back")
                 else "") + ".")
        if edited:
            shown = ", ".join(edited[:MAX_ERRORS_SHOWN])
            more = f" and {len(edited) - MAX_ERRORS_SHOWN} more" if len(
                edited) > MAX_ERRORS_SHOWN else ""
            print(f"Left as they are (changed since the import): {shown}{more}.")
    return 0
