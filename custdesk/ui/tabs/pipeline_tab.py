"""The Pipeline tab: which prospects are hot, which deals went quiet, who wins.

KPI cards (against the prior period), open deals by stage as a funnel of bars, the open-deals
table (search; all / only hot / only stale) and the win rate by owner. Every number comes
from `metrics_service` (metrics, owner breakdown, hot and stale lists) and
`pipeline_service` (open deals, by stage); this module only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from custdesk.domain.periods import Period
from custdesk.storage import Store
from custdesk.ui import formatting as fmt
from custdesk.ui.kpi_card import KpiCard
from custdesk.ui.record_table_model import Column, RecordTableModel
from custdesk.ui.table_view import RecordTableView, TableWithSearch
from custdesk.ui.tabs.dashboard_tab import DashboardTab, service
from custdesk.ui.tabs.deal_charts import HBarChart
from custdesk.ui.worker import check_cancelled

CARDS = ("deals_open", "pipeline_value", "pipeline_weighted_value", "win_rate_pct",
         "sales_cycle_days_avg", "discount_pct_avg", "lead_conversion_pct")
ALL, HOT, STALE = "All open deals", "Only hot", "Only stale"
HOT_TIP = "Hot: probability of 50 % or more, or expected to close within 30 days"
STALE_TIP = "Stale: no activity for 30 days"


def _money0(value: Any) -> str:
    return fmt.money(value, 0)


DEAL_COLUMNS = [
    Column("flag", "Flag", "list"),  # replaced in the tab: it reads the tab's hot/stale ids
    Column("title", "Deal"), Column("customer_name", "Customer"), Column("stage", "Stage"),
    Column("amount", "Amount", "money", display=_money0),
    Column("probability", "Prob.", "pct", display=lambda v: fmt.pct(v, 0),
           tooltip="The deal's own probability, else its stage's"),
    Column("weighted", "Weighted", "money", display=_money0, tooltip="Amount × probability"),
    Column("expected_close", "Expected close", "date"), Column("owner", "Owner"),
    Column("last_activity_on", "Last activity", "date"), Column("next_step", "Next step"),
]
OWNER_COLUMNS = [
    Column("owner", "Owner"), Column("open", "Open", "int", tooltip="Open deals at the end"),
    Column("won", "Won", "int"), Column("lost", "Lost", "int"),
    Column("win_rate", "Win rate", "pct", tooltip="Won ÷ (won + lost) in the period"),
    Column("range", "95 % range", "text", searchable=False,
           tooltip="Wilson interval: small teams have small samples"),
]


def flag_text(deal_id: Any, hot_ids: set[int], stale_ids: set[int]) -> list[str]:
    """["hot"], ["stale"], both or none, by the service's lists."""
    return [name for name, ids in (("hot", hot_ids), ("stale", stale_ids)) if deal_id in ids]


@dataclass
class PipelineData:
    """What the tab shows; built off the GUI thread by `load_pipeline`."""

    period: Period
    current: dict[str, Any]
    prior: dict[str, Any]
    owners: dict[str, dict[str, Any]]
    rows: list[Any]
    stages: list[Any]
    hot_ids: set[int] = field(default_factory=set)
    stale_ids: set[int] = field(default_factory=set)


def load_pipeline(store: Store, period: Period) -> PipelineData | None:
    """Everything the tab shows; None when the file holds no deals."""
    from custdesk.services import pipeline_service as ps

    if service("data_span")(store) is None or ps.deal_count(store) == 0:
        return None
    report = service("compute_metrics")(store, period, by=("owner",))
    check_cancelled()
    prior = service("compute_metrics")(store, period.prior()).metrics
    check_cancelled()
    hot = {r.id for r in service("hot_prospects")(store, period)}
    stale = {r.id for r in service("stale_deals")(store, period)}
    check_cancelled()
    return PipelineData(period, report.metrics, prior, report.breakdowns.get("owner", {}),
                        ps.open_deals(store, period), ps.open_by_stage(store, period),
                        hot, stale)


