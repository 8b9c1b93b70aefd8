"""The Today tab: the owner's morning look at the chosen period.

KPI cards (against the prior period), a one-line strip of the actions due this week or late
(each a link to its dialog), the work lists (customers at risk — new or handled, snoozed
ones counted and shown on demand —, hot prospects, lost prospects, detractors to rescue
with their follow-up, the deals that need the owner) and 12-month sparklines. Right-click
an at-risk row to snooze it, a detractor to set its follow-up (dialogs/triage_dialogs.py).
Everything shown is built by `custdesk.services.screens.today` (the same screen
`custdesk screen today` prints); this module only lays it out and formats it.
"""

from __future__ import annotations

import html
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from custdesk.domain.metric_catalogue import METRICS
from custdesk.services import triage_service as triage
from custdesk.services.screens import labels
from custdesk.services.screens import today as today_screen
from custdesk.services.screens.model import Card, Screen, SeriesPoint
from custdesk.ui import formatting as fmt
from custdesk.ui.charts import Sparkline
from custdesk.ui.dialogs.action_dialog import add_action_menu, fixed_signal, open_deal
from custdesk.ui.dialogs.triage_dialogs import at_risk_menu, detractor_menu
from custdesk.ui.kpi_card import KpiCard
from custdesk.ui.record_table_model import Column
from custdesk.ui.tabs.dashboard_tab import DashboardTab
from custdesk.ui.tabs.metric_panels import TablePanel, card_figures

if TYPE_CHECKING:
    from custdesk.domain.periods import Period
    from custdesk.services.screen_process import ScreenJob

TREND_MONTHS = today_screen.TREND_MONTHS
# sparkline per trend of the screen: (title, unit) — the figure's one label (labels.py)
TRENDS: dict[str, tuple[str, str]] = {
    figure: (labels.label(figure), labels.info(figure).unit) for figure in today_screen.TRENDS}


def _col(key: str, header: str, kind: str = "text", field: str | None = None) -> Column:
    # Whole currency units in these short lists: cents only add width here.
    display = (lambda v: fmt.money(v, 0)) if kind == "money" else None
    value = None if field is None else (lambda r, f=field: getattr(r, f, None))
    return Column(key, header, kind, value=value, display=display)


def state_text(row: Any) -> str:
    """"New" / "Handled" (an open action covers them) / "Snoozed to 15 Dec"."""
    state = getattr(row, "state", "new")
    if state == "snoozed" and getattr(row, "snoozed_until", None):
        return f"Snoozed to {fmt.day_text(row.snoozed_until)}"
    return str(state).capitalize()


AT_RISK_COLUMNS = [
    _col("customer", "Customer"), _col("segment", "Segment"),
    _col("reasons", "Why", "list"),
    _col("value_at_risk", "Value at risk", "money"),
    Column("state", "State", value=state_text,
           tooltip="New; Handled: an open action covers the customer; Snoozed: set aside "
                   "until a day (right-click: Snooze…)"),
]
DEAL_COLUMNS = [
    _col("title", "Deal"), _col("customer", "Customer"),
    _col("stage", "Stage"), _col("weighted", "Weighted", "money"),
    _col("expected_close", "Close", "date"),
]
LOST_COLUMNS = [
    _col("title", "Deal"), _col("lost_reason", "Reason"),
    _col("competitor", "Competitor"), _col("amount", "Amount", "money"),
    _col("closed_on", "Closed", "date"),
]
def nps_text(row: Any) -> str:
    """"5", or "3 → 8" when the customer answered again since."""
    later = getattr(row, "later_nps", None)
    return f"{row.nps}" if later is None else f"{row.nps} → {later}"


