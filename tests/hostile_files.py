"""Builders of hostile spreadsheet files for the reliability tests (issue 7, point 4).

Workbooks are written by hand, part by part, so that each one is exactly as hostile as
its name says (openpyxl would refuse to write most of them).
"""

from __future__ import annotations

import io
import sqlite3
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_OOXML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OOXML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OOXML}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_OOXML}.sharedStrings+xml"/>'
    '</Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    '</Relationships>')
EMPTY_SST = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}" count="0"/>'


def col(n: int) -> str:
    """1 -> A, 27 -> AA, 16384 -> XFD."""
    letters = ""
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell(ref: str, value: object, formula: str | None = None) -> str:
    f = f"<f>{_esc(formula)}</f>" if formula else ""
    if value is None:
        return f'<c r="{ref}">{f}</c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}">{f}<v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr">{f}<is><t>{_esc(str(value))}</t></is></c>'


def sheet_xml(rows: list[list[object]], dimension: str | None = None, extra: str = "",
              prolog: str = "") -> str:
    body = "".join(
        f'<row r="{r}">' + "".join(cell(f"{col(c)}{r}", v) for c, v in enumerate(row, 1)
                                   if v is not None) + "</row>"
        for r, row in enumerate(rows, 1))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
            f'<worksheet xmlns="{_MAIN}">{dim}<sheetData>{body}</sheetData>{extra}</worksheet>')


