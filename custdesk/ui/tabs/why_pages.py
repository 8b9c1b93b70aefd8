"""The Why tab's sections beyond the reasons: would refer, questionnaires, comments and
quality of service. Each page draws its part of `services/screens/why.py` and computes
nothing; `panels()` lists its tables for export and print."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from custdesk.domain.periods import month_end
from custdesk.services.screens.model import Screen
from custdesk.ui import formatting as fmt
from custdesk.ui.page_tabs import PageTabs
from custdesk.ui.record_table_model import Column
from custdesk.ui.tabs.metric_panels import TablePanel, metric_col


def _avg(decimals: int) -> Any:
    return lambda v: fmt.DASH if v is None else fmt.number(v, decimals)


def _share(v: Any) -> str:
    return fmt.DASH if v is None else f"{fmt.number(v, 0)} %"


def _row(*widgets: QWidget, stretches: tuple[int, ...]) -> QWidget:
    page = QWidget()
    layout = QHBoxLayout(page)
    layout.setContentsMargins(0, 4, 0, 0)
    for widget, stretch in zip(widgets, stretches, strict=True):
        layout.addWidget(widget, stretch)
    return page


class ReferPage(QWidget):
    """Would refer us by segment, with the "why not" reasons beside it."""

    def __init__(self) -> None:
        super().__init__()
        self.refer = TablePanel("why/refer", "Would refer us, by segment", [
            Column("segment", "Segment"), metric_col("would_refer_pct", "would_refer_pct"),
            Column("n", "n", "int", tooltip="Answers saying yes or no")], stretch=0)
        self.why_not = TablePanel("why/why_not", "Why they would not refer us", [
            Column("reason", "Reason"), Column("answers", "Answers", "int"),
            Column("share_pct", "Share", "pct", display=_share,
                   tooltip="Of the “why not” answers in the period")], stretch=0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_row(self.refer, self.why_not, stretches=(1, 1)))

    def show_screen(self, screen: Screen) -> None:
        self.refer.model.set_rows(screen.tables["would_refer_by_segment"])
        rows = [r for r in screen.tables["reasons"] if r["panel"] == "not_refer"]
        self.why_not.model.set_rows(rows)
        self.why_not.note.setText(f"{fmt.number(sum(r['answers'] for r in rows))} answers")

    def panels(self) -> list[TablePanel]:
        return [self.refer, self.why_not]


class QuestionnairesPage(QWidget):
    """Per question asked: responses, mean score, csat, NPS, comments, incentives; and the
    responses month by month with the incentive offered."""

    def __init__(self) -> None:
        super().__init__()
        self.questions = TablePanel("why/questionnaires", "Questionnaires, by question", [
            Column("question", "Question"), Column("responses", "Responses", "int"),
            Column("score_avg", "Score", "float", display=_avg(1),
                   tooltip="Mean score (0–10) of the answers with one"),
            Column("csat_avg", "CSAT", "float", display=_avg(1),
                   tooltip="Mean satisfaction (1–5) of the answers with one"),
            Column("nps", "NPS", "float", display=_avg(0),
                   tooltip="Net promoter score of the answers with a 0–10 recommend score"),
            Column("comments", "Comments", "int"),
            Column("incentives", "Incentive", tooltip="What respondents were offered")],
            search="Search question…", stretch=0)
        self.period: Any = None  # the screen's period: its first and last month may be cut
        self.months = TablePanel("why/questionnaire_months", "Responses by month", [
            Column("month", "Month", display=self._month_text,
                   tooltip="A month marked (N d) is partial: only N days of it are in the "
                           "period"),
            Column("responses", "Responses", "int"),
            Column("incentives", "Incentive")], stretch=2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_row(self.questions, self.months, stretches=(3, 2)))

    def show_screen(self, screen: Screen) -> None:
        rows = screen.tables["questionnaires"]
        self.questions.model.set_rows(rows)
        self.questions.note.setText(
            f"{fmt.number(sum(r['responses'] for r in rows))} responses" if rows else
            "No questionnaire answered in this period: import surveys of kind questionnaire "
            "with the question asked")
        self.period = screen.period
        self.months.model.set_rows(screen.tables["questionnaire_months"])

    def _month_text(self, key: Any) -> str:
        """"Dec 25", or "Dec 25 (30 d)" when the period holds only part of the month, as
        Growth's monthly tables say it: never read as a whole month."""
        text = fmt.dates_in_text(key)
        if self.period is None or not isinstance(key, str):
            return text
        first = date.fromisoformat(f"{key}-01")
        start, end = max(first, self.period.start), min(month_end(first), self.period.end)
        days = (end - start).days + 1
        return text if days == month_end(first).day else f"{text} ({days} d)"

    def panels(self) -> list[TablePanel]:
        return [self.questions, self.months]