def owner_rows(owners: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per owner from the owner breakdown (values as the service gives them)."""
    def v(values: dict[str, Any], metric: str) -> Any:
        return getattr(values.get(metric), "value", None)

    rows = []
    for owner, values in owners.items():
        rate = values.get("win_rate_pct")
        low, high = getattr(rate, "low", None), getattr(rate, "high", None)
        rows.append({"owner": owner, "open": v(values, "deals_open"),
                     "won": v(values, "deals_won"), "lost": v(values, "deals_lost"),
                     "win_rate": v(values, "win_rate_pct"),
                     "range": (f"{fmt.number(low, 0)}–{fmt.pct(high, 0)}"
                               if low is not None and high is not None else "")})
    return rows


def stage_bars(stages: list[Any]) -> list[tuple[str, float, str, str]]:
    """The funnel's bars: deal count per stage, labelled with count and value."""
    out = []
    for s in stages:
        label = f"{fmt.number(s.deals)} · {fmt.money_short(s.value)}"
        hover = (f"<b>{s.stage}</b>: {fmt.number(s.deals)} open deals<br>"
                 f"value {fmt.money(s.value, 0)}, weighted {fmt.money(s.weighted, 0)}"
                 + (f"<br>{fmt.number(s.unvalued)} without an amount" if s.unvalued else ""))
        out.append((s.stage, float(s.deals), label, hover))
    return out


def card_extra(metric: str, current: dict[str, Any]) -> str:
    """The card's extra line: the win rate's range, deep discounts, unvalued deals."""
    value = current.get(metric)
    if metric == "win_rate_pct" and getattr(value, "low", None) is not None:
        return f"range {fmt.number(value.low, 0)}–{fmt.pct(value.high, 0)}"
    if metric == "discount_pct_avg":
        deep = getattr(current.get("deep_discount_share_pct"), "value", None)
        return f"deep {fmt.pct(deep, 0)}"
    if metric == "deals_open":
        unvalued = getattr(current.get("deals_open_unvalued"), "value", None)
        return f"{fmt.number(unvalued)} without amount" if unvalued else ""
    return ""


class PipelineTab(DashboardTab):
    title = "Pipeline"
    slug = "pipeline"
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
        flag = Column("flag", "Flag", "list", tooltip=f"{HOT_TIP}\n{STALE_TIP}",
                      value=lambda r: flag_text(r.id, getattr(self.data, "hot_ids", set()),
                                                getattr(self.data, "stale_ids", set())))
        self.model = RecordTableModel([flag, *DEAL_COLUMNS[1:]], self)
        self.model.row_colour = self._row_colour
        self.table = TableWithSearch(self.model, "pipeline/open", stretch=len(DEAL_COLUMNS) - 1,
                                     stretch_share=0.12,
                                     placeholder="Search deal, customer, stage, owner…")
        self.only = QComboBox()
        self.only.addItems([ALL, HOT, STALE])
        self.only.setToolTip(f"{HOT_TIP}\n{STALE_TIP}")
        self.only.currentIndexChanged.connect(self.apply_filter)
        self.table.toolbar.insertWidget(1, self.only)
        legend = QLabel(f"<span style='color:#c0561b'>■</span> hot ({HOT_TIP[5:]}) &nbsp; "
                        f"<span style='color:#8a8a8a'>■</span> stale ({STALE_TIP[7:]})")
        legend.setWordWrap(True)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("<b>Open deals</b> at the end of the period"))
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(legend)
        side = self._build_side()
        body = QHBoxLayout()
        body.addWidget(left, 3)
        body.addWidget(side, 1)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(card_row)
        layout.addLayout(body, 1)
        return content

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

    # ----- data ------------------------------------------------------------------------
    def load(self, store: Store, period: Period) -> PipelineData | None:
        return load_pipeline(store, period)

    def show_data(self, data: PipelineData) -> None:
        from custdesk.domain.metric_catalogue import METRICS

        for metric, card in self.cards.items():
            card.set_metric(METRICS[metric], data.current.get(metric), data.prior.get(metric),
                            card_extra(metric, data.current))
        self.model.set_rows(data.rows)
        self.apply_filter()
        self.stage_chart.set_bars(stage_bars(data.stages))
        weighted = sum(s.weighted for s in data.stages)
        self.stage_note.setText(f"Weighted: {fmt.money_short(weighted)} · hover a bar for more")
        self.owner_model.set_rows(owner_rows(data.owners))

    def apply_filter(self) -> None:
        """All open deals, only the hot ones or only the stale ones (search filters too)."""
        choice = self.only.currentText()
        ids = (getattr(self.data, "hot_ids", set()) if choice == HOT else
               getattr(self.data, "stale_ids", set()) if choice == STALE else None)
        self.model.set_predicate(None if ids is None else (lambda r: r.id in ids))

    def _row_colour(self, row: Any) -> Any:
        from PySide6.QtGui import QColor

        if self.data is None:
            return None
        if row.id in self.data.stale_ids:
            return QColor("#8a8a8a")
        return QColor("#c0561b") if row.id in self.data.hot_ids else None

    # ----- print and export ------------------------------------------------------------
    def _figures(self) -> list:
        from custdesk.reports.tab_report import Figure

        return [Figure(c.title.text(), c.value.text(), c.change.text(), c.detail.text().strip())
                for c in self.cards.values()]

    def export_tables(self) -> list:
        """The open deals (the main table), the key figures, by stage, then by owner."""
        from custdesk.domain.metric_catalogue import METRICS
        from custdesk.sheets.table_export import KpiTable, SheetTable, kpi_row
        from custdesk.ui.tab_output import sheet_from_model

        tables: list = [sheet_from_model("Open deals", self.model)]
        if self.data is not None:
            cur, pri = self.data.current, self.data.prior
            tables.append(KpiTable("Key figures", [
                kpi_row(METRICS[m], cur.get(m), pri.get(m))
                for m in (*CARDS, "deep_discount_share_pct", "deals_open_unvalued",
                          "deals_won", "deals_lost", "win_rate_value_pct") if m in METRICS]))
        tables.append(SheetTable("Open deals by stage", ["Stage", "Deals", "Value", "Weighted"],
                                 ["text", "int", "money", "money"],
                                 [[s.stage, s.deals, s.value, s.weighted]
                                  for s in getattr(self.data, "stages", [])]))
        tables.append(sheet_from_model("Win rate by owner", self.owner_model))
        return tables

    def report_html(self) -> str:
        from custdesk.reports.tab_report import TextTable, tab_report_html
        from custdesk.ui.tab_output import text_table_from_model

        stages = TextTable("Open deals by stage", ["Stage", "Deals", "Value", "Weighted"],
                           [[s.stage, fmt.number(s.deals), fmt.money(s.value, 0),
                             fmt.money(s.weighted, 0)] for s in getattr(self.data, "stages", [])],
                           {1, 2, 3})
        note = "" if self.only.currentText() == ALL else self.only.currentText()
        p = self.period
        return tab_report_html(
            "Pipeline", f"{fmt.day_text(p.start)} – {fmt.day_text(p.end)}", self._figures(),
            [stages, text_table_from_model("Win rate by owner", self.owner_model),
             text_table_from_model("Open deals", self.model, note)])

    def export_dialog(self) -> None:
        from custdesk.ui.tab_output import export_dialog

        export_dialog(self, "custdesk pipeline", self.export_tables())

    def print_dialog(self) -> None:
        from custdesk.ui.tab_output import print_preview

        print_preview(self, self.report_html())
