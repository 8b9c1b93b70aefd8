"""The workbook and CSV writers: layout, number formats, exact values, cancel and progress."""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from custdesk.sheets import writer as w
from custdesk.sheets.csv_writer import plain_decimal, write_csv

COLUMNS = [w.Column("name"), w.Column("amount", w.MONEY), w.Column("share", w.PERCENT),
           w.Column("day", w.DATE), w.Column("at", w.DATETIME), w.Column("month", w.MONTH),
           w.Column("flag", w.FLAG), w.Column("count", w.INT), w.Column("qty", w.NUMBER)]
ROW = ["Ann Lee", Decimal("16.4480"), 0.125, "2024-03-01", "2024-03-01T09:30:15", "2024-03",
       1, 42, 7.0]


def _load(path: Path):
    return openpyxl.load_workbook(path)["S"]


def test_layout_title_header_freeze_filter_and_formats(tmp_path: Path) -> None:
    path = w.write_xlsx(tmp_path / "a.xlsx", [w.Sheet("S", COLUMNS, [ROW, ROW],
                                                      title="Orders · 2024")], currency="€")
    ws = _load(path)
    assert ws["A1"].value == "Orders · 2024" and ws["A1"].font.b
    assert [c.value for c in ws[2]] == [c.header for c in COLUMNS]
    assert all(c.font.b for c in ws[2])
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:I4"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$2:$2"
    row = ws[3]
    assert row[1].value == 16.448 and row[1].number_format == '"€"#,##0.00;-"€"#,##0.00'
    assert row[2].value == 0.125 and row[2].number_format == "0.0%"
    assert row[3].value == datetime(2024, 3, 1) and row[3].number_format == "yyyy-mm-dd"
    assert row[4].value == datetime(2024, 3, 1, 9, 30, 15)
    assert row[5].value == datetime(2024, 3, 1) and row[5].number_format == "yyyy-mm"
    assert row[6].value == "Yes"
    assert row[7].value == 42 and row[7].number_format == "#,##0"
    assert row[8].value == 7 and row[8].data_type == "n"


def test_without_title_the_header_is_row_one(tmp_path: Path) -> None:
    ws = _load(w.write_xlsx(tmp_path / "b.xlsx", [w.Sheet("S", COLUMNS, [ROW])]))
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:I2"
    assert ws["A1"].value == "name"


def test_widths_fit_the_sample_not_just_the_header(tmp_path: Path) -> None:
    long_name = "A customer with a rather long name"  # 34 characters
    rows = [["x"] + ROW[1:], [long_name] + ROW[1:]]
    ws = _load(w.write_xlsx(tmp_path / "c.xlsx", [w.Sheet("S", COLUMNS, rows)]))
    assert ws.column_dimensions["A"].width == len(long_name) + 3
    assert ws.column_dimensions["H"].width == len("count") + 3  # header wins: short values
    widths = w.fit_widths([w.Column("n")], [["y" * 500]])
    assert widths == [60.0]  # capped


def test_money_is_exact_to_the_ten_thousandth(tmp_path: Path) -> None:
    amounts = [Decimal("16.4480"), Decimal("5.5512"), Decimal("-12.50"),
               Decimal("123456789.1234"), Decimal("0.0001")]
    path = w.write_xlsx(tmp_path / "m.xlsx", [w.Sheet("S", [w.Column("m", w.MONEY)],
                                                      [[a] for a in amounts])])
    got = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("S").to_python()
    assert [Decimal(repr(v[0])) for v in got[1:]] == [a.normalize() for a in amounts]


def test_control_characters_are_dropped_not_fatal(tmp_path: Path) -> None:
    path = w.write_xlsx(tmp_path / "x.xlsx", [w.Sheet("S", [w.Column("t")],
                                                      [["a\x01b\x1fc"], ["tab\tok"]])])
    got = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("S").to_python()
    assert got[1:] == [["abc"], ["tab\tok"]]