def xlsx(parts: dict[str, str | bytes] | None = None, sheet: str | None = None,
         compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A minimal workbook; `parts` add or replace package parts."""
    files: dict[str, str | bytes] = {
        "[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/sharedStrings.xml": EMPTY_SST,
        "xl/worksheets/sheet1.xml": sheet or sheet_xml([["Name", "Email"]]),
    }
    files.update(parts or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


CUSTOMERS = [["Customer Name", "Email", "Segment"],
             ["Ann Lee", "ann@example.com", "Retail"],
             ["Bo Chen", "bo@example.com", "Trade"]]

BOMB_DTD = ('<!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
            + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                      for i in range(1, 10)) + "]>")


def xml_bomb_in_sheet() -> bytes:
    rows = [["Customer Name", "Email"], ["&lol9;", "x@example.com"]]
    xml = sheet_xml(rows, prolog=BOMB_DTD).replace("&amp;lol9;", "&lol9;")
    return xlsx(sheet=xml)


def xml_bomb_in_workbook() -> bytes:
    book = WORKBOOK.replace('standalone="yes"?>', 'standalone="yes"?>' + BOMB_DTD).replace(
        'name="Sheet1"', 'name="&lol9;"')
    return xlsx({"xl/workbook.xml": book})


def xml_bomb_in_shared_strings() -> bytes:
    sst = (f'<?xml version="1.0" encoding="UTF-8"?>{BOMB_DTD}<sst xmlns="{_MAIN}" count="2">'
           "<si><t>Customer Name</t></si><si><t>&lol9;</t></si></sst>")
    sheet = sheet_xml([]).replace(
        "<sheetData></sheetData>",
        '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>1</v></c></row></sheetData>')
    return xlsx({"xl/sharedStrings.xml": sst}, sheet=sheet)


def zip_bomb(uncompressed_mb: int = 256) -> bytes:
    """A valid first row, then hundreds of MB of whitespace: a few hundred KB on disk."""
    head, tail = sheet_xml(CUSTOMERS).split("</sheetData>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS),
                           ("xl/workbook.xml", WORKBOOK),
                           ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
                           ("xl/sharedStrings.xml", EMPTY_SST)):
            archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(head.encode())
            blank = b" " * (1 << 20)
            for _ in range(uncompressed_mb):
                fh.write(blank)
            fh.write(b"</sheetData>" + tail.encode())
    return buffer.getvalue()


def many_entries(count: int = 10_000) -> bytes:
    extra = {f"xl/media/image{i}.bin": b"x" for i in range(count)}
    return xlsx(extra, sheet=sheet_xml(CUSTOMERS))


def encrypted_cfb() -> bytes:
    """An OLE compound file laid out as Office writes a password-protected .xlsx: an
    'EncryptionInfo' and an 'EncryptedPackage' stream (contents random-looking)."""
    end, free, fat_sect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    info, package = bytes(range(256)) * 16, bytes((i * 7) % 256 for i in range(8192))
    header = bytearray(512)
    header[0:8] = bytes.fromhex("d0cf11e0a1b11ae1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<I", header, 76, 0)  # FAT in sector 0
    header[80:512] = b"\xff" * 432
    fat = [fat_sect, end] + list(range(3, 10)) + [end] + list(range(11, 26)) + [end]
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int,
              size: int) -> bytes:
        raw = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        raw[0:len(encoded)] = encoded
        struct.pack_into("<HBBIII", raw, 64, len(encoded), kind, 1, left, right, child)
        struct.pack_into("<II", raw, 116, start, size)
        return bytes(raw)

    directory = (entry("Root Entry", 5, nostream, nostream, 1, end, 0)
                 + entry("EncryptionInfo", 2, nostream, 2, nostream, 2, len(info))
                 + entry("EncryptedPackage", 2, nostream, nostream, nostream, 10, len(package))
                 + entry("", 0, nostream, nostream, nostream, 0, 0))
    return (bytes(header) + struct.pack("<128I", *fat) + directory + info + package)


def wide_sheet(columns: int = 16_384) -> bytes:
    header = ["Customer Name", "Email"] + [f"Extra {i}" for i in range(3, columns + 1)]
    row = ["Ann Lee", "ann@example.com"] + [i for i in range(3, columns + 1)]
    return xlsx(sheet=sheet_xml([header, row]))


def long_cells() -> bytes:
    rows = [["Customer Name", "Email", "Notes"],
            ["Ann Lee", "ann@example.com", "n" * 32_767],
            ["B" * 32_767, "bo@example.com", "short"]]
    return xlsx(sheet=sheet_xml(rows))


def merged_header() -> bytes:
    rows = [["Customer", None, "Contact", None],
            ["Customer Name", "Segment", "Email", "Phone"],
            ["Ann Lee", "Retail", "ann@example.com", "555"]]
    return xlsx(sheet=sheet_xml(rows, extra='<mergeCells count="2"><mergeCell ref="A1:B1"/>'
                                            '<mergeCell ref="C1:D1"/></mergeCells>'))


def merged_header_only() -> bytes:
    """The header row itself merged: one header over two columns of data."""
    rows = [["Customer Name", None, "Email"], ["Ann Lee", "x", "ann@example.com"]]
    return xlsx(sheet=sheet_xml(rows, extra='<mergeCells count="1"><mergeCell ref="A1:B1"/>'
                                            "</mergeCells>"))


def false_dimension_huge() -> bytes:
    return xlsx(sheet=sheet_xml(CUSTOMERS, dimension="A1:XFD1048576"))


def false_dimension_small() -> bytes:
    rows = [CUSTOMERS[0]] + [[f"Person {i}", f"p{i}@example.com", "Retail"] for i in range(100)]
    return xlsx(sheet=sheet_xml(rows, dimension="A1:B2"))


def formulas_without_values() -> bytes:
    rows = [["Order Date", "Customer Name", "Sales"]]
    xml = sheet_xml(rows).replace("</sheetData>", "".join(
        f'<row r="{r}">{cell(f"A{r}", "2024-03-0" + str(r))}{cell(f"B{r}", "Ann Lee")}'
        f'{cell(f"C{r}", None, formula=f"D{r}*2")}</row>' for r in range(2, 5)) + "</sheetData>")
    return xlsx(sheet=xml)


def zero_rows() -> bytes:
    return xlsx(sheet=sheet_xml([["Customer Name", "Email"]]))


def empty_sheet() -> bytes:
    return xlsx(sheet=sheet_xml([]))


def renamed_binary() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


HOSTILE: dict[str, Callable[[], bytes]] = {
    "xml-bomb-sheet.xlsx": xml_bomb_in_sheet,
    "xml-bomb-workbook.xlsx": xml_bomb_in_workbook,
    "xml-bomb-shared-strings.xlsx": xml_bomb_in_shared_strings,
    "zip-bomb.xlsx": zip_bomb,
    "zip-10000-entries.xlsx": many_entries,
    "password.xlsx": encrypted_cfb,
    "renamed-binary.xlsx": renamed_binary,
    "renamed-binary.csv": renamed_binary,
    "empty.xlsx": lambda: b"",
    "empty.csv": lambda: b"",
    "zero-rows.xlsx": zero_rows,
    "empty-sheet.xlsx": empty_sheet,
    "16384-columns.xlsx": wide_sheet,
    "32767-char-cells.xlsx": long_cells,
    "merged-header-above.xlsx": merged_header,
    "merged-header.xlsx": merged_header_only,
    "false-dimension-huge.xlsx": false_dimension_huge,
    "false-dimension-small.xlsx": false_dimension_small,
    "formulas-no-cached-values.xlsx": formulas_without_values,
    "mixed-encodings-early.csv": lambda: ("Customer Name,City\nAnn Lee,Zürich\n".encode()
                                          + "René Roy,Montréal\n".encode("cp1252")),
    "mixed-encodings-late.csv": lambda: (
        b"Customer Name,City\n" + "".join(f"P{i},Zürich\n" for i in range(30_000))
        .encode() + "René Roy,Montréal\n".encode("cp1252")),
    "ambiguous-dates.csv": lambda: (b"Order Date,Customer Name,Sales\n03/04/2024,Ann Lee,10\n"
                                    b"05/06/2024,Bo Chen,12\n"),
}


def _far_cell_sheet(far: str, dimension: str | None = None) -> str:
    """CUSTOMERS plus one number at `far` (issue 20, H2: calamine allocates the span)."""
    body = sheet_xml(CUSTOMERS, dimension=dimension)
    return body.replace("</sheetData>", f'<row r="{far.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}">'
                        f'<c r="{far}"><v>1</v></c></row></sheetData>')


def far_cells_no_dimension() -> bytes:
    return xlsx(sheet=_far_cell_sheet("XFD1048576"))


def far_cells_lying_dimension() -> bytes:
    return xlsx(sheet=_far_cell_sheet("XFD1048576", dimension="A1:C3"))


def far_cell_in_a_low_row() -> bytes:
    """The cell's own reference says row 1048576 although its <row> says 4."""
    return xlsx(sheet=sheet_xml(CUSTOMERS).replace(
        "</sheetData>", '<row r="4"><c r="XFD1048576"><v>1</v></c></row></sheetData>'))


def sparse_span() -> bytes:
    """Within the cell cap (25 × 960,000 = 24M) but nearly empty: 10 cells."""
    return xlsx(sheet=_far_cell_sheet("Y960000"))


def six_sheets() -> bytes:
    """Six sheets of customers, each spanning 25 × 80,000 (allowed alone): all six fit,
    so all are inspected before the owner is asked which one (issue 20, H5)."""
    sheets = {f"xl/worksheets/sheet{i}.xml": _far_cell_sheet("Y80000") for i in range(1, 7)}
    book = WORKBOOK.replace('<sheet name="Sheet1" sheetId="1" r:id="rId1"/>', "".join(
        f'<sheet name="S{i}" sheetId="{i}" r:id="rId{i + 10}"/>' for i in range(1, 7)))
    rels = WORKBOOK_RELS.replace("</Relationships>", "".join(
        f'<Relationship Id="rId{i + 10}" Type="{_REL}/worksheet" '
        f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, 7)) + "</Relationships>")
    types = CONTENT_TYPES.replace("</Types>", "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_OOXML}.worksheet+xml"/>'
        for i in range(2, 7)) + "</Types>")
    return xlsx({**sheets, "xl/workbook.xml": book, "xl/_rels/workbook.xml.rels": rels,
                 "[Content_Types].xml": types})


