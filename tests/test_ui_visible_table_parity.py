"""The table model's visible_table (what export and print read on the GUI thread) read
column by column equals the cell-by-cell reference on random tables: dict rows, object
rows, rows missing an attribute, computed columns, filtered and sorted views of every
length (pytest-qt, offscreen)."""

from __future__ import annotations

import gc
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from custdesk.ui.record_table_model import Column, RecordTableModel


@dataclass
class Person:
    name: str
    revenue: float | None
    orders: int
    first: date | None
    tags: list[str]


@dataclass
class Partial:  # a row without `orders` or `tags`: getattr's None
    name: str
    revenue: float | None
    first: date | None


COLUMNS = [Column("name", "Name"), Column("revenue", "Revenue", "money"),
           Column("orders", "Orders", "int"), Column("first", "First", "date"),
           Column("tags", "Tags", "list"),
           Column("double", "Twice", "money",
                  value=lambda r: None if _get(r, "revenue") is None else 2 * _get(r, "revenue")),
           Column("price", "Price", "money",
                  value=lambda r: Decimal(str(_get(r, "orders") or 0)) / 4)]


def _get(row, key):
    return row.get(key) if isinstance(row, dict) else getattr(row, key, None)


def random_rows(rng: random.Random, n: int, kind: str) -> list:
    rows = []
    for i in range(n):
        name = rng.choice(["Ann", "bob", "Émile", "", "Zoë", f"c{i}"])
        revenue = rng.choice([None, 0.0, rng.uniform(-50, 5000), float(rng.randint(0, 9))])
        orders = rng.randint(0, 40)
        first = rng.choice([None, date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))])
        tags = rng.sample(["vip", "new", "lost"], rng.randint(0, 2))
        if kind == "dict":
            row = {"name": name, "revenue": revenue, "orders": orders, "first": first}
            if rng.random() < 0.8:
                row["tags"] = tags
            rows.append(row)
        elif kind == "mixed" and rng.random() < 0.3:
            rows.append(Partial(name, revenue, first))
        else:
            rows.append(Person(name, revenue, orders, first, tags))
    return rows


@pytest.mark.parametrize("kind", ["dict", "object", "mixed"])
@pytest.mark.parametrize("seed", range(4))
def test_visible_table_equals_the_cell_by_cell_reference(qtbot, kind, seed) -> None:
    rng = random.Random(seed * 31 + len(kind))
    for n in (0, 1, 2, 3, 57, 800):
        model = RecordTableModel(COLUMNS)
        model.set_rows(random_rows(rng, n, kind))
        assert model.visible_table() == model.visible_table_reference()
        column = rng.randrange(len(COLUMNS))
        order = rng.choice([Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
        model.sort(column, order)
        assert model.visible_table() == model.visible_table_reference()
        keep = rng.choice([lambda r: _get(r, "orders") and _get(r, "orders") > 20,
                           lambda r: _get(r, "name") == "bob", lambda r: False])
        model.set_predicate(keep)
        columns, rows = model.visible_table()
        assert (columns, rows) == model.visible_table_reference()
        assert all(type(row) is list for row in rows)  # rows, as the writers expect
        assert gc.isenabled()  # paused for the read only


def test_a_model_without_columns(qtbot) -> None:
    model = RecordTableModel([])
    model.set_rows([{"a": 1}, {"a": 2}, {"a": 3}])
    assert model.visible_table() == model.visible_table_reference() == ([], [[], [], []])


@pytest.mark.parametrize("seed", range(3))
def test_a_printed_table_reads_only_its_printed_rows(qtbot, seed, monkeypatch) -> None:
    """text_table_from_model formats the rows a printout shows (the first MAX_PRINTED_ROWS)
    and counts the rest: the same HTML as every row formatted."""
    from custdesk.reports.tab_report import MAX_PRINTED_ROWS, TextTable, table_html
    from custdesk.ui.tab_output import text_table_from_model

    rng = random.Random(seed)
    for n in (0, 1, MAX_PRINTED_ROWS, MAX_PRINTED_ROWS + 1, 700):
        model = RecordTableModel(COLUMNS)
        model.set_rows(random_rows(rng, n, "mixed"))
        model.sort(rng.randrange(len(COLUMNS)), Qt.SortOrder.DescendingOrder)
        if seed == 2:
            model.set_predicate(lambda r: bool(_get(r, "name")))
        columns, rows = model.visible_table_reference()
        every = [[c.text(v) for c, v in zip(columns, row, strict=True)] for row in rows]
        right = {i for i, c in enumerate(columns) if c.kind in ("int", "float", "money", "pct",
                                                                  "score")}
        reference = TextTable("T", [c.header for c in columns], every, right, "note")
        formatted: list[object] = []
        real_text = Column.text

        def counted(self, raw, _seen=formatted, _text=real_text):
            _seen.append(raw)
            return _text(self, raw)

        monkeypatch.setattr(Column, "text", counted)
        printed = text_table_from_model("T", model, "note")
        monkeypatch.setattr(Column, "text", real_text)
        assert table_html(printed) == table_html(reference)
        assert len(printed.rows) == len(rows)
        assert len(formatted) == min(len(rows), MAX_PRINTED_ROWS) * len(columns)
