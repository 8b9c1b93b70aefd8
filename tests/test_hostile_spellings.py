"""Issue 20 review (H): the extent scan reads a cell or row reference however calamine
does. calamine honours any XML spelling of the r attribute (a tab or line break before
it, spaces around its '=', a ' quote) and a reference in lower case: a 2-cell sheet with
`<c\tr="XFD1048576">` passed the scan and calamine then allocated 1,048,576 × 16,384
cells; so did cells whose tags had a namespace prefix with a '-', '.' or a non-ASCII letter,
and rows without r (calamine numbers each one past the row before).
Each spelling is refused (or measured right) through the import's own read, before
calamine loads the sheet; the fast scan equals the reference on chunks spelled oddly."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hostile_files import CUSTOMERS, col, sheet_xml, xlsx

from custdesk.services import importer
from custdesk.sheets import reader, xlsx_extent, xlsx_parts

FAR = "XFD1048576"
# a far cell (or row) spelled as calamine reads it and the scan once did not
SPELLINGS = {
    "tab": f'<row r="4"><c\tr="{FAR}"><v>1</v></c></row>',
    "line feed": f'<row r="4"><c\nr="{FAR}"><v>1</v></c></row>',
    "carriage return": f'<row r="4"><c\rr="{FAR}"><v>1</v></c></row>',
    "tab after another attribute": f'<row r="4"><c t="n"\tr="{FAR}"><v>1</v></c></row>',
    "single quotes": f"<row r='4'><c r='{FAR}'><v>1</v></c></row>",
    "spaces around =": f'<row r="4"><c r = "{FAR}"><v>1</v></c></row>',
    "line breaks around =": f'<row r="4"><c r\n=\r\n"{FAR}"><v>1</v></c></row>',
    "space after =": f'<row r="4"><c r= "{FAR}"><v>1</v></c></row>',
    "lower case": f'<row r="4"><c r="{FAR.lower()}"><v>1</v></c></row>',
    "mixed case": '<row r="4"><c r="xFd1048576"><v>1</v></c></row>',
    "a second r, spaced": f'<row r="4"><c r="A4" r ="{FAR}"><v>1</v></c></row>',
    "prefixed tag, tab": f'<row r="4"><x:c\tr="{FAR}"><x:v>1</x:v></x:c></row>',
    "leading zeros past 7 digits": '<row r="4"><c r="XFD0001048576"><v>1</v></c></row>',
    # a far row, its cells placed by position (no r): 16,384 of them
    "row in single quotes": "<row r='1048576'>" + "<c/>" * 16_384 + "</row>",
    "row after a tab": "<row\tr=\"1048576\">" + "<c/>" * 16_384 + "</row>",
    "row spaced, cells after a tab": '<row r = "1048576">' + "<c\t/>" * 16_384 + "</row>",
    # a namespace prefix of any XML name (calamine reads tags by their local name)
    "row and cells prefixed with '-'": ('<x-y:row r="1048576">' + "<x-y:c><v>1</v></x-y:c>"
                                        * 16_384 + "</x-y:row>"),
    "cells prefixed with '.'": ('<row r="1048576">' + "<x.y:c><x.y:v>1</x.y:v></x.y:c>"
                                * 16_384 + "</row>"),
    "cells prefixed non-ASCII": '<row r="1048576">' + "<é:c><v>1</v></é:c>" * 16_384 + "</row>",
    # rows without r: calamine numbers each one past the row before (6 MB unpacked)
    "rows without r": "<row/>" * 1_048_572 + "<row>" + "<c><v>1</v></c>" * 16_384 + "</row>",
}
# past the last cell a sheet can have: calamine reads them (4 letters: column 18,279)
UNREAD = {
    "four letters": '<row r="4"><c r="ZZZZ4000"><v>1</v></c></row>',
    "eight digits": '<row r="4"><c r="Z99999999"><v>1</v></c></row>',
    "eight-digit row": '<row r="99999999"><c/><c/><c/><c/></row>',
    "four letters, lower case": "<row r='4'><c r='zzzz4000'><v>1</v></c></row>",
}


def _workbook(tmp_path: Path, far: str) -> Path:
    sheet = sheet_xml(CUSTOMERS).replace("</sheetData>", far + "</sheetData>")
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sheet = sheet.replace("<worksheet ", "<worksheet " + " ".join(
        f'xmlns:{prefix}="{main}"' for prefix in ("x", "x-y", "x.y", "é")) + " ")
    path = tmp_path / "customers.xlsx"
    path.write_bytes(xlsx(sheet=sheet))  # (written as UTF-8)
    return path


class _NoLoad:
    """A workbook whose sheets must not be loaded (the scan refuses first)."""

    def __init__(self, workbook: object) -> None:
        self.workbook = workbook

    def __getattr__(self, name: str) -> object:
        if name == "get_sheet_by_name":
            raise AssertionError("calamine was asked to load the sheet")
        return getattr(self.workbook, name)


def _refusal(path: Path) -> str:
    """The import's read of the file's one sheet (as `importer.choose_table` reads it)."""
    source = reader.open_source(path)
    source._workbook = _NoLoad(source._workbook)  # type: ignore[assignment]
    try:
        with pytest.raises(reader.ReadError) as refused:
            importer.choose_table(source, None, None)
    finally:
        source.close()
    return str(refused.value)


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_far_cells_spelled_any_way_are_refused_before_the_load(tmp_path: Path,
                                                               spelling: str) -> None:
    path = _workbook(tmp_path, SPELLINGS[spelling])
    message = _refusal(path)
    assert message.startswith("customers.xlsx, sheet Sheet1: its cells span 17,179,869,184 "
                              "cells (1,048,576 rows × 16,384 columns)"), message
    for scan in (xlsx_parts.sheet_extent, xlsx_extent.sheet_extent):
        extent = scan(path, "Sheet1")
        assert extent is not None
        assert (extent.rows, extent.columns) == (1_048_576, 16_384), (spelling, scan)


@pytest.mark.parametrize("spelling", UNREAD)
def test_references_past_the_grid_are_refused_before_the_load(tmp_path: Path,
                                                              spelling: str) -> None:
    message = _refusal(_workbook(tmp_path, UNREAD[spelling]))
    assert message.startswith("customers.xlsx, sheet Sheet1: names cell or row "), message
    assert "at most 3 letters and 7 digits" in message


def _padded_cell(tmp_path: Path, padding: int, cut_after: int, space: str = " ") -> Path:
    """A far cell whose tag is padded with `padding` bytes of whitespace, placed so that a
    1 MB chunk edge of the scan falls `cut_after` bytes into its r attribute."""
    sheet = sheet_xml(CUSTOMERS)
    head, rest = sheet.split("</sheetData>")
    head += '<row r="4"><c'
    attr = f'{space}r="{FAR}"><v>1</v></c></row></sheetData>{rest}'
    edge = -(-(len(head.encode()) + padding) // (1 << 20)) * (1 << 20)
    sheet = head + " " * (edge - len(head.encode()) - cut_after) + attr
    path = tmp_path / "customers.xlsx"
    path.write_bytes(xlsx(sheet=sheet))
    return path


@pytest.mark.parametrize("space", [" ", "\t"])
@pytest.mark.parametrize("cut_after", [1, 2, 5, 8, 12, 14])
def test_a_tag_longer_than_a_chunk_is_kept_whole(tmp_path: Path, cut_after: int,
                                                 space: str) -> None:
    """A cell tag padded over 2-3 of the scan's 1 MB chunks, its r attribute cut by a chunk
    edge (the scan read neither half and calamine read the far cell): kept whole."""
    message = _refusal(_padded_cell(tmp_path, 2 << 20, cut_after, space))
    assert message.startswith("customers.xlsx, sheet Sheet1: its cells span 17,179,869,184 "
                              "cells"), message


def test_a_tag_longer_than_8_mb_is_refused(tmp_path: Path) -> None:
    message = _refusal(_padded_cell(tmp_path, 9 << 20, 5))
    assert message == ("customers.xlsx: sheet Sheet1 holds a tag longer than 8 MB, more "
                       "than custdesk reads"), message


def _long_row(prefix: str, named: bool) -> str:
    """Row 1000 of 16,384 cells padded to ~10 MB: longer than the scan keeps whole."""
    cells = "".join(f'<{prefix}c{f" r={chr(34)}{col(n)}1000{chr(34)}" if named else ""}'
                    f'{" " * 600}><v>1</v></{prefix}c>' for n in range(1, 16_385))
    return f'<{prefix}row r="1000">{cells}</{prefix}row>'


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_a_row_longer_than_8_mb_with_cells_by_position_is_refused(tmp_path: Path,
                                                                  prefix: str) -> None:
    """Cut into ~1 MB pieces, each counted from column 1, its 16,384 cells measured
    ~1,700 wide: 1,000 rows x 1,700 passed while calamine spans 1,000 x 16,384."""
    message = _refusal(_workbook(tmp_path, _long_row(prefix, named=False)))
    assert message == ("customers.xlsx: sheet Sheet1 has a row longer than 8 MB holding "
                       "cells without a reference, more than custdesk reads"), message


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_a_row_longer_than_8_mb_with_named_cells_is_measured(tmp_path: Path,
                                                             prefix: str) -> None:
    path = _workbook(tmp_path, _long_row(prefix, named=True))
    for scan in (xlsx_parts.sheet_extent, xlsx_extent.sheet_extent):
        extent = scan(path, "Sheet1")
        assert extent is not None and (extent.rows, extent.columns) == (1000, 16_384)
        assert extent.cells == 16_384 + 9  # (and the 3 x 3 customers)


@pytest.mark.parametrize("spelling", ["tab", "single quotes", "lower case"])
def test_small_sheets_spelled_oddly_still_import(tmp_path: Path, spelling: str) -> None:
    """The same spellings of a near cell: measured right, the sheet read as before."""
    near = SPELLINGS[spelling].replace(FAR, "C4").replace(FAR.lower(), "c4")
    path = _workbook(tmp_path, near)
    extent = xlsx_extent.sheet_extent(path, "Sheet1")
    assert extent is not None and (extent.max_row, extent.max_col) == (4, 3)
    source = reader.open_source(path)
    try:
        table, kind = importer.choose_table(source, None, None)
        rows = [list(values) for _n, values in table.rows]
    finally:
        source.close()
    assert (table.headers, kind) == (CUSTOMERS[0], "customers")
    assert rows[:2] == CUSTOMERS[1:] and rows[2][2] == 1


@pytest.mark.parametrize(("dimension", "cells"), [
    ('<dimension ref="A1:XFD1048576"/>', 17_179_869_184),
    ("<dimension\tref='a1:xfd1048576'/>", 17_179_869_184),
    ('<dimension ref = "A1:c3"/>', 9),
])
def test_the_declared_dimension_is_read_in_any_spelling(tmp_path: Path, dimension: str,
                                                        cells: int) -> None:
    sheet = sheet_xml(CUSTOMERS).replace("<sheetData>", dimension + "<sheetData>")
    path = tmp_path / "d.xlsx"
    path.write_bytes(xlsx(sheet=sheet))
    assert xlsx_parts.declared_cells(path, "Sheet1") == cells


def _odd_rows(rng: random.Random, count: int) -> bytes:
    """Rows spelled every way calamine reads, with cells past their rows now and then."""
    out = []
    row = rng.randrange(1, 50)
    spaces = (" ", " ", " ", "\t", "\n", "\r\n", "  ")
    for _ in range(count):
        row += rng.choice((1, 1, 1, 2, 40, 900, 99_000))
        cells = []
        for c in range(1, rng.randrange(1, 8)):
            cell_row = str(row)
            roll = rng.random()
            if roll < 0.03:
                cell_row = str(row + rng.choice((1, 10, 5_000)))
            elif roll < 0.05:
                cell_row = "0" * rng.randrange(1, 4) + cell_row
            letters = col(rng.choice((c, c, c, 27, 700, 16_384)))
            if rng.random() < 0.1:
                letters = letters.lower()
            q = rng.choice('"""' + "'")
            eq = rng.choice(("=", "=", " = ", "\t=", "=\n"))
            space = rng.choice(spaces)
            tag = rng.choice(("c", "c", "c", "c", "c", "x:c", "x.y:c", "é:c"))
            if rng.random() < 0.05:
                cells.append(f"<{tag}{space}t={q}n{q}><v>1</v></{tag}>")
            else:
                cells.append(f"<{tag}{space}r{eq}{q}{letters}{cell_row}{q}><v>{c}</v></{tag}>")
        q, eq, space = rng.choice('""' + "'"), rng.choice(("=", "=", " =")), rng.choice(spaces)
        number = f"{space}r{eq}{q}{row}{q}" if rng.random() > 0.05 else ""
        tag = rng.choice(("row", "row", "row", "x:row", "x-y:row", "é:row"))
        out.append(f"<{tag}{number}>{''.join(cells)}</{tag}>")
    return "".join(out).encode()  # (UTF-8: as sheet XML is)


