"""Benchmark: RecordTableModel with 100k customer rows — load, sort, search, paint.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_table_model.py [--rows 100000]

Measures (best of `--repeat`): set_rows, sorting by a money column and by a text column,
a search that matches a few rows, sizing columns from a sample, and painting one screenful
of the view (the only cells `data()` formats). Issue 5 target: a 100k-row sort "well under a
second" (DESIGN.md measured 8.3 s for QSortFilterProxyModel on 100k rows).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from timing import best_of

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    name: str
    company: str
    segment: str
    source: str
    acquired_on: str
    last_order_on: str | None
    orders: int
    revenue: float
    gross_profit: float
    status: str
    at_risk: bool
    risk_reasons: list[str]


def make_rows(n: int, seed: int = 3) -> list[Row]:
    rng = random.Random(seed)
    first = ["Ann", "Bob", "Cyd", "Dee", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jon"]
    last = ["Archer", "Baker", "Cole", "Dunn", "Evans", "Ford", "Grant", "Hale"]
    out = []
    for i in range(n):
        revenue = round(rng.uniform(0, 90_000), 2)
        out.append(Row(i, f"{rng.choice(first)} {rng.choice(last)} {i}", f"Company {i % 5000}",
                       rng.choice(["Retail", "Trade", "Online", "Corporate"]),
                       rng.choice(["web", "referral", "ads", "event"]),
                       f"20{rng.randint(18, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                       None if i % 7 == 0 else f"2026-{rng.randint(1, 11):02d}-01",
                       rng.randint(0, 60), revenue, round(revenue * 0.3, 2),
                       rng.choice(["active", "lapsed", "lost"]), i % 9 == 0,
                       ["No order for 90 days"] if i % 9 == 0 else []))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from custdesk.ui.record_table_model import RecordTableModel
    from custdesk.ui.table_view import RecordTableView
    from custdesk.ui.tabs.customers_tab import CUSTOMER_COLUMNS

    rows = make_rows(args.rows)
    model = RecordTableModel(CUSTOMER_COLUMNS)
    keys = [c.key for c in CUSTOMER_COLUMNS]
    revenue, name = keys.index("revenue"), keys.index("name")
    figures = {
        "set_rows": best_of(repeat=args.repeat, fn=lambda: model.set_rows(rows)),
        "sort by revenue (money)": best_of(repeat=args.repeat, fn=lambda: model.sort(
            revenue, Qt.SortOrder.DescendingOrder)),
        "sort by name (text)": best_of(repeat=args.repeat, fn=lambda: model.sort(
            name, Qt.SortOrder.AscendingOrder)),
    }
    model.set_search("")
    figures["first search (builds index)"] = best_of(
        repeat=1, fn=lambda: model.set_search("jon hale 77"))
    figures["search again"] = best_of(repeat=args.repeat, fn=lambda: (model.set_search(""),
                                                         model.set_search("jon hale 77")))
    matched = model.rowCount()
    model.set_search("")
    view = RecordTableView(model, "bench")
    view.resize(1100, 700)
    view.show()
    app.processEvents()
    figures["size columns from a sample"] = best_of(repeat=args.repeat, fn=view.size_columns)
    figures["paint one screenful"] = best_of(repeat=args.repeat, fn=lambda: view.grab())
    model.sort(revenue, Qt.SortOrder.DescendingOrder)
    values = [model.rows()[i].revenue for i in range(0, args.rows, max(1, args.rows // 1000))]
    assert values == sorted(values, reverse=True), "sort is not numeric"
    print(f"RecordTableModel, {args.rows:,} rows × {len(CUSTOMER_COLUMNS)} columns "
          f"(best of {args.repeat}):")
    for label, seconds in figures.items():
        print(f"  {label:<30} {seconds * 1000:9.1f} ms")
    print(f"  search matched {matched:,} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
