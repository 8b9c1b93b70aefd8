"""The Why tab (issue 14): the "why" behind the numbers.

Cards: would refer us, left without a word, CSAT, NPS. Sections:
- Reasons: pick a question (why they chose us, stay, would not refer, left; why deals were
  lost, won): its reasons in the period (answers, share, value), the same by segment and by
  source, and quarter by quarter with a ▲/▼ where a reason's share moved by more than 10
  points (hollow when either quarter has under 30 answers).
- Would refer (by segment, with the "why not" reasons beside it), Questionnaires, Comments
  (search, what detractors and promoters say, tickets by topic), Quality of service
  (`why_pages.py`).
Draws `services/screens/why.py` (what `custdesk screen why` prints) and computes nothing.
The slug stays "reasons" (the tab's first name: saved layouts and screenshots keep it).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from custdesk.services.screens import reasons as reasons_screen
from custdesk.services.screens import why as why_screen
from custdesk.services.screens.model import Screen
from custdesk.ui import formatting as fmt
from custdesk.ui.page_tabs import PageTabs
from custdesk.ui.record_table_model import Column
from custdesk.ui.tabs.dashboard_tab import DashboardTab
from custdesk.ui.tabs.metric_panels import (
    TablePanel,
    card_figures,
    card_row,
    fill_cards,
    key_figures_sheet,
    money_col,
    stacked,
)
from custdesk.ui.tabs.why_pages import CommentsPage, QualityPage, QuestionnairesPage, ReferPage

QUARTERS = reasons_screen.TREND_QUARTERS


def _share(v: Any) -> str:
    return fmt.DASH if v is None else f"{fmt.number(v, 0)} %"


def reason_columns(group: tuple[str, str] | None = None) -> list[Column]:
    cols = [Column(group[0], group[1])] if group else []
    return cols + [Column("reason", "Reason"), Column("answers", "Answers", "int",
                                                      tooltip="Survey answers, lost "
                                                      "customers or deals giving this reason"),
                   Column("share_pct", "Share", "pct", display=_share,
                          tooltip="Of this question's answers (in the group)"),
                   money_col("value", "Value", "Deals: their amount. Customers: their "
                             "revenue in the activity window up to the answer or loss")]


def quarter_cell(cell: dict[str, Any] | None) -> str:
    """"32% ▲14": the share that quarter and, when it moved more than 10 points, the move
    (hollow △▽ when either quarter had under 30 answers: one answer moves it a lot)."""
    if cell is None or cell["share_pct"] is None:
        return fmt.DASH
    text = f"{fmt.number(cell['share_pct'], 0)}%"
    if cell["shifted"]:
        change = cell["change_pts"]
        arrows = "△▽" if cell["small_sample"] else "▲▼"
        text += f" {arrows[0] if change > 0 else arrows[1]}{fmt.number(abs(change), 0)}"
    return text


def _cell_of(quarter: str) -> Callable[[Any], str]:
    """A quarter column's value: that quarter's cell of a pivoted row, as text."""
    return lambda row: quarter_cell(row.get(quarter))


def pivot_quarters(rows: list[dict[str, Any]], panel: str) -> tuple[list[str], list[dict]]:
    """The screen's quarter rows of one panel as (quarter keys, one row per reason with a
    cell per quarter) — a layout of the screen's figures, nothing recomputed."""
    keys: list[str] = []
    by_reason: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["panel"] != panel:
            continue
        if r["quarter"] not in keys:
            keys.append(r["quarter"])
        row = by_reason.setdefault(r["reason"], {"reason": r["reason"], "total": 0})
        row[r["quarter"]] = r
        row["total"] += r["answers"]
        # a row is flagged for a shift measured on 30+ answers in both quarters
        row["shifted"] = row.get("shifted", False) or (r["shifted"] and not r["small_sample"])
    return keys, list(by_reason.values())


