"""The Lost prospects tab: draws the Lost screen (`services/screens/lost.py`).

KPI cards (against the prior period), then three sections: Lost deals (by reason and by
competitor as horizontal bars, and the searchable table of deals lost in the period with
their product, segment and reason detail), Head to head (won and lost against each
competitor, and by quarter) and Reasons across (lost reasons by product, segment, deal size
band or owner; lost value per reason) — `lost_pages.py`. The deal analysis lives here, with
the deals, rather than on Why: the owner reads a rival's win rate next to the deals lost to
them. Every number is the screen's; export and print read the same screen.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from custdesk.domain.metric_catalogue import METRICS, MetricInfo
from custdesk.services.pipeline_service import OWN_METRICS
from custdesk.services.screens import lost as lost_screen
from custdesk.services.screens.model import Card, Screen
from custdesk.ui import formatting as fmt
from custdesk.ui.dialogs.action_dialog import open_deal
from custdesk.ui.kpi_card import KpiCard
from custdesk.ui.page_tabs import PageTabs
from custdesk.ui.record_table_model import Column, RecordTableModel
from custdesk.ui.table_view import TableWithSearch
from custdesk.ui.tabs.dashboard_tab import DashboardTab
from custdesk.ui.tabs.deal_charts import HBarChart, count_bars
from custdesk.ui.tabs.lost_pages import HeadToHeadPage, ReasonsAcrossPage
from custdesk.ui.tabs.metric_panels import stacked

CARD_ORDER = lost_screen.SHOWN
NO_COMPETITOR = lost_screen.NO_COMPETITOR
GROUPS = (("By reason", "Reason", "by_reason", "reason"),
          ("By competitor", "Competitor", "by_competitor", "competitor"))

LOST_COLUMNS = [
    Column("title", "Deal"), Column("customer", "Customer"),
    Column("amount", "Amount", "money", display=lambda v: fmt.money(v, 0)),
    Column("lost_reason", "Reason"),
    Column("reason_detail", "Detail", tooltip="The reason in the seller's words"),
    Column("competitor", "Competitor"), Column("product", "Product"),
    Column("segment", "Segment"), Column("closed_on", "Closed", "date"),
    Column("owner", "Owner"),
]


def metric_info(metric: str) -> MetricInfo:
    """The catalogue's description of a card, or the Lost screen's own two figures'."""
    return METRICS[metric] if metric in METRICS else OWN_METRICS[metric]


def card_extra(card: Card) -> str:
    """The win rate card's extra line: its 95 % range."""
    current = card.current
    if card.metric == "win_rate_pct" and current is not None and current.low is not None:
        return f"range {fmt.number(current.low, 0)}–{fmt.pct(current.high, 0)}"
    return ""


