"""Random `benchmarks.make_db` files of every record kind, for the tests that check an SQL
path against its pure-Python (or older SQL) reference (tests/test_perf_*.py and others)."""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from pathlib import Path

from benchmarks.make_db import build
from custdesk.domain.periods import Period
from custdesk.storage import Store, open_store

# how many records of each kind: a (low, high) range drawn from the seed, or a fixed count
Count = int | tuple[int, int]
KINDS = ("customers", "lines", "deals", "tickets", "surveys")
DEFAULTS: dict[str, Count] = {"customers": (20, 200), "lines": (100, 2000),
                              "deals": (50, 600), "tickets": (50, 800), "surveys": (20, 300)}


def random_kinds_file(path: Path, seed: int, end: date, rng: random.Random | None = None,
                      **counts: Count) -> Store:
    """Build a file at `path` with `make_db`'s generator seeded by `seed` and dated up to
    `end`, and open it. Each kind's count is drawn from its range with `rng` (default:
    `random.Random(seed)`; a caller passing its own goes on drawing from it afterwards), in
    the order of KINDS, so a seed always gives the same file; or taken as given."""
    unknown = set(counts) - set(KINDS)
    if unknown:
        raise TypeError(f"unknown record kinds: {sorted(unknown)}")
    rng = rng or random.Random(seed)
    sizes = {}
    for kind in KINDS:
        count = counts.get(kind, DEFAULTS[kind])
        sizes[kind] = rng.randint(*count) if isinstance(count, tuple) else count
    build(argparse.Namespace(**sizes, seed=seed, end=end, db=str(path)))
    return open_store(path)


# the counts of a mid-size file of every kind (the screens' parity tests)
MID_SIZE: dict[str, Count] = {"customers": (30, 150), "lines": (200, 1500),
                              "deals": (100, 600), "tickets": (50, 400), "surveys": (20, 200)}


# the counts of the customer tallies' parity tests (enough customers in every state)
TALLY_SIZE: dict[str, Count] = {"customers": (60, 250), "lines": (300, 2500),
                                "deals": (50, 400), "tickets": (50, 400), "surveys": (20, 200)}


def boundary_periods(end: date) -> list[Period]:
    """The periods a screen's parity test runs over, for a file dated up to `end`: a year,
    90 days, the whole span, one ending before the last record, an empty one before any
    record, the last day alone and a year's first day alone."""
    return [Period(end - timedelta(days=364), end),                            # one year
            Period(end - timedelta(days=89), end),                             # 90 days
            Period(date(2010, 1, 1), end),                                     # whole span
            Period(date(end.year - 1, 1, 1), date(end.year - 1, 12, 31)),     # ends before
            Period(date(2001, 1, 1), date(2001, 3, 31)),                       # empty
            Period(end, end),                                                  # last day
            Period(date(end.year, 1, 1), date(end.year, 1, 1))]               # first day
