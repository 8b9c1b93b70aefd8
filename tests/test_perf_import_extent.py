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


def _random_rows(rng: random.Random, count: int) -> str:
    out = []
    row = rng.randrange(1, 50)
    for _ in range(count):
        row += rng.choice((1, 1, 1, 2, 40, 900, 99_000))
        tag = rng.choice(("row", "row", "row", "x:row"))
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
            if roll > 0.97:
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


@pytest.mark.parametrize("bound", [0, 1, 8, 9, 10, 99, 100, 4_321, 99_999, 100_001,
                                   1_048_576, 9_999_999])
def test_reference_past_finds_exactly_the_greater_rows(bound: int) -> None:
    pattern = xlsx_extent._reference_past(bound)
    for number in {*range(0, 130), *range(bound - 12, bound + 12), 10 ** 7 - 1, 10 ** 7}:
        if number < 0:
            continue
        text = f' r="B{number}"'.encode() + b'"'
        found = pattern.search(f' r="B{number}"'.encode()) is not None
        assert found == (number > bound and number < 10 ** 7), (bound, number, text)


def test_workbook_chunks_measure_the_same(tmp_path: Path) -> None:
    rng = random.Random(7)
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
             'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             + _random_rows(rng, 40_000) + "</sheetData></worksheet>")
    path = tmp_path / "random.xlsx"
    path.write_bytes(xlsx(sheet=sheet))
    reference, fast = _both(path, "Sheet1")
    assert fast == reference and reference is not None
