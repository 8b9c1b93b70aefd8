"""Fast cells for write-only sheets: one reused cell per formatted column.

openpyxl's write-only `append` hashes a cell's style for every value written and, for a
ready-made cell, first fails to bind it as a value (a type search and an exception) before
using it. Measured at 100k order lines (5 formatted columns besides the date): 1.28–1.32×
the CPU time of a bare write-only loop without these cells, 1.11× with them
(benchmarks/bench_export.py). The output is the same as one public `WriteOnlyCell` per
value (tests/test_export_writer.py checks it cell by cell).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell


class _FormattedCell(Cell):
    """A reusable write-only cell with a fixed number format, for numbers and dates only.

    Its style id is looked up once, where openpyxl would hash the style for every cell
    written (and test `has_style` twice).
    """

    __slots__ = ("_sid",)
    has_style = True

    def __init__(self, ws: Any, fmt: str) -> None:
        super().__init__(ws, row=1, column=1)
        self.number_format = fmt  # type: ignore[misc]  # a slot of openpyxl's Cell
        self._sid = ws.parent._cell_styles.add(self._style)

    @property
    def style_id(self) -> int:
        return self._sid

    def holding(self, value: Any) -> _FormattedCell:
        # the types openpyxl itself binds as 'd' (dates) or 'n' (numbers), nothing else
        self._value = value  # type: ignore[misc]  # slots of openpyxl's Cell
        self.data_type = "d" if isinstance(value, date) else "n"  # type: ignore[misc]
        return self


_FAST_TYPES = frozenset({int, float, Decimal, date, datetime})


def _cells_of_row(ws: Any) -> Callable[[Sequence[Any], int], Iterator[Any]]:
    """openpyxl's write-only `_values_to_row`, minus its cost for ready-made cells.

    The original first tries `cell.value = <a Cell>`, which fails through a type search and
    an exception, then makes a fresh cell: about 30 % more time for a sheet of formatted
    money. This version takes ready-made cells as they are and does the same for the rest.
    Installed on the instance: should openpyxl rename the method, the attribute is simply
    unused and the original runs (slower, same output).
    """
    plain = WriteOnlyCell(ws)

    def values_to_row(values: Sequence[Any], row_idx: int) -> Iterator[Any]:
        nonlocal plain
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, Cell):
                cell = value
            else:
                cell = plain
                cell.value = value
            cell.column, cell.row = col_idx, row_idx
            yield cell
            if cell is plain and (cell.has_style or cell.hyperlink):
                plain = WriteOnlyCell(ws)  # a date got a default format: start clean

    return values_to_row


class RowCells:
    """Turns a converted row into what `ws.append` takes.

    A formatted column reuses one cell: write-only `append` serialises the row before it
    returns, so the cell is free again for the next row. Only numbers and dates go into
    those cells; text that `needs_cell` flags goes through `safe_cell` (writer.py).
    """

    def __init__(self, ws: Any, formats: Sequence[str | None],
                 safe_cell: Callable[[Any, str], Any], needs_cell: Callable[[str], bool]
                 ) -> None:
        self.ws, self.safe_cell, self.needs_cell = ws, safe_cell, needs_cell
        self.cells = [None if fmt is None else _FormattedCell(ws, fmt) for fmt in formats]
        ws._values_to_row = _cells_of_row(ws)

    def __call__(self, row: list[Any]) -> list[Any]:
        cells = self.cells
        for i, value in enumerate(row):
            if value is None:
                continue
            kind = type(value)
            if kind is str:
                if self.needs_cell(value):
                    row[i] = self.safe_cell(self.ws, value)
            elif kind in _FAST_TYPES and (cell := cells[i]) is not None:
                row[i] = cell.holding(value)
        return row
