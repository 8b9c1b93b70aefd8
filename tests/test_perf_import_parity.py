"""The fast import paths equal their row-by-row references (issue 18, import speed).

- `ParsedTable.column(name)` gives what `row.get(name)` over `ParsedTable.rows` gives,
  including rows the rules filled in (revenue from quantity × price, cost from profit);
- order lines planned column by column (`_plan_orders_by_column`, with its all-new fast
  path) equal the row loop (`_plan_orders_by_row`) on random files: inserts, updates,
  unchanged, errors, new customers and products in the same order with the same ids,
  removed lines and changed orders — into an empty file, into the demo, and re-imported
  with changes, in every mode;
- planned inserts kept as tuples (`Records`) read back as the dicts they replace.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from custdesk.services.import_plan import Plan, _Planner
from custdesk.services.importer import ImportRequest, commit, make_preview, read_and_parse
from custdesk.storage.import_writes import Records

HEADERS = ["Invoice No", "Invoice Date", "Customer", "Customer Name", "Customer Email",
           "Segment", "SKU", "Description", "Category", "Qty", "Unit Price", "Sales",
           "Discount", "Profit", "Status", "Region"]


def _write(path: Path, seed: int, rows: int = 400, changed: bool = False,
           bad: bool = True) -> Path:
    """A messy orders CSV: respelled segments and categories, repeated lines, blank
    sales (quantity × price), bad cells, customers by id, name or e-mail."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADERS)
        for i in range(rows):
            c = rng.randrange(40)
            odd = bad and rng.random() < 0.03
            qty = rng.choice(["2", "x", ""]) if odd else str(rng.randint(1, 9))
            price = f"{rng.uniform(1, 50):.2f}"
            sales = "" if rng.random() < 0.1 else f"{rng.uniform(1, 400):.2f}"
            other, flip = f"{rng.uniform(1, 400):.2f}", rng.random() < 0.3
            status = rng.choice(["shipped", "delivered", ""])  # (the same draws either way)
            if changed and flip:
                sales = other
            if not changed:
                status = ""
            day = (date(2023, 1, 1) + timedelta(days=rng.randrange(500))).isoformat()
            line = [f"INV-{i // 3}" if rng.random() < 0.9 else "",
                    "2023-02-31" if bad and rng.random() < 0.02 else day,
                    rng.choice([f"C{c:03d}", "", ""]),
                    rng.choice([f"Name {c}", f"name {c}", *([""] if bad else [])]),
                    rng.choice([f"c{c}@x.com", ""]),
                    rng.choice(["Home", "home", "HOME", "Corporate", ""]),
                    rng.choice([f"P-{rng.randrange(15)}", ""]),
                    f"Product {rng.randrange(15)}", rng.choice(["Office", "office", "Tech"]),
                    qty, price, sales, rng.choice(["0", "0.1", "0.2", ""]),
                    rng.choice(["", f"{rng.uniform(0, 40):.2f}"]),
                    status,
                    rng.choice(["North", "South", ""])]
            out.writerow(line)
            if rng.random() < 0.05:
                out.writerow(line)  # the same line twice
    return path


def _plan(store: Any, path: Path, mode: str, how: str) -> Plan:
    parsed = read_and_parse(ImportRequest(path, kind="orders"), store)
    plan = Plan(parsed.kind, "orders")
    headers = dict(zip(parsed.mapping, parsed.headers, strict=True))
    headers.pop(None, None)
    getattr(_Planner(store, parsed, plan, mode, headers), how)()
    return plan


def _facts(plan: Plan) -> dict[str, Any]:
    return {"inserts": list(plan.inserts), "updates": plan.updates,
            "unchanged": plan.unchanged, "errors": plan.errors, "deletes": plan.deletes,
            "order_changes": plan.order_changes, "notes": plan.notes,
            "customers": plan.customers and plan.customers.new_rows,
            "products": plan.products and plan.products.new_rows}


@pytest.mark.parametrize("seed", range(6))
def test_column_reads_equal_row_reads(tmp_path: Path, seed: int) -> None:
    parsed = read_and_parse(ImportRequest(_write(tmp_path / "o.csv", seed), kind="orders"))
    assert parsed.checked  # some rows were filled in by the rules
    for name in (*parsed.names, "revenue", "cost", "nothing"):
        assert parsed.column(name) == [row.get(name) for _n, row in parsed.rows]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("mode", ["upsert", "create", "update"])
def test_orders_by_column_equal_the_row_loop(tmp_path: Path, demo_store: Any, store: Any,
                                            seed: int, mode: str) -> None:
    bad = seed % 2 == 0  # odd seeds: no invalid rows, so changed orders are replaced
    first = _write(tmp_path / "first.csv", seed, bad=bad)
    for target in (store, demo_store):
        assert _facts(_plan(target, first, mode, "_plan_orders_by_column")) == \
            _facts(_plan(target, first, mode, "_plan_orders_by_row"))
    # the same lines again, some changed: known lines, updates, replaced orders
    replaced: list[bool] = []
    preview = make_preview(store, ImportRequest(first, kind="orders", skip_invalid=True))
    commit(store, preview)
    again = _write(tmp_path / "again.csv", seed, changed=True, bad=bad)
    for path in (first, again):
        by_column = _facts(_plan(store, path, mode, "_plan_orders_by_column"))
        assert by_column == _facts(_plan(store, path, mode, "_plan_orders_by_row"))
        replaced.append(bool(by_column["deletes"] or by_column["order_changes"]))


