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

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_EMPTY_FORMULA = re.compile(
    rb'<(?:\w+:)?c r="([A-Z]+)(\d+)"[^>]*>\s*<(?:\w+:)?f(?:\s[^>]*)?(?:/>|>[^<]*</(?:\w+:)?f>)'
    rb'\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>')
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
    cols = _column_number(match[3]) - _column_number(match[1]) + 1
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
