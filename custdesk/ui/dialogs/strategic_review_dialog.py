"""File ▸ Strategic review…: the dated review of the five questions the owner's guide asks,
plus decisions, kept like scorecard assessments.

Left: the history (newest first) — open one, or tick two and Compare them side by side.
Right: the open review — its date, the five headings and the decisions; Save writes it in one
transaction through the task runner (`changes={"strategic_reviews"}`); "Plan an action from
the decision…" opens the action dialog with the chosen decision line as title, linked to the
review. Freed on close; one per file.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from custdesk.services import strategic_review_service as srs
from custdesk.services.files import Store
from custdesk.ui.dialogs.single import keep_one, open_one
from custdesk.ui.tasks import TaskState, default_runner

ERROR = "#c0392b"
FIELDS = (*srs.HEADINGS, srs.DECISIONS)


class StrategicReviewDialog(QDialog):
    """History on the left, the open review on the right."""

    saved = Signal(int)  # the review's id after the write committed
    _open: dict[str, StrategicReviewDialog] = {}

    @classmethod
    def open_for(cls, store: Store, parent: QWidget | None = None) -> StrategicReviewDialog:
        return open_one(cls._open, str(store.path), lambda: cls(store, parent))

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.store = store
        keep_one(StrategicReviewDialog._open, str(store.path), self)
        self.setWindowTitle("Strategic review")
        self.resize(1000, 680)
        self.review_id: int | None = None
        self._build()
        self.load_history()
        self.new_review()

    def _build(self) -> None:
        self.history = QListWidget()
        self.history.itemDoubleClicked.connect(lambda item: self.open_review(
            item.data(Qt.ItemDataRole.UserRole)))
        new_button = QPushButton("New review")
        open_button = QPushButton("Open")
        self.compare_button = QPushButton("Compare ticked")
        new_button.clicked.connect(lambda: self.new_review())
        open_button.clicked.connect(lambda: self.open_selected())
        self.compare_button.clicked.connect(lambda: self.compare_ticked())
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Reviews</b> (tick two to compare)"))
        left.addWidget(self.history, 1)
        row = QHBoxLayout()
        for b in (new_button, open_button, self.compare_button):
            row.addWidget(b)
        left.addLayout(row)

        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.form = QWidget()
        grid = QGridLayout(self.form)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("<b>Reviewed on</b>"), 0, 0)
        grid.addWidget(self.date, 0, 1, Qt.AlignmentFlag.AlignLeft)
        self.edits: dict[str, QPlainTextEdit] = {}
        for n, (name, title, hint) in enumerate(FIELDS, 1):
            label = QLabel(f"<b>{html.escape(title)}</b><br><span style='color:gray'>"
                           f"{html.escape(hint)}</span>")
            label.setWordWrap(True)
            edit = QPlainTextEdit()
            edit.setPlaceholderText("One point per line")
            edit.setTabChangesFocus(True)
            self.edits[name] = edit
            grid.addWidget(label, n, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(edit, n, 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnMinimumWidth(0, 200)
        self.compare_view = QTextBrowser()
        self.compare_view.hide()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.plan_button = QPushButton("Plan an action from the decision…")
        self.plan_button.setToolTip("Put the cursor on a decision line, then plan it as an "
                                    "action linked to this review")
        self.plan_button.clicked.connect(lambda: self.plan_action())
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: self.save())
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.plan_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        right = QVBoxLayout()
        right.addWidget(self.form, 1)
        right.addWidget(self.compare_view, 1)
        right.addWidget(self.message)
        right.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 3)

    # ----- history ------------------------------------------------------------------------
    def load_history(self) -> None:
        self.history.clear()
        for review in reversed(srs.history(self.store)):
            decisions = len(review.decision_lines)
            item = QListWidgetItem(f"{review.reviewed_on} · {decisions} decision"
                                   f"{'s' if decisions != 1 else ''}")
            item.setData(Qt.ItemDataRole.UserRole, review.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.history.addItem(item)

    def new_review(self) -> None:
        self.review_id = None
        self.date.setDate(QDate.currentDate())
        for edit in self.edits.values():
            edit.clear()
        self._show_form("New review: write what changed, then Save.")

    def open_selected(self) -> None:
        item = self.history.currentItem()
        if item is not None:
            self.open_review(item.data(Qt.ItemDataRole.UserRole))

    def open_review(self, review_id: int) -> None:
        review = srs.get(self.store, review_id)
        if review is None:
            return
        self.review_id = review.id
        self.date.setDate(QDate.fromString(review.reviewed_on, "yyyy-MM-dd"))
        for name, edit in self.edits.items():
            edit.setPlainText(review.text(name))
        linked = srs.linked_actions(self.store, review_id)
        self._show_form(f"Review of {review.reviewed_on}; {len(linked)} action"
                        f"{'s' if len(linked) != 1 else ''} planned from it.")

    def ticked(self) -> list[int]:
        return [self.history.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.history.count())
                if self.history.item(i).checkState() == Qt.CheckState.Checked]

    def compare_ticked(self) -> None:
        ids = self.ticked()
        if len(ids) != 2:
            self._error("Tick exactly two reviews to compare them.")
            return
        a, b = sorted((srs.get(self.store, i) for i in ids),
                      key=lambda r: (r.reviewed_on, r.id) if r else ("", 0))
        if a is None or b is None:
            return
        rows = "".join(
            f"<tr><td valign='top'><b>{html.escape(title)}</b></td>"
            f"<td valign='top'>{html.escape(left).replace(chr(10), '<br>') or '—'}</td>"
            f"<td valign='top'>{html.escape(right).replace(chr(10), '<br>') or '—'}</td></tr>"
            for title, left, right in srs.compare(a, b))
        self.compare_view.setHtml(
            "<table width='100%' cellspacing='0' cellpadding='4' border='1'>"
            f"<tr><th width='22%'></th><th width='39%'>{html.escape(a.reviewed_on)}</th>"
            f"<th width='39%'>{html.escape(b.reviewed_on)}</th></tr>{rows}</table>")
        self._show_compare()

    def _show_form(self, message: str) -> None:
        self.compare_view.hide()
        self.form.show()
        self.save_button.setEnabled(True)
        self.plan_button.setEnabled(self.review_id is not None)
        self.message.setText(html.escape(message))

    def _show_compare(self) -> None:
        self.form.hide()
        self.compare_view.show()
        self.save_button.setEnabled(False)
        self.plan_button.setEnabled(False)
        self.message.setText("Comparing two reviews. Open one or start a new one to edit.")

    # ----- saving and actions -------------------------------------------------------------
    def form_review(self) -> srs.StrategicReview:
        values = {name: edit.toPlainText() for name, edit in self.edits.items()}
        return srs.StrategicReview(self.date.date().toString("yyyy-MM-dd"), id=self.review_id,
                                   **values)

    def save(self) -> None:
        review = self.form_review()

        def write(state: TaskState) -> int:
            assert state.store is not None
            return srs.save(state.store, review)

        self.save_button.setEnabled(False)
        default_runner().write(self.store, write, {"strategic_reviews"}, self._saved,
                               self._error, key=(self, "save"))

    def _saved(self, review_id: int) -> None:
        self.review_id = review_id
        self.load_history()
        self.saved.emit(review_id)
        self._show_form("Saved. Plan an action from a decision line if it needs one.")

    def _error(self, exc: BaseException | str) -> None:
        self.save_button.setEnabled(self.compare_view.isHidden())
        text = str(exc) if isinstance(exc, (str, srs.ReviewError)) else f"Not saved: {exc}"
        self.message.setText(f"<span style='color:{ERROR}'>{html.escape(text)}</span>")

    def current_decision(self) -> str:
        """The decision line under the cursor (else the first one)."""
        edit = self.edits["decisions"]
        line = edit.textCursor().block().text().strip().lstrip("-•*").strip()
        review = self.form_review()
        return line or next(iter(review.decision_lines), "")

    def plan_action(self) -> object:
        """The action dialog for the decision under the cursor, linked to this review."""
        from custdesk.ui.dialogs.action_dialog import ActionDialog

        review = srs.get(self.store, self.review_id) if self.review_id is not None else None
        if review is None:
            self._error("Save the review before planning actions from it.")
            return None
        decision = self.current_decision()
        if not decision:
            self._error("Write a decision first (one per line).")
            return None
        return ActionDialog.open_for(self.store, draft=srs.action_draft(review, decision),
                                     parent=self)