def word_columns(header: str) -> list[Column]:
    return [Column("rank", "#", "int"), Column("term", header),
            Column("comments", "n", "int",
                   tooltip="How many of the group's comments use it")]


class WordsPanel(QWidget):
    """One group's most frequent words beside its most frequent two-word phrases."""

    def __init__(self, group: str, title: str) -> None:
        super().__init__()
        self.group, self.title = group, title
        self.words = TablePanel(f"why/{group}_words", f"{title}: words", word_columns("Word"),
                                stretch=1)
        self.phrases = TablePanel(f"why/{group}_phrases", f"{title}: phrases",
                                  word_columns("Phrase"), stretch=1)
        self.words.heading.setText("<b>Words</b>")
        self.phrases.heading.setText("<b>Phrases</b>")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.words, 1)
        layout.addWidget(self.phrases, 1)

    def show_rows(self, rows: list[dict[str, Any]]) -> None:
        self.words.model.set_rows([r for r in rows if r["kind"] == "word"])
        self.phrases.model.set_rows([r for r in rows if r["kind"] == "phrase"])
        of = rows[0]["of"] if rows else 0
        self.words.note.setText(f"in {fmt.number(of)} comments")

    def panels(self) -> list[TablePanel]:
        return [self.words, self.phrases]


class CommentsPage(QWidget):
    """Every comment and ticket of the period, searchable; what detractors and promoters
    say most; tickets by topic."""

    def __init__(self) -> None:
        super().__init__()
        self.comments = TablePanel("why/comments", "Comments and tickets", [
            Column("day", "Date", "date"), Column("src", "From"),
            Column("customer", "Customer"),
            Column("text", "Comment", tooltip="Tickets have no comment: topic · status · "
                   "channel"),
            Column("score", "Score", "float", display=_avg(0),
                   tooltip="NPS 0–10, else CSAT 1–5, else score 0–10"),
            Column("about", "About", tooltip="The question asked or the reason given; "
                   "complaint for a complaint ticket")],
            search="Search comments, topics, customers…", stretch=3)
        self.detractors = WordsPanel("detractor", "Detractors (NPS 0–6) say")
        self.promoters = WordsPanel("promoter", "Promoters (NPS 9–10) say")
        self.topics = TablePanel("why/topics", "Tickets by topic", [
            Column("topic", "Topic"), Column("tickets", "Tickets", "int"),
            Column("complaints", "Complaints", "int"),
            Column("csat_avg", "CSAT", "float", display=_avg(1),
                   tooltip="Mean ticket satisfaction (1–5)")], stretch=0)
        side = PageTabs()
        self.topics.heading.hide()
        for panel, title in ((self.detractors, "Detractors say"),
                             (self.promoters, "Promoters say"), (self.topics, "Ticket topics")):
            side.addTab(panel, title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_row(self.comments, side, stretches=(3, 2)))

    def show_screen(self, screen: Screen) -> None:
        self.comments.model.set_rows(screen.lists["comments"])
        words = screen.tables["words"]
        for panel in (self.detractors, self.promoters):
            panel.show_rows([r for r in words if r["group"] == panel.group])
        self.topics.model.set_rows(screen.tables["ticket_topics"])

    def panels(self) -> list[TablePanel]:
        return [self.comments, *self.detractors.panels(), *self.promoters.panels(),
                self.topics]


EXPLAINED = ("reliability_tickets", "csat_after_complaint_pct", "nps_after_complaint")


def quality_value(row: dict[str, Any]) -> str:
    if row["unit"] == "ratio":
        return fmt.DASH if row["value"] is None else fmt.number(row["value"], 1)
    return fmt.by_unit(row["value"], row["unit"])


class QualityPage(QWidget):
    """Responsiveness, reliability, repeat issues and assurance, each with how it is
    counted."""

    def __init__(self) -> None:
        super().__init__()
        self.quality = TablePanel("why/quality", "Quality of service", [
            Column("area", "Area"), Column("label", "Figure"),
            Column("value", "Value", value=quality_value,
                   align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            Column("n", "n", "int", tooltip="Cases it is measured on"),
            Column("definition", "How it is counted")], stretch=4)
        self.explained = QLabel()
        self.explained.setWordWrap(True)
        self.explained.setStyleSheet("color: gray;")
        self.quality.box.addWidget(self.explained)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.quality)

    def show_screen(self, screen: Screen) -> None:
        rows = screen.tables["quality"]
        self.quality.model.set_rows(rows)
        # the long definitions in full (the column may cut them at 1366 px)
        self.explained.setText("\n".join(f"{r['label']}: {r['definition']}" for r in rows
                                          if r["metric"] in EXPLAINED))

    def panels(self) -> list[TablePanel]:
        return [self.quality]
