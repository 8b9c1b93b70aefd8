"""Reading spreadsheets: workbooks with python-calamine, CSV/TXT with the csv module.

`open_source(path)` checks the file (size bounds, zip bombs, password protection) and lists
its sheets; `read_table(source, sheet)` finds the header row and yields the data rows with
the row number the owner sees in Excel. Rows are produced one at a time: calamine holds the
sheet once (in Rust), and we never build a second full copy of it in Python.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as calamine

from custdesk.sheets import xlsx_extent, xlsx_parts
from custdesk.sheets.values import is_missing

WORKBOOK_TYPES = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}
TEXT_TYPES = {".csv": "csv", ".txt": "csv", ".tsv": "csv"}
MAX_CELLS = 25_000_000  # ~1M rows x 25 columns: calamine needs ~1.3 GB at 12M cells
MAX_FILE_BYTES = 500_000_000
MAX_UNCOMPRESSED = 1_500_000_000
SPARSE_FROM = 2_000_000  # a span this large must be at least a quarter filled
MAX_SHARED_STRINGS = 200_000_000  # unpacked text calamine keeps whole in memory
MAX_RATIO = 300  # real sheets compress 5-50x; zip bombs compress 1000x and more
HEADER_SCAN_ROWS = 30
SNIFF_BYTES = 256 * 1024
PASSWORD_MESSAGE = "this workbook is password-protected; save an unprotected copy and import that"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class ReadError(Exception):
    """The file cannot be read; the message names the file and says what to do."""


class EncodingNeededError(ReadError):
    """A text file is not UTF-8: the owner must confirm an encoding (cp1252 is usual)."""


@dataclass
class Source:
    path: Path
    type: str  # xlsx, xls, ods, csv
    sheet_names: list[str]
    hidden: set[str] = field(default_factory=set)
    date1904: bool = False
    encoding: str | None = None
    delimiter: str | None = None
    _workbook: calamine.CalamineWorkbook | None = None

    @property
    def visible_sheets(self) -> list[str]:
        return [s for s in self.sheet_names if s not in self.hidden]

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None


@dataclass
class Table:
    """One sheet's header and its data rows (an iterator: it can be walked once)."""

    sheet: str
    headers: list[str]
    header_row: int  # as the owner sees it in Excel (1-based)
    rows: Iterator[tuple[int, Sequence[object]]]
    formula_gaps: set[tuple[int, int]] = field(default_factory=set)  # (row, column index)
    # finds formula_gaps on demand: it unpacks the sheet's XML again (0.2 s at 100k rows),
    # which only a sheet with blank cells needs (a formula without a value reads as blank)
    scan_formulas: Callable[[], set[tuple[int, int]]] | None = None

    def gaps(self) -> set[tuple[int, int]]:
        """Formula cells without a saved value: (Excel row, 0-based column)."""
        if self.scan_formulas is not None:
            self.formula_gaps |= self.scan_formulas()
            self.scan_formulas = None
        return self.formula_gaps


