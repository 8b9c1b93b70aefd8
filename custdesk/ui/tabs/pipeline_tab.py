"""The Pipeline tab: draws the Pipeline screen (`services/screens/pipeline.py`).

KPI cards (against the prior period), open deals by stage as a funnel of bars, the open-deals
table (search; all / only hot / only stale / only slipped) and the win rate by owner — or,
switched with Table | Board, the board (`pipeline_board.py`: drag a card to change its
stage). "New deal…" opens the new-deal form. Every
number is the screen's; this module only lays it out, and export and print read the same
screen.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from custdesk.domain.metric_catalogue import METRICS
from custdesk.services.screens import pipeline as pipeline_screen
from custdesk.services.screens.model import Card, Screen
from custdesk.ui import formatting as fmt
from custdesk.ui.dialogs.action_dialog import add_action_menu, open_deal
from custdesk.ui.kpi_card import KpiCard
from custdesk.ui.page_tabs import PageStack
from custdesk.ui.record_table_model import Column, RecordTableModel
from custdesk.ui.table_view import RecordTableView, TableWithSearch
from custdesk.ui.tabs.dashboard_tab import DashboardTab
from custdesk.ui.tabs.deal_charts import HBarChart, stage_bars
from custdesk.ui.tabs.metric_panels import metric_col, stacked
from custdesk.ui.tabs.pipeline_board import PipelineBoard

CARDS = pipeline_screen.SHOWN
ALL, HOT, STALE, SLIPPED = "All open deals", "Only hot", "Only stale", "Only slipped"
FILTERS = {HOT: "hot", STALE: "stale", SLIPPED: "slipped"}  # choice -> the row's flag
HOT_TIP = "Hot: probability of 50 % or more, or expected to close within 30 days"
STALE_TIP = "Stale: no activity for 30 days"
SLIPPED_TIP = "Slipped: expected to close more than 30 days ago, still open"
FLAG_TIP = f"{HOT_TIP}\n{STALE_TIP}\n{SLIPPED_TIP}"
STAGE_HEADERS = ["Stage", "Deals", "Value", "Weighted"]


def _money0(value: Any) -> str:
    return fmt.money(value, 0)


def _range(row: dict[str, Any]) -> str:
    low, high = row.get("win_rate_low"), row.get("win_rate_high")
    return f"{fmt.number(low, 0)}–{fmt.pct(high, 0)}" if low is not None and high is not None \
        else ""


DEAL_COLUMNS = [
    Column("flags", "Flag", "list", tooltip=FLAG_TIP),
    Column("title", "Deal"), Column("customer", "Customer"), Column("stage", "Stage"),
    Column("amount", "Amount", "money", display=_money0),
    Column("probability", "Prob.", "pct", display=lambda v: fmt.pct(v, 0),
           tooltip="The deal's own probability, else its stage's"),
    Column("weighted", "Weighted", "money", display=_money0, tooltip="Amount × probability"),
    Column("expected_close", "Expected close", "date"), Column("owner", "Owner"),
    Column("last_activity_on", "Last activity", "date"), Column("next_step", "Next step"),
]
OWNER_COLUMNS = [
    Column("owner", "Owner"), metric_col("open", "deals_open"),
    metric_col("won", "deals_won"), metric_col("lost", "deals_lost"),
    metric_col("win_rate", "win_rate_pct"),
    Column("range", "95 % range", "text", value=_range, searchable=False,
           tooltip="Wilson interval: small teams have small samples"),
]
ROW_COLOURS = {"stale": "#8a8a8a", "slipped": "#8a8a8a", "hot": "#c0561b"}  # first wins


def card_extra(card: Card) -> str:
    """The card's extra line: the win rate's range, deep discounts, unvalued deals."""
    current = card.current
    if card.metric == "win_rate_pct" and current is not None and current.low is not None:
        return f"range {fmt.number(current.low, 0)}–{fmt.pct(current.high, 0)}"
    extra = card.extra_value.value if card.extra_value is not None else None
    if card.metric == "discount_pct_avg":
        return f"deep {fmt.pct(extra, 0)}"
    if card.metric == "deals_open":
        return f"{fmt.number(extra)} without amount" if extra else ""
    return ""



def deal_signal(row: Any) -> str:
    """The signal of an open deal row, by its flags: slipped, else hot, else stale."""
    flags = (row.get("flags") if isinstance(row, dict) else getattr(row, "flags", None)) or []
    for flag, signal in (("slipped", "slipped_deal"), ("hot", "hot_deal"),
                         ("stale", "stale_deal")):
        if flag in flags:
            return signal
    return "deal"

class PipelineTab(DashboardTab):
    title = "Pipeline"
    slug = "pipeline"
    depends_on = frozenset({"customers", "deals", "products", "stages"})
    screen_module = pipeline_screen
    empty_heading = "No deals yet"
    empty_imports = ("deals (title, customer, stage, amount, owner, expected close…)",)
    empty_why = ("The pipeline shows open deals by stage, their weighted value, which "
                 "prospects are hot, which went quiet, and each owner's win rate.")

    def build_content(self) -> QWidget:
        self.cards = {metric: KpiCard(metric) for metric in CARDS}
        card_row = QGridLayout()
        card_row.setSpacing(6)
        for i, card in enumerate(self.cards.values()):
            card_row.addWidget(card, 0, i)
        self.model = RecordTableModel(DEAL_COLUMNS, self)
        self.model.row_colour = self._row_colour
        self.table = TableWithSearch(self.model, "pipeline/open", stretch=len(DEAL_COLUMNS) - 1,
                                     stretch_share=0.12,
                                     placeholder="Search deal, customer, stage, owner…")
        self.only = QComboBox()
        self.only.addItems([ALL, *FILTERS])
        self.only.setToolTip(FLAG_TIP)
        self.only.currentIndexChanged.connect(self.apply_filter)
        self.table.toolbar.insertWidget(1, self.only)
        add_action_menu(self.table.table, self.model.row_at, deal_signal, lambda: self.store)
        self.table.table.doubleClicked.connect(  # the deal editor
            lambda index: open_deal(self.store, self.model.row_at(index.row()), self))
        legend = QLabel(f"<span style='color:#c0561b'>■</span> hot ({HOT_TIP[5:]}) &nbsp; "
                        f"<span style='color:#8a8a8a'>■</span> stale or slipped (no activity "
                        f"for 30 days, or expected close passed 30 days ago)")
        legend.setWordWrap(True)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("<b>Open deals</b> at the end of the period"))
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(legend)
        table_page = QWidget()
        body = QHBoxLayout(table_page)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(left, 3)
        body.addWidget(self._build_side(), 1)
        self.board = PipelineBoard(lambda: self.store, self._open_deal_id)
        self.pages = PageStack()
        self.pages.addWidget(table_page)
        self.pages.addWidget(self.board)
        return stacked(card_row, self._build_switch(), (self.pages, 1))

    def _build_switch(self) -> QHBoxLayout:
        """Table | Board, and New deal…."""
        self.views = QButtonGroup(self)
        row = QHBoxLayout()
        for index, name in enumerate(("&Table", "&Board")):
            button = QPushButton(name)
            button.setCheckable(True)
            button.setChecked(index == 0)
            self.views.addButton(button, index)
            row.addWidget(button)
        self.views.idClicked.connect(self.pages.setCurrentIndex)
        self.new_deal_button = QPushButton("&New deal…")
        self.new_deal_button.clicked.connect(lambda: self.new_deal())
        row.addStretch(1)
        row.addWidget(self.new_deal_button)
        return row

    def show_board(self, on: bool = True) -> None:
        self.views.button(int(on)).setChecked(True)
        self.pages.setCurrentIndex(int(on))

    def new_deal(self) -> Any:
        from custdesk.ui.dialogs.new_deal_dialog import NewDealDialog

        return None if self.store is None else NewDealDialog.open_for(self.store, self)

    def _open_deal_id(self, deal_id: int) -> Any:
        return open_deal(self.store, {"id": deal_id}, self)

    def _build_side(self) -> QWidget:
        side = QWidget()
        side.setMinimumWidth(365)
        side.setMaximumWidth(420)
        self.stage_chart = HBarChart(0)
        self.stage_chart.setMinimumHeight(150)
        self.stage_note = QLabel()
        self.stage_note.setStyleSheet("color: gray;")
        self.owner_model = RecordTableModel(OWNER_COLUMNS, self)
        self.owner_table = RecordTableView(self.owner_model, "pipeline/owners")
        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Open deals by stage</b> (count · value)"))
        layout.addWidget(self.stage_chart, 3)
        layout.addWidget(self.stage_note)
        layout.addWidget(QLabel("<b>Win rate by owner</b> (deals closed in the period)"))
        layout.addWidget(self.owner_table, 2)
        return side

    # ----- drawing the screen ------------------------------------------------------------
    def show_screen(self, screen: Screen) -> None:
        for metric, card in self.cards.items():
            shown = screen.cards[metric]
            card.set_metric(METRICS[metric], shown.current, shown.prior, card_extra(shown),
                            shown.target)
        self.model.set_rows(screen.lists["open_deals"])
        self.apply_filter()
        stages = screen.tables["by_stage"]
        self.stage_chart.set_bars(stage_bars(stages))
        weighted = sum(s["weighted"] for s in stages)
        self.stage_note.setText(f"Weighted: {fmt.money_short(weighted)} · hover a bar for more")
        self.owner_model.set_rows(screen.tables["by_owner"])
        self.board.set_board(screen.tables["board"])

    def apply_filter(self) -> None:
        """All open deals, or only the hot, stale or slipped ones (search filters too)."""
        flag = FILTERS.get(self.only.currentText())
        self.model.set_predicate(None if flag is None else (lambda r: flag in r["flags"]))

    @staticmethod
    def _row_colour(row: dict[str, Any]) -> Any:
        from PySide6.QtGui import QColor

        colour = next((c for f, c in ROW_COLOURS.items() if f in row["flags"]), None)
        return None if colour is None else QColor(colour)

    # ----- print and export: the screen's figures, the tables as shown ---------------------
    def _stage_rows(self) -> list[list[Any]]:
        stages = self.data.tables["by_stage"] if self.data is not None else []
        return [[s["stage"], s["deals"], s["value"], s["weighted"]] for s in stages]

    def export_tables(self) -> list:
        """The open deals (the main table, as filtered), the key figures, by stage, then by
        owner."""
        from custdesk.services.tab_export import KpiTable, SheetTable, kpi_row
        from custdesk.ui.tab_output import sheet_from_model

        tables: list = [sheet_from_model("Open deals", self.model)]
        if self.data is not None:
            tables.append(KpiTable("Key figures", [
                kpi_row(METRICS[m], c.current, c.prior) for m, c in self.data.cards.items()]))
        tables.append(SheetTable("Open deals by stage", STAGE_HEADERS,
                                 ["text", "int", "money", "money"], self._stage_rows()))
        tables.append(sheet_from_model("Win rate by owner", self.owner_model))
        return tables

    def report_html(self) -> str:
        from custdesk.reports.tab_report import TextTable, tab_report_html
        from custdesk.ui.tab_output import text_table_from_model
        from custdesk.ui.tabs.metric_panels import card_figures

        stages = TextTable("Open deals by stage", STAGE_HEADERS,
                           [[s, fmt.number(n), fmt.money(v, 0), fmt.money(w, 0)]
                            for s, n, v, w in self._stage_rows()], {1, 2, 3})
        note = "" if self.only.currentText() == ALL else self.only.currentText()
        p = self.period
        return tab_report_html(
            "Pipeline", f"{fmt.day_text(p.start)} – {fmt.day_text(p.end)}",
            card_figures(self.cards),
            [stages, text_table_from_model("Win rate by owner", self.owner_model),
             text_table_from_model("Open deals", self.model, note)])

    def export_dialog(self) -> None:
        from custdesk.ui.tab_output import export_dialog

        export_dialog(self, "custdesk pipeline", self.export_tables())

    def print_dialog(self) -> None:
        from custdesk.ui.tab_output import print_preview

        print_preview(self, self.report_html())
