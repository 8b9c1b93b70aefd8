"""Benchmark: import a generated 100k-line orders workbook, against a bare calamine read.

    .venv/bin/python benchmarks/bench_import.py [--rows 100000] [--keep DIR]

Each phase runs in a fresh subprocess so that its peak memory (ru_maxrss, which counts
calamine's Rust allocations too, unlike tracemalloc) is its own. Targets (issue 3): the
whole import (read, map, validate, write) within 2× the bare read, peak under 400 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HEADERS = ["Order ID", "Order Date", "Customer ID", "Customer Name", "Segment", "Country",
           "City", "Product ID", "Product Name", "Category", "Quantity", "Sales", "Discount",
           "Profit"]


def generate(path: Path, rows: int, seed: int = 1) -> None:
    """An orders workbook like a till export: 5,000 customers, 800 products."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Orders")
    sheet.append(HEADERS)
    start = date(2021, 1, 1)
    for i in range(rows):
        c, p = rng.randrange(5000), rng.randrange(800)
        quantity = rng.randint(1, 9)
        sales = round(quantity * (5 + p % 97) * 1.25, 2)
        sheet.append([f"ORD-{i // 3:06d}", start + timedelta(days=rng.randrange(1400)),
                      f"CU-{c:05d}", f"Customer {c}", ("Consumer", "Corporate", "Home")[c % 3],
                      "United Kingdom", f"Town {c % 120}", f"P-{p:04d}", f"Product {p}",
                      ("Office", "Tech", "Furniture")[p % 3], quantity, sales,
                      (0, 0.1, 0.2)[i % 3], round(sales * 0.18, 4)])
    book.save(path)


def phase_read(path: Path) -> dict[str, float]:
    import python_calamine

    t0, c0 = time.perf_counter(), time.process_time()
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name("Orders").to_python()
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0,
            "rows": len(rows) - 1}


def phase_import(path: Path, db: Path) -> dict[str, float]:
    from custdesk.services.importer import ImportRequest, commit, make_preview
    from custdesk.storage import open_store

    store = open_store(db)
    t0, c0 = time.perf_counter(), time.process_time()
    preview = make_preview(store, ImportRequest(path, kind="orders"))
    t1 = time.perf_counter()
    result = commit(store, preview)
    t2, c2 = time.perf_counter(), time.process_time()
    lines = store.conn.execute("SELECT count(*) FROM orders").fetchone()[0]
    store.close(backup_if_changed=False)
    assert result.batch_id is not None and lines == preview.rows_read
    return {"seconds": t2 - t0, "cpu": c2 - c0, "preview_seconds": t1 - t0,
            "commit_seconds": t2 - t1, "rows": lines}


def phase_wizard(path: Path, db: Path) -> dict[str, float]:
    """The import wizard's steps: list the sheets (survey, which also chooses), preview,
    commit — the sheet is read for the list and again for the preview."""
    from custdesk.services.importer import ImportRequest, commit, make_preview, survey
    from custdesk.storage import open_store

    store = open_store(db)
    t0, c0 = time.perf_counter(), time.process_time()
    _sheets, choice, _why = survey(path, store)
    assert choice is not None
    t1 = time.perf_counter()
    preview = make_preview(store, ImportRequest(path, kind=choice.kind, mapping=choice.mapping))
    result = commit(store, preview)
    t2, c2 = time.perf_counter(), time.process_time()
    store.close(backup_if_changed=False)
    assert result.batch_id is not None
    return {"seconds": t2 - t0, "cpu": c2 - c0, "survey_seconds": t1 - t0,
            "rows": preview.rows_read}


def run_phase(args: list[str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", help="folder to keep the workbook in (reused if present)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--wizard", action="store_true",
                        help="also time the wizard's steps (list, preview, commit)")
    parser.add_argument("--phase", choices=["read", "import", "wizard"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        result = (phase_read(Path(args.file)) if args.phase == "read"
                  else phase_wizard(Path(args.file), Path(args.db)) if args.phase == "wizard"
                  else phase_import(Path(args.file), Path(args.db)))
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    book = folder / f"orders-{args.rows}.xlsx"
    if not book.exists():
        t0 = time.perf_counter()
        generate(book, args.rows)
        print(f"generated {book.name} ({book.stat().st_size / 1e6:.1f} MB) in "
              f"{time.perf_counter() - t0:.1f} s")
    reads, fulls, wizards = [], [], []
    for _round in range(args.repeat):  # alternate, keep the best: the machine is shared
        reads.append(run_phase(["--phase", "read", "--file", str(book)]))
        db = folder / "bench.db"
        for phase in ("import", "wizard") if args.wizard else ("import",):
            for leftover in folder.glob("bench.db*"):
                leftover.unlink()
            (fulls if phase == "import" else wizards).append(
                run_phase(["--phase", phase, "--file", str(book), "--db", str(db)]))
    read = min(reads, key=lambda r: r["seconds"])
    full = min(fulls, key=lambda r: r["seconds"])
    read_cpu, full_cpu = min(r["cpu"] for r in reads), min(r["cpu"] for r in fulls)
    print(f"best of {args.repeat}, {full['rows']:,} lines")
    print(f"bare python_calamine read: {read['seconds']:.2f} s wall / {read_cpu:.2f} s CPU, "
          f"peak {max(r['peak_mb'] for r in reads):.0f} MB")
    print(f"import (read+map+validate+write): {full['seconds']:.2f} s wall / {full_cpu:.2f} s "
          f"CPU (preview {full['preview_seconds']:.2f} s, commit {full['commit_seconds']:.2f} s)"
          f", {full['rows'] / full['seconds']:,.0f} rows/s, "
          f"peak {max(r['peak_mb'] for r in fulls):.0f} MB")
    if wizards:
        wizard = min(wizards, key=lambda r: r["seconds"])
        print(f"wizard (list + preview + commit): {wizard['seconds']:.2f} s wall / "
              f"{min(r['cpu'] for r in wizards):.2f} s CPU (list {wizard['survey_seconds']:.2f}"
              f" s), peak {max(r['peak_mb'] for r in wizards):.0f} MB, "
              f"{wizard['seconds'] / read['seconds']:.2f}× the bare read")
    peak_ok = max(r["peak_mb"] for r in fulls) < 400
    print(f"ratio import / bare read: {full['seconds'] / read['seconds']:.2f}× wall, "
          f"{full_cpu / read_cpu:.2f}× CPU (target ≤ 2×); "
          f"peak memory < 400 MB: {'met' if peak_ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
