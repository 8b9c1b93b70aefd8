"""The Lost prospects tab: which deals did we lose, to whom, and why.

KPI cards (against the prior period), lost deals by reason and by competitor as horizontal
bars, and the searchable table of deals lost in the period. Counts and the win rate come
from `metrics_service` (metrics, reason/competitor breakdowns, `lost_deals`), lost value and
the share with a reason from `pipeline_service` (which also names untitled deals by their
reference); this module only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from custdesk.domain.periods import Period
from custdesk.storage import Store
from custdesk.ui import formatting as fmt
from custdesk.ui.kpi_card import KpiCard
from custdesk.ui.record_table_model import Column, RecordTableModel
from custdesk.ui.table_view import TableWithSearch
from custdesk.ui.tabs.dashboard_tab import DashboardTab, service
from custdesk.ui.tabs.deal_charts import HBarChart
from custdesk.ui.worker import check_cancelled

CATALOGUE_CARDS = ("deals_lost", "win_rate_pct")
OWN_CARDS = ("lost_deals_value", "lost_reason_share_pct")
CARD_ORDER = ("deals_lost", "lost_deals_value", "win_rate_pct", "lost_reason_share_pct")

LOST_COLUMNS = [
    Column("title", "Deal"), Column("customer_name", "Customer"),
    Column("amount", "Amount", "money", display=lambda v: fmt.money(v, 0)),
    Column("lost_reason", "Reason"), Column("competitor", "Competitor"),
    Column("closed_on", "Closed", "date"), Column("owner", "Owner"),
]


@dataclass
class LostData:
    """What the tab shows; built off the GUI thread by `load_lost`."""

    period: Period
    current: dict[str, Any]  # catalogue metrics and the two pipeline_service figures
    prior: dict[str, Any]
    rows: list[Any]
    by_reason: list[tuple[str, int]]
    by_competitor: list[tuple[str, int]]


NO_COMPETITOR = "None named"


def _lost_counts(groups: dict[str, dict[str, Any]], blank: str = "") -> list[tuple[str, int]]:
    """(group, deals lost) for groups with lost deals, most first then by name; the
    breakdown's "(none)" group becomes `blank` and goes last (it is not a rival)."""
    from custdesk.services.metrics_breakdowns import NONE_GROUP

    out = [(g, int(v["deals_lost"].value)) for g, v in groups.items()
           if v.get("deals_lost") is not None and v["deals_lost"].value]
    named = sorted((gc for gc in out if gc[0] != NONE_GROUP or not blank),
                   key=lambda gc: (-gc[1], gc[0]))
    return named + [(blank, n) for g, n in out if g == NONE_GROUP and blank]


def load_lost(store: Store, period: Period) -> LostData | None:
    """Everything the tab shows; None when the file holds no deals."""
    from custdesk.services import pipeline_service as ps

    if service("data_span")(store) is None or ps.deal_count(store) == 0:
        return None
    compute = service("compute_metrics")
    report = compute(store, period, by=("reason", "competitor"))
    check_cancelled()
    prior = dict(compute(store, period.prior()).metrics)
    current = dict(report.metrics)
    current.update(ps.lost_figures(store, period))
    prior.update(ps.lost_figures(store, period.prior()))
    check_cancelled()
    rows = ps.lost_deal_rows(store, period)
    return LostData(period, current, prior, rows,
                    _lost_counts(report.breakdowns.get("reason", {})),
                    _lost_counts(report.breakdowns.get("competitor", {}), NO_COMPETITOR))


def count_bars(counts: list[tuple[str, int]], total: int) -> list[tuple[str, float, str, str]]:
    """Bars of lost-deal counts, labelled with the count and its share of all lost deals."""
    out = []
    for group, n in counts:
        share = f" ({fmt.pct(n / total * 100, 0)})" if total else ""
        out.append((group, float(n), f"{fmt.number(n)}{share}",
                    f"<b>{group}</b>: {fmt.number(n)} lost deals{share}"))
    return out


