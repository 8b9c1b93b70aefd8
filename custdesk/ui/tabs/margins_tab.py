"""The Margins tab: where the money is made, and who makes it.

KPI cards (revenue, profit, margin, order value, lifetime value, acquisition cost); revenue,
profit and margin by product (beside its target margin), category and segment; a 12-month
revenue and margin chart; profitability groups A–D and how customers moved between them; the
monthly sales plan with every input. It draws two screens built in the background —
`services/screens/margins.py` and `services/screens/plan.py` — and computes nothing.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from custdesk.domain.periods import Period
from custdesk.services.screen_process import ScreenJob
from custdesk.services.screens import margins
from custdesk.services.screens.model import Screen, SeriesPoint
from custdesk.ui import formatting as fmt
from custdesk.ui import idle_queue
from custdesk.ui.charts import TrendChart, month_label
from custdesk.ui.page_tabs import PageTabs
from custdesk.ui.record_table_model import Column
from custdesk.ui.tabs.dashboard_tab import DashboardTab
from custdesk.ui.tabs.metric_panels import (
    TablePanel,
    card_figures,
    card_row,
    fill_cards,
    key_figures_sheet,
    metric_col,
    money_col,
    partial_note,
    stacked,
)

if TYPE_CHECKING:
    pass

CARDS = margins.CARDS
TREND_MONTHS = margins.TREND_MONTHS
BELOW_TARGET = "#b03a2e"


def _sales_columns(first: str, with_target: bool = False) -> list[Column]:
    cols = [Column("name", first), money_col("revenue", "Revenue"),
            money_col("gross_profit", "Gross profit"),
            metric_col("margin_pct", "gross_margin_pct")]
    if with_target:
        cols += [Column("target_margin_pct", "Target", "pct",
                        tooltip="The product's target margin (products sheet)"),
                 Column("margin_gap_pts", "vs target", "float",
                        display=lambda v: fmt.DASH if v is None else
                        f"{'+' if v >= 0 else '−'}{fmt.number(abs(v), 1)} pts",
                        tooltip="Actual margin minus target, in points"),
                 Column("revenue_change_pct", "Trend", "float",
                        display=lambda v: fmt.DASH if v is None else
                        f"{'+' if v >= 0 else '−'}{fmt.number(abs(v), 0)} %",
                        tooltip="Revenue against the period before, in %"),
                 Column("behind_why", "Behind its case",
                        tooltip="Behind its business case: margin below target, revenue down "
                                "10 % or more on the period before, or — with a case entered "
                                "(Business cases…) — units or revenue under 90 % of the case "
                                "pro rata, or margin below the case's")]
        return cols  # no Orders column: the product names need the room at 1366 px
    return cols + [Column("orders", "Orders", "int")]


GROUP_COLUMNS = [Column("group", "Group"), Column("customers", "Customers", "int"),
                 metric_col("gross_profit", "gross_profit"),
                 Column("profit_share_pct", "Share", "pct",
                        tooltip="Share of the period's positive gross profit")]
MOVE_COLUMNS = [Column("from", "From", tooltip="Group in the prior period (new: no orders then)")]
# "lost" here is a customer with orders in the prior period and none in this one — not the
# customers_lost of the cards (lost by METRICS.md's rule), so it is named for what it counts
MOVE_COLUMNS += [Column(g, g, "int") for g in ("A", "B", "C", "D")] + [
    Column("lost", "Gone", "int",  # short: the number columns are narrow
           tooltip="Ordered in the prior period, not in this one (not the same count as "
                   "'Customers lost', which follows the lost rule of Help ▸ Metric "
                   "definitions)"),
    Column("total", "Total", "int")]
def _short_money(key: str, header: str, tooltip: str) -> Column:
    return Column(key, header, "money", display=fmt.money_short, tooltip=tooltip)


def _month(m: str) -> str:
    return month_label(m)


def _span(first: str | None, last: str | None) -> str:
    """"Sep–Nov 26": the baseline's months, short enough for a table cell."""
    if first is None or last is None:
        return fmt.DASH
    return f"{month_label(first)[:3]}–{month_label(last)}"


