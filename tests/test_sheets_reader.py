"""Reading files: header detection, sheets, CSV sniffing, and the files we refuse."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from custdesk.services.importer import ImportRequest, MappingError, make_preview
from custdesk.sheets import reader
from custdesk.sheets.reader import EncodingNeededError, ReadError, open_source, read_table


def rows_of(table: reader.Table) -> list[tuple[int, list[object]]]:
    return [(n, list(r)) for n, r in table.rows]


def test_title_rows_and_notes_above_the_header_are_skipped(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Sales"
    sheet.append(["Sales report 2024"])
    sheet.append([])
    sheet.append(["Exported from the till on 3 March"])
    sheet.append(["Date", "Client", "Amount"])
    sheet.append([date(2024, 3, 1), "Ann", 12.5])
    sheet.append([])
    sheet.append([date(2024, 3, 2), "Bo", 3])
    path = tmp_path / "report.xlsx"
    book.save(path)
    table = read_table(open_source(path))
    assert (table.headers, table.header_row) == (["Date", "Client", "Amount"], 4)
    assert [n for n, _r in rows_of(table)] == [5, 7]  # Excel's row numbers, blank row skipped


def test_formula_without_a_cached_value_is_reported(store, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Date", "Client", "Amount"])
    sheet.append([date(2024, 3, 1), "Ann", 12.5])
    sheet.append([date(2024, 3, 2), "Bo", "=B1*2"])  # openpyxl saves no cached value
    path = tmp_path / "formulas.xlsx"
    book.save(path)
    preview = make_preview(store, ImportRequest(path))
    assert [(e.row, e.column, e.reason[:29]) for e in preview.errors] == \
        [(3, "Amount", "formula without a saved value")]


def test_formulas_are_looked_for_only_when_a_mapped_cell_is_blank(tmp_path):
    from custdesk.sheets.validate import parse_table

    book = Workbook()
    book.active.append(["Date", "Client", "Amount", "Note"])
    book.active.append([date(2024, 3, 1), "Ann", 12.5, "=C2*2"])  # unmapped formula
    path = tmp_path / "full.xlsx"
    book.save(path)
    mapping = ["date", "customer", "revenue", None]
    source = open_source(path)
    table = read_table(source)
    parsed = parse_table(table, "orders", mapping)
    source.close()
    assert parsed.errors == [] and table.scan_formulas is not None  # never needed
    book.active.append([date(2024, 3, 2), "Bo", None, None])  # a blank mapped cell
    book.save(path)
    source = open_source(path)
    table = read_table(source)
    parse_table(table, "orders", mapping)
    source.close()
    assert table.scan_formulas is None and table.gaps() == {(2, 3)}  # looked, found D2


def test_1904_date_system(tmp_path, store):
    book = Workbook()
    book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    sheet.append(["Date", "Client", "Amount"])
    sheet.append([date(2024, 3, 1), "Ann", 1])
    path = tmp_path / "mac.xlsx"
    book.save(path)
    assert open_source(path).date1904
    preview = make_preview(store, ImportRequest(path))
    assert preview.parsed.rows[0][1]["date"] == "2024-03-01"


def test_only_the_sheet_that_fits_is_chosen(tmp_path, store):
    book = Workbook()
    notes = book.active
    notes.title = "Read me"
    notes.append(["This workbook holds our orders"])
    data = book.create_sheet("Data")
    data.append(["Order Date", "Customer", "Sales"])
    data.append([date(2024, 1, 2), "Ann", 5])
    lookup = book.create_sheet("Lookup")
    lookup.append(["Region", "Manager"])
    lookup.append(["West", "Kim"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    assert make_preview(store, ImportRequest(path)).sheet == "Data"
    twice = book.copy_worksheet(data)
    twice.title = "Data 2"
    book.save(path)
    with pytest.raises(MappingError, match="--sheet"):
        make_preview(store, ImportRequest(path))
    assert make_preview(store, ImportRequest(path, sheet="Data 2")).sheet == "Data 2"


def test_csv_semicolons_and_a_bom(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_bytes("\ufeffDatum;Kunde;Betrag\n01.02.2024;Ann;1.234,50\n".encode())
    source = open_source(path)
    assert (source.encoding, source.delimiter) == ("utf-8-sig", ";")
    table = read_table(source)
    assert table.headers == ["Datum", "Kunde", "Betrag"]
    assert rows_of(table) == [(2, ["01.02.2024", "Ann", "1.234,50"])]


def test_tab_separated_text(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("Name\tEmail\nAnn\tann@example.com\n", encoding="utf-8")
    assert open_source(path).delimiter == "\t"


def test_windows_encoding_must_be_confirmed(tmp_path):
    path = tmp_path / "win.csv"
    path.write_bytes("Name,City\nRené,Zürich\n".encode("cp1252"))
    with pytest.raises(EncodingNeededError, match="--encoding cp1252"):
        open_source(path)
    table = read_table(open_source(path, encoding="cp1252"))
    assert rows_of(table) == [(2, ["René", "Zürich"])]


def test_zip_bomb_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 60_000_000)
    with pytest.raises(ReadError, match="zip bomb"):
        open_source(path)


def test_password_protected_workbook(tmp_path):
    # An encrypted .xlsx is an OLE compound file holding an 'EncryptedPackage' stream.
    path = tmp_path / "secret.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500
                     + "EncryptedPackage".encode("utf-16-le") + b"\0" * 500)
    with pytest.raises(ReadError, match="password-protected; save an unprotected copy"):
        open_source(path)


def test_bogus_dimension_is_refused_before_loading(tmp_path):
    book = Workbook()
    book.active.append(["Name", "Email"])
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    path = tmp_path / "huge.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:B1" />',
                                    b'<dimension ref="A1:XFD1048576" />')
                assert b"XFD1048576" in data
            dst.writestr(item, data)
    with pytest.raises(ReadError, match="declares 17,179,869,184 cells"):
        read_table(open_source(path))


def test_damaged_and_unknown_files(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK not really")
    with pytest.raises(ReadError, match="bad.xlsx"):
        open_source(bad)
    with pytest.raises(ReadError, match="custdesk reads"):
        open_source(Path(__file__))
    with pytest.raises(ReadError, match="no such file"):
        open_source(tmp_path / "missing.csv")


def test_find_header_prefers_the_wide_text_row():
    rows = [["Title"], [None, None], ["a", "b", "c"], [1, 2, 3]]
    assert reader.find_header(rows) == 2
    assert reader.find_header([[None], []]) is None


def test_ods_via_libreoffice(tmp_path, store):
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed: no way to write an .ods here")
    source = tmp_path / "s.csv"
    source.write_text("Date,Client,Amount\n2024-03-01,Ann,5\n2024-03-02,Bo,2.5\n")
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                    "--headless", "--convert-to", "ods", "--outdir", str(tmp_path),
                    str(source)], check=True, capture_output=True, timeout=120)
    preview = make_preview(store, ImportRequest(tmp_path / "s.ods"))
    assert [r["date"] for _n, r in preview.parsed.rows] == ["2024-03-01", "2024-03-02"]
    assert [r["revenue"] for _n, r in preview.parsed.rows] == [50_000, 25_000]


def _rewrite(src: Path, dst: Path, part: str, change) -> None:
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as b:
        for item in a.infolist():
            data = a.read(item)
            b.writestr(item.filename, change(data) if item.filename == part else data)


def _customers_book(tmp_path: Path) -> Path:
    book = Workbook()
    book.active.append(["Customer Name", "Email"])
    book.active.append(["Ann", "ann@example.com"])
    path = tmp_path / "plain.xlsx"
    book.save(path)
    return path


def test_workbook_listing_no_sheet_is_a_read_error(tmp_path):
    path = tmp_path / "nosheet.xlsx"
    _rewrite(_customers_book(tmp_path), path, "xl/workbook.xml",
             lambda d: __import__("re").sub(rb"<sheet [^>]*/>", b"", d))
    with pytest.raises(ReadError):
        read_table(open_source(path))


def test_entities_in_workbook_xml_never_escape_as_a_crash(tmp_path):
    # defusedxml refuses entity declarations (EntitiesForbidden): we must read on or
    # refuse with a ReadError, never let that exception out
    path = tmp_path / "entity.xlsx"
    doctype = b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
    _rewrite(_customers_book(tmp_path), path, "xl/workbook.xml",
             lambda d: d.replace(b"<workbook", doctype + b"<workbook", 1))
    try:
        table = read_table(open_source(path))
    except ReadError:
        return
    assert table.headers == ["Customer Name", "Email"]


def test_corrupt_compressed_sheet_is_a_read_error(tmp_path):
    plain = _customers_book(tmp_path)
    data = bytearray(plain.read_bytes())
    info = zipfile.ZipFile(plain).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(info.compress_size // 2, info.compress_size):
        data[start + k] = 0xFF
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError):
        read_table(open_source(path))


def test_bare_carriage_return_in_a_csv_field(tmp_path):
    path = tmp_path / "cr.csv"
    path.write_bytes(b"Customer Name,Email\nAnn\rLee,ann@example.com\n")
    table = read_table(open_source(path))
    assert table.headers == ["Customer Name", "Email"]
    list(table.rows)  # read to the end without an unexpected exception
