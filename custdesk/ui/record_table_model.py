"""The one table model of the app: rows of plain objects, shown through column specs.

The model sorts and filters itself (DESIGN.md: `QSortFilterProxyModel` took 8.3 s to sort
100k rows here; a key sort inside the model takes a few hundredths). It keeps all rows in
`_rows` and the visible ones, in display order, as an index list `_view`. `data()` formats
only the cells Qt asks for (the visible ones), so nothing is filled cell by cell.

Roles: `SORT_ROLE` gives a cell's raw value (numbers stay numbers), `ROW_ROLE` the row object.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from operator import attrgetter, itemgetter
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from custdesk.domain.gc_pause import collector_paused
from custdesk.ui import formatting as fmt
from custdesk.ui.plain_text import tooltip

SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1
ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 2
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_NUMERIC = {"int", "float", "money", "pct", "score"}
_DISPLAY_ROLE = int(Qt.ItemDataRole.DisplayRole)
_ALIGN_ROLE = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP_ROLE = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND_ROLE = int(Qt.ItemDataRole.ForegroundRole)
_ROLES = frozenset({_DISPLAY_ROLE, SORT_ROLE, ROW_ROLE, _ALIGN_ROLE, _TOOLTIP_ROLE,
                    _FOREGROUND_ROLE})
_HEADER_ROLES = frozenset({_DISPLAY_ROLE, _TOOLTIP_ROLE, _ALIGN_ROLE})
_CELL_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """How one column gets, shows and sorts its value.

    kind: "text" | "int" | "float" | "money" | "pct" | "date" | "score" | "list";
    value(row) gives the raw value (default: attribute or key `key`); display(raw) the text.
    """

    key: str
    header: str
    kind: str = "text"
    value: Callable[[Any], Any] | None = None
    display: Callable[[Any], str] | None = None
    align: Qt.AlignmentFlag | None = None
    tooltip: str = ""
    searchable: bool = field(default=True)

    def raw(self, row: Any) -> Any:
        if self.value is not None:
            return self.value(row)
        if isinstance(row, dict):
            return row.get(self.key)
        return getattr(row, self.key, None)

    def text(self, raw: Any) -> str:
        if self.display is not None:
            return self.display(raw)
        return format_value(raw, self.kind)

    def alignment(self) -> Qt.AlignmentFlag:
        if self.align is not None:
            return self.align
        return _RIGHT if self.kind in _NUMERIC else _LEFT


def format_value(raw: Any, kind: str) -> str:
    """Default display text of a raw value of the given column kind."""
    if raw is None or raw == "":
        return "" if kind in ("text", "list") else fmt.DASH
    if kind == "money":
        return fmt.money(raw)
    if kind == "pct":
        return fmt.pct(raw)
    if kind == "int":
        return fmt.number(raw)
    if kind in ("float", "score"):
        return fmt.number(raw, 1)
    if kind == "date":
        return fmt.day_text(raw)
    if kind == "list":
        return "; ".join(str(v) for v in raw)
    return str(raw)


def _sort_key(kind: str) -> Callable[[Any], Any]:
    if kind in ("text", "list"):
        return lambda v: (str(v) if kind == "text" else "; ".join(map(str, v))).casefold()
    if kind == "date":
        return lambda v: str(v)[:10]  # ISO text sorts as dates; date objects via str()
    return lambda v: v


def numeric_order(raws: list[Any], descending: bool) -> list[int] | None:
    """The row order `_sorted_order` gives, for a column of only floats or only ints (None
    for blanks): a stable numpy argsort, 10× quicker than the key sort on 100k rows (the
    Customers table, sorted by revenue, is set on every load). None for any other column
    (text, Decimal, mixed int/float, NaN, "" blanks): the key sort decides those."""
    kinds = set(map(type, raws))
    blanks = type(None) in kinds
    kinds.discard(type(None))
    if kinds != {float} and kinds != {int}:
        return None
    index = np.arange(len(raws))
    if blanks:
        present_mask = np.fromiter((v is not None for v in raws), dtype=bool, count=len(raws))
        index = index[present_mask]
        values = [v for v in raws if v is not None]
    else:
        values = raws
    try:
        array = np.array(values, dtype=np.float64 if float in kinds else np.int64)
    except OverflowError:  # an int beyond 64 bits
        return None
    if float in kinds and np.isnan(array).any():
        return None
    if int in kinds and array.size and array.min() == np.iinfo(np.int64).min:
        return None  # its negation would overflow
    # equal values keep their row order both ways, as list.sort(reverse=True) does
    ranks = np.argsort(-array if descending else array, kind="stable")
    order: list[int] = index[ranks].tolist()
    if blanks:
        order += [i for i, v in enumerate(raws) if v is None]
    return order


def column_raws(spec: Column, rows: list[Any]) -> list[Any]:
    """Every row's raw value of one column; plain attributes/keys read by a C getter."""
    if spec.value is None and rows:
        if isinstance(rows[0], dict):
            key = spec.key
            return [r.get(key) if isinstance(r, dict) else spec.raw(r) for r in rows]
        try:
            return list(map(attrgetter(spec.key), rows))
        except AttributeError:  # a row without it: the general path (None for it)
            pass
    return [spec.raw(r) for r in rows]


