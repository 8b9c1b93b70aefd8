"""Widgets of the Scorecard tab: one question row, and the history panel (chart + table)."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import date, datetime, time

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from custdesk.domain.scorecard import DASH, Evidence, Question, change_text
from custdesk.services.screens.scorecard import HistoryRow
from custdesk.ui import formatting as fmt
from custdesk.ui.plain_text import tooltip

PLAN_ACTION = "Plan an action…"
NOT_ANSWERED = -1  # the spin box's "not answered" position (its special value text)
GREY = "#666"


def evidence_html(ev: Evidence | None) -> str:
    """"Gross margin: <b>33.8 %</b><br>n = 3,913", locale-formatted."""
    if ev is None:
        return f"<span style='color:{GREY}'>No measure in the data</span>"
    value = fmt.by_unit(ev.value, ev.unit) if ev.value is not None else DASH
    detail = f"<br><span style='color:{GREY}'>{html.escape(ev.detail)}</span>" if ev.detail else ""
    return f"{html.escape(ev.label)}: <b>{html.escape(value)}</b>{detail}"


class QuestionRow:
    """Widgets of one question, placed on row `row` of an area's grid."""

    def __init__(self, q: Question, grid: QGridLayout, row: int,
                 on_change: Callable[[], None],
                 on_plan: Callable[[QuestionRow], object] | None = None) -> None:
        self.question = q
        # small and never broken over two lines
        plan = (f" · <a href='plan'>{PLAN_ACTION.replace(' ', '&nbsp;')}</a>"
                if on_plan is not None else "")
        text = QLabel(f"<b>{html.escape(q.name)}</b> — {html.escape(q.text)}<br>"
                      f"<span style='color:{GREY}; font-size:small'>0 = {html.escape(q.zero)}"
                      f" · 10 = {html.escape(q.ten)}{plan}</span>")
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        self.text = text
        self.next_action = QLabel()  # "Next: … — due …", the question's open next action
        self.next_action.setWordWrap(True)
        self.next_action.setVisible(False)
        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.setSpacing(1)
        left_column.addWidget(text)
        left_column.addWidget(self.next_action)
        if on_plan is not None:  # a low answer -> "Plan an action…" (the score as issue)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
            text.linkActivated.connect(lambda *_: on_plan(self))
        self.spin = QSpinBox()
        self.spin.setRange(NOT_ANSWERED, 10)
        self.spin.setSpecialValueText("Not answered")
        self.spin.setAccessibleName(f"Score for {q.name}, 0 to 10")
        self.spin.setToolTip(f"0 = {q.zero}\n10 = {q.ten}\nBelow 0: not answered")
        self.spin.setMinimumWidth(120)
        self.spin.valueChanged.connect(on_change)
        self.target = QSpinBox()  # the owner's target score for this question
        self.target.setRange(NOT_ANSWERED, 10)
        self.target.setSpecialValueText("No target")
        self.target.setPrefix("target ")
        self.target.setAccessibleName(f"Target score for {q.name}, 0 to 10")
        self.target.setToolTip("The score you aim for; below 0: no target")
        self.target.setMinimumWidth(120)
        self.target.valueChanged.connect(on_change)
        scores = QWidget()
        score_column = QVBoxLayout(scores)
        score_column.setContentsMargins(0, 0, 0, 0)
        score_column.setSpacing(2)
        score_column.addWidget(self.spin)
        score_column.addWidget(self.target)
        self.change = QLabel()
        self.change.setMinimumWidth(70)
        self.evidence = QLabel()
        self.evidence.setWordWrap(True)
        self.evidence.setTextFormat(Qt.TextFormat.RichText)
        grid.addWidget(left, row, 0)
        grid.addWidget(scores, row, 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.change, row, 2, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.evidence, row, 3, Qt.AlignmentFlag.AlignTop)

    @property
    def score(self) -> int | None:
        value = self.spin.value()
        return None if value == NOT_ANSWERED else value

    def set_score(self, score: int | None) -> None:
        self.spin.setValue(NOT_ANSWERED if score is None else score)

    @property
    def target_score(self) -> int | None:
        value = self.target.value()
        return None if value == NOT_ANSWERED else value

    def set_target(self, target: int | None) -> None:
        self.target.setValue(NOT_ANSWERED if target is None else target)

    def show_next_action(self, row: dict[str, object] | None) -> None:
        """The question's open next action: title, due date (red when late), who."""
        if not row or not row.get("action") or row.get("status") != "open":
            self.next_action.setVisible(False)
            return
        due = row.get("due_on")
        late = isinstance(due, str) and due < date.today().isoformat()
        due_text = f" — due {fmt.day_text(str(due))}" if due else ""
        who = f" ({row['owner']})" if row.get("owner") else ""
        colour = "#b3261e" if late else "#1f4e79"
        self.next_action.setText(
            f"<span style='color:{colour}; font-size:small'>Next: "
            f"{html.escape(str(row['action']))}{html.escape(due_text)}{html.escape(who)}"
            f"{' — late' if late else ''}</span>")
        self.next_action.setVisible(True)

    def signal_row(self) -> dict[str, object]:
        """The row an action is planned from: {question, score, area}."""
        return {"question": self.question.name, "score": self.score,
                "area": self.question.area}

    def show_change(self, before: int | None, since: date | None) -> None:
        """"+2" against the previous assessment's score (blank without one)."""
        now = self.score
        if since is None or before is None or now is None:
            missing = f"<span style='color:{GREY}'>was {DASH}</span>"
            self.change.setText("" if since is None else missing)
            return
        diff = now - before
        colour = "#1b7a3a" if diff > 0 else "#b3261e" if diff < 0 else GREY
        self.change.setText(f"<span style='color:{colour}'><b>{change_text(diff)}</b></span>"
                            f"<br><span style='color:{GREY}'>was {before}</span>")
        self.change.setToolTip(f"{before} on {fmt.day_text(since)}")


