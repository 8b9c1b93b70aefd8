"""Benchmark: the full export of 100k order lines, against a bare openpyxl write-only loop.

    .venv/bin/python benchmarks/bench_export.py [--rows 100000] [--repeat 2]

Both run in this process on the same values: the bare loop appends the rows the exporter
produces (dates as dates, money as Decimals, shares as floats), prepared beforehand and not
timed, with no styles, no widths, no injection checks. The export is timed end to end:
database query, reference resolution, money conversion, number formats, safe cells, save.
Target (issue 6): export time ≤ 1.3 × the bare loop. Best of `--repeat` runs each.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def build_database(path: Path, rows: int, seed: int = 1) -> None:
    """A business with 5,000 customers, 800 products and `rows` order lines."""
    from custdesk.domain.text import email_key, name_key
    from custdesk.storage import open_store

    rng = random.Random(seed)
    store = open_store(path)
    start = date(2021, 1, 1)
    with store.transaction():
        store.conn.executemany(
            "INSERT INTO customers(id, ref, name, name_key, email, email_key, segment, country, "
            "city, created_on) VALUES (?, ?, ?, ?, ?, ?, ?, 'UK', 'York', '2021-01-01')",
            [(i, f"C{i:05d}", f"Customer {i}", name_key(f"Customer {i}"), f"c{i}@x.example",
              email_key(f"c{i}@x.example"), ("Retail", "Trade")[i % 2]) for i in range(1, 5001)])
        store.conn.executemany(
            "INSERT INTO products(id, ref, name, name_key, category) VALUES (?, ?, ?, ?, ?)",
            [(i, f"P{i:04d}", f"Product {i}", name_key(f"Product {i}"), f"Cat {i % 9}")
             for i in range(1, 801)])
        lines = []
        for i in range(rows):
            day = start + timedelta(days=rng.randrange(1400))
            quantity = rng.randint(1, 9)
            price = rng.randrange(5_0000, 500_0000, 25)
            revenue = quantity * price
            lines.append((rng.randint(1, 5000), day.isoformat(), day.year * 100 + day.month,
                          f"SO-{i // 3:06d}", rng.randint(1, 800), f"Cat {i % 9}", quantity,
                          price, revenue, rng.choice((0.0, 0.1, 0.2)), revenue * 6 // 10))
        store.conn.executemany(
            "INSERT INTO orders(customer_id, date, month, order_ref, product_id, category, "
            "quantity, unit_price_e4, revenue_e4, discount, cost_e4) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", lines)
    store.close(backup_if_changed=False)


def bare_loop(path: Path, header: list[str], rows: list[list[object]]) -> tuple[float, float]:
    """(wall, CPU) seconds for the plain write-only loop."""
    from openpyxl import Workbook

    wall, cpu = time.perf_counter(), time.process_time()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("orders")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return time.perf_counter() - wall, time.process_time() - cpu


def export(store: object, path: Path) -> tuple[float, float]:
    """(wall, CPU) seconds for the full export of the orders kind."""
    from custdesk.services.exporter import export_workbook

    wall, cpu = time.perf_counter(), time.process_time()
    export_workbook(store, path, ["orders"])  # type: ignore[arg-type]
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    from custdesk.services.exporter import kind_columns, kind_rows
    from custdesk.sheets.writer import to_value
    from custdesk.storage import open_store

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        began = time.perf_counter()
        build_database(folder / "bench.db", args.rows)
        print(f"built {args.rows:,} order lines in {time.perf_counter() - began:.1f} s")
        store = open_store(folder / "bench.db")
        columns = kind_columns("orders")
        values = [[to_value(v, c.kind) for v, c in zip(row, columns, strict=True)]
                  for row in kind_rows(store, "orders")]
        header = [c.header for c in columns]
        bares, ours = [], []
        for _ in range(args.repeat):  # interleaved, so a busy spell hits both alike
            bares.append(bare_loop(folder / "bare.xlsx", header, values))
            ours.append(export(store, folder / "export.xlsx"))
        size = (folder / "export.xlsx").stat().st_size / 1e6
        store.close(backup_if_changed=False)
    bare_wall, bare_cpu = min(b[0] for b in bares), min(b[1] for b in bares)
    our_wall, our_cpu = min(o[0] for o in ours), min(o[1] for o in ours)
    print(f"bare openpyxl write_only loop: {bare_wall:.2f} s wall, {bare_cpu:.2f} s CPU")
    print(f"custdesk export (orders):      {our_wall:.2f} s wall, {our_cpu:.2f} s CPU "
          f"({size:.1f} MB, {args.rows / our_wall:,.0f} rows/s)")
    print(f"ratio: {our_wall / bare_wall:.2f}x wall, {our_cpu / bare_cpu:.2f}x CPU "
          "(target <= 1.3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
