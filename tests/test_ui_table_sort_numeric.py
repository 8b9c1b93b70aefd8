"""The table model's numpy sort of number columns (`numeric_order`) gives the very order of
the key sort it stands in for — blanks last, equal values in row order both ways — on random
columns; the columns it does not take (text, Decimal, mixed, NaN, bools) fall back."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from custdesk.ui.record_table_model import Column, RecordTableModel, numeric_order


def key_order(raws: list, descending: bool) -> list[int]:
    """The reference: the model's key sort (present values sorted stably, blanks after)."""
    present = [i for i, v in enumerate(raws) if v is not None and v != ""]
    missing = [i for i, v in enumerate(raws) if v is None or v == ""]
    present.sort(key=raws.__getitem__, reverse=descending)
    return present + missing


def _column(rng: random.Random, kind: str, n: int) -> list:
    pick = {"float": lambda: rng.choice([0.0, -0.0, 1.5, -2.25, rng.uniform(-1e6, 1e6),
                                         round(rng.uniform(0, 100), 2)]),
            "int": lambda: rng.choice([0, 1, -1, 7, rng.randint(-10**12, 10**12)])}[kind]
    blank = rng.random() * 0.3
    return [None if rng.random() < blank else pick() for _ in range(n)]


@pytest.mark.parametrize("seed", range(40))
def test_numeric_order_equals_the_key_sort(seed: int) -> None:
    rng = random.Random(seed)
    raws = _column(rng, rng.choice(["float", "int"]), rng.randint(0, 3000))
    for descending in (False, True):
        fast = numeric_order(raws, descending)
        if not any(v is not None for v in raws):
            assert fast is None or fast == key_order(raws, descending)
            continue
        assert fast == key_order(raws, descending), (seed, descending)


@pytest.mark.parametrize("raws", [
    ["b", "a", None],
    [Decimal("1.10"), Decimal("1.1"), None],
    [1, 2.5, None],
    [1.0, float("nan"), 2.0],
    [True, False, True],
    [1.0, "", 2.0],
    [2**70, 1],
])
def test_other_columns_are_left_to_the_key_sort(raws) -> None:
    assert numeric_order(raws, False) is None


def test_the_model_sorts_money_as_before(qtbot) -> None:
    rng = random.Random(5)
    rows = [{"name": f"c{i}", "revenue": rng.choice([None, 0.0, 10.0, rng.uniform(0, 99)])}
            for i in range(500)]
    model = RecordTableModel([Column("name", "Name"), Column("revenue", "Revenue", "money")])
    model.set_rows(rows)
    for order, descending in ((Qt.SortOrder.DescendingOrder, True),
                              (Qt.SortOrder.AscendingOrder, False)):
        model.sort(1, order)
        raws = [r["revenue"] for r in rows]
        assert model.rows() == [rows[i] for i in key_order(raws, descending)]


@pytest.mark.parametrize("kind", ["text", "date", "list"])
def test_a_text_column_of_numbers_still_sorts_as_text(qtbot, kind) -> None:
    """A reference-number column shown as text sorts "10" before "9", as before the numpy
    path: only number kinds take it."""
    values = [9, 10, 1, 100, 2] if kind != "list" else [[9], [10], [1], [100], [2]]
    rows = [{"ref": v} for v in values]
    model = RecordTableModel([Column("ref", "Ref", kind)])
    model.set_rows(rows)
    model.sort(0, Qt.SortOrder.AscendingOrder)
    got = [r["ref"] for r in model.rows()]
    want = sorted(values, key=lambda v: (str(v) if kind != "list"
                                         else "; ".join(map(str, v))).casefold())
    if kind == "date":
        want = sorted(values, key=lambda v: str(v)[:10])
    assert got == want and got != sorted(values)