class LostProspectsTab(DashboardTab):
    title = "Lost prospects"
    slug = "lost_prospects"
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
                                     placeholder="Search deal, customer, reason, competitor…")
        self.table.toolbar.insertWidget(0, QLabel("<b>Deals lost in the period</b>"))
        layout_widget = QWidget()
        layout = QVBoxLayout(layout_widget)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(card_row)
        layout.addLayout(charts, 4)
        layout.addWidget(self.table, 5)
        self.charts_row = charts
        return layout_widget

    # ----- data ------------------------------------------------------------------------
    def load(self, store: Store, period: Period) -> LostData | None:
        return load_lost(store, period)

    def show_data(self, data: LostData) -> None:
        from custdesk.domain.metric_catalogue import METRICS
        from custdesk.services.pipeline_service import LOST_VALUE, REASON_SHARE

        infos = {**{m: METRICS[m] for m in CATALOGUE_CARDS},
                 LOST_VALUE.id: LOST_VALUE, REASON_SHARE.id: REASON_SHARE}
        for metric, card in self.cards.items():
            card.set_metric(infos[metric], data.current.get(metric), data.prior.get(metric),
                            self._extra(metric, data.current))
        total = sum(n for _g, n in data.by_reason)
        self.reason_chart.set_bars(count_bars(data.by_reason, total))
        self.competitor_chart.set_bars(count_bars(data.by_competitor, total))
        self.model.set_rows(data.rows)  # the service's order: newest first

    @staticmethod
    def _extra(metric: str, current: dict[str, Any]) -> str:
        value = current.get(metric)
        if metric == "win_rate_pct" and getattr(value, "low", None) is not None:
            return f"range {fmt.number(value.low, 0)}–{fmt.pct(value.high, 0)}"
        return ""

    # ----- print and export ------------------------------------------------------------
    def export_tables(self) -> list:
        """The lost deals (the main table), the key figures, by reason, by competitor."""
        from custdesk.domain.metric_catalogue import METRICS
        from custdesk.services.pipeline_service import LOST_VALUE, REASON_SHARE
        from custdesk.sheets.table_export import KpiTable, SheetTable, kpi_row
        from custdesk.ui.tab_output import sheet_from_model

        tables: list = [sheet_from_model("Lost deals", self.model)]
        if self.data is not None:
            infos = {m: METRICS[m] for m in (*CATALOGUE_CARDS, "deals_won",
                                              "win_rate_value_pct")}
            infos.update({LOST_VALUE.id: LOST_VALUE, REASON_SHARE.id: REASON_SHARE})
            cur, pri = self.data.current, self.data.prior
            order = (*CARD_ORDER, "deals_won", "win_rate_value_pct")
            tables.append(KpiTable("Key figures", [kpi_row(infos[m], cur.get(m), pri.get(m))
                                                   for m in order]))
        for title, head, attr in (("By reason", "Reason", "by_reason"),
                                  ("By competitor", "Competitor", "by_competitor")):
            tables.append(SheetTable(title, [head, "Deals lost"], ["text", "int"],
                                     [list(r) for r in getattr(self.data, attr, [])]))
        return tables

    def report_html(self) -> str:
        from custdesk.reports.tab_report import Figure, TextTable, tab_report_html
        from custdesk.ui.tab_output import text_table_from_model

        figures = [Figure(c.title.text(), c.value.text(), c.change.text(),
                          c.detail.text().strip()) for c in self.cards.values()]
        groups = [TextTable(title, [head, "Deals lost"],
                            [[g, fmt.number(n)] for g, n in getattr(self.data, attr, [])], {1})
                  for title, head, attr in (("By reason", "Reason", "by_reason"),
                                            ("By competitor", "Competitor", "by_competitor"))]
        p = self.period
        return tab_report_html(
            "Lost prospects", f"{fmt.day_text(p.start)} – {fmt.day_text(p.end)}", figures,
            [*groups, text_table_from_model("Lost deals", self.model)])

    def export_dialog(self) -> None:
        from custdesk.ui.tab_output import export_dialog

        export_dialog(self, "custdesk lost prospects", self.export_tables())

    def print_dialog(self) -> None:
        from custdesk.ui.tab_output import print_preview

        print_preview(self, self.report_html())
