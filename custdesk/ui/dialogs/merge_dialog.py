"""Merge duplicate customers: suggested pairs ranked by evidence, shown side by side, merged
one at a time or as a batch of ticked pairs; the last merge or batch can be undone.

For each field the owner picks the left or the right value (the left, kept customer's value
by default; a blank is filled from the other). Every record of the removed customer moves to
the kept one (`customers_service.merge_customers`). "Merge ticked pairs" merges each ticked
pair into its first (older) customer after one backup, in one transaction
(`customers_service.merge_batch`); the strongest suggestions (same e-mail, same name at the
same company) start ticked. "Undo last merge" puts the last merge or batch back
(`customers_service.undo_last_merge`).
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from custdesk.services import customers_service as cs
from custdesk.services.files import Store
from custdesk.ui.dialogs.customer_dialog import LABELS

BLANK = "(blank)"
INTRO = ("Customers that look like the same one, strongest evidence first (same e-mail, "
         "then the same name at the same company, then the same or a similar name). Pick a "
         "pair, choose which value of each field to keep, then merge — or tick pairs and "
         "merge them all at once (each into its first customer).")
TICKED_FROM = 0.8  # suggestions this strong start ticked (same e-mail; same name and company)


class MergeDialog(QDialog):
    """Emits `merged(kept_id)` after each merge."""

    merged = Signal(int)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # freed on close
        self.store = store
        self.setWindowTitle("Merge duplicate customers")
        self.resize(980, 560)
        self.pairs: list[cs.DuplicatePair] = []
        self.left: dict[str, Any] = {}
        self.right: dict[str, Any] = {}
        self.list = QListWidget()
        self.list.setFixedWidth(400)
        # long pairs are cut with … (full text as tooltip) rather than scrolled sideways
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.intro = QLabel(INTRO)
        self.intro.setWordWrap(True)
        self.effect = QLabel()  # what pressing Merge will do, in this pair's names
        self.effect.setWordWrap(True)
        self.list.currentRowChanged.connect(self.show_pair)
        self.grid = QGridLayout()
        self.groups: dict[str, QButtonGroup] = {}
        self.counts = QLabel()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # shows customers' names
        self.merge_button = QPushButton("Merge into the kept customer")
        self.batch_button = QPushButton("Merge ticked pairs")
        self.undo_button = QPushButton("Undo last merge")
        self.batch_button.clicked.connect(self.merge_ticked)
        self.undo_button.clicked.connect(self.undo_last)
        self.swap_button = QPushButton("Swap sides")
        self.skip_button = QPushButton("Not a duplicate")
        self.merge_button.clicked.connect(self.merge_current)
        self.swap_button.clicked.connect(self.swap)
        self.skip_button.clicked.connect(self.skip)
        compare = QWidget()
        right = QVBoxLayout(compare)
        right.addLayout(self.grid)
        right.addWidget(self.counts)
        right.addWidget(self.effect)
        actions = QHBoxLayout()
        for b in (self.swap_button, self.skip_button):
            actions.addWidget(b)
        actions.addStretch(1)
        actions.addWidget(self.merge_button)
        right.addLayout(actions)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.list)
        body.addWidget(compare, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        batch = QHBoxLayout()
        batch.addWidget(self.batch_button)
        batch.addWidget(self.undo_button)
        batch.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(body, 1)
        layout.addLayout(batch)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.reload()

    def reload(self) -> None:
        """Find the suggested pairs again."""
        self.pairs = cs.duplicate_pairs(self.store)
        self.list.clear()
        for pair in self.pairs:
            a, b = (self._label(cs.get_customer(self.store, i)) for i in (pair.a, pair.b))
            self.list.addItem(f"{a}  ↔  {b}\n    {pair.reason}")
            item = self.list.item(self.list.count() - 1)
            # a tooltip is rich text when it looks like markup: escape the names
            item.setToolTip(escape(f"{a}\n{b}\n({pair.reason})").replace("\n", "<br>"))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if pair.score >= TICKED_FROM
                               else Qt.CheckState.Unchecked)
        self._show_count()
        self._show_undo()
        if self.pairs:
            self.list.setCurrentRow(0)
        else:
            self._clear_grid()
            self.counts.setText("No likely duplicates found.")
            self.effect.clear()
            self.left, self.right = {}, {}
        self.merge_button.setEnabled(bool(self.pairs))
        self.batch_button.setEnabled(bool(self.pairs))

    def _show_undo(self) -> None:
        last = cs.last_merge(self.store)
        self.undo_button.setEnabled(bool(last))
        self.undo_button.setToolTip(escape(
            "Puts back: " + "; ".join(f"{gone} (merged into {kept})" for kept, gone in last[:5])
            + (f" and {len(last) - 5} more" if len(last) > 5 else "")) if last else "")

    def ticked(self) -> list[cs.DuplicatePair]:
        """The pairs whose box is ticked, in the list's order."""
        return [pair for row, pair in enumerate(self.pairs)
                if self.list.item(row).checkState() == Qt.CheckState.Checked]

    def merge_ticked(self) -> cs.BatchResult | None:
        """Merge every ticked pair into its first customer (one backup, one transaction)."""
        pairs = [(p.a, p.b) for p in self.ticked()]
        if not pairs:
            self.status.setText("Tick the pairs to merge first.")
            return None
        try:
            result = cs.merge_batch(self.store, pairs)
        except cs.CustomerError as exc:
            self.status.setText(str(exc))
            return None
        n = len(result.merged)
        self.status.setText(
            f"Merged {n:,} pair{'' if n == 1 else 's'}: moved "
            + ", ".join(f"{k:,} {t}" for t, k in result.moved.items())
            + ". A backup was taken first; Undo last merge puts them back."
            + (f" Skipped: {'; '.join(result.skipped)}." if result.skipped else ""))
        if result.merged:
            self.merged.emit(result.merged[0][0])
        self.reload()
        return result

    def undo_last(self) -> list[str] | None:
        """Put back the last merge or batch of merges."""
        try:
            notes = cs.undo_last_merge(self.store)
        except cs.CustomerError as exc:
            self.status.setText(str(exc))
            return None
        self.status.setText("The last merge is undone." + (" " + "; ".join(notes) + "."
                                                           if notes else ""))
        self.merged.emit(0)
        self.reload()
        return notes

    def _show_count(self) -> None:
        n = len(self.pairs)
        found = f"{n:,} possible duplicate{'' if n == 1 else 's'} found. " if n else ""
        self.intro.setText(found + INTRO)

    @staticmethod
    def _label(record: dict[str, Any]) -> str:
        company = record.get("company")
        return f"{record['name']} ({company})" if company else str(record["name"])

    def _clear_grid(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.groups.clear()

    def show_pair(self, row: int) -> None:
        if not 0 <= row < len(self.pairs):
            return
        pair = self.pairs[row]
        self.set_sides(pair.a, pair.b)

    def set_sides(self, keep_id: int, drop_id: int) -> None:
        """Show `keep_id` on the left (kept) and `drop_id` on the right."""
        self.left = cs.get_customer(self.store, keep_id)
        self.right = cs.get_customer(self.store, drop_id)
        self._clear_grid()
        self.grid.addWidget(QLabel("<b>Kept customer</b>"), 0, 1)
        self.grid.addWidget(QLabel("<b>Removed after merging</b>"), 0, 2)
        for r, key in enumerate(cs.EDITABLE, start=1):
            lv, rv = self.left.get(key), self.right.get(key)
            self.grid.addWidget(QLabel(LABELS[key]), r, 0)
            group = QButtonGroup(self)
            left, right = self._choice(lv), self._choice(rv)
            group.addButton(left, 0)
            group.addButton(right, 1)
            (left if lv not in (None, "") or rv in (None, "") else right).setChecked(True)
            right.setEnabled(rv not in (None, "") and rv != lv)
            self.grid.addWidget(left, r, 1)
            self.grid.addWidget(right, r, 2)
            self.groups[key] = group
        left_counts = cs.child_counts(self.store, keep_id)
        right_counts = cs.child_counts(self.store, drop_id)
        self.counts.setText("<b>Records after merging</b> (kept + moved over):<br>" + "<br>".join(
            f"{k.capitalize()}: {left_counts[k]:,} + {right_counts[k]:,} = "
            f"{left_counts[k] + right_counts[k]:,}" for k in cs.CHILD_TABLES))
        kept, gone = self._label(self.left), self._label(self.right)
        self.effect.setText(
            f"Merge moves everything recorded for {escape(gone)} to {escape(kept)}, "
            f"uses the chosen values, then removes {escape(gone)}. "
            "A backup is taken first and <b>Undo last merge</b> puts it back.")

    @staticmethod
    def _choice(value: Any) -> QRadioButton:
        """A radio button showing `value`, or a grey '(blank)' when there is none."""
        blank = value in (None, "")
        button = QRadioButton(BLANK if blank else str(value))
        if blank:
            button.setStyleSheet("color: gray")
        return button

    def chosen_fields(self) -> dict[str, Any]:
        """The right-hand values the owner picked (the left ones are kept anyway)."""
        return {key: self.right.get(key) for key, group in self.groups.items()
                if group.checkedId() == 1}

    def swap(self) -> None:
        if self.left and self.right:
            self.set_sides(self.right["id"], self.left["id"])

    def skip(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.pairs):
            self.pairs.pop(row)
            self.list.takeItem(row)
        self._show_count()
        if not self.pairs:
            self._clear_grid()
            self.counts.setText("No more likely duplicates.")
            self.effect.clear()
            self.left, self.right = {}, {}
        self.merge_button.setEnabled(bool(self.pairs))
        self.batch_button.setEnabled(bool(self.pairs))

    def merge_current(self) -> dict[str, int] | None:
        """Merge the right customer into the left one; returns the records moved."""
        if not (self.left and self.right):
            return None
        keep, drop = int(self.left["id"]), int(self.right["id"])
        try:
            moved = cs.merge_customers(self.store, keep, drop, self.chosen_fields())
        except cs.CustomerError as exc:
            self.status.setText(str(exc))
            return None
        self.status.setText(f"Merged {self.right['name']} into {self.left['name']}: moved "
                            + ", ".join(f"{n:,} {k}" for k, n in moved.items()) + ".")
        self.merged.emit(keep)
        self.reload()
        return moved