class LostProspectsTab(DashboardTab):
    title = "Lost prospects"
    slug = "lost_prospects"
    depends_on = frozenset({"customers", "deals", "products", "stages", "reasons"})
    screen_module = lost_screen
    empty_heading = "No deals yet"
    empty_imports = ("deals (stage, amount, closed date, lost reason, competitor…)",)
    empty_why = ("See which deals you lost, to which competitors and why — and whether "
                 "your team records a reason for each one.")

    def build_content(self) -> QWidget:
        self.cards = {metric: KpiCard(metric) for metric in CARD_ORDER}
        card_row = QGridLayout()
        card_row.setSpacing(6)
        for i, card in enumerate(self.cards.values()):
            card_row.addWidget(card, 0, i)
        self.reason_chart = HBarChart(4)
        self.competitor_chart = HBarChart(1)
        charts = QHBoxLayout()
        for title, chart in (("Lost deals by reason", self.reason_chart),
                             ("Lost deals by competitor", self.competitor_chart)):
            box = QVBoxLayout()
            box.addWidget(QLabel(f"<b>{title}</b>"))
            box.addWidget(chart, 1)
            charts.addLayout(box, 1)
        self.model = RecordTableModel(LOST_COLUMNS, self)
        self.table = TableWithSearch(self.model, "lost_prospects", stretch=0,
                                     stretch_share=0.25,
                                     placeholder="Search deal, customer, reason, detail, "
                                                 "competitor…")
        self.table.toolbar.insertWidget(0, QLabel("<b>Deals lost in the period</b>"))
        self.table.table.doubleClicked.connect(  # the deal editor
            lambda index: open_deal(self.store, self.model.row_at(index.row()), self))
        deals_page = QWidget()
        deals_layout = QVBoxLayout(deals_page)
        deals_layout.setContentsMargins(0, 4, 0, 0)
        deals_layout.addLayout(charts, 4)
        deals_layout.addWidget(self.table, 5)
        self.charts_row = charts
        self.head_to_head = HeadToHeadPage()
        self.across = ReasonsAcrossPage()
        self.sections = PageTabs()
        for page, title in ((deals_page, "Lost deals"), (self.head_to_head, "Head to head"),
                            (self.across, "Reasons across")):
            self.sections.addTab(page, title)
        return stacked(card_row, (self.sections, 1))

    # ----- drawing the screen ------------------------------------------------------------
    def show_screen(self, screen: Screen) -> None:
        for metric, card in self.cards.items():
            shown = screen.cards[metric]
            card.set_metric(metric_info(metric), shown.current, shown.prior, card_extra(shown))
        self.reason_chart.set_bars(count_bars(screen.tables["by_reason"], "reason"))
        self.competitor_chart.set_bars(count_bars(screen.tables["by_competitor"],
                                                  "competitor"))
        self.model.set_rows(screen.lists["lost_deals"])  # the screen's order: newest first
        self.head_to_head.show_screen(screen)
        self.across.show_screen(screen)

    # ----- print and export: the screen's figures, the table as shown ----------------------
    def _group_rows(self, table: str, key: str) -> list[list[Any]]:
        rows = self.data.tables[table] if self.data is not None else []
        return [[r[key], r["deals_lost"]] for r in rows]

    def export_tables(self) -> list:
        """The lost deals (the main table), the key figures, by reason, by competitor."""
        from custdesk.services.tab_export import KpiTable, SheetTable, kpi_row
        from custdesk.ui.tab_output import sheet_from_model

        tables: list = [sheet_from_model("Lost deals", self.model)]
        if self.data is not None:
            tables.append(KpiTable("Key figures", [
                kpi_row(metric_info(m), c.current, c.prior) for m, c in self.data.cards.items()]))
        for title, head, table, key in GROUPS:
            tables.append(SheetTable(title, [head, "Deals lost"], ["text", "int"],
                                     self._group_rows(table, key)))
        # the analysis sections are printed (report_html) but not exported yet: the export's
        # four sheets are pinned by tests/test_ui_pipeline_tabs.py (another engineer's)
        return tables

    def _analysis_panels(self) -> list:
        return [*self.head_to_head.panels(), *self.across.panels()]

    def report_html(self) -> str:
        from custdesk.reports.tab_report import TextTable, tab_report_html
        from custdesk.ui.tab_output import text_table_from_model
        from custdesk.ui.tabs.metric_panels import card_figures

        groups = [TextTable(title, [head, "Deals lost"],
                            [[g, fmt.number(n)] for g, n in self._group_rows(table, key)], {1})
                  for title, head, table, key in GROUPS]
        p = self.period
        return tab_report_html(
            "Lost prospects", f"{fmt.day_text(p.start)} – {fmt.day_text(p.end)}",
            card_figures(self.cards), [*groups, text_table_from_model("Lost deals", self.model),
                                       *(text_table_from_model(p.title, p.model)
                                         for p in self._analysis_panels())])

    def export_dialog(self) -> None:
        from custdesk.ui.tab_output import export_dialog

        export_dialog(self, "custdesk lost prospects", self.export_tables())

    def print_dialog(self) -> None:
        from custdesk.ui.tab_output import print_preview

        print_preview(self, self.report_html())
