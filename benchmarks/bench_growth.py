"""Benchmark: the growth screen's parts on a busy-shop file (100k customers, 1M order lines,
100k deals with stage history, 200k tickets) — each part alone and the whole screen.

Build the file once with
    python -m benchmarks.make_db --customers 100000 --lines 1000000 --deals 100000 \
        --tickets 200000 --surveys 50000 --db /tmp/custdesk_bench_growth.db
then run `.venv/bin/python benchmarks/bench_growth.py [DB]` (a private copy is used: the
screen's snapshot write is not part of it). Prints best of 3 seconds per part for a
one-year period.

Measured here (2 shared cores, 100k customers / 1M lines / 100k deals / 325k stage changes,
2026-12-01): acquisition 1.5 s, revenue movements 0.3 s, product mix 2.8 s, price pressure
3.9–4.1 s, pipeline trends 3.7 s (26.2 s before leads_qualified by month became one query
and month ends a range join), costs 2.2 s, markets 4.0 s; the whole screen 27–31 s, of which
~12 s are the cards' two full catalogue runs (`metrics_service.compute_metrics`, now and
prior). Goal: every part under 5 s; the whole screen under 30 s (it runs in the tab's
background task).
"""

from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from timing import best_of

from custdesk.domain.periods import Period
from custdesk.storage import open_store

DB = Path("/tmp/custdesk_bench_growth.db")
YEAR = Period(date(2025, 11, 25), date(2026, 11, 24))


def main() -> int:
    from custdesk.services import growth_service
    from custdesk.services.screens import (
        growth,
        growth_costs,
        growth_markets,
        growth_pipeline,
        growth_price,
        growth_revenue,
    )

    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DB
    copy = source.with_name(source.stem + "_copy.db")
    shutil.copyfile(source, copy)
    store = open_store(copy)
    parts = {
        "acquisition (growth_service)": lambda: growth_service.growth(store, YEAR),
        "revenue movements": lambda: growth_revenue.movements(store, YEAR),
        "product mix": lambda: growth_revenue.product_mix(store, YEAR),
        "price pressure": lambda: growth_price.price(store, YEAR),
        "pipeline trends": lambda: growth_pipeline.pipeline(store, YEAR),
        "costs": lambda: growth_costs.costs(store, YEAR),
        "markets": lambda: growth_markets.markets(store, YEAR),
        "whole screen": lambda: growth.build(store, YEAR),
    }
    try:
        for name, fn in parts.items():
            print(f"{name:32s} {best_of(fn):7.2f} s", flush=True)
    finally:
        store.close(backup_if_changed=False)
        copy.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