class WhyTab(DashboardTab):
    title = "Why"
    slug = "reasons"
    screen_module = why_screen
    depends_on = frozenset({"customers", "surveys", "deals", "tickets", "orders"})
    empty_heading = "No reasons recorded yet"
    empty_imports = ("surveys with the question asked and a reason (why chose us, why stay, "
                     "why not refer)", "customers with a lost date and lost reason",
                     "deals with lost and win reasons")
    empty_why = ("Why shows why customers choose you, stay, would not refer you and "
                 "leave, and why deals are won and lost — and when those reasons shift; "
                 "what your questionnaires and comments say, and the quality of your service.")

    def build_content(self) -> QWidget:
        self.cards, cards_layout = card_row(why_screen.CARDS, compact=True)
        self.sections = PageTabs()
        self.sections.addTab(self._reasons_page(), "Reasons")
        self.refer_page = ReferPage()
        self.questionnaires_page = QuestionnairesPage()
        self.comments_page = CommentsPage()
        self.quality_page = QualityPage()
        self.pages = (self.refer_page, self.questionnaires_page, self.comments_page,
                      self.quality_page)
        for page, title in zip(self.pages, ("Would refer", "Questionnaires", "Comments",
                                            "Quality of service"), strict=True):
            self.sections.addTab(page, title)
        return stacked(cards_layout, (self.sections, 1))

    def _reasons_page(self) -> QWidget:
        self.question = QComboBox()
        self.question.setToolTip("Which question's reasons to show")
        self.question.currentIndexChanged.connect(self._show_panel)
        self.source = QLabel()
        self.source.setWordWrap(True)
        self.source.setStyleSheet("color: gray;")
        row = QHBoxLayout()
        row.addWidget(QLabel("<b>Question:</b>"))
        row.addWidget(self.question, 1)
        row.addWidget(self.source, 2)
        self.main = TablePanel("reasons/main", "Reasons in the period", reason_columns(),
                               search="Search reason…", stretch=0)
        self.segments = TablePanel("reasons/segments", "By segment",
                                   reason_columns(("segment", "Segment")), stretch=1)
        self.sources = TablePanel("reasons/sources", "By source",
                                  reason_columns(("source", "Source")), stretch=1)
        self.quarters = TablePanel("reasons/quarters", "Quarter by quarter",
                                   self._quarter_columns([""] * QUARTERS), stretch=None)
        self.quarters.model.row_colour = self._quarter_colour
        self.quarters.note.setText("share of the answers each quarter; ▲▼ moved > 10 points "
                                   "(△▽ on under 30 answers)")
        self.side = PageTabs()
        for panel in (self.quarters, self.segments, self.sources):
            panel.heading.hide()  # the tab says it
            self.side.addTab(panel, panel.title)
        grid = QGridLayout()
        grid.setSpacing(8)
        grid.addWidget(self.main, 0, 0)
        grid.addWidget(self.side, 0, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 2)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(row)
        layout.addLayout(grid, 1)
        return page

    @staticmethod
    def _quarter_columns(keys: list[str], partial: frozenset[str] = frozenset()
                         ) -> list[Column]:
        """Reason, answers, then one column per quarter ("2026-Q4*": partial)."""
        cols = [Column("reason", "Reason"),
                Column("total", "Answers", "int", tooltip="Over the quarters shown")]
        for i in range(QUARTERS):
            key = keys[i] if i < len(keys) else ""
            cols.append(Column(
                f"q{i}", (key + ("*" if key in partial else "")) or f"Q{i + 1}",
                value=_cell_of(key), searchable=False,
                tooltip=("partial quarter: not over yet" if key in partial
                         else "share of the answers that quarter; ▲▼ moved more than 10 "
                         "points; △▽ the same on under 30 answers in either quarter")))
        return cols

    @staticmethod
    def _quarter_colour(row: Any) -> QColor | None:
        return QColor("#b03a2e") if row.get("shifted") else None

    def show_screen(self, screen: Screen) -> None:
        fill_cards(self.cards, screen.cards)
        current = self.question.currentData()
        self.question.blockSignals(True)
        self.question.clear()
        for p in screen.tables["panels"]:
            self.question.addItem(f"{p['label']} — {fmt.number(p['answers'])} answers",
                                  p["panel"])
        found = self.question.findData(current)
        if found < 0:  # the first question with answers
            found = next((i for i, p in enumerate(screen.tables["panels"]) if p["answers"]), 0)
        self.question.setCurrentIndex(found)
        self.question.blockSignals(False)
        self._show_panel()
        for page in self.pages:
            page.show_screen(screen)

    def _show_panel(self) -> None:
        screen: Screen | None = self.data
        panel = self.question.currentData()
        if screen is None or panel is None:
            return
        info = next(p for p in screen.tables["panels"] if p["panel"] == panel)
        text = f"From {html.escape(info['source'])}."
        if info["missing"]:
            text += (f" <b>Nothing recorded in this period.</b> To see it, import "
                     f"{html.escape(info['missing'])}.")
        elif info["shifts"]:
            text += (f" {info['shifts']} quarter-to-quarter shift"
                     f"{'s' if info['shifts'] != 1 else ''} of more than 10 points (red rows: "
                     "measured on 30+ answers).")
        self.source.setText(text)

        def mine(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [r for r in rows if r["panel"] == panel]

        self.main.model.set_rows(mine(screen.tables["reasons"]))
        self.main.note.setText(f"{fmt.number(info['answers'])} answers · "
                               f"{fmt.money_short(info['value'])}")
        self.segments.model.set_rows(mine(screen.tables["by_segment"]))
        self.sources.model.set_rows(mine(screen.tables["by_source"]))
        keys, rows = pivot_quarters(screen.tables["by_quarter"], panel)
        partial = frozenset(r["quarter"] for r in screen.tables["by_quarter"] if r["partial"])
        self.quarters.model.columns = self._quarter_columns(keys, partial)
        self.quarters.model.set_rows(rows)  # (a reset: the headers are read again)

    def _panels(self) -> list[TablePanel]:
        return [self.main, self.segments, self.sources, self.quarters,
                *(p for page in self.pages for p in page.panels())]

    # ----- print and export --------------------------------------------------------------
    def export_tables(self) -> list:
        from custdesk.ui.tab_output import sheet_from_model

        sheets = [sheet_from_model(p.title, p.model) for p in self._panels()]
        if self.data is not None:
            sheets.insert(1, key_figures_sheet(why_screen.CARDS, self.data.cards))
        return sheets

    def report_html(self) -> str:
        from custdesk.reports.tab_report import tab_report_html
        from custdesk.ui.tab_output import text_table_from_model

        p = self.period
        return tab_report_html(f"Why — {self.question.currentText()}",
                               f"{fmt.day_text(p.start)} – {fmt.day_text(p.end)}",
                               card_figures(self.cards),
                               [text_table_from_model(t.title, t.model)
                                for t in self._panels()])

    def export_dialog(self) -> None:
        from custdesk.ui.tab_output import export_dialog

        export_dialog(self, "custdesk why", self.export_tables())

    def print_dialog(self) -> None:
        from custdesk.ui.tab_output import print_preview

        print_preview(self, self.report_html())