def open_source(path: str | Path, encoding: str | None = None) -> Source:
    """Check and open a spreadsheet or CSV file; ReadError with a clear message if refused."""
    path = Path(path)
    if not path.is_file():
        raise ReadError(f"{path.name}: no such file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ReadError(f"{path.name} is {size // 1_000_000} MB; custdesk reads files up to "
                        f"{MAX_FILE_BYTES // 1_000_000} MB (split it, or save it as CSV)")
    suffix = path.suffix.lower()
    if suffix in TEXT_TYPES:
        return _open_csv(path, encoding)
    if suffix not in WORKBOOK_TYPES:
        raise ReadError(f"{path.name}: custdesk reads .xlsx, .xlsm, .xls, .ods, .csv and .txt "
                        "files")
    return _open_workbook(path, WORKBOOK_TYPES[suffix])


def _open_workbook(path: Path, kind: str) -> Source:
    with open(path, "rb") as fh:
        head = fh.read(8)
    if kind in ("xlsx", "ods") and head == _OLE_MAGIC:
        if _mentions_encryption(path):
            raise ReadError(f"{path.name}: {PASSWORD_MESSAGE}")
        raise ReadError(f"{path.name} is not a valid {path.suffix} file (it looks like an old "
                        ".xls workbook: rename it to .xls)")
    date1904 = False
    if kind in ("xlsx", "ods"):
        _check_zip(path)
    if kind == "xlsx":
        date1904 = xlsx_parts.uses_1904(path)
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError:
        raise ReadError(f"{path.name}: {PASSWORD_MESSAGE}") from None
    except (calamine.CalamineError, OSError, ValueError) as exc:
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise ReadError(f"{path.name}: {PASSWORD_MESSAGE}") from None
        raise ReadError(f"{path.name} cannot be read as a spreadsheet ({exc})") from None
    hidden = {m.name for m in workbook.sheets_metadata
              if m.visible != calamine.SheetVisibleEnum.Visible
              or m.typ != calamine.SheetTypeEnum.WorkSheet}
    return Source(path, kind, list(workbook.sheet_names), hidden, date1904,
                  _workbook=workbook)


def _mentions_encryption(path: Path) -> bool:
    """An OLE file holding an 'EncryptedPackage' stream is an encrypted xlsx."""
    needle = "EncryptedPackage".encode("utf-16-le")
    with open(path, "rb") as fh:
        tail = b""
        while chunk := fh.read(1 << 20):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle):]
    return False


