"""The Today tab: the owner's morning look at the chosen period.

KPI cards (against the prior period), four work lists (customers at risk, hot prospects,
lost prospects, detractors to rescue) and 12-month sparklines. Every number comes from
`custdesk.services.metrics_service`; this module only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from custdesk.domain.periods import Period, add_months, month_end, month_key
from custdesk.storage import Store
from custdesk.ui import formatting as fmt
from custdesk.ui.charts import Sparkline
from custdesk.ui.kpi_card import KpiCard, change_text
from custdesk.ui.record_table_model import Column
from custdesk.ui.tabs.dashboard_tab import DashboardTab, service
from custdesk.ui.tabs.metric_panels import TablePanel
from custdesk.ui.worker import check_cancelled

CARDS: tuple[tuple[str, str | None], ...] = (
    ("revenue", None), ("gross_margin_pct", None),
    ("customers_new", "customers_new_value"), ("customers_lost", "customers_lost_value"),
    ("retention_rate_pct", None), ("nps", None), ("win_rate_pct", None),
    ("pipeline_weighted_value", None),
)
TRENDS: tuple[tuple[str, str, str], ...] = (
    ("revenue", "Revenue", "money"),
    ("customers_new", "New customers", "count"),
    ("customers_lost", "Customers lost", "count"),
    ("nps", "Net promoter score", "score"),
    ("discount_pct_avg", "Avg discount", "pct"),
    ("renewal_rate_pct", "Renewal rate", "pct"),
    ("win_rate_pct", "Win rate", "pct"),
)
TREND_MONTHS = 12


def pick(row: Any, *names: str) -> Any:
    """The first attribute of `row` among `names` that exists (result rows vary in naming)."""
    for name in names:
        if isinstance(row, dict) and name in row:
            return row[name]
        if hasattr(row, name):
            return getattr(row, name)
    return None


def _col(key: str, header: str, kind: str = "text", *names: str) -> Column:
    # Whole currency units in these short lists: cents only add width here.
    display = (lambda v: fmt.money(v, 0)) if kind == "money" else None
    return Column(key, header, kind, value=lambda r, n=(names or (key,)): pick(r, *n),
                  display=display)


AT_RISK_COLUMNS = [
    _col("name", "Customer"), _col("segment", "Segment"),
    _col("reasons", "Why", "list"),
    _col("value_at_risk", "Value at risk", "money"),
]
DEAL_COLUMNS = [
    _col("title", "Deal"), _col("customer", "Customer", "text", "customer_name", "customer"),
    _col("stage", "Stage"), _col("weighted", "Weighted", "money"),
    _col("expected_close", "Close", "date"),
]
LOST_COLUMNS = [
    _col("title", "Deal"),
    _col("lost_reason", "Reason", "text", "lost_reason", "reason"),
    _col("competitor", "Competitor"), _col("amount", "Amount", "money"),
    _col("closed_on", "Closed", "date"),
]
DETRACTOR_COLUMNS = [
    _col("name", "Customer"), _col("nps", "NPS", "int", "nps", "score"),
    _col("date", "Date", "date"), _col("comment", "Comment"),
]
# (key, service function, title, columns, column that stretches)
LISTS: tuple[tuple[str, str, str, list[Column], int], ...] = (
    ("at_risk", "at_risk", "Customers at risk", AT_RISK_COLUMNS, 2),
    ("hot", "hot_prospects", "Hot prospects", DEAL_COLUMNS, 0),
    ("lost", "lost_deals", "Lost prospects", LOST_COLUMNS, 0),
    ("detractors", "detractors", "Detractors to rescue", DETRACTOR_COLUMNS, 3),
)


@dataclass
class TodayData:
    """What the tab shows; built off the GUI thread by `load_today`."""

    period: Period
    current: dict[str, Any]
    prior: dict[str, Any]
    lists: dict[str, list[Any] | None] = field(default_factory=dict)
    trends: dict[str, list[tuple[str, float | None]]] = field(default_factory=dict)


def load_today(store: Store, period: Period, with_trends: bool = True) -> TodayData | None:
    """Query everything the Today tab shows (trends too unless `with_trends` is False);
    None when the file holds no data yet."""
    data_span, compute = service("data_span"), service("compute_metrics")
    if data_span is None or data_span(store) is None:
        return None
    current = compute(store, period).metrics
    check_cancelled()
    prior = compute(store, period.prior()).metrics
    lists: dict[str, list[Any] | None] = {}
    for key, func_name, _title, _cols, _stretch in LISTS:
        check_cancelled()
        func = service(func_name)
        lists[key] = list(func(store, period)) if func is not None else None
    trends = (monthly_values(store, [m for m, _l, _u in TRENDS], TREND_MONTHS, period.end)
              if with_trends else {})
    return TodayData(period, current, prior, lists, trends)


def monthly_values(store: Store, metric_ids: list[str], months: int,
                   end: date) -> dict[str, list[tuple[str, float | None]]]:
    """("YYYY-MM", value) per metric for the `months` months up to `end` (the last month cut
    at `end`), from one `compute_metrics` per month: `monthly_series` would recompute every
    metric once per requested metric."""
    compute = service("compute_metrics")
    first = date(end.year, end.month, 1)
    out: dict[str, list[tuple[str, float | None]]] = {m: [] for m in metric_ids}
    for back in range(months - 1, -1, -1):
        check_cancelled()
        start = add_months(first, -back)
        month = Period(start, min(month_end(start), end))
        values = compute(store, month).metrics
        for metric in metric_ids:
            out[metric].append((month_key(start), getattr(values.get(metric), "value", None)))
    return out


class _ListPanel(TablePanel):
    """A titled table of one work list, with a line that sums it up."""

    def __init__(self, name: str, title: str, columns: list[Column], stretch: int) -> None:
        super().__init__(f"today/{name}", title, columns, stretch=stretch)
        self.summary = self.note

    def set_rows(self, rows: list[Any] | None, summary: str) -> None:
        if rows is None:
            self.model.set_rows([])
            self.summary.setText("—")
            return
        self.model.set_rows(rows)
        self.summary.setText(summary)


class TodayTab(DashboardTab):
    title = "Today"
    slug = "today"
    empty_heading = "Welcome! Your morning look starts with your data"
    empty_imports = ("customers (a list of your customers)", "orders or sales lines",
                     "deals (your sales pipeline)", "customer surveys (NPS)")
    empty_why = ("Today shows revenue, margin, customers won and lost, who is at risk and "
                 "which prospects are hot, as soon as your spreadsheets are in.")

    def build_content(self) -> QWidget:
        content = QWidget()
        self.cards = {metric: KpiCard(metric) for metric, _extra in CARDS}
        card_row = QGridLayout()
        card_row.setSpacing(6)
        for i, card in enumerate(self.cards.values()):
            card_row.addWidget(card, 0, i)
        self.lists = {key: _ListPanel(key, title, cols, stretch)
                      for key, _f, title, cols, stretch in LISTS}
        for key in ("at_risk", "detractors"):  # rows that are customers open their story
            table = self.lists[key].table
            table.setToolTip("Double-click a customer to open their story")
            table.doubleClicked.connect(
                lambda index, m=self.lists[key].model: self.open_customer(m.row_at(index.row())))
        grid = QGridLayout()
        grid.setSpacing(8)
        for i, panel in enumerate(self.lists.values()):
            grid.addWidget(panel, i // 2, i % 2)
        self.sparklines = {m: Sparkline(label, unit) for m, label, unit in TRENDS}
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
        layout.addLayout(bottom, 1)
        self._trend_cache: tuple[date, Any] | None = None
        return content

    def load(self, store: Store, period: Period) -> TodayData | None:
        return load_today(store, period, with_trends=False)

    def load_more(self, store: Store, period: Period, data: Any) -> Any:
        """The 12-month trends: one metrics pass per month, so they come second."""
        cache = self._trend_cache  # trends depend only on the period's end
        if cache is not None and cache[0] == period.end:
            return cache
        return (period.end, monthly_values(store, [m for m, _l, _u in TRENDS], TREND_MONTHS,
                                           period.end))

    def show_more(self, extra: Any) -> None:
        self._trend_cache = extra
        self.data.trends = extra[1]
        for metric, line in self.sparklines.items():
            line.set_points(extra[1].get(metric, []))

    def show_data(self, data: TodayData) -> None:
        from custdesk.domain.metric_catalogue import METRICS

        for (metric, extra_id), card in zip(CARDS, self.cards.values(), strict=True):
            extra = ""
            if extra_id is not None and extra_id in data.current:
                extra = "worth " + fmt.by_unit(data.current[extra_id].value, METRICS[extra_id].unit,
                                    short=True)
            card.set_metric(METRICS[metric], data.current.get(metric), data.prior.get(metric),
                            extra)
        for key, panel in self.lists.items():
            rows = data.lists.get(key)
            panel.set_rows(rows, self._summary(key, rows or []))

    def open_customer(self, row: Any) -> Any:
        """The customer dialog for a list row with a `customer_id` (non-modal)."""
        customer_id = pick(row, "customer_id")
        return None if customer_id is None else self.show_customer(customer_id)

    @staticmethod
    def _summary(key: str, rows: list[Any]) -> str:
        if key == "at_risk":
            total = sum(pick(r, "value_at_risk") or 0 for r in rows)
            return f"{len(rows):,} · {fmt.money_short(total)} at risk"
        if key == "hot":
            total = sum(pick(r, "weighted") or 0 for r in rows)
            return f"{len(rows):,} · {fmt.money_short(total)} weighted"
        if key == "lost":
            total = sum(pick(r, "amount") or 0 for r in rows)
            return f"{len(rows):,} · {fmt.money_short(total)} lost"
        return f"{len(rows):,}"

    # ----- print and export ----------------------------------------------------------
    def export_tables(self) -> list:
        """The at-risk list (the main table), the KPI cards, then the other lists."""
        from custdesk.domain.metric_catalogue import METRICS
        from custdesk.sheets.table_export import KpiTable, kpi_row
        from custdesk.ui.tab_output import sheet_from_model

        rows = []
        if self.data is not None:
            current, prior = self.data.current, self.data.prior
            for metric, extra in CARDS:  # a card's "worth …" line is a figure of its own
                for metric_id in (metric, extra) if extra in current else (metric,):
                    rows.append(kpi_row(METRICS[metric_id], current.get(metric_id),
                                        prior.get(metric_id)))
        sheets = [sheet_from_model(p.title, p.model) for p in self.lists.values()]
        return [sheets[0], KpiTable("Key figures", rows), *sheets[1:]]

    def report_html(self) -> str:
        from custdesk.reports.tab_report import Figure, tab_report_html
        from custdesk.ui.tab_output import text_table_from_model

        figures = []
        for card in self.cards.values():
            figures.append(Figure(card.title.text(), card.value.text(), card.change.text(),
                                  card.detail.text().strip()))
        tables = [text_table_from_model(p.title, p.model) for p in self.lists.values()]
        p = self.period
        return tab_report_html("Today", f"{fmt.day_text(p.start)} – {fmt.day_text(p.end)}",
                               figures, tables)

    def export_dialog(self) -> None:
        from custdesk.ui.tab_output import export_dialog

        export_dialog(self, "custdesk today", self.export_tables())

    def print_dialog(self) -> None:
        from custdesk.ui.tab_output import print_preview

        print_preview(self, self.report_html())


__all__ = ["TodayTab", "load_today", "TodayData", "change_text"]
