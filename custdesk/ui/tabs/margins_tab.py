"""The Margins tab: where the money is made, and who makes it.

KPI cards (revenue, profit, margin, order value, lifetime value, acquisition cost); revenue,
profit and margin by product (beside its target margin), category and segment; a 12-month
revenue and margin chart; profitability groups A–D and how customers moved between them; the
monthly sales plan with every input. Numbers come from `metrics_service` (and
`margins_service`, which only arranges them); this module lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from custdesk.domain.periods import Period
from custdesk.storage import Store
from custdesk.ui import formatting as fmt
from custdesk.ui.charts import TrendChart, month_label
from custdesk.ui.record_table_model import Column
from custdesk.ui.tabs.dashboard_tab import DashboardTab, service
from custdesk.ui.tabs.metric_panels import (
    TablePanel,
    card_figures,
    card_row,
    fill_cards,
    key_figures_sheet,
    money_col,
)
from custdesk.ui.worker import check_cancelled

CARDS = ("revenue", "gross_profit", "gross_margin_pct", "avg_order_value",
         "ltv_historical_avg", "ltv_predictive", "cac", "ltv_cac_ratio")
# By month comes second, for 12 months to the period's end (one query; see load_trend).
BREAKDOWNS = ("segment", "product", "category")
TREND_MONTHS = 12
BELOW_TARGET = "#b03a2e"


def _sales_columns(first: str, with_target: bool = False) -> list[Column]:
    cols = [Column("name", first), money_col("revenue", "Revenue"),
            money_col("gross_profit", "Gross profit"),
            Column("margin_pct", "Margin", "pct", tooltip="Gross profit ÷ revenue of the "
                   "lines with a known cost")]
    if with_target:
        cols += [Column("target_margin_pct", "Target", "pct",
                        tooltip="The product's target margin (products sheet)"),
                 Column("margin_gap_pts", "vs target", "float",
                        display=lambda v: fmt.DASH if v is None else
                        f"{'+' if v >= 0 else '−'}{fmt.number(abs(v), 1)} pts",
                        tooltip="Actual margin minus target, in points")]
    return cols + [Column("orders", "Orders", "int")]


GROUP_COLUMNS = [Column("group", "Group"), Column("customers", "Customers", "int"),
                 money_col("gross_profit", "Profit"),
                 Column("profit_share_pct", "Share", "pct",
                        tooltip="Share of the period's positive gross profit")]
MOVE_COLUMNS = [Column("from", "From", tooltip="Group in the prior period (new: no orders then)")]
MOVE_COLUMNS += [
    Column(g, g if g != "lost" else "Lost", "int") for g in ("A", "B", "C", "D", "lost")] + [
    Column("total", "Total", "int")]
def _short_money(key: str, header: str, tooltip: str) -> Column:
    return Column(key, header, "money", display=fmt.money_short, tooltip=tooltip)


PLAN_COLUMNS = [
    Column("month", "Month", display=lambda m: month_label(m)),
    _short_money("target", "Target", "Revenue target for the month"),
    _short_money("recent_monthly_revenue", "Existing",
                 "Existing customers' mean monthly revenue over the 3 months before"),
    Column("retention_12m_pct", "Retention", "pct", tooltip="Retention rate, trailing 12 months"),
    _short_money("baseline", "Baseline", "Existing × (retention ÷ 100)^(1/12)"),
    _short_money("gap", "Gap", "max(0, target − baseline)"),
    _short_money("first_90_day_revenue", "90-day new",
                 "Mean first-90-day revenue of customers acquired in the trailing 12 months"),
    Column("new_customers_needed", "New", "int",
           tooltip="New customers needed: ⌈gap ÷ 90-day new⌉"),
    Column("lead_conversion_pct", "Conv.", "pct",
           tooltip="Lead conversion: deals won ÷ deals created, trailing 12 months"),
    Column("leads_needed", "Leads", "int", tooltip="Leads needed: ⌈new ÷ conversion⌉"),
]


@dataclass
class MarginsData:
    """What the tab shows; built off the GUI thread by `load_margins`."""

    period: Period
    current: dict[str, Any]
    prior: dict[str, Any]
    products: list[Any]
    categories: list[Any]
    segments: list[Any]
    groups: list[Any]
    movement: list[dict[str, object]]
    plan: list[Any]
    trend: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def load_margins(store: Store, period: Period) -> MarginsData | None:
    """Query everything but the trend; None when the file holds no data yet."""
    from custdesk.services import margins_service as mg

    span = service("data_span")
    if span is None or span(store) is None:
        return None
    report = service("compute_metrics")(store, period, by=BREAKDOWNS)
    check_cancelled()
    prior = service("compute_metrics")(store, period.prior()).metrics
    check_cancelled()
    b = report.breakdowns
    groups = mg.group_rows(store, period, service("profitability_groups")(store, period))
    check_cancelled()
    movement = mg.movement_rows(service("group_movement")(store, period))
    check_cancelled()
    plan = mg.sales_plan_ahead(store, period.end)
    return MarginsData(period, report.metrics, prior,
                       mg.sales_rows(b["product"], mg.product_targets(store)),
                       mg.sales_rows(b["category"]), mg.sales_rows(b["segment"]),
                       groups, movement, plan)


def load_trend(store: Store, period: Period) -> list[tuple[str, dict[str, Any]]]:
    """Sales figures by month for the 12 months up to the period's end (chart and export)."""
    from custdesk.services.margins_service import monthly_sales

    return monthly_sales(store, period.end, TREND_MONTHS)


