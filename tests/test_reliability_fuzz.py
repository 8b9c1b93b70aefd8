"""Issue 7, point 4 (fuzz): mutated real workbooks and CSVs through the importer.

Property: `make_preview` / `commit` only ever raise the importer's defined errors
(ReadError and its subclasses, AmbiguousDatesError, AmbiguousColumnError — a column whose
numbers mix percent conventions, asked rather than guessed —, InvalidRowsError), which the CLI and
the wizard turn into one clear message; never anything else. 500 cases in CI, more with
CUSTDESK_FUZZ_CASES=N (and another CUSTDESK_FUZZ_SEED). Seeds are the first lines of the
real files in ../shared/data when present (else realistic stand-ins), and workbooks
written from them by openpyxl, a real xlsx writer.
"""

from __future__ import annotations

import io
import os
import random
import traceback
import zipfile
from collections import Counter
from pathlib import Path

from openpyxl import Workbook
from reliability_util import integrity

from custdesk.services.importer import (
    AmbiguousColumnError,
    AmbiguousDatesError,
    ImportRequest,
    InvalidRowsError,
    ReadError,
    commit,
    make_preview,
)
from custdesk.storage import open_store

CASES = int(os.environ.get("CUSTDESK_FUZZ_CASES", "500"))
SEED = int(os.environ.get("CUSTDESK_FUZZ_SEED", "2026"))
EXPECTED = (ReadError, AmbiguousDatesError, AmbiguousColumnError, InvalidRowsError)
SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
REAL_CSVS = ["superstore.csv", "telco_customer_churn.csv", "customer_support_tickets.csv",
             "online_retail_sample.csv"]
STAND_IN = """\
Order Date,Order ID,Customer ID,Customer Name,Segment,Product Name,Sales,Quantity,Discount
08/11/2016,CA-2016-152156,CG-12520,Claire Gute,Consumer,Bush Somerset Bookcase,261.96,2,0
08/11/2016,CA-2016-152156,CG-12520,Claire Gute,Consumer,Hon Chairs,731.94,3,0
12/06/2016,CA-2016-138688,DV-13045,Darrin Van Huff,Corporate,Self-Adhesive Labels,14.62,2,0
10/11/2015,US-2015-108966,SO-20335,Sean O'Donnell,Consumer,Bretford Table,957.5775,5,0.45
"""
TOKENS = [",", ";", '"', '""', "\n", "\r\n", "\t", "\x00", "\ufeff", "=", "-", "(12.00)",
          "1.234,50 €", "$1,234.50", "1e400", "-0", "NaN", "2024-02-30", "00/00/0000",
          "31/12/9999", "13/13/2013", "12/31/1899", "Yes", "n/a", "#REF!", "é", "\u202e",
          "💥", "x" * 5000, "1" * 400, "<c>", "&amp;", "&lol;", "<f>A1*2</f>", "<v></v>",
          '<c r="XFD1048576"><v>1</v></c>', 't="s"', "<v>999999</v>", "<v>-1</v>",
          '<dimension ref="A1:XFD1048576"/>', "</row>", "<row r=\"0\">", "]]>", "<!--"]


def _seed_csvs() -> list[bytes]:
    seeds = []
    for name in REAL_CSVS:
        path = SHARED / name
        if path.is_file():
            with open(path, "rb") as fh:
                seeds.append(b"".join(fh.readline() for _ in range(40)))
    return seeds or [STAND_IN.encode()]