PLAN_COLUMNS = [
    Column("month", "Month", display=_month),
    Column("status", "", tooltip="past, current (so far) or future month"),
    _short_money("revenue_target", "Target", "Revenue target for the month"),
    Column("baseline_from", "Base months",
           value=lambda r: _span(r["baseline_from"], r["baseline_to"]),
           tooltip="The 3 complete months the baseline averages: before the month, or before "
                   "the current month when that is earlier (a month not yet ended never "
                   "counts as zero)"),
    _short_money("existing_monthly_revenue", "Existing",
                 "Mean monthly revenue over the base months from customers acquired before "
                 "the month"),
    metric_col("retention_12m_pct", "retention_rate_pct",
               tooltip="Retention rate over the 12 complete months before the base's end"),
    _short_money("baseline", "Baseline", "Existing × (retention ÷ 100)^(1/12)"),
    _short_money("gap", "Gap", "max(0, target − baseline)"),
    _short_money("first_90_day_revenue", "90-day new",
                 "Mean first-90-day revenue of customers acquired in those 12 months"),
    Column("new_customers_needed", "New needed", "int",
           tooltip="New customers needed: ⌈gap ÷ 90-day new⌉"),
    Column("new_customers_target", "Your target", "int",
           tooltip="Your own new-customer target for the month (targets sheet)"),
    metric_col("lead_conversion_pct", "lead_conversion_pct",
               tooltip="Lead conversion: deals won ÷ deals created, same 12 months"),
    Column("leads_needed", "Leads", "int", tooltip="Leads needed: ⌈new ÷ conversion⌉"),
    _short_money("actual_revenue", "Actual", "Revenue of the month (so far, if current)"),
    Column("actual_new_customers", "Actual new", "int",
           tooltip="Customers acquired in the month (so far, if current)"),
]


