"""Targets: the owner's monthly target for any metric (month, metric, target), edited in
a small table.

Imported targets show here too (same rows). Save writes the whole table in one transaction
through the task runner (`write(..., changes={"targets"})`), so every tab showing a card
with a target redraws. Freed on close; one per file at a time. Revenue and new-customer
targets of the sales plan and product-line targets come from the targets sheet.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from custdesk.domain.metric_catalogue import METRICS
from custdesk.services import targets_service as ts
from custdesk.services.files import Store
from custdesk.ui import formatting as fmt
from custdesk.ui.tasks import TaskState, default_runner

COLUMNS = ("Month (YYYY-MM)", "Metric", "Target")
ERROR = "#c0392b"


def _number(text: str) -> float | None:
    """A typed target: "40", "4.5", "1,200", "12 %" → float; None when not a number."""
    cleaned = text.replace(",", "").replace("%", "").replace("$", "").strip()
    try:
        return float(cleaned)
    except ValueError:
        return None


class TargetsDialog(QDialog):
    """The metric targets table: Add row, Remove row, Save."""

    saved = Signal(int)  # rows in the table after the write committed
    _open: dict[str, TargetsDialog] = {}

    @classmethod
    def open_for(cls, store: Store, parent: QWidget | None = None) -> TargetsDialog:
        """The dialog for `store` (the one already open is raised instead)."""
        key = str(store.path)
        if key in cls._open:
            dialog = cls._open[key]
            dialog.raise_()
            dialog.activateWindow()
            return dialog
        dialog = cls(store, parent)
        dialog.open()
        return dialog

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.store = store
        key = str(store.path)
        TargetsDialog._open[key] = self
        self.destroyed.connect(lambda *_: TargetsDialog._open.pop(key, None))
        self.setWindowTitle("Targets")
        self.resize(560, 460)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        intro = QLabel("A target for any metric, per month. Cards show it for the period: "
                       "flows such as revenue or new customers add up over the period's "
                       "months (a part month pro rata); rates and averages take the months' "
                       "mean; counts as of the end (open deals) take the last month's.")
        intro.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.add_button = QPushButton("Add row")
        self.remove_button = QPushButton("Remove row")
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        close = QPushButton("Close")
        self.add_button.clicked.connect(lambda: self.add_row())
        self.remove_button.clicked.connect(lambda: self.remove_row())
        self.save_button.clicked.connect(lambda: self.save())
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.ids: list[int | None] = []
        for row in ts.load(store):
            self.add_row(row)

    # ----- the table ----------------------------------------------------------------------
    def add_row(self, row: ts.TargetRow | None = None) -> None:
        n = self.table.rowCount()
        self.table.insertRow(n)
        self.ids.append(row.id if row else None)
        self.table.setItem(n, 0, QTableWidgetItem(row.month if row else ""))
        box = QComboBox()
        for info in sorted(METRICS.values(), key=lambda i: i.label.lower()):
            box.addItem(info.label, info.id)
        box.setCurrentIndex(max(0, box.findData(row.metric if row else "revenue")))
        self.table.setCellWidget(n, 1, box)
        self.table.setItem(n, 2, QTableWidgetItem(
            "" if row is None else fmt.number(row.target, 0 if row.target.is_integer() else 2)))
        if row is None:
            self.table.setCurrentCell(n, 0)

    def remove_row(self) -> None:
        n = self.table.currentRow()
        if n >= 0:
            self.table.removeRow(n)
            del self.ids[n]

    def rows(self) -> list[ts.TargetRow]:
        """The table as target rows; a target that is not a number is NaN (check says so)."""
        out = []
        for n in range(self.table.rowCount()):
            month = self.table.item(n, 0)
            target = self.table.item(n, 2)
            box = self.table.cellWidget(n, 1)
            metric = box.currentData() if isinstance(box, QComboBox) else ""
            value = _number(target.text() if target else "")
            out.append(ts.TargetRow((month.text() if month else "").strip(), str(metric),
                                    float("nan") if value is None else value, self.ids[n]))
        return out

    # ----- saving -------------------------------------------------------------------------
    def save(self) -> None:
        """Check the table, then write it (one transaction, through the task runner)."""
        try:
            rows = ts.check(self.rows())
        except ts.TargetError as exc:
            self._failed(exc)
            return

        def write(state: TaskState) -> int:
            assert state.store is not None
            return ts.save(state.store, rows)

        self.save_button.setEnabled(False)
        default_runner().write(self.store, write, {"targets"}, self._saved, self._failed,
                               key=(self, "save"))

    def _saved(self, count: int) -> None:
        self.saved.emit(count)
        self.message.setText("Saved.")
        self.close()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        text = str(exc) if isinstance(exc, ts.TargetError) else f"Not saved: {exc}"
        self.message.setText(f"<span style='color:{ERROR}'>{html.escape(text)}</span>")