def test_changed_orders_are_replaced_in_the_parity_files(tmp_path: Path, store: Any
                                                         ) -> None:
    """(the parity test above meets the removed lines and changed orders path)"""
    first = _write(tmp_path / "first.csv", 1, bad=False)
    commit(store, make_preview(store, ImportRequest(first, kind="orders")))
    plan = _plan(store, _write(tmp_path / "again.csv", 1, changed=True, bad=False), "upsert",
                 "_plan_orders_by_column")
    assert plan.deletes and plan.order_changes and plan.updates


def test_records_read_as_dicts() -> None:
    rows = Records(("a", "b"))
    rows.append({"b": 2, "a": 1})
    rows.values.append((3, None))
    assert list(rows) == [{"a": 1, "b": 2}, {"a": 3, "b": None}]
    assert rows[1:] == [{"a": 3, "b": None}] and rows.column("a") == [1, 3]
    assert len(rows) == 2 and rows


def test_float_columns_parse_as_value_by_value() -> None:
    """`_float_column` (a column of floats at once) gives what the parser gives value by
    value, or declines (None): money within and past the limit, numbers, shares, NaN,
    infinities, -0.0, values past 1e11."""
    import math
    from functools import partial

    from custdesk.sheets import validate as va
    from custdesk.sheets import values as v

    rng = random.Random(5)
    pools = [lambda: round(rng.uniform(-1e3, 1e3), rng.randint(0, 6)),
             lambda: rng.uniform(0, 1), lambda: rng.choice([0.0, -0.0, 0.1, 0.2, 1.0]),
             lambda: rng.choice([1e11, 5e10, 123456789.1234, 1e12 + 0.5, 1e15]),
             lambda: rng.choice([math.nan, math.inf, -math.inf, 0.5])]
    parsers = [va._money_parser(10**12), va._money_parser(1000), v.parse_number,
               partial(v.parse_fraction, scale=v.FRACTIONS, mark=None),
               partial(v.parse_fraction, scale=None),
               partial(v.parse_fraction, scale=v.POINTS, mark=None),
               partial(v.parse_number, mark=","), v.parse_percent]
    taken = 0
    for _trial in range(1500):
        pool = rng.choice(pools)
        values = [pool() for _ in range(rng.randint(1, 30))]
        for parser in parsers:
            fast = va._float_column(parser, list(values))
            if fast is None:
                continue
            slow = [parser(x) for x in values]  # (raises if the fast path took a bad one)
            assert [(type(a), a, math.copysign(1, a)) for a in slow] == \
                [(type(b), b, math.copysign(1, b)) for b in fast]
            taken += 1
    assert taken > 1000


def test_the_wizard_reads_a_sheet_twice_and_scans_it_once(tmp_path: Path, store: Any,
                                                           monkeypatch: Any) -> None:
    """survey → choose → preview (the import wizard's steps) load the chosen sheet twice
    (the list's samples, then the preview) and scan its XML once; the result is the
    preview of a fresh read. A changed file is read and scanned again."""
    from openpyxl import Workbook

    from custdesk.services import importer
    from custdesk.sheets import reader, xlsx_extent

    path = tmp_path / "orders.xlsx"

    def save(revenue: float) -> None:
        book = Workbook()
        sheet = book.active
        sheet.append(["Order Date", "Customer", "Sales"])
        sheet.append(["2024-03-01", "Ann", revenue])
        sheet.append(["2024-03-02", "Bob", 25.0])
        book.save(path)

    scans: list[str] = []
    loads: list[str] = []
    scan, with_header = xlsx_extent.sheet_extent, reader._with_header
    monkeypatch.setattr(xlsx_extent, "sheet_extent",
                        lambda p, s, *a: scans.append(s) or scan(p, s, *a))
    monkeypatch.setattr(reader, "_with_header",
                        lambda s, rows: loads.append(s) or with_header(s, rows))
    save(50.0)
    sheets, choice, _why = importer.survey(path, store)
    assert choice is not None and sheets[0].samples[2] == ["50", "25"]
    preview = importer.make_preview(store, ImportRequest(path, kind=choice.kind))
    assert (len(loads), len(scans)) == (2, 1)
    assert [r["revenue"] for _n, r in preview.parsed.rows] == [500_000, 250_000]
    save(70.0)  # (another size: the file changed)
    preview = importer.make_preview(store, ImportRequest(path, kind=choice.kind))
    assert (len(loads), len(scans)) == (3, 2)
    assert [r["revenue"] for _n, r in preview.parsed.rows] == [700_000, 250_000]
