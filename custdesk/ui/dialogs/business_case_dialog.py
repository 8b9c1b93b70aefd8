"""Margins ▸ Business cases…: each product's business case — expected volume per month,
price, margin, investment and start date — edited in a small table, beside how the product
is doing against it as of the Margins tab's period end (units and revenue against the
pro-rata expectation, margin, payback, "behind its case"; `services/business_case_service`).

Save checks the table (a clear message naming the product) and writes it in one
transaction through the task runner (`changes={"products"}`: Margins redraws its flags).
Freed on close; one per file.
"""

from __future__ import annotations

import html
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
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

from custdesk.services import business_case_service as bc
from custdesk.services.files import Store
from custdesk.ui import formatting as fmt
from custdesk.ui.dialogs.single import keep_one, open_one
from custdesk.ui.tasks import TaskState, default_runner

EDITABLE = ("Volume / month", "Price", "Margin %", "Investment", "Start (YYYY-MM-DD)")
RESULTS = ("Units: actual / case", "Revenue: actual / case", "Margin now", "Payback",
           "Against its case")
ERROR, BEHIND = "#c0392b", "#f6dcd9"


def _number(text: str) -> float | None:
    """"1,200", "$15.50", "35 %" -> float; "" -> None; not a number -> NaN (check says so)."""
    cleaned = text.replace(",", "").replace("%", "").replace("$", "").strip()
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        return float("nan")


def _text(value: float | None) -> str:
    if value is None:
        return ""
    return fmt.number(value, 0 if float(value).is_integer() else 2)


class BusinessCaseDialog(QDialog):
    """One row per product: the case (editable) and the product against it (read-only)."""

    saved = Signal(int)  # products with a case after the write committed
    _open: dict[str, BusinessCaseDialog] = {}

    @classmethod
    def open_for(cls, store: Store, as_of: date | None = None,
                 parent: QWidget | None = None) -> BusinessCaseDialog:
        return open_one(cls._open, str(store.path), lambda: cls(store, as_of, parent))

    def __init__(self, store: Store, as_of: date | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.store = store
        self.as_of = as_of or date.today()
        keep_one(BusinessCaseDialog._open, str(store.path), self)
        self.setWindowTitle("Business cases")
        self.resize(1300, 520)
        headers = ("Product", *EDITABLE, *RESULTS)
        self.table = QTableWidget(0, len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
        intro = QLabel(
            "What you expected when you launched or priced each product. The right-hand "
            f"columns measure it from its start date to {self.as_of.isoformat()}: units and "
            "revenue against the expected volume pro rata (behind below 90 %), the margin "
            "against the expected one, and payback = months until the gross profit since "
            "the start covers the investment. Clear a row's fields to drop its case.")
        intro.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: self.save())
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.fill()

    def fill(self) -> None:
        cases = bc.load_cases(self.store)
        measured = {r.product_id: r for r in bc.results(self.store, self.as_of)}
        self.products = [(c.product_id, c.name) for c in cases]
        self.table.setRowCount(len(cases))
        for n, case in enumerate(cases):
            name = QTableWidgetItem(case.name)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(n, 0, name)
            for col, value in enumerate((case.expected_volume, case.expected_price,
                                         case.expected_margin_pct, case.investment), 1):
                self.table.setItem(n, col, QTableWidgetItem(_text(value)))
            self.table.setItem(n, 5, QTableWidgetItem(case.start_on or ""))
            self._results(n, measured.get(case.product_id))

    def _results(self, n: int, r: bc.CaseResult | None) -> None:
        def vs(actual: float | None, expected: float | None, money: bool = False) -> str:
            def one(v: float | None) -> str:
                if v is None:
                    return "—"
                return fmt.money(v, 0) if money else fmt.number(v, 0)
            return f"{one(actual)} / {one(expected)}"

        cells = ["", "", "", "", ""] if r is None else [
            vs(r.actual_volume, r.expected_volume),
            vs(r.actual_revenue, r.expected_revenue, money=True),
            "—" if r.margin_pct is None else f"{fmt.number(r.margin_pct, 1)} %",
            (f"{r.payback_months} month{'s' if r.payback_months != 1 else ''}"
             if r.payback_months else
             ("not yet" if r.investment else "—")),
            ("✗ " + r.behind_why) if r.behind else "✓ on its case"]
        for k, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            if r is not None and r.behind:
                item.setBackground(QColor(BEHIND))
                item.setToolTip(r.behind_why)
            self.table.setItem(n, 6 + k, item)

    def rows(self) -> list[bc.CaseRow]:
        """The table as case rows (a number that is not one is NaN: check says so)."""
        out = []
        for n, (pid, name) in enumerate(self.products):
            def cell(col: int, row: int = n) -> str:
                item = self.table.item(row, col)
                return item.text().strip() if item else ""
            out.append(bc.CaseRow(pid, name, _number(cell(1)), _number(cell(2)),
                                  _number(cell(3)), _number(cell(4)), cell(5) or None))
        return out

    def save(self) -> None:
        try:
            rows = bc.check(self.rows())
        except bc.CaseError as exc:
            self._failed(exc)
            return

        def write(state: TaskState) -> int:
            assert state.store is not None
            bc.save(state.store, rows)
            return sum(r.has_case for r in rows)

        self.save_button.setEnabled(False)
        default_runner().write(self.store, write, {"products"}, self._saved, self._failed,
                               key=(self, "save"))

    def _saved(self, count: int) -> None:
        self.save_button.setEnabled(True)
        self.fill()
        self.saved.emit(count)
        self.message.setText(f"Saved: {count} product{'s' if count != 1 else ''} with a "
                             "business case.")

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        text = str(exc) if isinstance(exc, bc.CaseError) else f"Not saved: {exc}"
        self.message.setText(f"<span style='color:{ERROR}'>{html.escape(text)}</span>")
