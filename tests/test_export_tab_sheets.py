"""sheets/table_export.py on its own: tab tables and key figures through writer.py."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from custdesk.sheets.table_export import (
    KpiRow,
    KpiTable,
    SheetTable,
    kpi_row,
    write_csv_table,
    write_xlsx,
)

HOSTILE = ["=1+1", "@SUM(1)", "+1+1", "-1+1", "\t=1", "\uff1d1+1", '=HYPERLINK("http://x","y")']


def _table() -> SheetTable:
    rows = [[text, -12.5, 42.5, "2026-03-01", ["a", "b"]] for text in HOSTILE]
    rows.append(["+44 20 7946 0958", 1234.5, None, None, []])
    return SheetTable("Customers", ["Name", "Revenue", "Share", "Since", "Tags"],
                      ["text", "money", "pct", "date", "list"], rows)


def _kpis() -> KpiTable:
    return KpiTable("Key figures", [
        KpiRow("=1+1 revenue", "money", 150.0, 100.0, 12, True, "=SUM(A1:A9)"),
        KpiRow("Retention", "pct", 42.5, 40.0, 200, False, "(E − N) ÷ S × 100"),
        KpiRow("Customers", "count", 7, 0, None, False, ""),
        KpiRow("NPS", "score", -3.5, None),
    ])


def test_title_row_header_filter_widths_and_formats(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", [_table(), _kpis()], "€", title="Today · March")
    book = load_workbook(path)
    assert book.sheetnames == ["Customers", "Key figures"]
    ws = book["Customers"]
    assert ws["A1"].value == "Today · March · Customers" and ws["A1"].font.b
    assert [c.value for c in ws[2]] == ["Name", "Revenue", "Share", "Since", "Tags"]
    assert all(c.font.b for c in ws[2])
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == "A2:E10"
    # width fitted to the longest of the sample: '=HYPERLINK("http://x","y")' is 26 long
    assert ws.column_dimensions["A"].width == 26 + 3
    assert [ws.cell(r, 1).value for r in range(3, 10)] == HOSTILE
    assert all(ws.cell(r, 1).data_type == "s" for r in range(3, 11))
    assert ws["B3"].value == -12.5 and ws["B3"].number_format == '"€"#,##0.00;-"€"#,##0.00'
    assert ws["C3"].value == pytest.approx(0.425) and ws["C3"].number_format == "0.0%"
    assert ws["D3"].value.date() == date(2026, 3, 1) and ws["D3"].number_format == "yyyy-mm-dd"
    assert ws["E3"].value == "a; b" and ws["E10"].value is None
    assert ws["A10"].value == "+44 20 7946 0958" and ws["B10"].value == 1234.5


def test_key_figures_values_changes_and_formats(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "k.xlsx", [_kpis()], "$", title="Customers · 2026")
    ws = load_workbook(path)["Key figures"]
    assert ws["A1"].value == "Customers · 2026 · Key figures"
    assert ws.freeze_panes == "B3" and ws.auto_filter.ref == "A2:G6"
    money, pct, count, score = ([c for c in ws[r]] for r in range(3, 7))
    assert [c.value for c in money] == ["=1+1 revenue", 150, 100, 0.5, 12, "Yes", "=SUM(A1:A9)"]
    assert money[0].data_type == "s" and money[6].data_type == "s"
    assert money[1].number_format == '"$"#,##0.00;-"$"#,##0.00'
    assert money[3].number_format == "+0.0%;-0.0%;0.0%"  # (150 − 100) ÷ 100
    assert [c.value for c in pct[1:5]] == [pytest.approx(0.425), pytest.approx(0.4), 2.5, 200]
    assert pct[1].number_format == "0.0%" and "pts" in pct[3].number_format  # 42.5 − 40
    assert pct[5].value is None
    assert count[1].value == 7 and count[1].number_format == "#,##0"
    assert count[3].value is None  # from zero: no percentage
    assert score[1].value == -3.5 and score[2].value is None and score[3].value is None
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml and b"<f " not in xml


def test_without_title_the_header_is_the_first_row(tmp_path: Path) -> None:
    ws = load_workbook(write_xlsx(tmp_path / "n.xlsx", [_table()])).active
    assert ws["A1"].value == "Name" and ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:E9"


def test_kpi_row_from_metric_objects() -> None:
    class Info:
        label, unit, formula = "Win rate", "pct", "won ÷ (won + lost) × 100"

    class Value:
        def __init__(self, value: float, n: int) -> None:
            self.value, self.n, self.small_sample = value, n, n < 30

    row = kpi_row(Info(), Value(55.6, 9), Value(61.5, 13))
    assert row == KpiRow("Win rate", "pct", 55.6, 61.5, 9, True, "won ÷ (won + lost) × 100")
    assert kpi_row(Info(), None).value is None
    assert kpi_row(Info(), Value(1.0, 40), label="End", value=228).value == 228


def test_csv_main_table_bom_apostrophes_numbers(tmp_path: Path) -> None:
    path = write_csv_table(tmp_path / "c.csv", _table())
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Revenue", "Share", "Since", "Tags"]
    assert [r[0] for r in rows[1:8]] == ["'" + t for t in HOSTILE]
    assert rows[1][1:] == ["-12.5", "42.5%", "2026-03-01", "a; b"]
    assert rows[8] == ["'+44 20 7946 0958", "1234.5", "", "", ""]
