"""The Feedback tab: what customers and staff say, and how fast the business answers.

KPI cards (NPS with its 95 % range and n, CSAT, first response and resolution times, repeat
contacts, contacts per issue, complaints, mystery shopping, eNPS); the 12-month NPS trend;
referral rate and NPS by segment; detractors to rescue with their comments, value at stake,
follow-up (right-click: Follow-up…) and rescue action; support tickets by topic and
channel. It draws `services/screens/feedback.py` (built in the background) and
computes nothing.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from custdesk.services import actions_service as acts
from custdesk.services import triage_service as triage
from custdesk.services.screens import feedback, labels
from custdesk.services.screens.model import Screen, SeriesPoint
from custdesk.ui import formatting as fmt
from custdesk.ui.charts import TrendChart
from custdesk.ui.dialogs.action_dialog import add_action_menu
from custdesk.ui.dialogs.triage_dialogs import detractor_menu
from custdesk.ui.page_tabs import PageTabs
from custdesk.ui.record_table_model import Column
from custdesk.ui.tabs.dashboard_tab import DashboardTab
from custdesk.ui.tabs.metric_panels import (
    TablePanel,
    add_reasons,
    card_figures,
    card_row,
    fill_cards,
    key_figures_sheet,
    metric_col,
    partial_note,
    stacked,
    why_blank,
)

CARDS = feedback.CARDS
TREND_MONTHS = feedback.TREND_MONTHS


SEGMENT_COLUMNS = [
    Column("segment", "Segment"),
    metric_col("new", "customers_new"),
    metric_col("referral_pct", "referral_rate_pct"),
    metric_col("nps", "nps"),
    Column("nps_n", "n", "int", tooltip="NPS answers"),
    metric_col("csat_pct", "csat_pct"),
]
def _field(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, dict) else getattr(row, name, None)


def nps_text(row: Any) -> str:
    """"5", or "3 → 8" when the customer answered again since."""
    later = _field(row, "later_nps")
    nps = _field(row, "nps")
    return f"{nps}" if later is None else f"{nps} → {later}"


DETRACTOR_COLUMNS = [
    Column("customer", "Customer"),
    Column("nps", "NPS", value=nps_text,
           tooltip="The customer's latest answer, 0–10, and the one they gave since"),
    Column("date", "Answered", "date"),
    Column("value_at_stake", "At stake", "money", display=lambda v: fmt.money(v, 0),
           tooltip="Their revenue in the last W days to the period's end (the list's order)"),
    Column("follow_up", "Follow-up",
           value=lambda r: triage.FOLLOWUP_LABELS.get(_field(r, "follow_up") or "", ""),
           tooltip="Where the rescue stands (right-click: Follow-up…); resolved and not "
                   "recovered detractors leave the list"),
    Column("comment", "Comment"),
    Column("rescue", "Rescue", value=lambda r: rescue_label(r),
           tooltip="The action planned to rescue this customer: none, open (due), "
                   "done or dropped, with what came of it"),
]
RESCUE_WORDS = {"none": "no action", "open": "open", "done": "done", "dropped": "dropped"}


def rescue_label(row: Any) -> str:
    """"open, due 12 Dec 2026" / "done: called, sent a voucher" / "no action"."""
    get = row.get if isinstance(row, dict) else (lambda k: getattr(row, k, None))
    state = get("rescue") or "none"
    text = RESCUE_WORDS.get(state, state)
    if state == "open" and get("rescue_due_on"):
        text += f", due {fmt.day_text(get('rescue_due_on'))}"
    elif state in ("done", "dropped") and get("rescue_outcome"):
        text += f": {get('rescue_outcome')}"
    return text


def _hours(value: float | None) -> str:
    return fmt.DASH if value is None else f"{fmt.number(value, 1)} h"


def ticket_columns(first: str, with_repeats: bool) -> list[Column]:
    cols = [Column("name", first), Column("tickets", "Tickets", "int"),
            Column("complaints", "Complaints", "int"),
            metric_col("first_response_hours", "first_response_hours_median", "float",
                       display=_hours),
            metric_col("resolution_hours", "resolution_hours_median", "float",
                       display=_hours),
            metric_col("csat_pct", "csat_pct", tooltip="Ticket CSAT answers of 4 or 5")]
    if with_repeats:
        cols.append(metric_col("repeat_contact_pct", "repeat_contact_rate_pct"))
    return cols


def complaint_signal(row: Any) -> str | None:
    """A ticket group with complaints can be acted on ("complaint"); others cannot."""
    complaints = row.get("complaints") if isinstance(row, dict) else None
    return "complaint" if complaints else None


def nps_extra(value: Any) -> str:
    """"95 %: 12 to 40" under the NPS cards (small samples swing widely)."""
    low, high = getattr(value, "low", None), getattr(value, "high", None)
    if low is None or high is None:
        return ""
    return f"95 %: {fmt.number(low)} to {fmt.number(high)}".replace("-", "−")


class FeedbackTab(DashboardTab):
    title = "Feedback"
    slug = "feedback"
    # (orders: the detractors' value at stake; follow-ups: their state)
    depends_on = frozenset({"customers", "surveys", "tickets", "actions", "orders",
                            "detractor_followups"})
    empty_heading = "No feedback yet"
    empty_imports = ("customer surveys (date, customer, NPS 0–10, CSAT 1–5, comment)",
                     "support tickets (customer, opened, first response, resolved, topic)",
                     "staff surveys and mystery shopping scores")
    empty_why = ("Feedback shows your net promoter score, satisfaction, how fast you answer, "
                 "complaints, and which unhappy customers to call first.")

    def build_content(self) -> QWidget:
        self.cards, cards_layout = card_row(CARDS, compact=True)
        self.nps_chart = TrendChart("score")
        self.nps_chart.setMinimumHeight(120)
        chart_box = QWidget()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.setSpacing(2)
        top = QHBoxLayout()
        top.addWidget(QLabel(f"<b>Net promoter score, last {TREND_MONTHS} months</b>"))
        top.addStretch(1)
        self.trend_note = QLabel()  # says which month is partial (drawn as its own point)
        self.trend_note.setStyleSheet("color: gray;")
        top.addWidget(self.trend_note)
        chart_layout.addLayout(top)
        chart_layout.addWidget(self.nps_chart, 1)
        self.segments = TablePanel("feedback/segments", "Referral and NPS by segment",
                                   SEGMENT_COLUMNS)
        self.detractors = TablePanel("feedback/detractors", "Detractors to rescue",
                                     DETRACTOR_COLUMNS, search="Search customer or comment…",
                                     stretch=len(DETRACTOR_COLUMNS) - 1)
        self.detractors.table.setToolTip("Customers whose latest NPS answer is 0–6; "
                                         "double-click one to open their story")
        # the long rescue text takes what is left, so name, "To contact" and the comment
        # show whole at 1366 px
        self.detractors.table.stretch_share = 0.2
        if self.detractors.search_table is not None:
            self.detractors.search_table.activated.connect(self.open_customer)
        add_action_menu(self.detractors.table, self.detractors.model.row_at,
                        lambda _row: "detractor", lambda: self.store,
                        detractor_menu(lambda: self.store, self))
        self.topics = TablePanel("feedback/topics", "Tickets by topic",
                                 ticket_columns("Topic", True))
        self.channels = TablePanel("feedback/channels", "Tickets by channel",
                                   ticket_columns("Channel", False))
        # a topic with complaints -> "Plan an action…" (the complaints as the issue)
        add_action_menu(self.topics.table, self.topics.model.row_at, complaint_signal,
                        lambda: self.store)
        self.topics.table.setToolTip("Right-click a topic with complaints to plan an action")
        self.ticket_tabs = PageTabs()
        for panel, label in ((self.topics, "Tickets by topic"),
                             (self.channels, "Tickets by channel")):
            panel.heading.hide()  # the tab says it
            self.ticket_tabs.addTab(panel, label)
        grid = QGridLayout()
        grid.setSpacing(8)
        grid.addWidget(chart_box, 0, 0)
        grid.addWidget(self.segments, 0, 1)
        grid.addWidget(self.detractors, 1, 0)
        grid.addWidget(self.ticket_tabs, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(0, 2)
        grid.setRowStretch(1, 3)
        return stacked(cards_layout, (grid, 1))

    # ----- data (built in the background by the screen; drawn here) ----------------------
    screen_module = feedback

    def show_series(self, series: dict[str, list[SeriesPoint]]) -> None:
        points = series["nps"]
        self.nps_chart.set_series({labels.label("nps"): points})  # a partial month is drawn hollow
        last = points[-1] if points else None
        self.trend_note.setText(f"last month partial — {partial_note(last)}"
                                if last is not None and last.partial else "")

    def show_screen(self, screen: Screen) -> None:
        ranges = {m: nps_extra(c.current) for m, c in screen.cards.items()
                  if m in ("nps", "enps")}
        fill_cards(self.cards, screen.cards, first_lines=ranges)
        add_reasons(self.cards, why_blank(screen.tables))
        self.segments.model.set_rows(screen.tables["segments"])
        self.detractors.model.set_rows(screen.lists["detractors"])
        rescue = screen.tables.get("rescue") or [acts.rescue_summary([])]
        self.detractors.note.setText(acts.rescue_text(rescue[0]))
        self.detractors.note.setToolTip(f"Latest NPS 0–6 as of "
                                        f"{fmt.day_text(screen.period.end)}; a rescue "
                                        "action is one planned from the detractor")
        topics = screen.tables["tickets_by_topic"]
        self.topics.model.set_rows(topics)
        self.channels.model.set_rows(screen.tables["tickets_by_channel"])
        opened = sum(g["tickets"] for g in topics)
        self.ticket_tabs.setToolTip(f"{opened:,} tickets opened in the period")

    def open_customer(self, row: Any) -> Any:
        """The customer dialog (non-modal) for a detractor row."""
        customer_id = row.get("customer_id") if isinstance(row, dict) else None
        return None if customer_id is None else self.show_customer(customer_id)

    def _panels(self) -> list[TablePanel]:
        return [self.segments, self.detractors, self.topics, self.channels]

    # ----- print and export --------------------------------------------------------------
    def export_tables(self) -> list:
        """Detractors to rescue (the main table), the KPI cards, then the other tables."""
        from custdesk.services.tab_export import SheetTable
        from custdesk.ui.tab_output import sheet_from_model

        sheets = {p.title: sheet_from_model(p.title, p.model) for p in self._panels()}
        main = sheets.pop(self.detractors.title)
        extra = []
        if self.data is not None:
            extra.append(key_figures_sheet(CARDS, self.data.cards))
            trend = self.data.series.get("nps", [])
            if trend:  # a partial month says so in its label
                extra.append(SheetTable("NPS by month", ["Month", "NPS"], ["text", "float"],
                                        [[p.month + (f" ({p.days} days)" if p.partial else ""),
                                          p.value] for p in trend]))
        return [main, *extra, *sheets.values()]

    def report_html(self) -> str:
        from custdesk.reports.tab_report import tab_report_html
        from custdesk.ui.tab_output import text_table_from_model

        tables = [text_table_from_model(p.title, p.model) for p in self._panels()]
        p = self.period
        return tab_report_html("Feedback", f"{fmt.day_text(p.start)} – {fmt.day_text(p.end)}",
                               card_figures(self.cards), tables)

    def export_dialog(self) -> None:
        from custdesk.ui.tab_output import export_dialog

        export_dialog(self, "custdesk feedback", self.export_tables())

    def print_dialog(self) -> None:
        from custdesk.ui.tab_output import print_preview

        print_preview(self, self.report_html())
