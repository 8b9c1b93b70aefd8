"""Issue 20, H2/H5/M8: workbooks are bounded before calamine loads them."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest
from hostile_files import CUSTOMERS, col, far_cells_no_dimension, sheet_xml, six_sheets, xlsx

from custdesk.services import importer
from custdesk.sheets import reader, xlsx_parts


def test_only_one_sheet_is_held_while_sheets_are_inspected(tmp_path, monkeypatch):
    path = tmp_path / "six.xlsx"
    path.write_bytes(six_sheets())
    live: list[weakref.ref] = []
    real = importer.read_table

    def tracking(source, sheet=None, **options):
        gc.collect()
        assert not [r for r in live if r() is not None], "an earlier sheet is still held"
        table = real(source, sheet, **options)
        live.append(weakref.ref(table))
        return table

    monkeypatch.setattr(importer, "read_table", tracking)
    source = reader.open_source(path)
    try:
        with pytest.raises(importer.MappingError, match="several sheets"):
            importer.choose_table(source, None, None)
    finally:
        source.close()
    assert len(live) == 6


def test_too_many_sheets_ask_for_one(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "MAX_SHEETS_INSPECTED", 3)
    path = tmp_path / "six.xlsx"
    path.write_bytes(six_sheets())
    source = reader.open_source(path)
    try:
        with pytest.raises(importer.MappingError, match="has 6 sheets; choose one with"):
            importer.choose_table(source, None, None)
    finally:
        source.close()


def test_shared_strings_are_bounded_by_unpacked_size(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "MAX_SHARED_STRINGS", 10_000)
    sst = ('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
           'spreadsheetml/2006/main">' + "<si><t>a long enough text</t></si>" * 1000 + "</sst>")
    path = tmp_path / "sst.xlsx"
    path.write_bytes(xlsx({"xl/sharedStrings.xml": sst}, sheet=sheet_xml(CUSTOMERS)))
    with pytest.raises(reader.ReadError, match="its shared text unpacks to"):
        reader.open_source(path)


def test_the_extent_scan_reads_references_rows_and_unreferenced_cells(tmp_path):
    path = tmp_path / "far.xlsx"
    path.write_bytes(far_cells_no_dimension())
    extent = xlsx_parts.sheet_extent(path, "Sheet1")
    assert extent is not None
    assert (extent.max_row, extent.max_col) == (1_048_576, 16_384)
    rows = "".join(f'<row r="{r}">' + "<c><v>1</v></c>" * 40 + "</row>" for r in (1, 2))
    path.write_bytes(xlsx(sheet=sheet_xml([["a"]]).replace("<sheetData>", "<sheetData>" + rows)
                          .replace('<row r="1"><c r="A1"', '<row r="3"><c r="A3"')))
    extent = xlsx_parts.sheet_extent(path, "Sheet1")
    assert extent is not None and extent.widest_unreferenced == 40 and extent.max_row == 3


def test_a_big_ordinary_sheet_is_measured_quickly(tmp_path):
    import time

    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{col(c)}{r}"><v>{r}</v></c>'
                                              for c in range(1, 11)) + "</row>"
                   for r in range(1, 100_001))
    path = tmp_path / "big.xlsx"
    path.write_bytes(xlsx(sheet=sheet_xml([["a"]]).replace(
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>',
        "<sheetData>" + rows)))
    started = time.monotonic()
    extent = xlsx_parts.sheet_extent(path, "Sheet1")
    elapsed = time.monotonic() - started
    print(f"extent of 1M cells: {elapsed:.2f} s")
    assert extent is not None and extent.spanned == 1_000_000 and extent.cells == 1_000_000
    assert elapsed < 5


def test_hostile_paths_exist() -> None:
    assert Path(__file__).with_name("hostile_files.py").is_file()


# ---- issue 20, H4/H10: text files -------------------------------------------------------

def test_errors_quote_at_most_80_characters() -> None:
    from custdesk.sheets.validate import _show

    assert len(_show("x" * 10_000_000)) == 80
    assert _show("a\x00b") == "a?b"


@pytest.mark.parametrize(("data", "encoding"), [
    ("Name,Email\n".encode("utf-16-le"), "utf-16-le"),
    ("Name,Email\n".encode("utf-16-be"), "utf-16-be"),
    ("Name,Email\n".encode("utf-32"), "utf-32"),
    ("Name,Email\n".encode("utf-32-le"), "utf-32-le"),
    ("Name,Email\n".encode("utf-32-be"), "utf-32-be"),
    ("Name,Email\n".encode("utf-16"), "utf-16"),
])
def test_wide_encodings_are_detected(data: bytes, encoding: str) -> None:
    assert reader.sniff_encoding(data, "x.csv") == encoding


@pytest.mark.parametrize("bad", ["Ann\x00Lee", "Ann\x1bLee", "Ann\x7f"])
def test_control_characters_in_text_are_invalid(bad: str) -> None:
    from custdesk.sheets import values

    with pytest.raises(ValueError, match="control characters"):
        values.parse_text(bad)
    with pytest.raises(ValueError):
        values.parse_text_column(["fine", bad])
    assert values.parse_text("two\nlines\tand a tab") == "two\nlines\tand a tab"