@dataclass(frozen=True)
class TableSnapshot:
    """A model's columns, rows and visible order at one moment. The model replaces its
    row and view lists on every change (never edits them), so a snapshot can be read
    later, off the GUI thread: an export's task reads a big file's 100k customers
    (~185 ms) while the window goes on."""

    columns: list[Column]
    rows: list[Any]
    view: list[int]

    def table(self) -> tuple[list[Column], list[list[Any]]]:
        """(columns, raw values of the visible rows in display order).

        Read column by column (plain attributes/keys by a C getter, see `column_raws`),
        then put in view order and turned into rows: a big file's 100k customers × 20
        columns took ~0.3 s cell by cell (`RecordTableModel.visible_table_reference`,
        kept for tests)."""
        view, columns = self.view, self.columns
        if len(view) < 2 or not columns:  # itemgetter of one index gives no tuple
            return columns, [[c.raw(self.rows[i]) for c in columns] for i in view]
        # 100k new row lists (and computed values) would trigger several collections
        # walking them (~70 ms of the big file's ~210), and none of them can be garbage:
        # the collector waits meanwhile
        with collector_paused():
            pick = itemgetter(*view)
            ordered = [pick(column_raws(c, self.rows)) for c in columns]
            return columns, list(map(list, zip(*ordered, strict=True)))


