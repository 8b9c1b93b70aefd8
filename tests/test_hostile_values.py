"""Issue 20, M1/M2: implausible amounts and dates are row errors; sums never overflow."""

from __future__ import annotations

from datetime import date

import pytest
from hostile_files import sheet_xml, xlsx

from custdesk.cli import main
from custdesk.services import importer
from custdesk.sheets import values as v
from custdesk.storage.repository import set_setting


def _csv(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _errors(preview) -> dict[tuple[int, str], str]:
    return {(e.row, e.column): e.reason for e in preview.errors}


def test_huge_amounts_are_row_errors_naming_sheet_row_and_column(store, tmp_path):
    """Before: 1e15 crashed the import with OverflowError; 5e14 twice was imported and
    then every `sum()` raised "integer overflow"."""
    path = _csv(tmp_path, "big.csv", "Order Date,Customer,Sales\n2024-01-05,Ann,500000000000000\n"
                "2024-01-06,Bob,\"$500,000,000,000,000\"\n2024-01-07,Carl,1000000000000000\n"
                "2024-01-08,Dan,1000000000000\n2024-01-09,Eve,-2000000000000\n")
    preview = importer.make_preview(store, importer.ImportRequest(path, kind="orders"))
    errors = _errors(preview)
    assert set(errors) == {(2, "Sales"), (3, "Sales"), (4, "Sales"), (6, "Sales")}
    assert all("implausibly large amount" in r and "max_amount" in r for r in errors.values())
    assert {e.sheet for e in preview.errors} == {"big"}
    assert preview.plan.created == 1  # 1e12 exactly is allowed
    with pytest.raises(importer.InvalidRowsError):
        importer.commit(store, preview)
    assert store.conn.execute("SELECT count(*) FROM orders").fetchone() == (0,)


def test_a_huge_float_in_a_workbook_and_a_huge_quantity_times_price(store, tmp_path):
    book = tmp_path / "big.xlsx"
    book.write_bytes(xlsx(sheet=sheet_xml([["Order Date", "Customer", "Sales"],
                                           ["2024-01-05", "Ann", 9.3e14],
                                           ["2024-01-06", "Bob", 1e300],
                                           ["2024-01-07", "Carl", 12.5]])))
    preview = importer.make_preview(store, importer.ImportRequest(book, kind="orders"))
    assert set(_errors(preview)) == {(2, "Sales"), (3, "Sales")}
    path = _csv(tmp_path, "qp.csv", "Order Date,Customer,Quantity,Unit Price\n"
                "2024-01-05,Ann,1000000000,1000000\n2024-01-06,Bob,2,5\n")
    preview = importer.make_preview(store, importer.ImportRequest(path, kind="orders"))
    assert [(e.row, e.reason.split(":")[0]) for e in preview.errors] == [
        (2, "quantity × unit price")]


def test_the_cap_is_a_business_setting(store, tmp_path):
    set_setting(store, "max_amount", "1000")
    path = _csv(tmp_path, "o.csv", "Order Date,Customer,Sales\n2024-01-05,Ann,1000\n"
                "2024-01-06,Bob,1000.01\n")
    preview = importer.make_preview(store, importer.ImportRequest(path, kind="orders"))
    assert set(_errors(preview)) == {(3, "Sales")}
    assert "over 1,000;" in preview.errors[0].reason


def test_totals_are_refused_before_any_sum_could_overflow(store, tmp_path, db_path, capsys):
    """Every amount under the cap, but together past what a 64-bit sum holds: the import is
    refused as a whole, and what was imported before still sums (metrics run)."""
    lines = "".join(f"2024-01-{d:02d},C{d},900000000000\n" for d in range(1, 29))
    first = _csv(tmp_path, "a.csv", "Order Date,Customer,Sales\n" + lines)
    importer.commit(store, importer.make_preview(store, importer.ImportRequest(first)))
    more = "".join(f"2024-02-{d:02d},C{d},900000000000\n" for d in range(1, 29))
    again = [_csv(tmp_path, f"b{i}.csv", f"Order Date,Customer,Sales,Note\n{more}".replace(
        "\n2024", f"\n{2020 + i}").replace(",900000000000\n", f",900000000000,{i}\n"))
        for i in range(1, 4)]
    with pytest.raises(importer.TotalsTooLargeError, match="total of revenue exceed"):
        for path in again:
            importer.commit(store, importer.make_preview(store, importer.ImportRequest(
                path, kind="orders")))
    total = store.conn.execute("SELECT sum(revenue_e4) FROM orders").fetchone()[0]
    assert total <= importer.TOTAL_LIMIT_E4 < 2**63 // 8
    store.close(backup_if_changed=False)
    assert main(["import", str(again[-1]), "--db", str(db_path)]) == 2
    assert "would make the total of revenue exceed" in capsys.readouterr().err
    assert main(["metrics", "--db", str(db_path), "--json"]) == 0


@pytest.mark.parametrize("text", ["0224-03-01", "0001-01-01", "2224-03-01", "1899-12-31",
                                  "01/02/0224", "1"])
def test_dates_outside_1900_to_50_years_ahead_are_row_errors(store, tmp_path, text):
    """Before: '0224-03-01' was imported and `custdesk metrics` then failed every run."""
    path = _csv(tmp_path, "d.csv", f"Order Date,Customer,Sales\n{text},Ann,10\n"
                "2024-03-01,Bob,5\n")
    preview = importer.make_preview(store, importer.ImportRequest(
        path, kind="orders", date_order="dayfirst"))
    assert [(e.row, e.column) for e in preview.errors] == [(2, "Order Date")]
    assert "outside 1900-01-01" in preview.errors[0].reason


def test_date_bounds_cover_every_date_shape():
    latest = v.latest_date()
    assert v.parse_date(date(1900, 1, 1)) == "1900-01-01"
    assert v.parse_date(latest) == latest.isoformat()
    for bad in (date(1, 1, 1), date(latest.year + 1, 1, 1)):
        with pytest.raises(ValueError, match="outside"):
            v.parse_date(bad)
    for month in ("0224-03", "03/0224", "Mar 2224"):
        with pytest.raises(ValueError, match="outside 1900"):
            v.parse_month(month)
    with pytest.raises(ValueError, match="outside"):
        v.parse_timestamp("0001-01-01T00:00:00")
    with pytest.raises(ValueError, match="implausibly large"):
        v.parse_int("10000000000000000000")


def test_metrics_run_after_the_largest_allowed_values(store, tmp_path, db_path):
    path = _csv(tmp_path, "o.csv", "Order Date,Customer,Sales\n"
                f"1900-01-01,Ann,1000000000000\n{v.latest_date().isoformat()},Bob,-1000000000000\n")
    result = importer.commit(store, importer.make_preview(store, importer.ImportRequest(path)))
    assert result.batch_id is not None
    store.close(backup_if_changed=False)
    assert main(["metrics", "--db", str(db_path), "--json"]) == 0