class HistoryPanel(QWidget):
    """The average over time (a small line chart) and the table of past assessments."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>History</b> — average of each assessment"))
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.plot.setBackground("w")
        self.plot.setYRange(0, 10, padding=0.05)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.showGrid(y=True, alpha=0.2)
        self.plot.setMinimumHeight(160)
        self.plot.setMaximumHeight(220)
        self.curve = self.plot.plot([], [], pen=pg.mkPen("#2c6fbb", width=2), symbol="o",
                                    symbolSize=8, symbolBrush="#2c6fbb")
        layout.addWidget(self.plot)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Date", "Average", "Answered", "Change"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.empty = QLabel("No assessment saved yet. Score the questions and press "
                            "“Save as today's assessment”.")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)

    def show_history(self, history: Sequence[HistoryRow]) -> None:
        """Chart and table of the screen's `history` rows (oldest first); the table lists
        the newest first."""
        points = [(a.taken_on, a.average) for a in history if a.average is not None]
        xs = [datetime.combine(d, time(12)).timestamp() for d, _ in points]
        self.curve.setData(xs, [v for _, v in points])
        if xs:
            pad = 20 * 86400.0  # a little room either side, so single points are visible
            self.plot.setXRange(min(xs) - pad, max(xs) + pad, padding=0)
        self.table.setRowCount(len(history))
        for row, a in enumerate(reversed(history)):
            cells = [fmt.day_text(a.taken_on), DASH if a.average is None else f"{a.average:.1f}",
                     f"{a.answered} of {a.questions}",
                     "" if a.change is None else f"{a.change:+.1f}"]
            tip = "\n".join(f"{k.replace('_', ' ')}: {DASH if v is None else v}"
                            for k, v in a.answers.items())
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, a.id)
                item.setToolTip(tooltip(tip if not a.note else f"{a.note}\n\n{tip}"))
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, col, item)
        self.empty.setVisible(not history)
