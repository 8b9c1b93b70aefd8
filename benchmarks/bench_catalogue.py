"""Catalogue timings (issue 18): the full metric catalogue with the segment breakdown
against one bare GROUP BY over the order lines, Today's monthly series, and the screens
built on the catalogue — wall and CPU time side by side (on a shared machine the CPU time
of this process is the steadier figure: SQLite runs in it).

Build the file once (benchmarks/make_db.py):
  .venv/bin/python -m benchmarks.make_db --customers 100000 --lines 1000000 \
      --deals 100000 --tickets 200000 --surveys 50000 --db /tmp/d/big.db
Run: .venv/bin/python -m benchmarks.bench_catalogue --db /tmp/d/big.db [SCREEN ...]
Target (issue 18): catalogue + segment breakdown ≤ 10× the bare GROUP BY. Prints the
figures; exits 0 (a measurement, not a gate: the target is not met yet).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

SCREENS = ("today", "margins", "feedback", "pipeline", "scorecard")


def best(fn: Callable[[], object], clear: Callable[[], None], repeat: int
         ) -> tuple[float, float]:
    """(best wall, best CPU) seconds of `repeat` runs, each after `clear()`."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        clear()
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - w)
        cpu = min(cpu, time.process_time() - c)
    return wall, cpu


def main() -> int:
    from custdesk.domain.periods import Period
    from custdesk.services import metrics_service as ms
    from custdesk.services.screens import today
    from custdesk.services.screens.registry import SCREENS as BUILDERS
    from custdesk.storage import open_store, queries_cache, queries_tally

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("screens", nargs="*", default=list(SCREENS))
    args = parser.parse_args()
    store = open_store(args.db, lock=False)
    try:
        def clear() -> None:  # every run starts cold: the shared cache, the series' slot
            queries_cache.clear(store)
            ms._deal_series_last.pop(store, None)

        span = ms.data_span(store)
        assert span is not None, "an empty file"
        year = Period(span.end - timedelta(days=364), span.end)
        period = Period.preset("last_12_months", date.today())
        rows = [("bare GROUP BY over the order lines", best(lambda: store.conn.execute(
            "SELECT customer_id, sum(revenue_e4) FROM orders GROUP BY customer_id"
        ).fetchall(), clear, 3))]
        rows.append(("catalogue + segment breakdown (1 year)", best(
            lambda: ms.compute_metrics(store, year, by=("segment",)), clear, args.repeat)))
        # what Today, New and Customers add: the prior period's catalogue (its tallies
        # read the per-customer summary as of an earlier day)
        rows.append(("catalogue of the prior year", best(
            lambda: ms.compute_metrics(store, year.prior()), clear, args.repeat)))
        # the catalogue's biggest part: the customer tallies of a period and its prior
        # period (what every screen with cards asks for), uncached
        window = ms.load_settings(store).window_days
        rows.append(("customer tallies: the year + its prior", best(
            lambda: [queries_tally._tallies_by_segment_and_reason(store, p, window)
                     for p in (year, year.prior())], clear, args.repeat)))
        rows.append(("Today's monthly series (7 metrics)", best(
            lambda: today.build_series(store, period), clear, args.repeat)))
        for name in args.screens:
            rows.append((f"screen {name} (last 12 months)", best(
                lambda name=name: BUILDERS[name](store, period, "Last 12 months"), clear, 1)))
        bare_wall, bare_cpu = rows[0][1]
        for label, (wall, cpu) in rows:
            print(f"{label:42s} {wall:7.2f} s wall {cpu:7.2f} s CPU")
        cat_wall, cat_cpu = rows[1][1]
        print(f"catalogue ÷ bare: {cat_wall / bare_wall:.1f}× wall, "
              f"{cat_cpu / max(bare_cpu, 1e-6):.1f}× CPU (target ≤ 10×)")
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