def test_text_that_is_not_iso_stays_text() -> None:
    assert w.to_value("last spring", w.DATE) == "last spring"
    assert w.to_value("2024-13", w.MONTH) == "2024-13"
    assert w.to_value(0, w.FLAG) == "No"
    assert w.to_value("", w.TEXT) is None


def test_cancel_leaves_no_file_and_keeps_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "old.xlsx"
    target.write_bytes(b"the previous export")
    rows = ([f"n{i}", Decimal(i)] for i in range(5000))
    calls: list[int] = []
    with pytest.raises(w.ExportCancelled):
        w.write_xlsx(target, [w.Sheet("S", COLUMNS[:2], rows)],
                     progress=calls.append, cancel=lambda: len(calls) >= 2)
    assert target.read_bytes() == b"the previous export"
    assert calls == [1000, 2000]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.xlsx"]


def test_progress_counts_rows_across_sheets(tmp_path: Path) -> None:
    calls: list[int] = []
    sheets = [w.Sheet("A", COLUMNS, [ROW] * 1500), w.Sheet("B", COLUMNS, [ROW] * 700)]
    w.write_xlsx(tmp_path / "p.xlsx", sheets, progress=calls.append)
    assert calls == [1000, 1500, 2200]


def test_rows_of_the_wrong_width_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="2 values for 9 columns"):
        w.write_xlsx(tmp_path / "bad.xlsx", [w.Sheet("S", COLUMNS, [["a", 1]])])


def test_plain_decimal() -> None:
    assert plain_decimal(Decimal("12.5000")) == "12.50"
    assert plain_decimal(Decimal("16.4480")) == "16.448"
    assert plain_decimal(Decimal("-0.0001")) == "-0.0001"
    assert plain_decimal(Decimal("7")) == "7.00"


def test_csv_values_are_plain_exact_and_typed(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", COLUMNS, [ROW, [None] * 9])
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [c.header for c in COLUMNS]
    assert rows[1] == ["Ann Lee", "16.448", "12.5%", "2024-03-01", "2024-03-01 09:30:15",
                       "2024-03", "Yes", "42", "7"]
    assert rows[2] == [""] * 9


def test_csv_dates_given_as_objects(tmp_path: Path) -> None:
    cols = [w.Column("d", w.DATE), w.Column("m", w.MONTH), w.Column("p", w.PERCENT)]
    path = write_csv(tmp_path / "d.csv", cols, [[date(2024, 2, 29), date(2024, 2, 1), 1]])
    with path.open(encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh))[1] == ["2024-02-29", "2024-02", "100%"]


def test_fast_cells_write_what_plain_openpyxl_cells_write(tmp_path: Path) -> None:
    """The reused formatted cells give the same values, types and formats as one public
    `WriteOnlyCell` per value with its number format set."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    rows = [ROW, [None, Decimal("-1.5"), 1, "2024-02-29", None, "2024-12", 0, 0, -3.25],
            ["=x", 7, 0.0, "not a date", "2024-01-01T00:00:00", None, None, -1, None]]
    ours = w.write_xlsx(tmp_path / "ours.xlsx", [w.Sheet("S", COLUMNS, rows)])
    book = Workbook(write_only=True)
    ws = book.create_sheet("S")
    ws.append([c.header for c in COLUMNS])
    for row in rows:
        cells = []
        for value, col in zip(row, COLUMNS, strict=True):
            value = w.to_value(value, col.kind)
            cell = WriteOnlyCell(ws, value)
            if isinstance(value, str):
                cell.data_type = "s"
            elif value is not None and w.number_format(col.kind):
                cell.number_format = w.number_format(col.kind)
            cells.append(cell)
        ws.append(cells)
    book.save(tmp_path / "ref.xlsx")

    def cells(path: Path) -> list[tuple[object, str, str]]:
        sheet = openpyxl.load_workbook(path)["S"]
        return [(c.value, c.data_type, c.number_format) for row in sheet.iter_rows(min_row=2)
                for c in row]

    assert cells(ours) == cells(tmp_path / "ref.xlsx")
