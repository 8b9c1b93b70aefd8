"""Small, bounded looks inside an .xlsx package that calamine does not expose.

- the workbook's date system (1900 or 1904),
- a sheet's declared dimension, checked *before* calamine loads the sheet (a bogus
  dimension has blown calamine's memory up before),
- formula cells saved without a cached value (Excel wrote the formula but never computed
  it): they must be reported, not imported as blanks.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException, ElementTree

# a tag's namespace prefix: any XML name (calamine reads `<x-y:c>`, `<é:row>` by their
# local name; `\w+` missed '-', '.' and non-ASCII letters: a far row's cells went unseen)
_NS = rb"(?:[^\s<>/!?:=\"']+:)?"
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# (any XML spelling of the attribute: whitespace, either quote, either case)
_DIMENSION = re.compile(rb'<' + _NS + rb'dimension\s(?:[^>]*?\s)?ref\s*=\s*["\']'
                        rb'([A-Za-z]+)(\d+)(?::([A-Za-z]+)(\d+))?["\']')
_EMPTY_FORMULA = re.compile(
    (rb'<(?:\w+:)?c r="([A-Z]+)(\d+)"[^>]*>\s*<(?:\w+:)?f(?:\s[^>]*)?(?:/>|>[^<]*</(?:\w+:)?f>)'
     rb'\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>').replace(
         rb"(?:\w+:)?", _NS))
_MAX_SMALL_PART = 20_000_000  # workbook.xml and its rels are small; refuse absurd ones


def _small_xml(archive: zipfile.ZipFile, name: str) -> Element | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _MAX_SMALL_PART:
        return None
    return ElementTree.fromstring(archive.read(info))


def uses_1904(path: Path) -> bool:
    """True when the workbook counts date serials from 1904 (old Mac Excel)."""
    try:
        with zipfile.ZipFile(path) as archive:
            root = _small_xml(archive, "xl/workbook.xml")
    except (zipfile.BadZipFile, OSError, zlib.error, ElementTree.ParseError,
            DefusedXmlException):
        return False
    if root is None:
        return False
    pr = root.find(f"{_NS_MAIN}workbookPr")
    return pr is not None and pr.get("date1904", "0").lower() in ("1", "true")


def sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding `sheet`, from workbook.xml and its relationships."""
    book = _small_xml(archive, "xl/workbook.xml")
    rels = _small_xml(archive, "xl/_rels/workbook.xml.rels")
    if book is None or rels is None:
        return None
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG}Relationship")}
    for node in book.iter(f"{_NS_MAIN}sheet"):
        if node.get("name") == sheet:
            target = targets.get(node.get(f"{_NS_REL}id"), "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def declared_cells(path: Path, sheet: str) -> int | None:
    """Rows × columns from the sheet's <dimension>, or None when it does not say."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_part(archive, sheet)
            if part is None:
                return None
            with archive.open(part) as fh:
                head = fh.read(64 * 1024)
    except (zipfile.BadZipFile, OSError, KeyError, zlib.error, ElementTree.ParseError,
            DefusedXmlException):
        return None
    match = _DIMENSION.search(head)
    if not match or not match[3]:
        return None
    rows = int(match[4]) - int(match[2]) + 1
    cols = _column_number(match[3].upper()) - _column_number(match[1].upper()) + 1
    return rows * cols


def formulas_without_value(path: Path, sheet: str, limit: int = 10_000) -> set[tuple[int, int]]:
    """(Excel row, 0-based column) of formula cells that carry no cached value."""
    found: set[tuple[int, int]] = set()
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_part(archive, sheet)
            if part is None:
                return found
            with archive.open(part) as fh:
                tail = b""
                while chunk := fh.read(1 << 20):
                    window = tail + chunk
                    cut = window.rfind(b"<c ")  # keep a cell split by the chunk edge
                    body, tail = (window[:cut], window[cut:]) if cut > 0 else (window, b"")
                    if b"<f" not in body:
                        continue
                    for m in _EMPTY_FORMULA.finditer(body):
                        found.add((int(m[2]), _column_number(m[1]) - 1))
                        if len(found) >= limit:
                            return found
                if b"<f" in tail:
                    for m in _EMPTY_FORMULA.finditer(tail):
                        found.add((int(m[2]), _column_number(m[1]) - 1))
    except (zipfile.BadZipFile, OSError, KeyError, zlib.error, ElementTree.ParseError,
            DefusedXmlException):
        return found
    return found


# ---- the real extent of a sheet (issue 20, H2/M8) --------------------------------------
# calamine allocates rows × columns of the range the cells span, whatever <dimension>
# says: cells at A1 and XFD1048576 in a 2 KB file made it ask for 512 GB and abort. So
# the sheet's XML is streamed once (bounded) and its true extent measured before.

MAX_SHEET_XML = 2_000_000_000  # unpacked bytes of one sheet part read by the scan
# one tag (or text between tags) longer than this is refused: the scan keeps a tag whole
# across its 1 MB chunks (a cell's tag padded to span three chunks, its r attribute cut by
# the edge, hid a far cell), and a real one is short (a cell's text: at most 32,767 chars)
MAX_TAG = 8 << 20
# every row tag, with its r (b"" for a row without one: calamine numbers it one past the
# row before, so 1M `<row/>` and a row of cells placed by position reach row 1M)
_ROW_REF = re.compile(rb'<' + _NS + rb'row(?:\s[^>]*?\br="(\d{1,7})")?[\s>/]')
# the same without the namespace prefix: 7x faster (a literal start), and equal to it on
# a body holding no ":row" (where the prefix cannot match)
_PLAIN_ROW_REF = re.compile(rb'<row(?:\s[^>]*?\br="(\d{1,7})")?[\s>/]')
_UNREFERENCED_CELL = re.compile(rb"<" + _NS + rb"c(?:/?>|\s(?![^>]*\br=)[^>]*>)")
_ROW_TAG = re.compile(rb"<" + _NS + rb"row[\s>]")
_CELL_TAG = re.compile(rb"<" + _NS + rb"c[\s>/]")
_BARE_CELL = re.compile(rb"<c/?>")  # a cell tag without attributes (rare)
_LETTER_REFS = {n: re.compile(rb' r="([A-Z]{%d})\d' % n) for n in (3, 2)}
_DIGIT_REFS = {n: re.compile(rb' r="[A-Z]{1,3}(\d{%d})"' % n) for n in range(7, 0, -1)}


# calamine reads an attribute however XML lets it be spelled (any whitespace before it and
# around its '=', either quote) and a reference in either case; the patterns above and in
# `Extent` read one spelling, ` r="A1"` (what Excel and openpyxl write). A chunk spelled
# otherwise is rewritten to it before it is measured (a 2-cell sheet with
# `<c\tr="XFD1048576">` passed the scan and made calamine allocate 17 billion cells).
_ODD_SPACING = re.compile(rb"=(?:(?<=\s=)|[\s'])")  # whitespace around '=', or a ' quote
_SPACED_TAG = re.compile(rb"<(" + _NS + rb"(?:c|row))\s+")
_ANY_R = re.compile(rb"""\sr\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
# after ` r="`: a reference the patterns do not read as calamine does (lower case, 4+
# letters, 8+ digits; the letters possessive: a plain reference is given up at once)
_ODD_REF = rb'[A-Z]{0,3}+(?:[^0-9"]|\d{8})'
_ODD_REFS = re.compile(rb' r="(?:' + _ODD_REF + rb")")
_R_VALUE = re.compile(rb' r="([^"]*)"')
_LETTERS_DIGITS = re.compile(rb"([A-Z]*)0*(\d+)")
_UNREAD_REF = re.compile(rb' r="([A-Z]{4,}\d+|[A-Z]{0,3}\d{8,})"')  # past Excel's grid


class UnreadReference(ValueError):
    """A sheet names a cell or row the extent scan does not measure (past XFD1048576)."""


def canonical_spacing(body: bytes) -> bytes:
    """`body` with each r attribute spelled ` r="…"` and one space after each cell or row
    tag's name (`<c\tr='A1'>` -> `<c r="A1">`): unchanged, after four quick searches, when
    it holds no tab, line break, ' quote or whitespace around an '='."""
    if b"\t" in body or b"\n" in body or b"\r" in body or _ODD_SPACING.search(body):
        body = _SPACED_TAG.sub(rb"<\1 ", body)
        body = _ANY_R.sub(lambda m: b' r="' + (m[2] if m[1] is None else m[1]) + b'"', body)
    return body


def _canonical_ref(value: bytes) -> bytes:
    """A reference as calamine reads it: `b00099092` -> `B99092` (other values upper-cased:
    calamine refuses them)."""
    value = value.upper()
    ref = _LETTERS_DIGITS.fullmatch(value)
    return ref[1] + ref[2] if ref else value


def canonical_refs(body: bytes) -> bytes:
    """`body` (spaced canonically) with its references in upper case (and without leading
    zeros when they make 8+ digits); raises `UnreadReference` for a reference of more than
    3 letters or 7 digits."""
    if _ODD_REFS.search(body) is None:
        return body
    body = _R_VALUE.sub(lambda m: b' r="' + _canonical_ref(m[1]) + b'"', body)
    unread = _UNREAD_REF.search(body)
    if unread is not None:
        raise UnreadReference(f"names cell or row {unread[1][:20].decode()!r}; custdesk reads "
                              "references of at most 3 letters and 7 digits (up to XFD1048576)")
    return body


def highest_row_number(found: list[bytes]) -> int:
    """The highest r among row tags `_ROW_REF` found (b"" for a row without r)."""
    return max(map(int, filter(None, found)), default=0)


_CELL_COLUMN = re.compile(rb' r="([A-Z]{1,3})\d')


def _row_width(piece: bytes) -> int:
    """The columns a row (its XML after `<row`) can reach by its cells without r: one past
    the cell before each (calamine), so at most its cell count past its highest cell
    reference; 0 when every cell has one (`max_col` holds those)."""
    if _UNREFERENCED_CELL.search(piece) is None:
        return 0
    named = _CELL_COLUMN.findall(piece)
    highest = _column_number(max(named, key=lambda c: (len(c), c))) if named else 0
    return len(_CELL_TAG.findall(piece)) + highest


class Extent:
    """What a sheet's cells really span, counted from A1 (calamine's range can start
    later; counting from A1 only over-estimates): the highest row and column in any cell
    reference or <row r>, and how many cells the sheet holds. Measured with byte searches,
    never one Python object per cell (0.x s per million cells)."""

    def __init__(self) -> None:
        self.max_row = 0
        self.max_col = 0
        self.cells = 0
        self.widest_unreferenced = 0  # cells without r="…" count by position in their row
        self.rows_without_r = 0  # row tags without r="…": numbered one past the row before
        self.highest_row_tag = 0  # the highest <row r>

    @property
    def rows(self) -> int:
        """The rows spanned: a row without r is at most the highest <row r> plus the rows
        without r (exact when no row has one)."""
        return max(self.max_row, self.highest_row_tag + self.rows_without_r)

    @property
    def columns(self) -> int:
        return max(self.max_col, self.widest_unreferenced)

    @property
    def spanned(self) -> int:
        return self.rows * self.columns

    def _count_rows(self, found: list[bytes]) -> int:
        """Count the row tags `_ROW_REF` found (b"" for one without r); their highest r."""
        without = found.count(b"")
        self.rows_without_r += without
        highest = highest_row_number(found) if without else max(map(int, found), default=0)
        self.highest_row_tag = max(self.highest_row_tag, highest)
        return highest

    def add(self, body: bytes) -> None:
        """Measure one chunk of the sheet's XML (whole tags; `sheet_extent` cuts them)."""
        self._add(canonical_refs(canonical_spacing(body)))

    def _add(self, body: bytes) -> None:
        """`add` of a chunk spelled canonically (`canonical_spacing`, `canonical_refs`)."""
        plain = body.count(b"<c ") + (body.count(b"<c>") + body.count(b"<c/>")
                                      if _BARE_CELL.search(body) else 0)
        tags = len(_CELL_TAG.findall(body)) if b":c" in body else plain  # prefixed (rare)
        self.cells += tags
        self.max_col = max(self.max_col, self._highest_column(body))
        self.max_row = max(self.max_row, self._highest_row(body))
        if tags > body.count(b'<c r="') and _UNREFERENCED_CELL.search(body):
            self.widest_unreferenced = max(self.widest_unreferenced, max(
                _row_width(piece) for piece in _ROW_TAG.split(body)))

    def _highest_row(self, body: bytes) -> int:
        """The highest row number in a cell reference or <row r>: only references at least
        as long as the highest so far are collected (a search finds none in most chunks)."""
        highest = 0
        shortest = len(str(self.max_row))
        for n, pattern in _DIGIT_REFS.items():  # the longest row numbers first
            if n < shortest:
                break
            if pattern.search(body):
                highest = int(max(pattern.findall(body)))
                break
        rows = (_ROW_REF if b":row" in body else _PLAIN_ROW_REF).findall(body)
        return max(highest, self._count_rows(rows))

    def _highest_column(self, body: bytes) -> int:
        # one search first: usually no reference is past the highest column so far
        above = bytes([65 + self.max_col]) if self.max_col < 26 else b""
        if not re.search(rb' r="(?:[A-Z]{2}' + (rb"|[" + above + rb"-Z]\d" if above else b"")
                         + rb")", body):
            return 0
        for pattern in _LETTER_REFS.values():  # three letters (≥ AAA) first, then two
            if pattern.search(body):
                return _column_number(max(pattern.findall(body)))
        if self.max_col >= 26:
            return 0
        above = bytes([65 + self.max_col])  # only letters past the highest so far
        found = re.findall(rb' r="([' + above + rb'-Z])\d', body) if re.search(
            rb' r="[' + above + rb'-Z]\d', body) else []
        return max(found)[0] - 64 if found else 0


def _last_row_start(window: bytes) -> int:
    """Where the last row tag of `window` starts (-1: none): `<row`, or `<x:row` when no
    `<row` is in the last 8 MB."""
    start = window.rfind(b"<row")
    if start <= 0 or len(window) - start > (8 << 20):
        colon = window.rfind(b":row")
        if colon > start:
            tag = window.rfind(b"<", 0, colon)
            if tag > start and _ROW_TAG.match(window, tag):
                start = tag
    return start


def _check_row_cut(window: bytes, cut: int, start: int, row_open: bool, sheet: str) -> None:
    """A row longer than 8 MB is cut between two of its tags (`window[:cut]` is measured
    now): its cells placed by position (no r) would be counted in two pieces, each from
    the row's start, so such a row is refused. `row_open`: the window starts inside the
    row the last cut left open; `cut != start`: this cut leaves a row open."""
    pieces = []
    if row_open:  # the open row's part before this window's first row tag
        first = _ROW_TAG.search(window, 0, cut)
        pieces.append((0, first.start() if first else cut))
    if cut != start:
        pieces.append((max(start, 0), cut))
    for low, high in pieces:
        if _UNREFERENCED_CELL.search(window, low, high):
            raise ValueError(f"sheet {sheet} has a row longer than 8 MB holding cells "
                             "without a reference")


def sheet_extent(path: Path, sheet: str, max_bytes: int = MAX_SHEET_XML,
                 extent: Extent | None = None) -> Extent | None:
    """The true extent of `sheet` from its XML, streamed in 1 MB chunks (None when the
    part cannot be found or read: calamine then reports the damage itself), found by
    `extent` (default: a new `Extent`; `xlsx_extent.FastExtent` finds the same faster).
    Raises ValueError when the part unpacks to more than `max_bytes` or holds a tag longer
    than MAX_TAG, `UnreadReference` (a ValueError) when a cell or row is named past
    XFD1048576."""
    extent = Extent() if extent is None else extent
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_part(archive, sheet)
            if part is None:
                return None
            with archive.open(part) as fh:
                tail, seen, row_open = b"", 0, False
                while chunk := fh.read(1 << 20):
                    seen += len(chunk)
                    if seen > max_bytes:
                        raise ValueError(f"sheet {sheet} unpacks to more than "
                                         f"{max_bytes // 1_000_000} MB")
                    window = tail + chunk
                    start = _last_row_start(window)  # a row split by the edge stays whole
                    cut = start
                    if cut <= 0 or len(window) - cut > (8 << 20):
                        cut = window.rfind(b"<")
                    if cut > 0 and (row_open or cut != start):
                        _check_row_cut(window, cut, start, row_open, sheet)
                        row_open = cut != start
                    if cut == 0:  # one tag as long as the window: kept whole (split, its r
                        if len(window) > MAX_TAG:  # attribute could be read by neither half)
                            raise ValueError(f"sheet {sheet} holds a tag longer than "
                                             f"{MAX_TAG >> 20} MB")
                        tail = window
                        continue
                    body, tail = (window[:cut], window[cut:]) if cut > 0 else (window, b"")
                    extent.add(body)
                extent.add(tail)
    except (zipfile.BadZipFile, OSError, KeyError, zlib.error, ElementTree.ParseError,
            DefusedXmlException):
        return None
    return extent