def _check_zip(path: Path) -> None:
    """Refuse zip bombs: absurd uncompressed sizes or compression ratios."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError(f"{path.name} is damaged or not a spreadsheet ({exc})") from None
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise ReadError(f"{path.name} unpacks to {total // 1_000_000} MB, more than custdesk "
                        "will read; it may be damaged or malicious")
    for info in infos:
        if info.filename.lower().endswith("sharedstrings.xml") and (
                info.file_size > MAX_SHARED_STRINGS):
            raise ReadError(f"{path.name}: its shared text unpacks to "
                            f"{info.file_size // 1_000_000} MB, more than custdesk reads "
                            f"({MAX_SHARED_STRINGS // 1_000_000} MB); save it as CSV")
        ratio = info.file_size // max(info.compress_size, 1)
        if info.file_size > 50_000_000 and ratio > MAX_RATIO:
            raise ReadError(f"{path.name}: part {info.filename} unpacks to {ratio}× its size; "
                            "refusing a possible zip bomb")


# What a header-only read keeps of a sheet, and the sheets whose extent passed, by file
# identity (path, size, modification time) and sheet: the import wizard lists the sheets,
# chooses one, then previews it — three reads of the same sheet, each a full calamine load
# and an extent scan of its XML (~15 s at 1M lines), where one of each is enough.
SAMPLE_ROWS = 5
_HEADS: dict[tuple[object, ...], tuple[list[str], int, list[tuple[int, Sequence[object]]]]] = {}
_EXTENT_OK: set[tuple[object, ...]] = set()
_REMEMBERED = 16


def _identity(path: Path, sheet: str) -> tuple[object, ...]:
    stat = path.stat()
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns, sheet)


def _remember(found: dict[Any, Any] | set[Any], key: tuple[object, ...], value: Any = None
              ) -> None:
    if len(found) >= _REMEMBERED:
        found.clear()
    if isinstance(found, set):
        found.add(key)
    else:
        found[key] = value


def read_table(source: Source, sheet: str | None = None, *, rows: bool = True) -> Table:
    """The header and data rows of `sheet` (the only/first sheet when None). With
    `rows=False` only the header and the first `SAMPLE_ROWS` data rows are wanted (to list
    or choose a sheet): a workbook sheet read so before is not read again."""
    if source.type == "csv":
        return _csv_table(source)
    names = source.sheet_names
    if not names:
        raise ReadError(f"{source.path.name} has no sheets")
    name = sheet if sheet is not None else (source.visible_sheets or names)[0]
    if name not in names:
        raise ReadError(f"{source.path.name} has no sheet {name!r}; sheets: {', '.join(names)}")
    key = _identity(source.path, name)
    if not rows and key in _HEADS:
        headers, header_row, samples = _HEADS[key]
        return Table(name, list(headers), header_row, iter(samples))
    if source.type == "xlsx" and key not in _EXTENT_OK:
        cells = xlsx_parts.declared_cells(source.path, name)
        if cells is not None and cells > MAX_CELLS:
            raise ReadError(f"{source.path.name}, sheet {name}: declares {cells:,} cells, more "
                            f"than custdesk reads ({MAX_CELLS:,}); delete unused rows/columns")
        _check_extent(source.path, name)
        _remember(_EXTENT_OK, key)
    assert source._workbook is not None
    try:
        data = source._workbook.get_sheet_by_name(name)
    except calamine.CalamineError as exc:
        raise ReadError(f"{source.path.name}, sheet {name}: cannot be read ({exc})") from None
    if data.height * data.width > MAX_CELLS:
        raise ReadError(f"{source.path.name}, sheet {name}: {data.height:,} rows × "
                        f"{data.width:,} columns is more than custdesk reads")
    start_row, start_col = data.start or (0, 0)
    numbered = zip(itertools.count(start_row + 1), data.iter_rows())
    table = _with_header(name, numbered)
    if not rows:  # (the sheet is freed with the iterator)
        samples = list(itertools.islice(table.rows, SAMPLE_ROWS))
        _remember(_HEADS, key, (list(table.headers), table.header_row, samples))
        return Table(name, table.headers, table.header_row, iter(samples))
    if source.type == "xlsx":
        path = source.path
        table.scan_formulas = lambda: {(r, c - start_col) for r, c in
                                       xlsx_parts.formulas_without_value(path, name)}
    return table


def _check_extent(path: Path, sheet: str) -> None:
    """Refuse, before calamine allocates it, a sheet whose cells really span more than
    MAX_CELLS, or a mostly empty one spanning more than SPARSE_FROM (calamine holds every
    cell of the span: a few far-apart cells in a tiny file cost gigabytes)."""
    try:
        extent = xlsx_extent.sheet_extent(path, sheet)
    except xlsx_parts.UnreadReference as exc:  # (calamine would read it: a far cell)
        raise ReadError(f"{path.name}, sheet {sheet}: {exc}") from None
    except ValueError as exc:
        raise ReadError(f"{path.name}: {exc}, more than custdesk reads") from None
    if extent is None:
        return
    span = extent.spanned
    if span > MAX_CELLS or (span > SPARSE_FROM and extent.cells * 4 < span):
        raise ReadError(
            f"{path.name}, sheet {sheet}: its cells span {span:,} cells "
            f"({extent.rows:,} rows × {extent.columns:,}"
            f" columns) but hold {extent.cells:,}; custdesk reads at most {MAX_CELLS:,} "
            "(and a mostly empty span of at most "
            f"{SPARSE_FROM:,}): delete the far-away cells and save again")


def _with_header(sheet: str, numbered: Iterator[tuple[int, Sequence[object]]]) -> Table:
    head = list(itertools.islice(numbered, HEADER_SCAN_ROWS))
    index = find_header(head_rows := [row for _n, row in head])
    if index is None:
        return Table(sheet, [], 0, iter(()))
    headers = [_header_text(v) for v in head_rows[index]]
    rest = itertools.chain(head[index + 1:], numbered)
    data = itertools.filterfalse(_blank_line, rest)
    return Table(sheet, headers, head[index][0], data)


def _blank_line(line: tuple[int, Sequence[object]]) -> bool:
    """`_blank` of a numbered row, deciding the usual case (a filled first cell) inline."""
    row = line[1]
    first = row[0] if row else None
    if first.__class__ is str:
        if len(first.strip()) > 6:
            return False  # longer than any missing marker ('#null!')
    elif first.__class__ is float:
        if first == first:
            return False  # a number, not NaN
    elif first is not None:
        return False  # int, bool, date, datetime: never missing
    return _blank(row)


def _blank(row: Sequence[object]) -> bool:
    """True for a row with no value (returns at the first filled cell: usually the first)."""
    for value in row:
        if value is not None and value != "" and not is_missing(value):
            return False
    return True


def _header_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\u00a0", " ").replace("\ufeff", "").strip()


def find_header(rows: list[Sequence[object]]) -> int | None:
    """Index of the header row: the first wide row of mostly text that has data below.

    Title rows and notes (one or two cells) and blank rows above it are skipped.
    """
    counts = [sum(not is_missing(v) for v in row) for row in rows]
    if not counts or max(counts) == 0:
        return None
    widest = max(counts)
    for i, row in enumerate(rows):
        filled = [v for v in row if not is_missing(v)]
        if len(filled) < max(2, (widest + 1) // 2) and not (widest == 1 and filled):
            continue
        texts = sum(isinstance(v, str) and not _numeric(v) for v in filled)
        if texts >= 0.7 * len(filled):
            return i
    return None


def _numeric(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


# ---- CSV --------------------------------------------------------------------------------

def _open_csv(path: Path, encoding: str | None) -> Source:
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if encoding is None:
        encoding = sniff_encoding(head, path.name)
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except (LookupError, UnicodeDecodeError) as exc:
        raise ReadError(f"{path.name}: cannot be read as {encoding} ({exc})") from None
    return Source(path, "csv", [path.stem], encoding=encoding, delimiter=sniff_delimiter(text))


def sniff_encoding(head: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-32 and UTF-16 by BOM or by their NUL pattern
    (ASCII text in UTF-16 has a NUL in every other byte); anything else must be confirmed."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16's
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 8 and sample.count(0) * 4 >= len(sample):  # NUL-laced: wide text
        quads = len(sample) // 4 * 4
        if all(sample[i + 1:i + 4] == b"\0\0\0" for i in range(0, min(quads, 64), 4)):
            return "utf-32-le"
        if all(sample[i:i + 3] == b"\0\0\0" for i in range(0, min(quads, 64), 4)):
            return "utf-32-be"
        odd_zero = sample[1::2].count(0) >= len(sample) // 2 * 0.8
        return "utf-16-le" if odd_zero else "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        raise EncodingNeededError(
            f"{name} is not UTF-8 text; if it was saved by Excel on Windows, import it with "
            "--encoding cp1252 (or choose the encoding in the wizard)") from None
    return "utf-8"


def sniff_delimiter(text: str) -> str:
    """',', ';', tab or '|': the one giving the most rows of one consistent width > 1."""
    sample = text[: text.rfind("\n") + 1] or text
    best, best_score = ",", -1
    for delimiter in (",", ";", "\t", "|"):
        try:
            widths = [len(r) for r in itertools.islice(
                csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), 50) if any(r)]
        except csv.Error:  # e.g. a bare carriage return: this delimiter cannot be judged
            continue
        if not widths:
            continue
        mode = max(set(widths), key=widths.count)
        score = widths.count(mode) * (mode > 1) * 1000 + mode
        if score > best_score:
            best, best_score = delimiter, score
    return best


MAX_LINE_CHARS = 2_000_000  # one physical line (30 cells of Excel's 32,767 fit many times)
MAX_COLUMNS = 16_384  # Excel's own limit


def _bounded_lines(handle: io.TextIOBase, name: str) -> Iterator[str]:
    """The file's lines, each read with a length bound: a 100 MB one-line file must not
    be read whole (issue 20, H4)."""
    number = 0
    while line := handle.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise ReadError(f"{name}, line {number}: longer than {MAX_LINE_CHARS:,} "
                            "characters; this is not a table custdesk can read")
        yield line


def _csv_table(source: Source) -> Table:
    handle = open(source.path, encoding=source.encoding, newline="")  # closed by the row generator
    name = source.path.name
    reader = csv.reader(_bounded_lines(handle, name), delimiter=source.delimiter or ",")

    def rows() -> Iterator[list[str]]:
        for row in reader:
            if len(row) > MAX_COLUMNS:
                raise ReadError(f"{name}, line {reader.line_num}: {len(row):,} columns, more "
                                f"than custdesk reads ({MAX_COLUMNS:,})")
            yield row

    def numbered() -> Iterator[tuple[int, Sequence[object]]]:
        try:
            yield from enumerate(rows(), start=1)
        except UnicodeDecodeError:
            raise ReadError(f"{name}: not {source.encoding} text after line "
                            f"{reader.line_num}; try --encoding cp1252") from None
        except csv.Error as exc:
            raise ReadError(f"{name}, line {reader.line_num}: {exc}") from None
        finally:
            handle.close()

    return _with_header(source.sheet_names[0], numbered())
