"""The import's faster extent scan (`sheets/xlsx_extent.py`) equals its reference
(`xlsx_parts.Extent` / `xlsx_parts.sheet_extent`): on every hostile workbook, on the real
and generated workbooks, and chunk by chunk on random sheet XML whose cells name rows
past their own, carry leading zeros, 7-digit rows, no reference or a namespace prefix."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hostile_files import col, write_all, xlsx

from custdesk.sheets import xlsx_extent, xlsx_parts

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _state(extent: xlsx_parts.Extent | None) -> tuple[int, ...] | None:
    if extent is None:
        return None
    return (extent.max_row, extent.max_col, extent.cells, extent.widest_unreferenced)


def _both(path: Path, sheet: str) -> tuple[object, object]:
    out = []
    for scan in (xlsx_parts.sheet_extent, xlsx_extent.sheet_extent):
        try:
            out.append(_state(scan(path, sheet)))
        except ValueError as exc:
            out.append(str(exc))
    return out[0], out[1]


def test_hostile_workbooks_measure_the_same(tmp_path: Path) -> None:
    compared = 0
    for name, path in write_all(tmp_path).items():
        if not name.endswith((".xlsx", ".xlsm")):
            continue
        for sheet in ("Sheet1", "Sheet2", "Data", "missing"):
            reference, fast = _both(path, sheet)
            assert fast == reference, (name, sheet)
            compared += reference is not None
    assert compared >= 10


def test_real_workbook_measures_the_same() -> None:
    path = DATA / "superstore.xlsx"
    if not path.exists():
        pytest.skip(f"{path} is absent (see ../shared/data/SOURCES.md)")
    from python_calamine import CalamineWorkbook

    for sheet in CalamineWorkbook.from_path(str(path)).sheet_names:
        reference, fast = _both(path, sheet)
        assert fast == reference and reference is not None


def _random_rows(rng: random.Random, count: int, plain: bool = False) -> str:
    """Rows of random cells; `plain`: no prefixed or bare tag (`FastExtent`'s plain
    path), rarely a cell whose r is not its first attribute or that has none."""
    out = []
    row = rng.randrange(1, 50)
    for _ in range(count):
        row += rng.choice((1, 1, 1, 2, 40, 900, 99_000))
        tag = "row" if plain else rng.choice(("row", "row", "row", "x:row"))
        cells = []
        for c in range(1, rng.randrange(1, 8)):
            cell_row = str(row)
            roll = rng.random()
            if roll < 0.03:
                cell_row = str(row + rng.choice((1, 10, 5_000, 2_000_000)))  # past its row
            elif roll < 0.05:
                cell_row = "0" * rng.randrange(1, 4) + cell_row  # leading zeros
            elif roll < 0.06:
                cell_row = str(rng.randrange(1_000_000, 9_999_999))
            letters = col(rng.choice((c, c, c, 27, 700, 16_384)))
            if plain and roll > 0.995:
                cells.append(rng.choice(('<c t="n"><v>1</v></c>',
                                         f'<c s="1" r="{letters}{cell_row}"><v>1</v></c>')))
            elif plain:
                cells.append(f'<c r="{letters}{cell_row}"><v>{c}</v></c>')
            elif roll > 0.97:
                cells.append("<c><v>1</v></c>")
            elif roll > 0.95:
                cells.append(f'<x:c r="{letters}{cell_row}"><x:v>1</x:v></x:c>')
            else:
                cells.append(f'<c r="{letters}{cell_row}"><v>{c}</v></c>')
        number = f' r="{row}"' if rng.random() > 0.05 else ""
        out.append(f"<{tag}{number}>{''.join(cells)}</{tag}>")
    return "".join(out)


@pytest.mark.parametrize("seed", range(40))
def test_random_chunks_measure_the_same(seed: int) -> None:
    rng = random.Random(seed)
    reference, fast = xlsx_parts.Extent(), xlsx_extent.FastExtent()
    for _ in range(rng.randrange(1, 12)):
        body = _random_rows(rng, rng.randrange(0, 300)).encode()
        reference.add(body)
        fast.add(body)
        assert _state(fast) == _state(reference)


@pytest.mark.parametrize("seed", range(40))
def test_random_plain_chunks_measure_the_same(seed: int) -> None:
    """Chunks without prefixed or bare tags (most real chunks: the plain path), with a
    chunk of one kind or the other between them now and then."""
    rng = random.Random(1000 + seed)
    reference, fast = xlsx_parts.Extent(), xlsx_extent.FastExtent()
    taken = []
    add_plain = fast._add_plain
    fast._add_plain = lambda body: taken.append(add_plain(body)) or taken[-1]  # type: ignore
    for i in range(rng.randrange(2, 12)):
        plain = i == 0 or rng.random() < 0.8
        body = _random_rows(rng, rng.randrange(0, 300), plain=plain).encode()
        if rng.random() < 0.3:  # most rows referenced and in order: the plain path's case
            body = b"".join(f'<row r="{n}"><c r="A{n}"><v>1</v></c><c r="C{n}"/></row>'
                            .encode() for n in range(reference.max_row + 1,
                                                     reference.max_row + rng.randrange(2, 90)))
        reference.add(body)
        fast.add(body)
        assert _state(fast) == _state(reference)
    assert taken  # (the plain path ran; `True in taken` for most seeds)


def test_plain_path_is_taken_and_declines() -> None:
    """The plain path adds a well-formed chunk itself and leaves a chunk with a reference
    past its rows, or a cell without a leading r, to the general path."""
    def rows(first: int) -> bytes:
        return b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c><c r="N%d"/></row>' % (n, n, n)
                        for n in range(first, first + 10))

    fast = xlsx_extent.FastExtent()
    assert not fast._add_plain(rows(1))  # column N is past the widest so far (none)
    fast.add(rows(1))
    assert _state(fast) == (10, 14, 20, 0)
    assert fast._add_plain(rows(11)) and _state(fast) == (20, 14, 40, 0)
    good = rows(21)
    assert not fast._add_plain(good.replace(b'r="A27"', b'r="A270"'))
    assert not fast._add_plain(good.replace(b'<c r="A27"', b'<c s="2" r="A27"'))
    assert not fast._add_plain(good.replace(b'r="A27"', b'r="AB27"'))
    assert _state(fast) == (20, 14, 40, 0)


@pytest.mark.parametrize("bound", [0, 1, 8, 9, 10, 99, 100, 4_321, 99_999, 100_001,
                                   1_048_576, 9_999_999])
def test_reference_past_finds_exactly_the_greater_rows(bound: int) -> None:
    pattern = xlsx_extent._reference_past(bound)
    for number in {*range(0, 130), *range(bound - 12, bound + 12), 10 ** 7 - 1, 10 ** 7}:
        if number < 0:
            continue
        text = f' r="B{number}"'.encode() + b'"'
        found = pattern.search(f' r="B{number}"'.encode()) is not None
        assert found == (number > bound), (bound, number, text)  # 8+ digits: refused


def test_workbook_chunks_measure_the_same(tmp_path: Path) -> None:
    rng = random.Random(7)
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
             'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             + _random_rows(rng, 40_000) + "</sheetData></worksheet>")
    path = tmp_path / "random.xlsx"
    path.write_bytes(xlsx(sheet=sheet))
    reference, fast = _both(path, "Sheet1")
    assert fast == reference and reference is not None
