"""Benchmark: reading a 100k-row CSAT column in every form (stars, smileys, words, 1–5 and
percent text) and a 100k-row percent column of distinct decimals.

    .venv/bin/python benchmarks/bench_csat.py [--rows 100000]

Goal: under 1 s per column on a laptop (the whole column is parsed and its scale decided
before any row is written; the preview's readings note reads at most 500 distinct values).
"""

from __future__ import annotations

import argparse
import random
import time

from custdesk.sheets.reader import Table
from custdesk.sheets.validate import parse_table

FORMS = ("★★★★☆", "4 stars", "😐", "Very satisfied", "80 %", "2", "🙂", "4/5", None)


def table(values: list[object]) -> Table:
    rows = [(i + 2, ["2025-03-01", f"C{i % 5000}", value]) for i, value in enumerate(values)]
    return Table("bench", ["Date", "Customer", "CSAT"], 1, iter(rows))


def run(rows: int) -> dict[str, float]:
    rng = random.Random(1)
    out = {}
    for name, values in (
            ("forms", [rng.choice(FORMS) for _ in range(rows)]),
            ("percent decimals", [round(rng.uniform(0, 100), 2) for _ in range(rows)])):
        start = time.perf_counter()
        parse_table(table(values), "surveys", ["date", "customer", None])  # the rest
        base = time.perf_counter() - start
        start = time.perf_counter()
        parsed = parse_table(table(values), "surveys", ["date", "customer", "csat"])
        out[name] = time.perf_counter() - start - base  # the CSAT column's own share
        assert not parsed.errors and len(parsed.rows) == rows, parsed.errors[:3]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    for name, seconds in run(args.rows).items():
        print(f"{args.rows:,} rows, CSAT column of {name}: {seconds:.2f} s")


if __name__ == "__main__":
    main()