@pytest.mark.parametrize("seed", range(30))
def test_odd_chunks_measure_the_same_and_as_if_spelled_plainly(seed: int) -> None:
    rng = random.Random(500 + seed)
    reference, fast, plain = xlsx_parts.Extent(), xlsx_extent.FastExtent(), xlsx_parts.Extent()
    for _ in range(rng.randrange(1, 10)):
        body = _odd_rows(rng, rng.randrange(0, 200))
        reference.add(body)
        fast.add(body)
        plain._add(xlsx_parts.canonical_refs(xlsx_parts.canonical_spacing(body)))
        states = [(e.max_row, e.max_col, e.cells, e.widest_unreferenced, e.rows_without_r,
                   e.highest_row_tag) for e in (reference, fast, plain)]
        assert states[0] == states[1] == states[2]


def _positional_rows(rng: random.Random) -> str:
    """Small rows mixing <row r> and rows without, cells with r and cells placed by
    position (before and after named ones), rows numbered back."""
    out = []
    for _ in range(rng.randrange(1, 40)):
        number = rng.choice(("", "", f' r="{rng.randrange(4, 400)}"'))
        cells = []
        for _c in range(rng.randrange(0, 6)):
            if rng.random() < 0.5:
                cells.append("<c><v>1</v></c>")
            else:
                cells.append(f'<c r="{col(rng.randrange(1, 80))}{rng.randrange(4, 300)}">'
                             "<v>1</v></c>")
        out.append(f"<row{number}>{''.join(cells)}</row>" if cells or rng.random() < 0.5
                   else f"<row{number}/>")
    return "".join(out)


@pytest.mark.parametrize("seed", range(25))
def test_cells_placed_by_position_never_reach_past_the_measure(tmp_path: Path,
                                                               seed: int) -> None:
    """calamine's own range of small random sheets (rows without r, cells without r after
    named ones) is within what both scans measure."""
    from python_calamine import CalamineWorkbook

    path = _workbook(tmp_path, _positional_rows(random.Random(900 + seed)))
    data = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sheet1")
    start_row, start_col = data.start or (0, 0)
    for scan in (xlsx_parts.sheet_extent, xlsx_extent.sheet_extent):
        extent = scan(path, "Sheet1")
        assert extent is not None
        assert extent.rows >= start_row + data.height, (seed, scan)
        assert extent.columns >= start_col + data.width, (seed, scan)