class MarginsTab(DashboardTab):
    title = "Margins"
    slug = "margins"
    empty_heading = "No sales to show yet"
    empty_imports = ("orders or sales lines (date, customer, product, revenue, cost or profit)",
                     "products (name, category, unit cost, target margin)",
                     "monthly targets and marketing spend (for the plan and acquisition cost)")
    empty_why = ("Margins shows which products, categories and customer groups make the "
                 "profit, and how many new customers next month's target needs.")

    def build_content(self) -> QWidget:
        content = QWidget()
        self.cards, cards_layout = card_row(CARDS)
        self.sales_tabs = QTabWidget()
        self.products = TablePanel("margins/products", "By product",
                                   _sales_columns("Product", True),
                                   search="Search products…")
        self.products.model.row_colour = lambda r: QColor(BELOW_TARGET) if r.below_target \
            else None
        self.products.note.setText(f"<span style='color:{BELOW_TARGET}'>■</span> "
                                   "margin below target")
        self.categories = TablePanel("margins/categories", "By category",
                                     _sales_columns("Category"), search="Search categories…")
        self.segments = TablePanel("margins/segments", "By customer group (segment)",
                                   _sales_columns("Segment"), search="Search segments…")
        self.plan = TablePanel("margins/plan", "Monthly sales plan", PLAN_COLUMNS)
        formulas = QLabel(
            "Baseline = existing customers' monthly revenue × (retention ÷ 100)^(1/12). "
            "Gap = target − baseline. New customers needed = gap ÷ a new customer's first "
            "90 days of revenue; leads needed = new customers ÷ lead conversion (both rounded "
            "up). Hover a header for more.")
        formulas.setWordWrap(True)
        formulas.setStyleSheet("color: gray;")
        self.plan.layout().addWidget(formulas)
        for panel, label in ((self.products, "By product"), (self.categories, "By category"),
                             (self.segments, "By segment"), (self.plan, "Sales plan")):
            self.sales_tabs.addTab(panel, label)
            panel.heading.hide()  # the tab says it
        self.revenue_chart = TrendChart("money")
        self.margin_chart = TrendChart("pct")
        self.groups = TablePanel("margins/groups", "Profitability groups", GROUP_COLUMNS)
        self.groups.setToolTip("A: customers making the top 20 % of the period's gross profit; "
                               "B: the next 30 %; C: the rest with profit; D: zero or negative")
        legend = QLabel("A: top 20 % of the profit · B: next 30 % · C: the rest with profit · "
                        "D: zero or a loss")
        legend.setWordWrap(True)
        legend.setStyleSheet("color: gray;")
        self.groups.layout().addWidget(legend)
        self.movement = TablePanel("margins/movement", "Moves since the prior period",
                                   MOVE_COLUMNS)
        grid = QGridLayout()
        grid.setSpacing(8)
        grid.addWidget(self.sales_tabs, 0, 0, 2, 1)
        grid.addWidget(self._charts(), 0, 1, 1, 2)
        grid.addWidget(self.groups, 1, 1)
        grid.addWidget(self.movement, 1, 2)
        # ~650 px for the product table, 300 for groups, 400 for the movement table at 1366.
        grid.setColumnStretch(0, 13)
        grid.setColumnStretch(1, 6)
        grid.setColumnStretch(2, 8)
        grid.setRowStretch(0, 2)
        grid.setRowStretch(1, 1)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(cards_layout)
        layout.addLayout(grid, 1)
        return content

    def _charts(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(QLabel(f"<b>Revenue, gross profit and margin, last {TREND_MONTHS} "
                                "months</b>"))
        self.revenue_chart.setMinimumHeight(110)
        self.margin_chart.setMinimumHeight(80)
        layout.addWidget(self.revenue_chart, 3)
        layout.addWidget(self.margin_chart, 2)
        return box

    # ----- data ----------------------------------------------------------------------------
    def load(self, store: Store, period: Period) -> MarginsData | None:
        return load_margins(store, period)

    def load_more(self, store: Store, period: Period, data: Any) -> Any:
        return load_trend(store, period)

    def show_more(self, extra: Any) -> None:
        self.data.trend = extra
        months = [m for m, _v in extra]

        def series(metric: str) -> list[float | None]:
            return [values[metric].value for _m, values in extra]

        self.revenue_chart.set_series(months, {"Revenue": series("revenue"),
                                               "Gross profit": series("gross_profit")})
        self.margin_chart.set_series(months, {"Gross margin": series("gross_margin_pct")})

    def show_data(self, data: MarginsData) -> None:
        ratio = data.current.get("ltv_cac_ratio")
        extras = {"ltv_cac_ratio": "3+ healthy" if getattr(ratio, "value", None) else ""}
        fill_cards(self.cards, data.current, data.prior, extras)
        self.products.model.set_rows(data.products)
        below = sum(1 for r in data.products if r.below_target)
        self.products.note.setText(f"<span style='color:{BELOW_TARGET}'>■</span> "
                                   f"{below} below target margin")
        self.categories.model.set_rows(data.categories)
        self.segments.model.set_rows(data.segments)
        self.groups.model.set_rows(data.groups)
        self.movement.model.set_rows(data.movement)
        self.plan.model.set_rows(data.plan)
        self.plan.note.setText("no revenue targets for these months — import targets"
                               if not data.plan else "the month of the period's end and the "
                               "next three")

    def _panels(self) -> list[TablePanel]:
        return [self.products, self.categories, self.segments, self.groups, self.movement,
                self.plan]

    # ----- print and export --------------------------------------------------------------
    def export_tables(self) -> list:
        """By product (the main table), the KPI cards, then the other tables."""
        from custdesk.sheets.table_export import SheetTable
        from custdesk.ui.tab_output import sheet_from_model

        sheets = [sheet_from_model(p.title, p.model) for p in self._panels()]
        extra = []
        if self.data is not None:
            extra.append(key_figures_sheet(CARDS, self.data.current, self.data.prior))
            rows = [[m, *(v[k].value for k in
                          ("revenue", "gross_profit", "gross_margin_pct", "orders_count"))]
                    for m, v in self.data.trend]
            extra.append(SheetTable(f"By month, last {TREND_MONTHS} months",
                                    ["Month", "Revenue", "Gross profit", "Margin %", "Orders"],
                                    ["text", "money", "money", "pct", "int"], rows))
        return [sheets[0], *extra, *sheets[1:]]

    def report_html(self) -> str:
        from custdesk.reports.tab_report import tab_report_html
        from custdesk.ui.tab_output import text_table_from_model

        tables = [text_table_from_model(p.title, p.model) for p in self._panels()]
        p = self.period
        return tab_report_html("Margins", f"{fmt.day_text(p.start)} – {fmt.day_text(p.end)}",
                               card_figures(self.cards), tables)

    def export_dialog(self) -> None:
        from custdesk.ui.tab_output import export_dialog

        export_dialog(self, "custdesk margins", self.export_tables())

    def print_dialog(self) -> None:
        from custdesk.ui.tab_output import print_preview

        print_preview(self, self.report_html())
