"""Targets: the sales plan's revenue and new-customer targets per month (for the business
or a product line) and the owner's monthly target for any metric, in two small tables.

Imported targets show here too (same rows). Save writes both tables in one transaction
through the task runner (`write(..., changes={"targets"})`), so the plan and every card
with a target redraw. Freed on close; one per file at a time.
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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from custdesk.domain.metric_catalogue import METRICS
from custdesk.services import targets_service as ts
from custdesk.services.files import Store
from custdesk.ui import formatting as fmt
from custdesk.ui.dialogs.single import keep_one, open_one
from custdesk.ui.tasks import TaskState, default_runner

COLUMNS = ("Month (YYYY-MM)", "Metric", "Target")
PLAN_COLUMNS = ("Month (YYYY-MM)", "For", "Product or category", "Revenue target",
                "New customers")
LINES = (("The whole business", ""), ("A product", "product"), ("A category", "category"))
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
        return open_one(cls._open, str(store.path), lambda: cls(store, parent))

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.store = store
        keep_one(TargetsDialog._open, str(store.path), self)
        self.setWindowTitle("Targets")
        self.resize(800, 500)
        self.plan_table = QTableWidget(0, len(PLAN_COLUMNS))
        self.plan_table.setHorizontalHeaderLabels(PLAN_COLUMNS)
        self.plan_table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.Stretch)
        self.plan_table.verticalHeader().setVisible(False)
        for col, width in ((0, 120), (1, 160), (3, 120), (4, 110)):
            self.plan_table.setColumnWidth(col, width)
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
        self.add_button.clicked.connect(
            lambda: self.add_plan_row() if self.on_plan() else self.add_row())
        self.remove_button.clicked.connect(lambda: self.remove_row())
        self.save_button.clicked.connect(lambda: self.save())
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        plan_intro = QLabel("The sales plan: each month's revenue target and, if you set one, "
                            "how many new customers you aim for — for the whole business or "
                            "one product line. The plan works out the gap and the new "
                            "customers and leads it needs.")
        plan_intro.setWordWrap(True)
        plan_page, metric_page = QWidget(), QWidget()
        plan_box = QVBoxLayout(plan_page)
        plan_box.addWidget(plan_intro)
        plan_box.addWidget(self.plan_table, 1)
        metric_box = QVBoxLayout(metric_page)
        metric_box.addWidget(intro)
        metric_box.addWidget(self.table, 1)
        self.pages = QTabWidget()
        self.pages.addTab(plan_page, "Sales plan")
        self.pages.addTab(metric_page, "Any metric")
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.ids: list[int | None] = []
        self.plan_ids: list[int | None] = []
        for row in ts.load(store):
            self.add_row(row)
        for plan_row in ts.load_plan(store):
            self.add_plan_row(plan_row)
        self.plan_table.scrollToBottom()  # the latest months are the ones being planned
        if not self.plan_ids and self.ids:
            self.pages.setCurrentIndex(1)

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

    def add_plan_row(self, row: ts.PlanRow | None = None) -> None:
        n = self.plan_table.rowCount()
        self.plan_table.insertRow(n)
        self.plan_ids.append(row.id if row else None)
        self.plan_table.setItem(n, 0, QTableWidgetItem(row.month if row else ""))
        box = QComboBox()
        for text, kind in LINES:
            box.addItem(text, kind)
        kind = "" if row is None else "product" if row.product else \
            "category" if row.category else ""
        box.setCurrentIndex(max(0, box.findData(kind)))
        self.plan_table.setCellWidget(n, 1, box)
        name = "" if row is None else (row.product or row.category or "")
        self.plan_table.setItem(n, 2, QTableWidgetItem(name))
        self.plan_table.setItem(n, 3, QTableWidgetItem(
            "" if row is None else fmt.number(row.revenue_target, 0)))
        self.plan_table.setItem(n, 4, QTableWidgetItem(
            "" if row is None or row.new_customers_target is None
            else str(row.new_customers_target)))
        if row is None:
            self.plan_table.setCurrentCell(n, 0)

    def on_plan(self) -> bool:
        return self.pages.currentIndex() == 0

    def remove_row(self) -> None:
        table, ids = ((self.plan_table, self.plan_ids) if self.on_plan()
                      else (self.table, self.ids))
        n = table.currentRow()
        if n >= 0:
            table.removeRow(n)
            del ids[n]

    def plan_rows(self) -> list[ts.PlanRow]:
        """The plan table as rows; a number that is not one is NaN / -1 (check says so);
        TargetError for a product or category line without its name."""
        out = []
        for n in range(self.plan_table.rowCount()):
            def text(col: int, row: int = n) -> str:
                item = self.plan_table.item(row, col)
                return item.text().strip() if item else ""
            box = self.plan_table.cellWidget(n, 1)
            kind = box.currentData() if isinstance(box, QComboBox) else ""
            revenue = _number(text(3))
            new = _number(text(4)) if text(4) else None
            name = text(2) or None
            if kind and name is None:
                raise ts.TargetError(f"Row {n + 1}: name the {kind} this target is for.")
            out.append(ts.PlanRow(
                text(0), float("nan") if revenue is None else revenue,
                None if new is None and not text(4) else
                (-1 if new is None or not float(new).is_integer() else int(new)),
                name if kind == "product" else None, name if kind == "category" else None,
                self.plan_ids[n]))
        return out

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
            self.pages.setCurrentIndex(1)
            self._failed(exc)
            return
        try:
            plan_rows = ts.check_plan(self.plan_rows())
        except ts.TargetError as exc:
            self.pages.setCurrentIndex(0)
            self._failed(ts.TargetError(f"Sales plan: {exc}"))
            return

        def write(state: TaskState) -> int:
            assert state.store is not None
            with state.store.transaction():  # both tables or neither
                ts.save_plan(state.store, plan_rows)
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
