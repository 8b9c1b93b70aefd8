"""Benchmark: what the Margins and Feedback tabs load (off the GUI thread) on 100k customers
and 1M order lines — the database of `bench_metrics.py` (built there once, cached in /tmp).

Run: `.venv/bin/python benchmarks/bench_margins_feedback.py`. Prints, for a one-year period,
the seconds of each tab's first stage (`load`: cards, breakdowns, groups, movement, plan /
segments, detractors, tickets) and second stage (the 12-month trend), best of 3, and the
peak memory (ru_maxrss). The runner moves files of this size to a pool thread, so the window
stays responsive whatever these take; the aim is a first look within a few seconds.
"""

from __future__ import annotations

import resource
import shutil
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_metrics import CACHE, build
from timing import best_of

from custdesk.domain.periods import Period
from custdesk.storage import open_store

YEAR = Period(date(2025, 11, 25), date(2026, 11, 24))
# A private copy: the metrics benchmark holds its file's one-writer lock while it runs.
COPY = Path("/tmp/custdesk_bench_margins_feedback_100k.db")


def main() -> int:
    from custdesk.services import metrics_service as ms
    from custdesk.services.screens import feedback, margins

    if not COPY.exists():
        if not CACHE.exists():
            build(CACHE)
        shutil.copyfile(CACHE, COPY)
    store = open_store(COPY)
    try:
        figures = {
            "margins load": best_of(lambda: margins.build(store, YEAR, with_series=False)),
            "margins trend": best_of(lambda: margins.build_series(store, YEAR)),
            "feedback load": best_of(lambda: feedback.build(store, YEAR, with_series=False)),
            "feedback trend": best_of(lambda: ms.monthly_series(store, "nps", 12, YEAR.end)),
        }
    finally:
        store.close(backup_if_changed=False)
    for name, seconds in figures.items():
        print(f"{name:15s} {seconds:7.2f} s")
    print(f"peak memory     {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:7.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
