"""Equal texts and days of a column shared as one object while the sheet is collected
(issue 18, import speed: a 1M-line sheet's columns held a new object per cell): the parse
gives the same rows, errors and notes as without sharing, on random messy sheets of every
value class, and numbers (1 == 1.0 == True, -0.0 == 0.0) are never shared."""

from __future__ import annotations

import random
from datetime import date, datetime
from typing import Any

import pytest

from custdesk.sheets import validate
from custdesk.sheets.reader import Table
from custdesk.sheets.validate import ParsedTable, parse_table

HEADERS = ["Date", "Customer", "Name", "Segment", "Sales", "Quantity", "Discount", "Profit",
           "Order"]
MAPPING = ["date", "customer", "customer_name", "segment", "revenue", "quantity", "discount",
           "profit", "order_ref"]


def _cell(rng: random.Random, pool: list[Any]) -> Any:
    return rng.choice(pool) if rng.random() < 0.97 else rng.choice(
        [None, "", "n/a", "abc", 1, 1.0, True, -0.0, 0.0, date(2024, 2, 29), "2024-02-30"])


def _sheet(seed: int, rows: int) -> list[list[Any]]:
    rng = random.Random(seed)
    days: list[Any] = ([date(2024, 1, 1 + d) for d in range(28)] if seed % 3 == 0 else
                       [datetime(2024, 1, 1 + d, d % 5) for d in range(28)] if seed % 3 == 1
                       else [f"2024-01-{d:02d}" for d in range(1, 29)])
    names = [f"Customer {i}" for i in range(30)] + [f" customer {i} " for i in range(5)]
    segments = ["Home", "home", "Corporate", " HOME", None]
    numbers = [1, 2, 3.5, 1.0, True, 10.25, "12.50", "1,234.5", -0.0, 0.0]
    return [[_cell(rng, days), _cell(rng, [f"C{i}" for i in range(40)] + [None]),
             _cell(rng, names), _cell(rng, segments), _cell(rng, numbers),
             _cell(rng, [1, 2, 3, 2.0, "4"]), _cell(rng, [0, 0.1, 0.2, "10%", None]),
             _cell(rng, [0.5, 1, "2", None]), _cell(rng, [f"O-{i // 3}" for i in range(60)])]
            for _ in range(rows)]


def _parsed(rows: list[list[Any]]) -> ParsedTable | str:
    try:
        return parse_table(Table("Orders", HEADERS, 1, iter(enumerate(rows, start=2))),
                           "orders", MAPPING, date_order="dayfirst", percent_scale="points",
                           decimal_mark="point")
    except ValueError as exc:  # (an ambiguity the sheet cannot settle: the same both ways)
        return f"{type(exc).__name__}: {exc}"


def _typed(values: list[Any]) -> list[tuple[type, Any]]:
    return [(type(x), x) for x in values]


@pytest.mark.parametrize("seed", range(24))
def test_shared_values_parse_as_before(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _sheet(seed, random.Random(seed).choice([5, 300, 12_345]))
    got = _parsed(rows)
    with monkeypatch.context() as patch:
        patch.setattr(validate, "_shared", lambda values, _seen: values)
        want = _parsed(rows)
    if isinstance(want, str) or isinstance(got, str):
        assert got == want
        return
    assert [(n, sorted(r.items())) for n, r in got.rows] == [
        (n, sorted(r.items())) for n, r in want.rows]
    for name in got.names:
        assert _typed(got.column(name)) == _typed(want.column(name))
    assert [e.as_json() for e in got.errors] == [e.as_json() for e in want.errors]
    assert (got.notes, got.rows_read, got.invalid_rows) == (
        want.notes, want.rows_read, want.invalid_rows)


def test_texts_and_days_shared_numbers_never() -> None:
    seen: dict[object, object] = {}
    first = validate._shared(("Home", None, date(2024, 1, 1)), seen)
    assert first == ("Home", None, date(2024, 1, 1))  # mixed classes: left as they are
    texts = validate._shared(tuple("".join(["Ho", "me"]) for _ in range(3)), seen)
    assert texts == ["Home"] * 3 and texts[0] is texts[1] is texts[2]
    numbers = (1, 1.0, True, -0.0, 0.0)
    assert _typed(list(validate._shared(numbers, seen))) == _typed(list(numbers))
    days = validate._shared((datetime(2024, 1, 1), datetime(2024, 1, 1), None), {})
    assert days[0] is days[1] and days[2] is None


def test_a_column_of_distinct_values_lets_its_dict_go(monkeypatch: pytest.MonkeyPatch) -> None:
    """A column that reaches the cap (ids, emails) frees what it kept and shares no more;
    its values still come back equal."""
    monkeypatch.setattr(validate, "_SHARED_MAX", 4)
    seen: dict[object, object] = {}
    assert list(validate._shared(("a", "b", "c", "d"), seen)) == ["a", "b", "c", "d"]
    assert len(seen) == 4
    again = ("".join(["a", ""]), "e")
    assert validate._shared(again, seen) == again
    assert len(seen) == 1  # only the mark: the four kept values let go
    later = tuple("".join(["x", str(i % 2)]) for i in range(4))
    out = validate._shared(later, seen)
    assert out == later and len(seen) == 1