class RecordTableModel(QAbstractTableModel):
    """Rows of plain objects (dataclasses, dicts) shown through `Column` specs."""

    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns: list[Column] = list(columns)
        self._rows: list[Any] = []
        self._view: list[int] = []
        self._order: list[int] = []  # all row indices in the current sort order
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._search = ""
        self._predicate: Callable[[Any], bool] | None = None
        self._haystack: tuple[str, list[int]] | None = None
        self.row_colour: Callable[[Any], QColor | None] | None = None

    # ----- feeding ---------------------------------------------------------------
    def set_rows(self, rows: Iterable[Any], *, sorted_later: bool = False) -> None:
        """Replace every row; the current sort, search and filter are kept.
        `sorted_later`: the rows keep their own order until `resort()` (a big table's
        sort in a turn of its own: 100k rows' reset and sort took ~100 ms in one)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._haystack = None
        self._order = list(range(len(self._rows)))
        if self._sort is not None and not sorted_later:
            self._order = self._sorted_order(*self._sort)
        self._view = self._filtered(self._order)
        self.endResetModel()

    def resort(self) -> None:
        """Apply the current sort (after `set_rows(..., sorted_later=True)`)."""
        if self._sort is not None:
            self.sort(*self._sort)

    def rows(self) -> list[Any]:
        """The visible rows, in display order."""
        return [self._rows[i] for i in self._view]

    def all_rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any:
        return self._rows[self._view[row]]

    # ----- filtering -------------------------------------------------------------
    def set_search(self, text: str) -> None:
        """Show rows whose searchable columns contain every word of `text` (case-insensitive)."""
        new = text.strip().casefold()
        # Typing on narrows the rows already shown: only they can still match.
        narrowing = bool(self._search) and new.startswith(self._search)
        self._search = new
        if narrowing:
            self.beginResetModel()
            self._view = self._filtered(self._view)
            self.endResetModel()
        else:
            self._refilter()

    def set_predicate(self, predicate: Callable[[Any], bool] | None) -> None:
        """An extra filter (segment, status, at-risk only…); None shows all."""
        self._predicate = predicate
        self._refilter()

    def _refilter(self) -> None:
        self.beginResetModel()
        self._view = self._filtered(self._order)
        self.endResetModel()

    def _filtered(self, order: list[int]) -> list[int]:
        words = self._search.split()
        if not words and self._predicate is None:
            return list(order)
        pred = self._predicate
        if words:
            hits = self._matching(words)
            order = [i for i in order if i in hits]
        if pred is None:
            return order
        rows = self._rows
        return [i for i in order if pred(rows[i])]

    def _matching(self, words: list[str]) -> set[int]:
        """Rows whose searchable text holds every word: the longest word (the rarest,
        usually) is found with `str.find` over one text of all rows (C speed, no Python
        loop over the 100k rows), the other words are checked on its hits only."""
        text, starts = self._haystacks()
        first, *rest = sorted(words, key=len, reverse=True)
        hits: set[int] = set()
        pos = text.find(first)
        while pos >= 0:
            row = bisect_right(starts, pos) - 1
            hits.add(row)
            pos = text.find(first, starts[row + 1] if row + 1 < len(starts) else len(text))
        if rest:
            hay = self._row_text
            hits = {i for i in hits if all(w in hay(i) for w in rest)}
        return hits

    def _row_text(self, i: int) -> str:
        text, starts = self._haystacks()
        end = starts[i + 1] - 1 if i + 1 < len(starts) else len(text)
        return text[starts[i]:end]

    def _haystacks(self) -> tuple[str, list[int]]:
        # Built once per set_rows, on the first search: the display text of searchable
        # columns, casefolded, every row's text joined by "\0" (no search word holds one)
        # into one string, with each row's start offset.
        if self._haystack is None:
            cols = [c for c in self.columns if c.searchable and c.kind in ("text", "list")]
            plain = [c for c in cols if c.kind == "text" and c.display is None]
            other = [c for c in cols if c not in plain]
            # Plain text columns skip the formatter: 3× faster on 100k rows. Column by
            # column, then rows joined and casefolded in C (map/join), not cell by cell.
            texts = [[str(v) if v else "" for v in self._raws(c)] for c in plain]
            texts += [[("; ".join(map(str, v)) if v else "") for v in self._raws(c)]
                      if c.kind == "list" and c.display is None  # format_value's list text
                      else [c.text(v) for v in self._raws(c)] for c in other]
            per_row = (list(map("\n".join, zip(*texts, strict=True))) if texts
                       else [""] * len(self._rows))
            joined = "\0".join(per_row)
            folded = joined.casefold()
            if len(folded) != len(joined):  # a letter that folds longer (ß → ss): per row
                per_row = [t.casefold() for t in per_row]
                folded = "\0".join(per_row)
            starts = [0, *accumulate(len(t) + 1 for t in per_row)][:len(per_row)]
            self._haystack = (folded, starts)
        return self._haystack

    def _raws(self, spec: Column) -> list[Any]:
        return column_raws(spec, self._rows)

    # ----- sorting -----------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by the column's raw value; empty values always go last."""
        if not 0 <= column < len(self.columns):
            return
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        old_sources = [(self._view[p.row()], p.column()) for p in old_persistent]
        self._sort = (column, order)
        self._order = self._sorted_order(column, order)
        self._view = self._filtered(self._order)
        if old_persistent:  # (a map of every visible row: ~80 ms for 100k, else for none)
            position = {src: pos for pos, src in enumerate(self._view)}
            new_indexes = [self.index(position[src], col) if src in position
                           else QModelIndex() for src, col in old_sources]
            self.changePersistentIndexList(old_persistent, new_indexes)
        self.layoutChanged.emit()

    def _sorted_order(self, column: int, order: Qt.SortOrder) -> list[int]:
        spec = self.columns[column]
        raws = self._raws(spec)
        # text, list and date columns sort by their text even when every raw value is a
        # number (a reference number column: "10" after "9" as before)
        fast = (numeric_order(raws, order == Qt.SortOrder.DescendingOrder)
                if spec.kind not in ("text", "list", "date") else None)
        if fast is not None:
            return fast
        present = [i for i, v in enumerate(raws) if v is not None and v != ""]
        missing = ([] if len(present) == len(raws)  # one pass when no value is blank
                   else [i for i, v in enumerate(raws) if v is None or v == ""])
        key = _sort_key(spec.kind)
        # the keys by row index in a list (indexing beats hashing 100k ints)
        keys = ([None if v is None or v == "" else key(v) for v in raws]
                if spec.kind in ("text", "list", "date") else None)
        getter: Callable[[int], Any] = (keys.__getitem__ if keys is not None
                                        else raws.__getitem__)
        present.sort(key=getter, reverse=order == Qt.SortOrder.DescendingOrder)
        return present + missing

    def sort_state(self) -> tuple[int, Qt.SortOrder] | None:
        return self._sort

    # ----- Qt model interface --------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._view)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every visible cell and every role a paint asks (font, background,
        # check state… ~8 per cell): the roles answered are found first, as plain ints
        role = int(role)
        if role not in _ROLES or not index.isValid():
            return None
        at = index.row()
        if not 0 <= at < len(self._view):
            return None
        spec = self.columns[index.column()]
        if role == _ALIGN_ROLE:
            return int(spec.alignment().value)
        row = self._rows[self._view[at]]
        if role == _DISPLAY_ROLE:
            return spec.text(spec.raw(row))
        if role == SORT_ROLE:
            return spec.raw(row)
        if role == ROW_ROLE:
            return row
        if role == _TOOLTIP_ROLE and spec.kind == "list":
            return "\n".join(map(str, spec.raw(row) or [])) or None
        if role == _FOREGROUND_ROLE and self.row_colour is not None:
            colour = self.row_colour(row)
            return QBrush(colour) if colour is not None else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        role = int(role)  # asked for ~14 roles per section whenever a header is sized
        if (role not in _HEADER_ROLES or orientation != Qt.Orientation.Horizontal
                or not 0 <= section < len(self.columns)):
            return None
        spec = self.columns[section]
        if role == _DISPLAY_ROLE:
            return spec.header
        if role == _TOOLTIP_ROLE:
            # the whole header first: a narrow column elides it
            # the whole header first (a narrow column elides it); headers can be the owner's
            # data (months, names): escaped
            return tooltip(f"{spec.header}: {spec.tooltip}" if spec.tooltip else spec.header)
        if role == _ALIGN_ROLE:
            return int(spec.alignment().value)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _CELL_FLAGS

    # ----- helpers for views and exports ---------------------------------------------
    def sample_texts(self, column: int, limit: int = 200) -> list[str]:
        """Display texts of up to `limit` visible rows, to size a column without visiting all."""
        spec = self.columns[column]
        step = max(1, len(self._view) // limit) if self._view else 1
        return [spec.text(spec.raw(self._rows[i])) for i in self._view[::step][:limit]]

    def visible_table(self) -> tuple[list[Column], list[list[Any]]]:
        """(columns, raw values of the visible rows in display order) for export/print."""
        return self.snapshot().table()

    def snapshot(self) -> TableSnapshot:
        """What the model shows now, to be read later off the GUI thread (an export's)."""
        return TableSnapshot(list(self.columns), self._rows, list(self._view))

    def visible_head(self, count: int) -> list[list[Any]]:
        """Raw values of the first `count` visible rows in display order (a printout's)."""
        return [[c.raw(self._rows[i]) for c in self.columns] for i in self._view[:count]]

    def visible_table_reference(self) -> tuple[list[Column], list[list[Any]]]:
        """`visible_table` cell by cell: the reference its parity test compares with."""
        return self.columns, [[c.raw(self._rows[i]) for c in self.columns] for i in self._view]