def _as_xlsx(csv_bytes: bytes) -> bytes:
    import csv

    text = csv_bytes.decode("utf-8", errors="replace").lstrip("\ufeff")
    book = Workbook()
    sheet = book.active
    for row in csv.reader(io.StringIO(text)):
        sheet.append([_typed(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _typed(value: str) -> object:
    try:
        return float(value) if "." in value else int(value)
    except ValueError:
        return value


def _mutate_text(data: bytes, rng: random.Random) -> bytes:
    text = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(6)
        at = rng.randrange(len(text) + 1)
        if op == 0 and text:  # flip a byte
            text[min(at, len(text) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:  # insert a nasty token
            text[at:at] = rng.choice(TOKENS).encode("utf-8")
        elif op == 2:  # delete a range
            del text[at:at + rng.randint(1, 64)]
        elif op == 3:  # duplicate a range
            text[at:at] = text[at:at + rng.randint(1, 400)]
        elif op == 4:  # truncate
            del text[at:]
        else:  # replace a line of text with a token
            end = text.find(b"\n", at)
            text[at:end if end > 0 else len(text)] = rng.choice(TOKENS).encode("utf-8")
    return bytes(text)


def _mutate_xlsx(data: bytes, rng: random.Random) -> bytes:
    """Mutate inside the package (so the zip stays readable and the XML parsers are hit),
    or the raw bytes of the package itself."""
    if rng.random() < 0.2:
        return _mutate_text(data, rng)
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    names = sorted(parts)
    weights = [6 if "worksheets" in n else 3 if "sharedStrings" in n else 1 for n in names]
    for target in rng.choices(names, weights, k=rng.randint(1, 2)):
        parts[target] = _mutate_text(parts[target], rng)
    if rng.random() < 0.05:
        parts.pop(rng.choice(names))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, body in parts.items():
            out.writestr(name, body)
    return buffer.getvalue()


def _case(seeds: list[tuple[str, bytes]], rng: random.Random) -> tuple[str, bytes]:
    suffix, seed = rng.choice(seeds)
    body = _mutate_xlsx(seed, rng) if suffix == ".xlsx" else _mutate_text(seed, rng)
    if rng.random() < 0.05:  # the wrong extension, as owners rename files
        suffix = rng.choice([".xls", ".ods", ".txt", ".xlsx", ".csv"])
    return suffix, body


# Importer bugs this fuzz found (fixed in 71c608a); each keeps a minimal reproducer below.
def _preview(path: Path, tmp_path: Path) -> str:
    """'ok', or the name of the defined error: anything else propagates and fails."""
    store = open_store(tmp_path / "repro.db")
    try:
        make_preview(store, ImportRequest(path))
        return "ok"
    except EXPECTED as exc:
        return type(exc).__name__  # a defined, clear refusal
    finally:
        store.close(backup_if_changed=False)


def test_csv_with_a_bare_carriage_return_in_a_field(tmp_path: Path) -> None:
    """Was: csv.Error escaping from sheets/reader.py sniff_delimiter()."""
    path = tmp_path / "cr.csv"
    path.write_bytes(b"Customer Name,Email\nAnn\rLee,ann@example.com\n")
    assert _preview(path, tmp_path) in ("ok", "ReadError")


def test_workbook_that_lists_no_sheet(tmp_path: Path) -> None:
    """Was: IndexError in sheets/reader.py read_table()."""
    from hostile_files import WORKBOOK, xlsx

    path = tmp_path / "nosheets.xlsx"
    path.write_bytes(xlsx({"xl/workbook.xml": WORKBOOK.replace(
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/>', "")}))
    assert _preview(path, tmp_path) in ("ReadError", "MappingError")


def test_workbook_with_a_corrupt_compressed_sheet(tmp_path: Path) -> None:
    """Was: zlib.error escaping from sheets/xlsx_parts.py declared_cells()."""
    from hostile_files import CUSTOMERS, sheet_xml, xlsx

    data = bytearray(xlsx(sheet=sheet_xml(CUSTOMERS)))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(info.compress_size // 2, info.compress_size):
        data[start + k] = 0xFF  # the second half of the deflate stream destroyed
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(bytes(data))
    assert _preview(path, tmp_path) == "ReadError"


def test_fuzz_500_mutated_files_raise_only_defined_errors(tmp_path: Path) -> None:
    csvs = _seed_csvs()
    seeds = [(".csv", c) for c in csvs] + [(".xlsx", _as_xlsx(c)) for c in csvs]
    rng = random.Random(SEED)
    store = open_store(tmp_path / "fuzz.db")
    outcomes: Counter[str] = Counter()
    failures = []
    try:
        for n in range(CASES):
            suffix, body = _case(seeds, rng)
            path = tmp_path / f"case{n % 20}{suffix}"
            path.write_bytes(body)
            try:
                preview = make_preview(store, ImportRequest(path, skip_invalid=n % 2 == 0))
                if n % 3 == 0:
                    commit(store, preview)
                    outcomes["imported"] += 1
                else:
                    outcomes["previewed"] += 1
            except EXPECTED as exc:
                outcomes[type(exc).__name__] += 1
            except Exception as exc:
                keep = tmp_path / f"failing-{n}{suffix}"
                keep.write_bytes(body)
                failures.append(f"case {n} ({keep.name}): {type(exc).__name__}: {exc}\n"
                                + "".join(traceback.format_tb(exc.__traceback__)[-2:]))
    finally:
        store.close(backup_if_changed=False)
    print(f"\n{CASES} fuzz cases (seed {SEED}): {dict(outcomes)}; {len(failures)} failures")
    assert integrity(tmp_path / "fuzz.db") == "ok"
    assert not failures, "\n".join(failures[:10])
