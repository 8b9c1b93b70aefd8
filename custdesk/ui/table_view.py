"""A search box over a `RecordTableModel` table, with remembered column widths.

Column widths are sized from a sample of rows (DESIGN.md: `resizeColumnsToContents` is
pathological on big models) and, once the owner drags one, remembered in QSettings under
`tables/<name>/widths`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from custdesk.ui.record_table_model import RecordTableModel

MIN_WIDTH, MAX_WIDTH, PADDING = 48, 260, 18
STRETCH_MIN = 150  # px the stretch column keeps before number columns give way
SEARCH_DELAY_MS, INSTANT_SEARCH_ROWS = 150, 20_000


class RecordTableView(QTableView):
    """A QTableView set up for `RecordTableModel`: sortable, whole-row selection, no grid."""

    def __init__(self, model: RecordTableModel, name: str, parent: QWidget | None = None, *,
                 stretch: int | None = None, stretch_share: float = 0.35) -> None:
        super().__init__(parent)
        self.name = name
        self.stretch_share = stretch_share
        self.stretch = stretch  # the column that takes the remaining width (None: the last)
        # text columns sized like number columns, never shared out (a list's names)
        self.keep_whole: set[int] = set()
        self.setModel(model)
        # No sort indicator at first: rows keep the order the service gave (e.g. by value).
        self.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.horizontalHeader().setHighlightSections(False)
        self.horizontalHeader().setStretchLastSection(stretch is None)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        if stretch is not None:
            self.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self._sized = False
        self._natural: dict[int, int] = {}
        self._least: dict[int, int] = {}  # a column's values' width (header may elide)
        self._save_timer = QTimer(self, singleShot=True, interval=400)
        self._save_timer.timeout.connect(self.save_widths)
        self.horizontalHeader().sectionResized.connect(self._on_resized)
        model.modelReset.connect(self._size_once)

    def record_model(self) -> RecordTableModel:
        return self.model()  # type: ignore[return-value]

    def _settings_key(self) -> str:
        return f"tables/{self.name}/widths"

    def _size_once(self) -> None:
        # Size on the first rows that arrive; later refreshes keep the owner's widths.
        if not self._sized and self.record_model().rowCount() > 0:
            self._sized = True
            self.size_columns()

    def size_columns(self) -> None:
        """Remembered widths if any, else widths measured on a sample of rows."""
        saved = QSettings().value(self._settings_key())
        widths = [int(w) for w in saved] if isinstance(saved, list) else []
        model = self.record_model()
        metrics = self.fontMetrics()
        header = self.horizontalHeader()
        header.blockSignals(True)
        self._natural, self._least = {}, {}
        for col in range(model.columnCount()):
            if col == self.stretch:
                continue
            if col < len(widths) and widths[col] > 0:
                self.setColumnWidth(col, widths[col])
                continue
            # each distinct text measured once (a sample repeats segments, statuses…)
            values = max((metrics.horizontalAdvance(t) for t in set(model.sample_texts(col))),
                         default=0)
            head = metrics.horizontalAdvance(str(model.headerData(col,
                                                                  Qt.Orientation.Horizontal)))
            width = max(head, values) + PADDING
            self._natural[col] = max(MIN_WIDTH, min(MAX_WIDTH, width))
            # the values alone: a long header may be elided (its tooltip says it whole)
            self._least[col] = max(MIN_WIDTH, min(self._natural[col], values + PADDING))
            self.setColumnWidth(col, self._natural[col])
        header.blockSignals(False)
        self._fit()

    def _fit(self) -> None:
        """With a stretch column: narrow the measured text columns until it keeps its share."""
        if self.stretch is None or not self._natural:
            return
        available = self.viewport().width()
        budget = available * (1 - self.stretch_share)
        fixed = [c for c in self._natural
                 if self.columns_kind(c) != "text" or c in self.keep_whole]
        flexible = [c for c in self._natural if c not in fixed]
        used_fixed = sum(self._natural[c] for c in fixed)
        wanted = sum(self._natural[c] for c in flexible)
        scale = 1.0 if wanted <= 0 else min(1.0, max(0.0, budget - used_fixed) / wanted)
        header = self.horizontalHeader()
        header.blockSignals(True)
        for c in flexible:
            self.setColumnWidth(c, max(MIN_WIDTH + 12, int(self._natural[c] * scale)))
        # Number columns with long headers ("First response time") can still leave the
        # stretch column (names, topics) almost no room: then narrow them towards their
        # values' width, headers elided with the whole header in the tooltip.
        left = available - used_fixed - sum(self.columnWidth(c) for c in flexible)
        if fixed and left < STRETCH_MIN:
            least = sum(self._least.get(c, self._natural[c]) for c in fixed)
            give = used_fixed - least
            ratio = 0.0 if give <= 0 else min(1.0, (STRETCH_MIN - left) / give)
            for c in fixed:
                low = self._least.get(c, self._natural[c])
                self.setColumnWidth(c, int(self._natural[c] - (self._natural[c] - low) * ratio))
        else:
            for c in fixed:
                self.setColumnWidth(c, self._natural[c])
        header.blockSignals(False)

    def columns_kind(self, column: int) -> str:
        return self.record_model().columns[column].kind

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit()

    def _on_resized(self, *_args: Any) -> None:
        # Remember only the owner's own drags, not the layout's automatic resizing.
        if QApplication.mouseButtons() & Qt.MouseButton.LeftButton:
            self._natural.pop(_args[0] if _args else -1, None)
            self._save_timer.start()

    def save_widths(self) -> None:
        model = self.record_model()
        widths = [self.columnWidth(c) for c in range(model.columnCount())]
        QSettings().setValue(self._settings_key(), widths)


class TableWithSearch(QWidget):
    """Search box + count + table. `activated(row_object)` fires on double-click or Enter."""

    activated = Signal(object)

    def __init__(self, model: RecordTableModel, name: str, *, placeholder: str = "Search…",
                 parent: QWidget | None = None, stretch: int | None = None,
                 stretch_share: float = 0.35) -> None:
        super().__init__(parent)
        self.model = model
        self.search = QLineEdit(placeholderText=placeholder, clearButtonEnabled=True)
        self.search.setMinimumWidth(180)
        self.count_label = QLabel()
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.table = RecordTableView(model, name, self, stretch=stretch,
                                     stretch_share=stretch_share)
        self.toolbar = QHBoxLayout()
        self.toolbar.setContentsMargins(0, 0, 0, 0)
        self.toolbar.addWidget(self.search, 2)
        self.toolbar.addStretch(1)
        self.toolbar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.toolbar)
        layout.addWidget(self.table, 1)
        # Wait for a pause in typing: each search pass over 100k rows costs ~0.1 s.
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(lambda: model.set_search(self.search.text()))
        self.search.textChanged.connect(self._search_changed)
        model.modelReset.connect(self._update_count)
        model.layoutChanged.connect(self._update_count)
        self.table.doubleClicked.connect(self._emit_activated)
        self.table.activated.connect(self._emit_activated)

    def _search_changed(self, text: str) -> None:
        if len(self.model.all_rows()) < INSTANT_SEARCH_ROWS or not text:
            self._search_timer.stop()
            self.model.set_search(text)
        else:
            self._search_timer.start()

    def _emit_activated(self, index: Any) -> None:
        if index.isValid():
            self.activated.emit(self.model.row_at(index.row()))

    def _update_count(self, *_args: Any) -> None:
        shown, total = self.model.rowCount(), len(self.model.all_rows())
        self.count_label.setText(f"{shown:,} of {total:,}" if shown != total else f"{total:,}")