DETRACTOR_COLUMNS = [
    _col("customer", "Customer"),
    Column("nps", "NPS", value=nps_text,
           tooltip="Their 0–6 answer, and the answer they gave since (if any)"),
    _col("date", "Date", "date"),
    _col("value_at_stake", "At stake", "money"),
    Column("follow_up", "Follow-up",
           value=lambda r: triage.FOLLOWUP_LABELS.get(getattr(r, "follow_up", ""), ""),
           tooltip="Where the rescue stands (right-click: Follow-up…); resolved and not "
                   "recovered detractors leave the list"),
    _col("comment", "Comment"),
]
NEEDS_ME_COLUMNS = [
    _col("title", "Deal"), _col("customer", "Customer"), _col("stage", "Stage"),
    _col("amount", "Amount", "money"), _col("next_step", "Next step"),
    Column("next_step_on", "Due", value=lambda r: (
        "" if not r.next_step_on else fmt.day_text(r.next_step_on)
        + (" — late" if r.overdue else ""))),
]
# (list name of the screen, title, columns, column that stretches, what its total is)
LISTS: tuple[tuple[str, str, list[Column], int, str], ...] = (
    ("at_risk", "Customers at risk", AT_RISK_COLUMNS, 2, "at risk"),
    ("hot", "Hot prospects", DEAL_COLUMNS, 0, "weighted"),
    ("lost", "Lost prospects", LOST_COLUMNS, 0, "lost"),
    ("detractors", "Detractors to rescue", DETRACTOR_COLUMNS, 5, ""),
    ("needs_me", "Needs me", NEEDS_ME_COLUMNS, 4, "open"),
)

STRETCH_SHARES = {"detractors": 0.2}  # of the panel's width kept for the stretch column

LISTS_COMING = "…"  # a list's line while the whole screen is built (after the cards)
NEEDS_ME_HEIGHT = 104  # the heading row and about four deals
LATE, SNOOZED = QColor("#c0392b"), QColor("gray")
NEEDS_ME_NONE = ("0 · tick “Needs me” on a deal that needs your own engagement "
                 "(double-click a deal to edit it)")

# list -> the signal an action planned from one of its rows answers
ACTION_SIGNALS = {"at_risk": "at_risk", "hot": "hot_deal", "detractors": "detractor"}


def summary_text(totals: dict[str, Any] | None, what: str) -> str:
    """"12 · $4.5k at risk" from the screen's list_totals row (count only without a total)."""
    if totals is None:
        return fmt.DASH
    count = f"{totals['count']:,}"
    if totals.get("total") is None or not what:
        return count
    return f"{count} · {fmt.money_short(totals['total'])} {what}"


def extra_text(card: Card) -> str:
    """A card's small second figure: "worth $12k"."""
    if card.extra is None or card.extra_value is None:
        return ""
    return "worth " + fmt.by_unit(card.extra_value.value, METRICS[card.extra].unit, short=True)


DUE_SHOWN = 4  # actions named on the strip; the rest are "+N more"


def due_when(row: dict[str, Any]) -> str:
    """"2 days late" / "due today" / "due tomorrow" / "due in 5 days"."""
    if row.get("overdue") and row.get("days_overdue"):
        days = row["days_overdue"]
        return f"{days} day{'s' if days != 1 else ''} late"
    due_in = row.get("due_in")
    return {None: "no date", 0: "due today", 1: "due tomorrow"}.get(
        due_in, f"due in {due_in} days")


def due_strip_html(rows: list[dict[str, Any]], totals: dict[str, int] | None) -> str:
    """The one-line strip over Today's lists: the open actions due within a week or late,
    each a link to its dialog ("action:ID"), late ones in red."""
    if not rows:
        return ("<b>Due actions:</b> <span style='color:gray'>none due this week — "
                "right-click a customer, deal or detractor below to plan one</span>")
    late = (totals or {}).get("overdue", sum(bool(r.get("overdue")) for r in rows))
    head = f"<b>Due actions ({len(rows):,}" + (f", {late:,} late" if late else "") + "):</b> "
    items = []
    for r in rows[:DUE_SHOWN]:
        who = r.get("customer") or r.get("deal")
        who = str(who or "")
        named = who and who not in r["title"]  # "Rescue Ann" needs no "(Ann)"
        text = html.escape(r["title"]) + (f" ({html.escape(who)})" if named else "")
        when = due_when(r)
        color = "#c0392b" if r.get("overdue") else "gray"
        items.append(f"<a href='action:{r['id']}'>{text}</a> "
                     f"<span style='color:{color}'>{when}</span>")
    more = len(rows) - DUE_SHOWN
    tail = f" · +{more} more on the Actions tab" if more > 0 else ""
    return head + " · ".join(items) + tail


