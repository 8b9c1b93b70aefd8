"""Cohort table timing (issue 15): share active and revenue retained, 0..12 months since
acquisition, by month (12 cohorts) and by quarter (8), on a busy-shop file.

Build the file once (benchmarks/make_db.py):
  .venv/bin/python -m benchmarks.make_db --customers 100000 --lines 1000000 --deals 1000 \
      --tickets 1000 --surveys 1000 --db /tmp/d/big.db
Run: .venv/bin/python -m benchmarks.bench_cohorts --db /tmp/d/big.db
Goal: both tables (the Loyalty screen computes them in one statement) under 1 s wall time,
best of 3. Prints the figures and exits 1 over the goal.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchmarks.timing import best_of

GOAL_SECONDS = 1.0


def main() -> int:
    from custdesk.services import metrics_service
    from custdesk.services.screens import loyalty
    from custdesk.storage import open_store

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True, type=Path)
    args = p.parse_args()
    store = open_store(args.db)
    try:
        span = metrics_service.data_span(store)
        assert span is not None, "the file holds no data"
        window = metrics_service.load_settings(store).window_days
        end = span.end
        counts = store.conn.execute(
            "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM orders)").fetchone()
        print(f"{args.db}: {counts[0]:,} customers, {counts[1]:,} order lines, to {end}")
        tables = loyalty.cohort_tables(store, end, window)
        for by, rows in tables.items():
            n = sum(r["customers"] for r in rows)
            print(f"cohort table by {by:<8} {len(rows):3} rows, {n:7,} customers")
        cpu_start = time.process_time()
        worst = best_of(lambda: loyalty.cohort_tables(store, end, window), 3)
        cpu = (time.process_time() - cpu_start) / 3
        print(f"both tables (one statement): {worst * 1000:8.1f} ms wall (best of 3), "
              f"{cpu * 1000:8.1f} ms CPU (mean; other processes' load excluded)")
    finally:
        store.close(backup_if_changed=False)
    print(f"goal < {GOAL_SECONDS:.1f} s: {'met' if worst < GOAL_SECONDS else 'MISSED'}")
    return 0 if worst < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
