"""parse_table's row rules: only rows with a failed cell or a blank a rule looks at are
checked one by one; every other row must come out exactly as the per-row rules say."""

from __future__ import annotations

from custdesk.sheets.reader import Table
from custdesk.sheets.validate import parse_table

HEADERS = ["Date", "Customer", "Name", "Sales", "Quantity", "Unit Price", "Profit"]
MAPPING = ["date", "customer", "customer_name", "revenue", "quantity", "unit_price", "profit"]


def table(rows: list[list[object]]) -> Table:
    return Table("Orders", HEADERS, 1, iter(enumerate(rows, start=2)))


def test_orders_rules_on_a_mixed_sheet():
    rows = [
        ["2024-01-02", "C1", "Ann", 10.5, None, None, 2.5],    # valid: cost = 10.5 - 2.5
        ["2024-01-03", "C2", None, 20, None, None, None],      # valid, no profit: no cost
        ["2024-01-04", None, "Bob", None, 3, 1.25, 1],         # revenue 3 x 1.25, cost 2.75
        ["2024-01-05", None, None, 5, None, None, None],       # no customer at all
        [None, "C3", None, 5, None, None, None],               # no date
        ["2024-01-06", "C4", None, None, 2, None, None],       # no revenue, no unit price
        ["2024-01-07", "C5", None, "abc", None, None, 1],      # a bad amount
    ]
    parsed = parse_table(table(rows), "orders", MAPPING)
    got = {n: (r["revenue"], r.get("cost")) for n, r in parsed.rows}
    assert got == {2: (105_000, 80_000), 3: (200_000, None), 4: (37_500, 27_500)}
    assert [(e.row, e.column, e.reason) for e in parsed.errors] == [
        (5, "Customer", "customer is required"),
        (6, "Date", "date is required"),
        (7, "Sales", "revenue is required (or quantity and unit price)"),
        (8, "Sales", "not a number"),
    ]
    assert (parsed.rows_read, parsed.invalid_rows) == (7, 4)


def test_columns_of_repeated_values_parse_each_value_once_with_the_same_result():
    from datetime import date, datetime

    from custdesk.sheets import validate
    from custdesk.sheets import values as v

    names = [" Ann ", "Bo", "na", None, "Ann", "\u00a0Cy"] * 5
    assert validate._by_distinct_value(names, v.parse_text) is not None
    parsed = parse_table(table([["2024-01-02", n, None, 1, None, None, None] for n in names]),
                         "orders", MAPPING)
    assert [r["customer"] for _n, r in parsed.rows] == \
        [v.parse_text(n) for n in names if v.parse_text(n) is not None]
    # equal values of different classes parse differently: never merged
    assert validate._by_distinct_value([1, 1.0, True] * 10, v.parse_text) is None
    assert validate._by_distinct_value([date(2024, 1, 1), datetime(2024, 1, 1)] * 10,
                                       v.parse_text) is None


# ----- issue 20 H7: conventions per column, from all its values ------------------------------
def test_2_500_beside_1_234_56_is_2500_from_the_column_or_the_sheet():
    import pytest

    from custdesk.sheets.validate import AmbiguousNumbersError

    rows = [["2024-01-02", "C1", None, "1.234,56", "2.500", None, None],
            ["2024-01-03", "C2", None, "2.500", "1", None, None]]
    parsed = parse_table(table(rows), "orders", MAPPING)
    got = [(r["revenue"], r["quantity"]) for _n, r in parsed.rows]
    # Sales proves a decimal comma; Quantity proves nothing and follows the sheet
    assert got == [(12_345_600, 2500.0), (25_000_000, 1.0)]
    alone = [["2024-01-02", "C1", None, "2.500", None, None, None],
             ["2024-01-03", "C2", None, "3", None, None, None]]
    with pytest.raises(AmbiguousNumbersError) as caught:
        parse_table(table(alone), "orders", MAPPING)
    assert (caught.value.sheet, caught.value.column, caught.value.example) == \
        ("Orders", "Sales", "2.500")
    assert "2500 or 2.5" in str(caught.value) and "--decimal-comma" in str(caught.value)
    parsed = parse_table(table(alone), "orders", MAPPING, decimal_mark="point")
    assert [r["revenue"] for _n, r in parsed.rows] == [25_000, 30_000]


def test_a_column_of_years_reads_1_january_and_says_so():
    headers = ["Name", "Customer Since"]
    years = Table("Customers", headers, 1, iter(enumerate([["Ann", "2019"], ["Bo", 2021.0],
                                                            ["Cy", None]], start=2)))
    parsed = parse_table(years, "customers", ["name", "acquired_on"])
    assert [r["acquired_on"] for _n, r in parsed.rows] == ["2019-01-01", "2021-01-01", None]
    assert parsed.notes == ["Customer Since: years only, read as 1 January"]
    mixed = Table("Customers", headers, 1, iter(enumerate([["Ann", "2019"],
                                                           ["Bo", "2021-03-04"]], start=2)))
    parsed = parse_table(mixed, "customers", ["name", "acquired_on"])
    assert [r["acquired_on"] for _n, r in parsed.rows] == ["2021-03-04"]
    assert [(e.row, e.value, e.reason) for e in parsed.errors] == [
        (2, "2019", "a year alone (2019): type the whole date")]
    assert parsed.notes == []