class _ListPanel(TablePanel):
    """A titled table of one work list, with a line that sums it up."""

    def __init__(self, name: str, title: str, columns: list[Column], stretch: int) -> None:
        super().__init__(f"today/{name}", title, columns, stretch=stretch)
        # Detractors' short columns (name, "To contact") matter more than the whole comment
        self.table.stretch_share = STRETCH_SHARES.get(name, self.table.stretch_share)
        self.summary = self.note

    def set_rows(self, rows: list[Any], summary: str) -> None:
        self.model.set_rows(rows)
        self.summary.setText(summary)


class TodayTab(DashboardTab):
    title = "Today"
    slug = "today"
    screen_module = today_screen
    series_with_screen = True  # the trends are built while the cards' catalogues run beside
    empty_heading = "Welcome! Your morning look starts with your data"
    empty_imports = ("customers (a list of your customers)", "orders or sales lines",
                     "deals (your sales pipeline)", "customer surveys (NPS)")
    empty_why = ("Today shows revenue, margin, customers won and lost, who is at risk and "
                 "which prospects are hot, as soon as your spreadsheets are in.")

    # when the first numbers were drawn (the smoke test prints it): the cards of the first
    # stage, or of the whole screen where there is none
    first_numbers_at: float | None = None

    def load_job(self, period: Period) -> ScreenJob:
        return today_screen.load_job(period, self.period_label)

    def first_job(self, period: Period) -> ScreenJob | None:
        # the job the screen process builds ahead while the window starts (`start_job`):
        # the cards and the customers at risk, then the whole screen (a big file only)
        if self.store is None or not today_screen.in_two_stages(self.store):
            return None
        return today_screen.first_job(period, self.period_label)

    def build_content(self) -> QWidget:
        content = QWidget()
        self.cards = {metric: KpiCard(metric) for metric, _extra in today_screen.CARDS}
        card_row = QGridLayout()
        card_row.setSpacing(6)
        for i, card in enumerate(self.cards.values()):
            card_row.addWidget(card, 0, i)
        # one line, first over the lists: the actions due this week or late (a link each)
        self.due_strip = QLabel()
        self.due_strip.setTextFormat(Qt.TextFormat.RichText)
        # a second line rather than the last action and "+N more" cut off at the edge
        self.due_strip.setWordWrap(True)
        self.due_strip.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.due_strip.setToolTip("Open actions due within 7 days, and the late ones; "
                                  "click one to follow it up")
        self.due_strip.linkActivated.connect(self.open_link)
        self.lists = {key: _ListPanel(key, title, cols, stretch)
                      for key, title, cols, stretch, _what in LISTS}
        for key in ("at_risk", "detractors"):  # rows that are customers open their story
            table = self.lists[key].table
            table.setToolTip("Double-click a customer to open their story")
            table.doubleClicked.connect(
                lambda index, m=self.lists[key].model: self.open_customer(m.row_at(index.row())))
        for key in ("hot", "lost", "needs_me"):  # deal rows open the deal editor
            self.lists[key].table.doubleClicked.connect(
                lambda index, m=self.lists[key].model: open_deal(
                    self.store, m.row_at(index.row()), self))
        extras = {"at_risk": at_risk_menu(lambda: self.store, self),  # Snooze…
                  "detractors": detractor_menu(lambda: self.store, self)}  # Follow-up…
        for key, signal in ACTION_SIGNALS.items():  # right-click: "Plan an action…"
            add_action_menu(self.lists[key].table, self.lists[key].model.row_at,
                            fixed_signal(signal), lambda: self.store, extras.get(key))
        # snoozed customers are off the list; ticked, they show again (to un-snooze)
        self.show_snoozed = QCheckBox("Show snoozed")
        self.show_snoozed.setToolTip("Show the snoozed customers too (right-click one: "
                                     "Un-snooze)")
        self.show_snoozed.toggled.connect(self._draw_at_risk)
        item = self.lists["at_risk"].box.itemAt(0)  # the panel's heading row
        heading = item.layout() if item is not None else None
        if isinstance(heading, QHBoxLayout):
            heading.insertWidget(1, self.show_snoozed)
        grid = QGridLayout()
        grid.setSpacing(8)
        for i, key in enumerate(("at_risk", "hot", "lost", "detractors")):
            grid.addWidget(self.lists[key], i // 2, i % 2)
        # the deals that need the owner: a short strip across both columns
        grid.addWidget(self.lists["needs_me"], 2, 0, 1, 2)
        self.lists["needs_me"].table.setMaximumHeight(NEEDS_ME_HEIGHT)
        # a late next step in red (like late actions); a snoozed customer greyed
        self.lists["needs_me"].model.row_colour = lambda r: LATE if r.overdue else None
        self.lists["at_risk"].model.row_colour = (
            lambda r: SNOOZED if getattr(r, "state", "") == "snoozed" else None)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 1)
        self.sparklines = {m: Sparkline(label, unit) for m, (label, unit) in TRENDS.items()}
        for m, line in self.sparklines.items():
            line.setToolTip(labels.info(m).explanation)
        spark_box = QVBoxLayout()
        spark_box.addWidget(QLabel(f"<b>Trends, last {TREND_MONTHS} months</b>"))
        for line in self.sparklines.values():
            spark_box.addWidget(line)
        spark_box.addStretch(1)
        spark_panel = QWidget()
        spark_panel.setLayout(spark_box)
        spark_panel.setFixedWidth(250)
        bottom = QHBoxLayout()
        bottom.addLayout(grid, 1)
        bottom.addWidget(spark_panel)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(card_row)
        layout.addWidget(self.due_strip)
        # issue 15: "3 new customers waiting for delivery > 7 days" (see the Loyalty tab)
        self.onboarding_line = QLabel()
        self.onboarding_line.setStyleSheet("color: #b03a2e;")
        layout.addWidget(self.onboarding_line)
        layout.addLayout(bottom, 1)
        return content

    # ----- drawing the screen (GUI thread; no computing here) --------------------------
    def show_first(self, screen: Screen) -> None:
        """The first stage: the cards (their comparison with the prior period comes with
        the whole screen) and the customers at risk; the other lists say they are coming,
        so no list of another period stands beside these numbers — nor the due actions,
        the late onboarding line or the trends of the screen before (another file's
        actions, another period's end)."""
        self._draw_cards(screen, prior_coming=True)
        for key, _title, _cols, _stretch, _what in LISTS:
            if key != "at_risk":
                self.lists[key].set_rows([], LISTS_COMING)
        self._draw_at_risk()
        self.due_strip.setText(f"<b>Due actions:</b> {LISTS_COMING}")
        self.onboarding_line.hide()
        for line in self.sparklines.values():
            line.set_points([])

    def _draw_cards(self, screen: Screen, *, prior_coming: bool = False) -> None:
        for metric, widget in self.cards.items():
            card = screen.cards.get(metric)
            if card is None:
                widget.clear()
                continue
            widget.set_metric(METRICS[metric], card.current, card.prior, extra_text(card),
                              card.target, prior_coming=prior_coming)
        if self.first_numbers_at is None:
            self.first_numbers_at = time.perf_counter()

    def show_screen(self, screen: Screen) -> None:
        self._draw_cards(screen)
        from custdesk.services.onboarding_service import overdue_sentence

        late = overdue_sentence(screen.tables.get("onboarding_overdue", []))
        self.onboarding_line.setText(f"Onboarding: {late} — see Loyalty ▸ Onboarding"
                                     if late else "")
        self.onboarding_line.setVisible(bool(late))
        due_totals = screen.tables.get("actions_due_totals") or [None]
        self.due_strip.setText(due_strip_html(screen.lists.get("actions_due", []),
                                              due_totals[0]))
        totals = {row["list"]: row for row in screen.tables.get("list_totals", [])}
        for key, _title, _cols, _stretch, what in LISTS:
            self.lists[key].set_rows(screen.lists.get(key, []),
                                     summary_text(totals.get(key), what))
        self._draw_at_risk()
        needs_me = self.lists["needs_me"]
        needs_me.table.setVisible(needs_me.model.rowCount() > 0)
        if not needs_me.model.rowCount():
            needs_me.summary.setText(NEEDS_ME_NONE)
        if screen.series:  # a screen built whole (with_series) carries its trends
            self.show_series(screen.series)

    def _draw_at_risk(self) -> None:
        """The at-risk list (with the snoozed rows when asked), its heading with the triage
        counts ("Customers at risk 12 new, 30 handled, 5 snoozed")."""
        screen: Screen | None = self.data if self.data is not None else self.first_screen
        if screen is None:
            return
        rows = list(screen.lists.get("at_risk", []))
        if self.show_snoozed.isChecked():
            rows += screen.lists.get("at_risk_snoozed", [])
        totals = {row["list"]: row for row in screen.tables.get("list_totals", [])}
        counts = (screen.tables.get("at_risk_triage") or [{}])[0]
        panel = self.lists["at_risk"]
        panel.set_rows(rows, summary_text(totals.get("at_risk"), "at risk"))
        panel.heading.setText(f"<b>{html.escape(panel.title)}</b> "
                              f"<span style='color:gray'>{triage.counts_text(counts)}</span>")
        self.show_snoozed.setVisible(bool(counts.get("snoozed")))

    def show_series(self, series: dict[str, list[SeriesPoint]]) -> None:
        for metric, line in self.sparklines.items():
            if metric in series:  # each line drawn in a turn of its own
                line.set_points(series[metric], draw_later=self)

    def open_link(self, link: str) -> Any:
        """The action dialog of a due action clicked on the strip ("action:ID")."""
        from custdesk.ui.dialogs.action_dialog import ActionDialog

        kind, _, ident = link.partition(":")
        if kind != "action" or not ident.isdigit() or self.store is None:
            return None
        return ActionDialog.open_for(self.store, int(ident), parent=self)

    def open_customer(self, row: Any) -> Any:
        """The customer dialog for a list row with a `customer_id` (non-modal)."""
        customer_id = getattr(row, "customer_id", None)
        return None if customer_id is None else self.show_customer(customer_id)

    # ----- print and export (from the screen drawn) -------------------------------------
    def export_tables(self) -> list:
        """The at-risk list (the main table), the KPI cards, then the other lists."""
        from custdesk.services.tab_export import KpiTable, kpi_row
        from custdesk.ui.tab_output import sheet_from_model

        screen: Screen | None = self.data
        # every card of the screen, a card's "worth …" figure right after it
        rows = [kpi_row(METRICS[card.metric], card.current, card.prior)
                for card in (screen.cards.values() if screen is not None else ())]
        sheets = [sheet_from_model(p.title, p.model) for p in self.lists.values()]
        return [sheets[0], KpiTable("Key figures", rows), *sheets[1:]]

    def report_html(self) -> str:
        from custdesk.reports.tab_report import tab_report_html
        from custdesk.ui.tab_output import chart_for_print, text_table_from_model

        # the cards' texts as drawn from the screen
        figures = card_figures(self.cards)
        tables = [text_table_from_model(p.title, p.model, p.summary.text())
                  for p in self.lists.values()]
        # the sparklines as drawn (each says its name and latest whole month)
        charts = [chart_for_print("", line, 126, 32) for line in self.sparklines.values()]
        p = self.period
        return tab_report_html("Today", f"{fmt.day_text(p.start)} – {fmt.day_text(p.end)}",
                               figures, tables, charts=charts,
                               charts_per_row=4)

    def export_dialog(self) -> None:
        from custdesk.ui.tab_output import export_dialog

        export_dialog(self, "custdesk today", self.export_tables())

    def print_dialog(self) -> None:
        from custdesk.ui.tab_output import print_preview

        print_preview(self, self.report_html())


__all__ = ["TodayTab"]