class MarginsTab(DashboardTab):
    title = "Margins"
    slug = "margins"
    depends_on = frozenset({"customers", "orders", "products", "targets", "deals", "spend"})
    empty_heading = "No sales to show yet"
    empty_imports = ("orders or sales lines (date, customer, product, revenue, cost or profit)",
                     "products (name, category, unit cost, target margin)",
                     "monthly targets and marketing spend (for the plan and acquisition cost)")
    empty_why = ("Margins shows which products, categories and customer groups make the "
                 "profit, and how many new customers next month's target needs.")

    def build_content(self) -> QWidget:
        self.cards, cards_layout = card_row(CARDS)
        self.sales_tabs = PageTabs()
        self.products = TablePanel("margins/products", "By product",
                                   _sales_columns("Product", True),
                                   search="Search products…")
        self.products.model.row_colour = lambda r: QColor(BELOW_TARGET) \
            if r.get("behind_case", r["below_target"]) else None
        self.products.note.setText(f"<span style='color:{BELOW_TARGET}'>■</span> "
                                   "behind its business case")
        self.categories = TablePanel("margins/categories", "By category",
                                     _sales_columns("Category"), search="Search categories…")
        self.segments = TablePanel("margins/segments", "By customer group (segment)",
                                   _sales_columns("Segment"), search="Search segments…")
        self.plan = TablePanel("margins/plan", "Monthly sales plan", PLAN_COLUMNS)
        formulas = QLabel(
            "Baseline = monthly revenue of customers acquired before the month, over 3 "
            "complete months, × (retention ÷ 100)^(1/12). "
            "Gap = target − baseline. New customers needed = gap ÷ a new customer's first "
            "90 days of revenue; leads needed = new customers ÷ lead conversion (both rounded "
            "up). Hover a header for more.")
        formulas.setWordWrap(True)
        formulas.setStyleSheet("color: gray;")
        self.plan_notes = QLabel()
        self.plan_notes.setWordWrap(True)
        self.plan_notes.setStyleSheet("color: gray;")
        self.plan.box.addWidget(formulas)
        self.plan.box.addWidget(self.plan_notes)
        self.line_plan = TablePanel(
            "margins/line_plan", "Sales plan by product line",
            [Column("line", "Line", tooltip="A product or a category with revenue targets"),
             *PLAN_COLUMNS], search="Search lines…")
        line_formulas = QLabel(
            "Each product line is planned on its own revenue: baseline from the line's sales to "
            "existing customers; new customers needed = gap ÷ the first-90-day line revenue "
            "of recent new customers who bought the line. Retention and lead conversion are "
            "the business's.")
        line_formulas.setWordWrap(True)
        line_formulas.setStyleSheet("color: gray;")
        self.line_plan.box.addWidget(line_formulas)
        # short labels fit the table's width at 1366 px (the panels say the rest); where
        # customers come from and what they cost is the Growth tab's Acquisition page
        for panel, label in ((self.products, "Products"), (self.categories, "Categories"),
                             (self.segments, "Segments"), (self.plan, "Plan"),
                             (self.line_plan, "Line plan")):
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
        self.groups.box.addWidget(legend)
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
        return stacked(cards_layout, (grid, 1))

    def _charts(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        top = QHBoxLayout()
        top.addWidget(QLabel(f"<b>Revenue, gross profit and margin, last {TREND_MONTHS} "
                             "months</b>"))
        top.addStretch(1)
        self.trend_note = QLabel()  # says which month is partial (drawn as its own point)
        self.trend_note.setStyleSheet("color: gray;")
        top.addWidget(self.trend_note)
        self.targets_button = QPushButton("Targets…")
        self.targets_button.setToolTip("Set a monthly target for any metric: the cards show "
                                       "it with on/off track")
        self.targets_button.clicked.connect(lambda: self.edit_targets())
        top.addWidget(self.targets_button)
        self.cases_button = QPushButton("Business cases…")
        self.cases_button.setToolTip("Each product's expected volume, price, margin, "
                                     "investment and start, and how it does against them")
        self.cases_button.clicked.connect(lambda: self.edit_cases())
        top.addWidget(self.cases_button)
        layout.addLayout(top)
        self.revenue_chart.setMinimumHeight(110)
        self.margin_chart.setMinimumHeight(80)
        layout.addWidget(self.revenue_chart, 3)
        layout.addWidget(self.margin_chart, 2)
        return box

    def edit_targets(self) -> object:
        """The Targets dialog for the open file (non-modal; saving redraws the cards)."""
        from custdesk.ui.dialogs.targets_dialog import TargetsDialog

        return None if self.store is None else TargetsDialog.open_for(self.store, self)

    def edit_cases(self) -> object:
        """The Business cases dialog, measured to the period's end (non-modal)."""
        from custdesk.ui.dialogs.business_case_dialog import BusinessCaseDialog

        if self.store is None:
            return None
        return BusinessCaseDialog.open_for(self.store, self.period.end, self)

    # ----- data (background: both screens; GUI thread: draw them) ------------------------
    screen_module = margins

    def load_job(self, period: Period) -> ScreenJob:
        return ScreenJob(margins.build_tab, (period, self.period_label), {"with_series": False})

    def show_series(self, series: dict[str, list[SeriesPoint]]) -> None:
        # charts.py draws a partial month as a hollow dot on a dashed stub, never a drop
        self.revenue_chart.set_series({"Revenue": series["revenue"],
                                       "Gross profit": series["gross_profit"]})
        # the margin chart drawn (and so first painted) a turn later: both charts' first
        # paint in one pass took ~50 ms of GUI-thread CPU on a big file (axes re-laid out
        # and painted several times each); the queued steps run in order, a newer series last
        idle_queue.later(self, partial(self.margin_chart.set_series,
                                       {"Gross margin": series["gross_margin_pct"]}))
        last = series["revenue"][-1] if series["revenue"] else None
        self.trend_note.setText(f"last month partial — {partial_note(last)}"
                                if last is not None and last.partial else "")

    def show_screen(self, screen: Screen) -> None:
        ratio = screen.cards.get("ltv_cac_ratio")
        extras = {"ltv_cac_ratio": "3+ healthy" if ratio and ratio.value else ""}
        fill_cards(self.cards, screen.cards, extras)  # with the owner's targets
        products = screen.tables.get("by_product", [])
        self.products.model.set_rows(products)
        below = sum(1 for r in products if r["below_target"])
        behind = sum(1 for r in products if r.get("behind_case"))
        self.products.note.setText(f"<span style='color:{BELOW_TARGET}'>■</span> "
                                   f"{behind} behind their business case · {below} below "
                                   "target margin")
        self.categories.model.set_rows(screen.tables.get("by_category", []))
        self.segments.model.set_rows(screen.tables.get("by_segment", []))
        self.groups.model.set_rows(screen.tables.get("groups", []))
        self.movement.model.set_rows(screen.tables.get("movement", []))
        rows = screen.tables["plan"]
        self.plan.model.set_rows(rows)
        self.plan.note.setText("no revenue targets for these months — import targets"
                               if not rows else "the period's months, this month and the "
                               "next three")
        self.plan_notes.setText(fmt.dates_in_text(" ".join(screen.notes)))
        lines = screen.tables.get("by_line", [])
        self.line_plan.model.set_rows(lines)
        self.line_plan.note.setText("no targets per product or category — import targets with "
                                    "a product or category column" if not lines else
                                    "past months show actual line revenue and new buyers")

    def _panels(self) -> list[TablePanel]:
        return [self.products, self.categories, self.segments, self.groups, self.movement,
                self.plan, self.line_plan]

    # ----- print and export --------------------------------------------------------------
    def export_tables(self) -> list:
        """By product (the main table), the KPI cards, then the other tables."""
        from custdesk.services.tab_export import SheetTable
        from custdesk.ui.tab_output import sheet_from_model

        sheets = [sheet_from_model(p.title, p.model) for p in self._panels()]
        extra = []
        if self.data is not None:
            extra.append(key_figures_sheet(CARDS, self.data.cards))
            series = self.data.series
            if series:
                # a partial month says so in its label: never read as a whole month
                rows = [[p.month + (f" ({p.days} days)" if p.partial else ""),
                         *(series[k][i].value for k in margins.SERIES)]
                        for i, p in enumerate(series["revenue"])]
                extra.append(SheetTable(
                    f"By month, last {TREND_MONTHS} months",
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