HOSTILE.update({
    "far-cells-no-dimension.xlsx": far_cells_no_dimension,
    "far-cells-lying-dimension.xlsx": far_cells_lying_dimension,
    "far-cell-in-a-low-row.xlsx": far_cell_in_a_low_row,
    "sparse-span.xlsx": sparse_span,
    "six-sheets.xlsx": six_sheets,
    # issue 20, H4/H10: text files
    "one-line-20mb.csv": lambda: b"Customer Name,Email," + b"x," * 10_000_000 + b"\n",
    "utf16-no-bom.csv": lambda: "Customer Name,Email\nAnn Lee,ann@example.com\nRené Roy,"
                                "rene@example.com\n".encode("utf-16-le"),
    "utf32-bom.csv": lambda: "Customer Name,Email\nAnn Lee,ann@example.com\n".encode("utf-32"),
    "nul-in-text.csv": lambda: (b"Customer Name,Email\nAnn\x00Lee,ann@example.com\n"
                                b"Bo Chen,bo@example.com\n"),
})


def write_all(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, build in HOSTILE.items():
        path = folder / name
        path.write_bytes(build())
        paths[name] = path
    return paths


def business_lines(conn: sqlite3.Connection) -> list[str]:
    """`iterdump()` without the rows of undone import batches: an undone batch keeps its
    row, marked `undone_at`, so that its id is never reused (issue 20 M5); everything else
    must be exactly as before the import."""
    undone = {f'INSERT INTO "import_batches" VALUES({i},' for (i,) in conn.execute(
        "SELECT id FROM import_batches WHERE undone_at IS NOT NULL")}
    return [line for line in conn.iterdump()
            if not (line.startswith('INSERT INTO "import_batches"')
                    and line[:line.index(",") + 1] in undone)]
